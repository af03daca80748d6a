"""Writes of the counter (書かない窓口): start a visit, submit what the resident confirmed.

The clerk fills the same procedure definitions with the same checks as a resident online
(``applications.services``); only the identification and the confirmation differ: the
clerk identifies the resident with a document, and the resident confirms the answers in
front of the clerk, which takes the place of the card login and signature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.services import resident_register_at_counter
from tsunagu.applications import engine
from tsunagu.applications.models import Channel
from tsunagu.applications.services import SubmissionRefused, application_submit, draft_start
from tsunagu.audit.services import audit_record
from tsunagu.casework.counter.models import Confirmation, CounterItem, CounterVisit
from tsunagu.casework.counter.selectors import counter_item_draft, counter_resident
from tsunagu.procedures.schema import Assurance, Procedure

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile

# What each identity document shows, and so what the clerk can treat as verified.
DOCUMENT_VERIFIES: dict[str, tuple[str, ...]] = {
    "my_number_card": ("name", "address", "birth_date", "gender"),
    "driving_licence": ("name", "address", "birth_date"),
    "passport": ("name", "birth_date", "gender"),
    "residence_card": ("name", "address", "birth_date", "gender"),
    "disability_book": ("name", "address", "birth_date"),
    "two_documents": ("name", "birth_date"),
}


class CounterRefused(Exception):
    """The visit cannot do this now (e.g. confirm before every procedure is filled)."""


@dataclass
class ItemOutcome:
    item: CounterItem
    problems: list[engine.Problem] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return bool(self.item.application_id)


@transaction.atomic
def counter_visit_start(
    *,
    staff: StaffProfile,
    identity: dict[str, Any],
    procedures: list[Procedure],
    life_event: str = "",
    request: HttpRequest | None = None,
) -> CounterVisit:
    """Record the identified resident and start a draft of each procedure for them.

    ``identity`` holds the parsed values of the identity form
    (``selectors.identity_fields``).
    """
    if not procedures:
        raise CounterRefused("no procedure")
    document = str(identity["identity_document"])
    name = identity["name"]
    kana = identity.get("kana_name") or {}
    address = identity["address"]
    birth = identity.get("birth_date")
    resident = resident_register_at_counter(
        clerk=staff.user,
        name_sei=name["sei"],
        name_mei=name["mei"],
        kana_sei=kana.get("sei", ""),
        kana_mei=kana.get("mei", ""),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        gender=identity.get("gender") or "unknown",
        postal_code=address.get("postal_code", ""),
        address=address.get("line1", ""),
        address_building=address.get("line2", ""),
        phone=identity.get("phone") or "",
        email=identity.get("email") or "",
        verified=DOCUMENT_VERIFIES.get(document, ()),
        request=request,
    )
    visit = CounterVisit.objects.create(
        clerk=staff.user,
        department=staff.department,
        resident_id=resident.pk,
        identity_document=document,
        identity_note=identity.get("identity_note") or "",
        life_event=life_event,
    )
    seen: set[str] = set()
    for proc in procedures:
        if proc.code in seen:
            continue
        seen.add(proc.code)
        draft = draft_start(resident=resident, proc=proc, channel=Channel.COUNTER, request=request)
        CounterItem.objects.create(
            visit=visit, position=len(seen), procedure_code=proc.code, draft_id=draft.pk
        )
    audit_record(
        action="counter.visit_start",
        actor=staff.user,
        request=request,
        obj_type="counter_visit",
        obj_id=visit.pk,
        summary={
            "document": document,
            "procedures": sorted(seen),
            "life_event": life_event,
        },
        role=staff.role,
    )
    return visit


def counter_visit_confirm(
    *,
    visit: CounterVisit,
    staff: StaffProfile,
    how: str,
    request: HttpRequest | None = None,
    lang: str = "ja",
) -> list[ItemOutcome]:
    """Submit every procedure of the visit that the resident has just confirmed.

    Each is submitted on its own (one refused procedure does not hold back the others)
    and idempotently: a second confirmation finds the submitted ones as they are. The
    problems of a refused procedure are returned for the clerk to fix and confirm again.
    """
    if how not in Confirmation.values:
        raise CounterRefused(how)
    resident = counter_resident(visit=visit)
    outcomes: list[ItemOutcome] = []
    for item in visit.items.all():
        outcome = ItemOutcome(item)
        outcomes.append(outcome)
        if item.application_id:
            continue
        draft = counter_item_draft(visit=visit, item=item)
        try:
            submitted = application_submit(
                draft=draft,
                resident=resident,
                # Identified in person with a document: the strongest assurance.
                assurance=Assurance.CARD_SIGNATURE,
                declared=True,
                confirm_duplicate=True,
                request=request,
                lang=lang,
                in_person=visit.identity_document,
            )
        except SubmissionRefused as refused:
            outcome.problems = list(refused.problems)
            continue
        item.application_id = submitted.application.pk
        item.receipt_number = submitted.application.receipt_number
        item.save(update_fields=["application_id", "receipt_number"])
    if all(o.submitted for o in outcomes) and visit.confirmed_at is None:
        visit.confirmed_at = timezone.now()
        visit.confirmation = how
        visit.save(update_fields=["confirmed_at", "confirmation"])
    audit_record(
        action="counter.visit_confirm",
        actor=staff.user,
        request=request,
        obj_type="counter_visit",
        obj_id=visit.pk,
        summary={
            "how": how,
            "submitted": [o.item.receipt_number for o in outcomes if o.submitted],
            "refused": [o.item.procedure_code for o in outcomes if not o.submitted],
        },
        role=staff.role,
    )
    return outcomes
