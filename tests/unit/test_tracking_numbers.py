import re

import pytest

from complaints.domain.tracking_numbers import (
    ALPHABET,
    MalformedTrackingNumber,
    check_character,
    generate,
    parse,
)

FORMAT = re.compile(r"^RR-2569-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_generated_numbers_have_the_contract_format_and_parse_back():
    for _ in range(200):
        number = generate("RR", 2569)
        assert FORMAT.match(number), number
        assert str(parse(number)) == number


def test_alphabet_is_crockford_without_i_l_o_u():
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_numbers_are_random_not_sequential():
    numbers = {generate("RR", 2569) for _ in range(2000)}
    assert len(numbers) == 2000
    bodies = sorted(n.replace("-", "")[6:13] for n in numbers)
    # Sequential numbers would share long prefixes; random ones spread over the alphabet.
    assert len({b[0] for b in bodies}) == 32


@pytest.mark.parametrize(
    "typed",
    [
        "rr-2569-{a}-{b}",
        "RR2569{a}{b}",
        " rr 2569 {a} {b} ",
        "Rr-2569{a}-{b}",
    ],
)
def test_accepted_in_any_case_with_or_without_hyphens(typed):
    number = generate("RR", 2569)
    a, b = number.split("-")[2:]
    assert str(parse(typed.format(a=a.lower() if typed.startswith("rr") else a, b=b))) == number


def test_crockford_aliases_read_as_digits():
    random_part = "0011A2B"
    body = random_part + check_character(2569, random_part)
    typed = f"RR-2569-{body[:4]}-{body[4:]}".replace("0", "O").replace("1", "l")
    assert str(parse(typed)) == f"RR-2569-{body[:4]}-{body[4:]}"


def test_every_single_character_error_is_caught():
    number = generate("RR", 2569)
    compact = number.replace("-", "")
    for pos in range(6, len(compact)):
        for ch in ALPHABET:
            if ch == compact[pos]:
                continue
            wrong = compact[:pos] + ch + compact[pos + 1 :]
            with pytest.raises(MalformedTrackingNumber):
                parse(wrong)


def test_wrong_year_is_caught_by_the_check_character():
    number = generate("RR", 2569)
    with pytest.raises(MalformedTrackingNumber):
        parse(number.replace("2569", "2568"))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "RR",
        "RR-2569",
        "RR-2569-ABCD",
        "RR-2569-ABCD-EFGHI",
        "12345",
        "RR-25X9-ABCD-EFGH",
        "RR-2569-ABCD-EFG!",
        "../../etc/passwd",
        "RR-2569-ABCD-EFGH' OR 1=1--",
        "x" * 100,
        "RR-2569-ABCD-EFG\u200bH",
    ],
)
def test_malformed_input_is_refused(bad):
    with pytest.raises(MalformedTrackingNumber):
        parse(bad)


def test_other_prefix_is_refused_when_a_prefix_is_required():
    number = generate("XY", 2569)
    assert parse(number).prefix == "XY"
    with pytest.raises(MalformedTrackingNumber):
        parse(number, prefix="RR")
