"""Reads of the counter: the identity form's fields, the procedures a clerk can start,
and a visit with its drafts (through the front office's selectors)."""

from __future__ import annotations

import functools
import uuid
from importlib import resources
from typing import TYPE_CHECKING

import yaml
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Draft
from tsunagu.applications.selectors import draft_get_any_for_resident
from tsunagu.casework.counter.models import CounterItem, CounterVisit
from tsunagu.procedures.loader import catalog
from tsunagu.procedures.schema import FieldDef, LifeEvent, Procedure

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile


@functools.cache
def identity_fields() -> tuple[FieldDef, ...]:
    """The fields of the identity form, from ``data/identity.yaml``."""
    raw = yaml.safe_load(
        resources.files("tsunagu.casework.counter")
        .joinpath("data/identity.yaml")
        .read_text("utf-8")
    )
    return tuple(FieldDef.model_validate(item) for item in raw)


def counter_procedures() -> list[Procedure]:
    """Every procedure a clerk can start at the counter, by category then name."""
    procs = catalog().procedures.values()
    return sorted(procs, key=lambda p: (p.category.value, p.names.ja))


def counter_procedures_for_event(*, event: str) -> list[Procedure]:
    """The procedures of one life event (e.g. a birth starts every related procedure).

    >>> [p.code for p in counter_procedures_for_event(event="birth")]  # doctest: +SKIP
    ['jidou-teate-nintei', ...]
    """
    try:
        wanted = LifeEvent(event)
    except ValueError:
        return []
    return [p for p in counter_procedures() if wanted in p.life_events]


def counter_visit_get_for_staff(*, staff: StaffProfile, visit_id: object) -> CounterVisit:
    """A visit of the staff member's department; the same 404 whether it is missing or
    another department's."""
    try:
        return CounterVisit.objects.get(pk=uuid.UUID(str(visit_id)), department=staff.department)
    except (CounterVisit.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def counter_visits_recent(*, staff: StaffProfile, limit: int = 20) -> QuerySet[CounterVisit]:
    return CounterVisit.objects.filter(department=staff.department).order_by("-created_at")[:limit]


def counter_item_get(*, visit: CounterVisit, position: int) -> CounterItem:
    item = visit.items.filter(position=position).first()
    if item is None:
        raise Http404
    return item


def counter_resident(*, visit: CounterVisit) -> Resident:
    return Resident.objects.get(pk=visit.resident_id)


def counter_item_draft(*, visit: CounterVisit, item: CounterItem) -> Draft:
    """The item's draft (submitted or not), through the front office's access helper."""
    return draft_get_any_for_resident(
        resident=counter_resident(visit=visit), draft_id=item.draft_id
    )
