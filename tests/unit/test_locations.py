import pytest

from complaints.domain.locations import UnknownPlace, resolve_place


def test_bangkok_short_forms_resolve_to_canonical_names():
    place = resolve_place("กทม.", "เขตจตุจักร", "แขวงลาดยาว")
    assert (place.province, place.district, place.subdistrict, place.code) == (
        "กรุงเทพมหานคร",
        "เขตจตุจักร",
        "ลาดยาว",
        "103001",
    )


def test_english_names_are_accepted():
    place = resolve_place("Chiang Mai", "Mueang Chiang Mai", None)
    assert place.province == "เชียงใหม่"
    assert place.code == "5001"


def test_a_district_of_another_province_is_refused():
    with pytest.raises(UnknownPlace) as err:
        resolve_place("เชียงใหม่", "จตุจักร", None)
    assert err.value.field == "district"


@pytest.mark.parametrize("province", ["แอตแลนติส", "'; DROP TABLE complaints; --", "../../etc"])
def test_unknown_province_is_refused(province):
    with pytest.raises(UnknownPlace) as err:
        resolve_place(province, None, None)
    assert err.value.field == "province"


def test_district_without_province_is_refused():
    with pytest.raises(UnknownPlace):
        resolve_place(None, "จตุจักร", None)


def test_nothing_given_is_no_place():
    assert resolve_place(None, None, None).code is None
