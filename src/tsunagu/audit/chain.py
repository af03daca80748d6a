"""The hash chain: canonical serialisation of an event and its SHA-256.

Canonical form (version 1, fixed: changing it invalidates every stored hash)
----------------------------------------------------------------------------

An event's hash is ``sha256(canonical_bytes(payload)).hexdigest()`` where ``payload`` is a
JSON object holding every stored field of the event except ``hash`` itself:

==============  ==========================================================================
key             value
==============  ==========================================================================
``seq``         integer, 1 for the first event, gap-free
``occurred_at`` string, UTC, ISO 8601 with microseconds: ``2026-04-01T00:00:00.000000+00:00``
``actor_type``  string: ``resident``, ``staff``, ``system`` or ``anonymous``
``actor_id``    string (may be empty)
``actor_label`` string (may be empty)
``role``        string (may be empty)
``action``      string, a dotted code such as ``application.submit``
``obj_type``    string (may be empty)
``obj_id``      string (may be empty)
``summary``     JSON object (strings, integers, booleans, null, lists and objects only)
``request_id``  string (may be empty)
``ip``          string, or ``null`` when unknown
``prev_hash``   string, 64 lowercase hex digits; ``"0" * 64`` for the first event
==============  ==========================================================================

serialised as JSON with keys sorted (also inside ``summary``), no whitespace
(separators ``,`` and ``:``), non-ASCII characters written as themselves (no ``\\u``
escapes), and encoded as UTF-8. In Python::

    json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

Floats are refused in summaries because databases do not round-trip them byte for byte
(PostgreSQL's ``jsonb`` rewrites ``1e100``); pass such values as strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64

# Every stored field that the hash covers, i.e. all of them but ``hash``.
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "obj_type",
    "obj_id",
    "summary",
    "request_id",
    "ip",
    "prev_hash",
)

# A summary says what changed, it is not a copy of the record: keep it small.
SUMMARY_MAX_BYTES = 4096


def format_time(value: dt.datetime) -> str:
    """The canonical text of an event time.

    >>> format_time(dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    '2026-04-01T00:00:00.000000+00:00'
    """
    if value.tzinfo is None:
        raise ValueError("audit event times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(payload: Mapping[str, Any]) -> bytes:
    """Sorted-key compact UTF-8 JSON of ``payload``.

    >>> canonical_bytes({"b": 1, "a": "市"})
    b'{"a":"\\xe5\\xb8\\x82","b":1}'
    """
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed payload of an event given as a mapping of its stored field values.

    >>> sorted(event_payload({f: "" for f in HASHED_FIELDS} | {
    ...     "seq": 1, "occurred_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}))[:3]
    ['action', 'actor_id', 'actor_label']
    """
    payload = {name: values[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = format_time(values["occurred_at"])
    return payload


def compute_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical serialisation of an event's stored fields.

    >>> len(compute_hash({f: "" for f in HASHED_FIELDS} | {
    ...     "seq": 1, "occurred_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}))
    64
    """
    return hashlib.sha256(canonical_bytes(event_payload(values))).hexdigest()


def clean_text(value: str, max_length: int | None = None) -> str:
    """Text as every supported database stores it unchanged.

    NUL (refused by PostgreSQL) becomes U+FFFD, lone surrogates (not encodable as UTF-8)
    become ``?``, and the text is cut to ``max_length`` characters.

    >>> clean_text("a\\x00b", 2)
    'a\\ufffd'
    """
    text = value.replace("\x00", "\ufffd")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:max_length] if max_length is not None else text


def normalise_summary(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """A caller's before/after summary as the JSON object that is stored and hashed.

    Dates, decimals and UUIDs become strings (as ``DjangoJSONEncoder`` writes them); text is
    cleaned with ``clean_text``. Raises ``TypeError`` for floats and other values that do not
    round-trip through the database, ``ValueError`` when the summary is too large.

    >>> normalise_summary({"status": ("draft", "submitted"), "n": 2})
    {'status': ['draft', 'submitted'], 'n': 2}
    """
    if summary is None:
        return {}
    if not isinstance(summary, Mapping):
        raise TypeError("an audit summary must be a mapping")
    plain = json.loads(json.dumps(dict(summary), cls=DjangoJSONEncoder, allow_nan=False))
    cleaned = _clean_json(plain)
    if len(canonical_bytes(cleaned)) > SUMMARY_MAX_BYTES:
        raise ValueError(
            f"audit summary is larger than {SUMMARY_MAX_BYTES} bytes: "
            "record a summary of the change, not the data"
        )
    assert isinstance(cleaned, dict)  # noqa: S101 - json.loads of a dict's dump is a dict
    return cleaned


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in an audit summary; pass them as strings")
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): _clean_json(item) for key, item in value.items()}
    raise TypeError(f"unsupported value in an audit summary: {type(value).__name__}")
