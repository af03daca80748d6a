"""Reads of residents and of the login state."""

from __future__ import annotations

from django.http import HttpRequest

from tsunagu.accounts.models import Resident
from tsunagu.procedures.schema import Assurance

SESSION_RESIDENT = "tsunagu.resident_id"
SESSION_ASSURANCE = "tsunagu.assurance"
SESSION_PROVIDER = "tsunagu.provider"
SESSION_LOGIN_AT = "tsunagu.login_at"
SESSION_SEEN_AT = "tsunagu.seen_at"
SESSION_GENERATION = "tsunagu.generation"


def resident_from_session(request: HttpRequest) -> Resident | None:
    """The resident logged in on this request's session, or None."""
    if not request.COOKIES.get("tsunagu_session"):
        return None
    resident_id = request.session.get(SESSION_RESIDENT)
    if not resident_id:
        return None
    return Resident.objects.filter(pk=resident_id).first()


def session_assurance(request: HttpRequest) -> Assurance:
    """The assurance level of this session's login (``none`` when not logged in)."""
    if getattr(request, "resident", None) is None:
        return Assurance.NONE
    value = request.session.get(SESSION_ASSURANCE, Assurance.ACCOUNT.value)
    try:
        return Assurance(value)
    except ValueError:
        return Assurance.NONE


def resident_profile(resident: Resident) -> dict[str, object]:
    """The resident's known data in the value shapes of the field types (for prefill).

    Keys are the ``profile.<key>`` names procedure definitions use.
    """
    profile: dict[str, object] = {
        "name": {"sei": resident.name_sei, "mei": resident.name_mei},
        "gender": resident.gender if resident.gender in {"male", "female"} else None,
    }
    if resident.kana_sei or resident.kana_mei:
        profile["kana_name"] = {"sei": resident.kana_sei, "mei": resident.kana_mei}
    if resident.birth_date:
        profile["birth_date"] = resident.birth_date.isoformat()
    if resident.address:
        profile["address"] = {
            "postal_code": resident.postal_code,
            "line1": resident.address,
            "line2": resident.address_building,
        }
    if resident.phone:
        profile["phone"] = resident.phone
    if resident.email:
        profile["email"] = resident.email
    return {k: v for k, v in profile.items() if v is not None}


# Which profile keys each verified 4情報 item covers (see Identity.verified).
VERIFIED_KEYS = {
    "name": "name",
    "address": "address",
    "birth_date": "birth_date",
    "gender": "gender",
}
