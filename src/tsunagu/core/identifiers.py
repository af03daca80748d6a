"""Check digits and shapes of Japanese public identifiers.

Sources: shared/reference/procedures-27.md §0.5 (個人番号, 介護保険) and
shared/reference/japan.md §3.3 (全国地方公共団体コード). Inputs are ASCII digit strings;
use ``japanese.strip_separators`` first on what a person typed.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def _digits(value: str, length: int) -> bool:
    return len(value) == length and _DIGITS.fullmatch(value) is not None


def check_digit_my_number(first11: str) -> int:
    """The check digit of a 個人番号 from its first 11 digits (総務省令第85号 §5).

    Pn is the n-th digit from the right, Qn = n + 1 (n ≤ 6) or n − 5 (n ≥ 7); the digit is
    11 − (Σ Pn×Qn mod 11), or 0 when the remainder is 0 or 1. Raises ``ValueError`` unless
    given exactly 11 ASCII digits.
    Example: ``check_digit_my_number("12345678901") == 8``.
    """
    if not _digits(first11, 11):
        raise ValueError("expected 11 digits")
    total = 0
    for n, ch in enumerate(reversed(first11), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(ch) * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    """True for 12 ASCII digits whose last digit is the statutory check digit.

    Example: ``is_valid_my_number("123456789018") is True``.
    """
    return _digits(number, 12) and check_digit_my_number(number[:11]) == int(number[11])


def check_digit_lg_code(first5: str) -> int:
    """The check digit of a 全国地方公共団体コード from its 5-digit code.

    Weights 6, 5, 4, 3, 2; the digit is (11 − Σ mod 11) mod 10. Raises ``ValueError`` unless
    given exactly 5 ASCII digits.
    Example: ``check_digit_lg_code("08221") == 0`` (ひたちなか市, 082210).
    """
    if not _digits(first5, 5):
        raise ValueError("expected 5 digits")
    total = sum(int(ch) * w for ch, w in zip(first5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def is_valid_lg_code(code: str) -> bool:
    """True for a 6-digit 全国地方公共団体コード with a correct check digit.

    Example: ``is_valid_lg_code("131016") is True`` (千代田区).
    """
    return _digits(code, 6) and check_digit_lg_code(code[:5]) == int(code[5])


def lg_code_complete(code5: str) -> str:
    """The 6-digit code for a 5-digit one (files often drop the check digit).

    Example: ``lg_code_complete("08221") == "082210"``.
    """
    return code5 + str(check_digit_lg_code(code5))


def is_valid_kaigo_insured_number(number: str) -> bool:
    """True for a 介護保険 被保険者番号: 10 digits (no national check digit is known).

    Example: ``is_valid_kaigo_insured_number("0000012345") is True``.
    """
    return _digits(number, 10)
