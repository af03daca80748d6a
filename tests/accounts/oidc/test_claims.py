"""UserInfo → Identity: the forms of dates, genders, addresses and names we accept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.accounts.oidc.plugin import (
    NAME_UNSPLIT,
    identity_from_claims,
    parse_address,
    parse_birthdate,
    parse_gender,
    split_name,
)
from tsunagu.procedures.schema import Assurance


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1985-03-15", dt.date(1985, 3, 15)),
        ("19850315", dt.date(1985, 3, 15)),
        ("１９８５０３１５", dt.date(1985, 3, 15)),  # full-width digits
        (" 1985-03-15 ", dt.date(1985, 3, 15)),
        ("1985-02-30", None),
        ("1985-0315", None),
        ("0000-03-15", None),
        ("15/03/1985", None),
        ("", None),
        (19850315, None),
        (None, None),
    ],
)
def test_birthdate_forms(value: object, expected: dt.date | None) -> None:
    assert parse_birthdate(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1", "male"),
        ("2", "female"),
        ("9", "unknown"),
        ("0", "unknown"),
        (1, "male"),
        ("male", "male"),
        ("Female", "female"),
        ("男", "male"),
        ("女", "female"),
        ("女性", "female"),
        ("other", None),
        ("", None),
        (True, None),
        (None, None),
    ],
)
def test_gender_codes(value: object, expected: str | None) -> None:
    assert parse_gender(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (
            "茨城県ひたちなか市東石川２丁目１０番１号",
            ("", "茨城県ひたちなか市東石川２丁目１０番１号"),
        ),
        (
            {"formatted": "茨城県ひたちなか市東石川2-10-1", "postal_code": "312-8501"},
            ("3128501", "茨城県ひたちなか市東石川2-10-1"),
        ),
        (
            {
                "region": "茨城県",
                "locality": "ひたちなか市",
                "street_address": "東石川2-10-1",
                "postal_code": "３１２８５０１",
            },
            ("3128501", "茨城県ひたちなか市東石川2-10-1"),
        ),
        ({"region": "茨城県", "postal_code": "12"}, ("", "茨城県")),
        ({}, None),
        ("  ", None),
        (["茨城県"], None),
    ],
)
def test_address_forms(value: object, expected: tuple[str, str] | None) -> None:
    assert parse_address(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("常陸 花子", ("常陸", "花子", True)),
        ("常陸　花子", ("常陸", "花子", True)),
        ("  常陸　 花子 ", ("常陸", "花子", True)),
        ("SMITH JOHN PAUL", ("SMITH", "JOHN PAUL", True)),
        ("常陸花子", ("常陸花子", "", False)),
    ],
)
def test_name_splitting(value: str, expected: tuple[str, str, bool]) -> None:
    assert split_name(value) == expected


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_birthdate(text)
    parse_gender(text)
    parse_address(text)
    assert "".join(split_name(text)[:2]).replace(" ", "") == "".join(text.split()).replace(
        "\u3000", ""
    )


def _claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "sub": "ppid-0001",
        "name": "常陸　花子",
        "address": "茨城県ひたちなか市東石川２丁目１０番１号",
        "birthdate": "19850315",
        "gender": "2",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_card_identity_vouches_for_the_four_items() -> None:
    identity = identity_from_claims(
        provider="digital-auth-app", claims=_claims(), assurance=Assurance.MYNUMBER_CARD, card=True
    )
    assert (identity.subject, identity.name_sei, identity.name_mei) == ("ppid-0001", "常陸", "花子")
    assert identity.birth_date == dt.date(1985, 3, 15) and identity.gender == "female"
    assert set(identity.verified) == {"name", "address", "birth_date", "gender"}


def test_unsplit_name_is_marked_and_unparsable_items_are_not_verified() -> None:
    identity = identity_from_claims(
        provider="digital-auth-app",
        claims=_claims(name="常陸花子", birthdate="unknown", gender=None),
        assurance=Assurance.MYNUMBER_CARD,
        card=True,
    )
    assert (identity.name_sei, identity.name_mei) == ("常陸花子", "")
    assert set(identity.verified) == {"name", NAME_UNSPLIT, "address"}
    assert identity.gender == "unknown" and identity.birth_date is None


def test_generic_provider_vouches_for_nothing() -> None:
    identity = identity_from_claims(
        provider="oidc",
        claims={
            "sub": "s",
            "family_name": "常陸",
            "given_name": "花子",
            "email": "h@example.jp",
            "email_verified": True,
        },
        assurance=Assurance.ACCOUNT,
        card=False,
    )
    assert (identity.name_sei, identity.name_mei, identity.email) == (
        "常陸",
        "花子",
        "h@example.jp",
    )
    assert identity.verified == ()


@pytest.mark.parametrize(
    "claims", [{"sub": "s"}, {"name": "常陸 花子"}, {"sub": "s", "name": "   "}]
)
def test_no_subject_or_name_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        identity_from_claims(
            provider="oidc", claims=claims, assurance=Assurance.ACCOUNT, card=False
        )
