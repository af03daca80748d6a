"""Japanese field types: parse, normalise, display and describe the inputs of each type.

The procedure engine (``tsunagu.applications.engine``) knows fields only through this
module. A field type turns what a resident typed (one string, or one string per *part*
for compound types such as 氏名 or 口座) into a normalised JSON value, or raises
``FieldError`` with a specific, polite Japanese message for the field.

Registry: ``FIELD_TYPES[name]`` for every ``FieldType`` literal of the schema except
``group`` (the engine handles groups itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.functional import Promise

from tsunagu.procedures.schema import FieldDef

JSON = Any  # a JSON-serialisable value


class FieldError(Exception):
    """Input that cannot be accepted; ``message`` is shown next to the field.

    ``part`` names the sub-input at fault for compound types (e.g. ``"mei"``) so the
    error is linked to that input; ``None`` means the field as a whole.
    """

    def __init__(self, message: str | Promise, part: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.part = part


@dataclass(frozen=True)
class Part:
    """One HTML input of a field. ``name`` is "" for single-input types."""

    name: str
    label: str | Promise
    autocomplete: str = "off"
    inputmode: str = "text"  # text, numeric, tel, email
    input_type: str = "text"  # text, email, tel
    width: str = "l"  # s, m, l, xl: visual width class of the input
    maxlength: int | None = None
    choices: Sequence[tuple[str, str | Promise]] = field(default_factory=tuple)  # a <select>


RawInput = str | Mapping[str, str]


class BaseFieldType:
    """Behaviour shared by all types. Subclasses set ``name`` and override ``parse``."""

    name: ClassVar[str]
    # How the engine renders it: "input" (one or several text inputs), "radios",
    # "checkboxes", "select", "textarea", "consent", "address".
    widget: ClassVar[str] = "input"
    # Secret values (個人番号) are never written back into the form: an empty input keeps
    # the stored value.
    secret: ClassVar[bool] = False

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        """The inputs of this field, in order."""
        return (Part(name="", label=spec.label.ja),)

    def is_empty(self, raw: RawInput) -> bool:
        """True when nothing was typed into any part."""
        if isinstance(raw, str):
            return not raw.strip()
        return all(not (v or "").strip() for v in raw.values())

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        """Normalise non-empty input to the stored value, or raise ``FieldError``."""
        raise NotImplementedError

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        """The stored value as form input, to show it again in the form."""
        if value is None:
            return ""
        return str(value)

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        """The stored value as a person reads it on the check page and the receipt."""
        return "" if value is None else str(value)

    def condition_value(self, value: JSON) -> JSON:
        """What declarative conditions compare against (choices: the option value)."""
        return value


FIELD_TYPES: dict[str, BaseFieldType] = {}


def register(cls: type[BaseFieldType]) -> type[BaseFieldType]:
    """Class decorator: add one instance of the type to ``FIELD_TYPES``."""
    FIELD_TYPES[cls.name] = cls()
    return cls


def get_type(name: str) -> BaseFieldType:
    return FIELD_TYPES[name]
