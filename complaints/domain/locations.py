"""Province, district and subdistrict names checked against the DOPA list (geothai)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geothai


class UnknownPlace(ValueError):
    def __init__(self, field: str, value: str):
        super().__init__(f"unknown {field}: {value}")
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Place:
    province: str | None = None
    district: str | None = None
    subdistrict: str | None = None
    code: str | None = None  # the most specific DOPA code


def _matches(name_th: str, name_en: str, wanted: str) -> bool:
    return wanted in {geothai.normalize(name_th), geothai.normalize(name_en)}


@lru_cache(maxsize=4096)  # the DOPA list is fixed; people name the same places again and again
def resolve_place(province: str | None, district: str | None, subdistrict: str | None) -> Place:
    """Canonical Thai names and code for what a citizen typed or picked.

    Accepts Thai or English names and the short forms people write (จ., อ., เขต,
    กทม). A district needs its province and a subdistrict its district, since the
    same names recur across the country. Raises UnknownPlace naming the field.
    """
    if not province:
        if district:
            raise UnknownPlace("province", "")
        if subdistrict:
            raise UnknownPlace("district", "")
        return Place()
    wanted = geothai.normalize(province)
    prov = next((p for p in geothai.provinces() if wanted and geothai.is_province(p, wanted)), None)
    if prov is None:
        raise UnknownPlace("province", province)
    if not district:
        if subdistrict:
            raise UnknownPlace("district", "")
        return Place(province=prov.name_th, code=prov.code)
    wanted = geothai.normalize(district)
    dist = next((d for d in geothai.districts(prov.code) if wanted and geothai.is_district(d, wanted)), None)
    if dist is None:
        raise UnknownPlace("district", district)
    if not subdistrict:
        return Place(province=prov.name_th, district=dist.name_th, code=dist.code)
    wanted = geothai.normalize(subdistrict)
    sub = next(
        (s for s in geothai.subdistricts(dist.code) if wanted and _matches(s.name_th, s.name_en, wanted)),
        None,
    )
    if sub is None:
        raise UnknownPlace("subdistrict", subdistrict)
    return Place(province=prov.name_th, district=dist.name_th, subdistrict=sub.name_th, code=sub.code)


def province_choices() -> list[tuple[str, str, str]]:
    """(code, Thai name, English name) of every province, Bangkok first."""
    return [(p.code, p.name_th, p.name_en) for p in geothai.provinces()]


def district_choices(province_code: str) -> list[tuple[str, str, str]]:
    return [(d.code, d.name_th, d.name_en) for d in geothai.districts(province_code)]


def subdistrict_choices(district_code: str) -> list[tuple[str, str, str]]:
    return [(s.code, s.name_th, s.name_en) for s in geothai.subdistricts(district_code)]


def names_for_code(code: str) -> tuple[str | None, str | None, str | None] | None:
    """(province, district, subdistrict) Thai names for a DOPA code of 2, 4 or 6
    digits, or None when there is no such area."""
    if not code.isascii() or not code.isdigit() or len(code) not in (2, 4, 6):
        return None
    if len(code) == 6:
        sub = geothai.subdistrict(code)
        if sub is None:
            return None
        province, district = geothai.province(sub.province_code), geothai.district(sub.district_code)
        return (province.name_th if province else None, district.name_th if district else None, sub.name_th)
    if len(code) == 4:
        dist = geothai.district(code)
        if dist is None:
            return None
        province = geothai.province(dist.province_code)
        return (province.name_th if province else None, dist.name_th, None)
    prov = geothai.province(code)
    return (prov.name_th, None, None) if prov else None


def postal_code(code: str | None) -> str | None:
    """The (first) postal code of a subdistrict's DOPA code."""
    sub = geothai.subdistrict(code) if code and len(code) == 6 else None
    return sub.postal_codes[0] if sub and sub.postal_codes else None


@lru_cache(maxsize=4096)
def place_name(code: str | None) -> str | None:
    """Thai name of a DOPA code: "ลาดยาว เขตจตุจักร" for a subdistrict, the district or province name."""
    names = names_for_code(code) if code else None
    if names is None:
        return None
    province, district, subdistrict = names
    return f"{subdistrict} {district}" if subdistrict else (district or province)
