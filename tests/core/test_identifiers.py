"""Check digits of 個人番号 and 全国地方公共団体コード, and the 10-digit 被保険者番号."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.core import identifiers

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        ("12345678901", 8),  # the vector of procedures-27.md §0.5
        ("00000000000", 0),
    ],
)
def test_my_number_check_digit_vectors(first11: str, expected: int) -> None:
    assert identifiers.check_digit_my_number(first11) == expected


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        # Σ Pn×Qn worked by hand: 47 mod 11 = 3 → 11 − 3 = 8.
        ("11111111111", 8),
        # Only P1 = 5 (weight 2): 10 mod 11 = 10 → 1.
        ("00000000005", 1),
        # Only P1 = 6: 12 mod 11 = 1 → remainder ≤ 1 → 0.
        ("00000000006", 0),
        # Only P11 = 1 (weight 6): 6 → 5.
        ("10000000000", 5),
    ],
)
def test_my_number_check_digit_by_hand(first11: str, expected: int) -> None:
    assert identifiers.check_digit_my_number(first11) == expected


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789018", True),
        ("000000000000", True),
        ("123456789012", False),
        ("12345678901", False),  # 11 digits
        ("1234567890188", False),  # 13 digits
        ("１２３４５６７８９０１８", False),  # full width: normalise first
        ("12345678901a", False),
        ("", False),
    ],
)
def test_is_valid_my_number(number: str, valid: bool) -> None:
    assert identifiers.is_valid_my_number(number) is valid


@pytest.mark.parametrize("bad", ["1234567890", "123456789012", "1234567890a", "١٢٣٤٥٦٧٨٩٠١"])
def test_my_number_check_digit_refuses_other_input(bad: str) -> None:
    with pytest.raises(ValueError, match="11 digits"):
        identifiers.check_digit_my_number(bad)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11), digits)
@settings(max_examples=200, deadline=None)
def test_exactly_one_check_digit_is_valid(first11: str, last: str) -> None:
    expected = identifiers.check_digit_my_number(first11)
    assert 0 <= expected <= 9
    assert identifiers.is_valid_my_number(first11 + last) is (int(last) == expected)


@pytest.mark.parametrize(
    ("code5", "expected"),
    [
        ("08221", 0),  # ひたちなか市 082210
        ("13101", 6),  # 千代田区 131016
        ("01100", 2),  # 札幌市 011002
        ("09201", 1),  # 宇都宮市 092011
        ("47201", 8),  # 那覇市 472018
    ],
)
def test_lg_code_check_digit(code5: str, expected: int) -> None:
    assert identifiers.check_digit_lg_code(code5) == expected
    assert identifiers.lg_code_complete(code5) == code5 + str(expected)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("082210", True),
        ("131016", True),
        ("082211", False),
        ("82210", False),  # leading zero dropped
        ("08221", False),  # check digit dropped
        ("0822100", False),
        ("08221a", False),
    ],
)
def test_is_valid_lg_code(code: str, valid: bool) -> None:
    assert identifiers.is_valid_lg_code(code) is valid


@given(st.text(alphabet="0123456789", min_size=5, max_size=5), digits)
@settings(max_examples=200, deadline=None)
def test_lg_code_exactly_one_check_digit(code5: str, last: str) -> None:
    expected = identifiers.check_digit_lg_code(code5)
    assert identifiers.is_valid_lg_code(code5 + last) is (int(last) == expected)


@pytest.mark.parametrize(
    ("number", "valid"),
    [("0000012345", True), ("1234567890", True), ("123456789", False), ("12345678901", False),
     ("12345-6789", False), ("", False)],
)  # fmt: skip
def test_kaigo_insured_number(number: str, valid: bool) -> None:
    assert identifiers.is_valid_kaigo_insured_number(number) is valid
