"""Writes of residents and of the login state."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.models import Resident
from tsunagu.accounts.plugins import Identity
from tsunagu.accounts.selectors import (
    SESSION_ASSURANCE,
    SESSION_GENERATION,
    SESSION_LOGIN_AT,
    SESSION_PROVIDER,
    SESSION_RESIDENT,
    SESSION_SEEN_AT,
)
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
    now = int(time.time())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    request.session[SESSION_GENERATION] = resident.session_generation
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


def resident_logout(*, request: HttpRequest, reason: str = "") -> None:
    """End the resident's session completely (``reason``: why the system ended it)."""
    resident = getattr(request, "resident", None)
    if resident is not None:
        audit_record(
            action="auth.session_expired" if reason else "auth.logout",
            actor=resident,
            request=request,
            obj_type="resident",
            obj_id=str(resident.pk),
            summary={"reason": reason} if reason else None,
        )
    django_logout(request)
    request.resident = None  # type: ignore[attr-defined]  # request-scoped attribute


def resident_logout_everywhere(*, request: HttpRequest) -> None:
    """End every session of the logged-in resident, on every device (this one too)."""
    resident = getattr(request, "resident", None)
    if resident is None:
        return
    Resident.objects.filter(pk=resident.pk).update(session_generation=F("session_generation") + 1)
    audit_record(
        action="auth.logout_everywhere",
        actor=resident,
        request=request,
        obj_type="resident",
        obj_id=str(resident.pk),
    )
    django_logout(request)
    request.resident = None  # type: ignore[attr-defined]  # request-scoped attribute


def session_expired_reason(*, request: HttpRequest, now: float | None = None) -> str:
    """Why the resident's session must end now ("idle", "absolute", "elsewhere"), or ""."""
    resident = getattr(request, "resident", None)
    if resident is None:
        return ""
    now = time.time() if now is None else now
    session = request.session
    if session.get(SESSION_GENERATION, 0) != resident.session_generation:
        return "elsewhere"
    if now - session.get(SESSION_LOGIN_AT, now) > settings.TSUNAGU_SESSION_ABSOLUTE_HOURS * 3600:
        return "absolute"
    if now - session.get(SESSION_SEEN_AT, now) > settings.TSUNAGU_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return ""


def session_touch(*, request: HttpRequest, now: float | None = None) -> None:
    """Note activity; written at most once a minute, so most pages cost no session write."""
    now = time.time() if now is None else now
    if now - request.session.get(SESSION_SEEN_AT, 0) >= 60:
        request.session[SESSION_SEEN_AT] = int(now)


@transaction.atomic
def resident_register_at_counter(
    *,
    clerk: AbstractBaseUser,
    name_sei: str,
    name_mei: str,
    kana_sei: str,
    kana_mei: str,
    birth_date: dt.date | None,
    gender: str,
    postal_code: str,
    address: str,
    address_building: str = "",
    phone: str = "",
    email: str = "",
    verified: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> Resident:
    """Record a resident identified by a clerk at the counter (書かない窓口).

    ``verified`` lists the items (``name``, ``address``, ``birth_date``, ``gender``) the
    clerk checked against an identity document: forms show them as verified and locked,
    as after a card login. A counter resident has a key of its own (provider
    ``counter``): without the card's ``sub`` nothing links it to an online account.

    >>> resident_register_at_counter(clerk=user, name_sei="常陸", name_mei="花子", ...)  # doctest: +SKIP
    <Resident: 常陸 花子>
    """
    resident = Resident.objects.create(
        provider="counter",
        subject=str(uuid.uuid4()),
        name_sei=name_sei,
        name_mei=name_mei,
        kana_sei=kana_sei,
        kana_mei=kana_mei,
        birth_date=birth_date,
        gender=gender,
        postal_code=postal_code,
        address=address,
        address_building=address_building,
        phone=phone,
        email=email,
        verified_fields=sorted(set(verified)),
    )
    audit_record(
        action="resident.register_at_counter",
        actor=clerk,
        request=request,
        obj_type="resident",
        obj_id=str(resident.pk),
        summary={"verified": resident.verified_fields},
    )
    return resident
