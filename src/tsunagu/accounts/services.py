"""Writes of residents and of the login state."""

from __future__ import annotations

from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.models import Resident
from tsunagu.accounts.plugins import Identity
from tsunagu.accounts.selectors import SESSION_ASSURANCE, SESSION_PROVIDER, SESSION_RESIDENT
from tsunagu.audit.services import audit_record


@transaction.atomic
def resident_login(*, request: HttpRequest, identity: Identity) -> Resident:
    """Find or create the resident for ``identity`` and log them in on this session.

    Verified items of the identity overwrite the stored ones (the card is the source of
    truth for 4情報); unverified contact data only fills blanks. The session key is
    rotated, and any data of a previous login on this browser is dropped.
    """
    resident, created = Resident.objects.select_for_update().get_or_create(
        provider=identity.provider,
        subject=identity.subject,
        defaults={"name_sei": identity.name_sei, "name_mei": identity.name_mei},
    )
    verified = set(identity.verified)
    for attr in (
        "name_sei",
        "name_mei",
        "kana_sei",
        "kana_mei",
        "birth_date",
        "gender",
        "postal_code",
        "address",
        "phone",
        "email",
    ):
        value = getattr(identity, attr)
        item = {"name_sei": "name", "name_mei": "name", "postal_code": "address"}.get(attr, attr)
        if value and (created or item in verified or not getattr(resident, attr)):
            setattr(resident, attr, value)
    resident.verified_fields = sorted(verified)
    resident.last_login_at = timezone.now()
    resident.save()

    previous = request.session.get(SESSION_RESIDENT)
    if previous and previous != str(resident.pk):
        request.session.flush()
    else:
        request.session.cycle_key()
    request.session[SESSION_RESIDENT] = str(resident.pk)
    request.session[SESSION_ASSURANCE] = identity.assurance.value
    request.session[SESSION_PROVIDER] = identity.provider
    request.resident = resident  # type: ignore[attr-defined]  # request-scoped attribute
    audit_record(
        action="auth.login",
        actor=resident,
        request=request,
        obj_type="resident",
        obj_id=str(resident.pk),
        summary={"provider": identity.provider, "assurance": identity.assurance.value},
    )
    return resident


def resident_logout(*, request: HttpRequest) -> None:
    """End the resident's session completely."""
    resident = getattr(request, "resident", None)
    if resident is not None:
        audit_record(
            action="auth.logout",
            actor=resident,
            request=request,
            obj_type="resident",
            obj_id=str(resident.pk),
        )
    django_logout(request)
    request.resident = None  # type: ignore[attr-defined]  # request-scoped attribute
