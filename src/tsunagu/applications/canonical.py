"""The canonical bytes of an application: what a resident signs with the JPKI certificate.

A signature is only checkable if the signed bytes can be rebuilt, byte for byte, from the
stored application years later. This module defines that serialisation, format
``tsunagu-application-v1``. It is UTF-8 JSON with:

- keys sorted (by code point), no insignificant whitespace (``,`` and ``:`` separators),
  non-ASCII characters written as themselves (no ``\\uXXXX`` escapes);
- every string (keys included) in Unicode NFC, so the same text typed on two systems
  gives the same bytes;
- integers as JSON numbers, ``true`` / ``false`` / ``null``, nested objects and arrays;
  floats are refused (``TypeError``): their text form is not stable across systems, and no
  field type stores one;
- a 個人番号 stored encrypted (a string starting ``enc:v1:``) replaced by
  ``{"enc:v1:sha256": "<hex SHA-256 of the 12 digits>"}``. The signature covers the number
  the resident saw, not the random nonce of the encryption, and the raw number never
  appears in the bytes. The ``:`` in that key cannot occur in a field id, so the object
  cannot be confused with an answer. Caution: 12 digits are few, so the digest can be
  reversed by trying every number: treat the canonical bytes like the 個人番号 itself
  (rebuild them when needed; never log them or store them in clear);
- attachments as a list of ``{"sha256": ..., "slot": ...}`` sorted by (slot, sha256);
- top-level members ``format``, ``procedure`` (code), ``version``, ``answers``,
  ``attachments``.

Example, for ``procedure_code="jidou-teate"``, ``procedure_version=2``,
``answers={"name": {"sei": "常陸", "mei": "花子"}, "children": 2}`` and one attachment::

    {"answers":{"children":2,"name":{"mei":"花子","sei":"常陸"}},"attachments":[{"sha256":"9f86d0…","slot":"kouza"}],"format":"tsunagu-application-v1","procedure":"jidou-teate","version":2}

(one line, shortened here). Any change to the format gets a new marker; verifiers keep
the old ones.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tsunagu.core import crypto

FORMAT = "tsunagu-application-v1"
ENCRYPTED_DIGEST_KEY = "enc:v1:sha256"

Reveal = Callable[[str], str]


def _default_reveal(token: str) -> str:
    return crypto.my_number_reveal(token)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _canonical(value: Any, reveal: Reveal) -> Any:
    # bool before int: bool is a subclass of int.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        if crypto.is_token(value):
            digest = hashlib.sha256(reveal(value).encode("utf-8")).hexdigest()
            return {ENCRYPTED_DIGEST_KEY: digest}
        return _nfc(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"answer keys must be strings, not {type(key).__name__}")
            nkey = _nfc(key)
            if nkey in out:
                raise ValueError(f"two keys are the same after NFC normalisation: {nkey!r}")
            out[nkey] = _canonical(item, reveal)
        return out
    if isinstance(value, list | tuple):
        return [_canonical(item, reveal) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical form in {FORMAT}")


def _attachments(attachments: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    rows = []
    for a in attachments:
        slot, sha256 = a["slot"], a["sha256"]
        if not isinstance(slot, str) or not isinstance(sha256, str):
            raise TypeError("an attachment's slot and sha256 must be strings")
        rows.append({"slot": _nfc(slot), "sha256": sha256.lower()})
    rows.sort(key=lambda r: (r["slot"], r["sha256"]))
    return rows


def application_canonical_bytes(
    *,
    procedure_code: str,
    procedure_version: int,
    answers: Mapping[str, Any],
    attachments: Iterable[Mapping[str, str]],
    reveal: Reveal = _default_reveal,
) -> bytes:
    """The bytes a resident signs for an application, in format ``tsunagu-application-v1``.

    ``attachments`` are mappings with ``slot`` and ``sha256`` (hex); other keys are ignored.
    ``reveal`` turns an ``enc:v1:`` token into its plaintext (default: the 個人番号 key).
    The same application always gives the same bytes; any change of an answer or of an
    attachment's hash changes them. Raises ``TypeError`` for values without a canonical
    form (floats, objects) and ``ValueError`` for keys that collide after NFC.

    Example: ``application_canonical_bytes(procedure_code="p", procedure_version=1,
    answers={"b": 1, "a": "ｶ"}, attachments=[])`` ==
    ``'{"answers":{"a":"ｶ","b":1},"attachments":[],"format":"tsunagu-application-v1",'
    '"procedure":"p","version":1}'.encode()``.
    """
    if isinstance(procedure_version, bool) or not isinstance(procedure_version, int):
        raise TypeError("procedure_version must be an int")
    document = {
        "format": FORMAT,
        "procedure": _nfc(procedure_code),
        "version": procedure_version,
        "answers": _canonical(answers, reveal),
        "attachments": _attachments(attachments),
    }
    text = json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")
