import pytest
from django.core.exceptions import ValidationError

from portal.orgnr import luhn_ok, normalise_org_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("212000-0142", "212000-0142"),  # a municipality-style number
        ("2120000142", "212000-0142"),
        (" 556036-0793 ", "556036-0793"),
        ("5560360793", "556036-0793"),
        ("802002-4280", "802002-4280"),
    ],
)
def test_normalise_org_number_accepts_valid_numbers(raw, expected):
    assert normalise_org_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "format"),
        ("21200-00142", "format"),
        ("212000-014", "format"),
        ("abcdef-ghij", "format"),
        ("212000-0143", "checksum"),
        ("5560360794", "checksum"),
        ("811218-9876", "not_organisation"),  # a personal identity number: month 12 < 20
        ("551900-0003", "not_organisation"),
    ],
)
def test_normalise_org_number_rejects_invalid_numbers(raw, code):
    with pytest.raises(ValidationError) as error:
        normalise_org_number(raw)
    assert error.value.code == code


def test_luhn_ok_matches_known_numbers():
    assert luhn_ok("2120000142")
    assert not luhn_ok("2120000143")


@pytest.mark.parametrize(
    "raw",
    [
        "٢١٢٠٠٠-٠١٤٢",  # Arabic-Indic digits of the valid 212000-0142
        "２１２０００-０１４２",  # full-width digits
        "۲۱۲۰۰۰۰۱۴۲",  # Extended Arabic-Indic (Persian) digits, no hyphen
        "212000-014٢",  # one foreign digit is enough to refuse
    ],
)
def test_normalise_org_number_accepts_only_ascii_digits(raw):
    with pytest.raises(ValidationError) as error:
        normalise_org_number(raw)
    assert error.value.code == "format"
    assert "NNNNNN-NNNN" in str(error.value.messages[0])
