"""Template helpers of the design system: ``{% load portal_tags %}``."""

from __future__ import annotations

from typing import Protocol

from django import template

from tsunagu.portal.guide import LOGIN_LABELS
from tsunagu.portal.lang import current_lang
from tsunagu.portal.taxonomy import category_info, life_event_info
from tsunagu.procedures.schema import Assurance

register = template.Library()


class _Translatable(Protocol):
    def get(self, lang: str) -> str: ...


@register.filter
def tr(value: _Translatable | str | None) -> str:
    """A procedure text in the active language: ``{{ proc.names|tr }}``.

    ``ja-easy`` falls back to ``ja`` where a text has no easy version; a plain string is
    returned as it is and ``None`` as an empty string.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(current_lang())


@register.filter
def category_label(code: object) -> str:
    """The category's name in the active language: ``{{ proc.category|category_label }}``."""
    info = category_info(str(code))
    return info.label.get(current_lang()) if info else ""


@register.filter
def life_event_label(code: object) -> str:
    """The life event's name in the active language: ``{{ event|life_event_label }}``."""
    info = life_event_info(str(code))
    return info.label.get(current_lang()) if info else ""


@register.filter
def login_label(assurance: object) -> str:
    """What a procedure needs to log in, in a word or two: ``{{ proc.assurance|login_label }}``."""
    try:
        return str(LOGIN_LABELS[Assurance(str(assurance))])
    except ValueError:
        return ""


@register.filter
def yen(amount: object) -> str:
    """An amount with thousands separators: ``{{ 12000|yen }}`` gives ``12,000``."""
    try:
        return f"{int(str(amount)):,}"
    except ValueError:
        return ""


@register.filter
def file_kinds(kinds: list[str]) -> str:
    """File types for people: ``{{ att.kinds|file_kinds }}`` gives ``PDF・JPEG`` (``PDF, JPEG``)."""
    separator = ", " if current_lang() == "en" else "・"
    return separator.join(k.upper() for k in kinds)
