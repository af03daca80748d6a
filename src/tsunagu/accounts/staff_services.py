"""Staff accounts and the staff login: password, then a TOTP or recovery code.

The staff login state lives in its own session keys (``tsunagu.staff_*``), never in the
resident's, so a resident login never opens staff pages and a staff login is never a
resident. Every failed password or code entry counts towards the lockout, whether the
account exists or not looks the same from outside.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.selectors import SESSION_RESIDENT
from tsunagu.accounts.staff_models import TOTP_SECRET_AAD, StaffProfile, StaffRole
from tsunagu.accounts.totp import secret_new, totp_match
from tsunagu.audit.services import audit_record
from tsunagu.core.crypto import decrypt, encrypt
from tsunagu.procedures.selectors import department_get

SESSION_STAFF = "tsunagu.staff_id"
SESSION_STAFF_LOGIN_AT = "tsunagu.staff_login_at"
SESSION_STAFF_SEEN_AT = "tsunagu.staff_seen_at"
# Between the password and the second factor: who, since when, and where to go next.
SESSION_STAFF_PENDING = "tsunagu.staff_pending_id"
SESSION_STAFF_PENDING_AT = "tsunagu.staff_pending_at"
SESSION_STAFF_NEXT = "tsunagu.staff_next"
_STAFF_KEYS = (
    SESSION_STAFF,
    SESSION_STAFF_LOGIN_AT,
    SESSION_STAFF_SEEN_AT,
    SESSION_STAFF_PENDING,
    SESSION_STAFF_PENDING_AT,
    SESSION_STAFF_NEXT,
)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
# The second factor must follow the password within this time.
PENDING_SECONDS = 5 * 60
RECOVERY_CODE_COUNT = 10
# 12 characters of a 31-letter alphabet (no 0/o, 1/l/i): about 59 bits, enough that a
# salted SHA-256 cannot be reversed offline in useful time.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12


class StaffAccountError(ValueError):
    """A staff account cannot be created or changed as asked (message in Japanese)."""


def staff_create(*, username: str, password: str, department: str, role: str) -> StaffProfile:
    """Create a Django user with a staff profile; TOTP is enrolled at the first login.

    >>> staff_create(username="sato", password="…", department="kodomo_seisaku",
    ...              role="clerk")  # doctest: +SKIP
    <StaffProfile: sato (kodomo_seisaku clerk)>
    """
    if department_get(code=department) is None:
        raise StaffAccountError(f"所属課のコードが見つかりません: {department}")
    if role not in StaffRole.values:
        raise StaffAccountError(f"役割は次のいずれかです: {', '.join(StaffRole.values)}")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise StaffAccountError(f"そのユーザー名はすでに使われています: {username}")
    validate_password(password, user_model(username=username))
    with transaction.atomic():
        user = user_model.objects.create_user(username=username, password=password)
        profile = StaffProfile.objects.create(user=user, department=department, role=role)
        audit_record(
            action="staff.create",
            obj_type="staff",
            obj_id=profile.pk,
            summary={"department": department, "role": role},
        )
    return profile


def staff_unlock(*, username: str) -> StaffProfile:
    """Lift a lockout and clear the failure count (``tsunagu staff unlock``)."""
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().filter(user__username=username).first()
        if profile is None:
            raise StaffAccountError(f"その職員は見つかりません: {username}")
        was_locked = profile.locked_until
        profile.failed_attempts = 0
        profile.locked_until = None
        profile.save(update_fields=["failed_attempts", "locked_until"])
        audit_record(
            action="staff.unlock",
            obj_type="staff",
            obj_id=profile.pk,
            summary={"was_locked": was_locked is not None},
        )
    return profile


def staff_totp_reset(*, username: str) -> StaffProfile:
    """Forget the TOTP secret and recovery codes (a lost phone): the next login enrols a
    new authenticator app (``tsunagu staff reset-totp``)."""
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().filter(user__username=username).first()
        if profile is None:
            raise StaffAccountError(f"その職員は見つかりません: {username}")
        profile.totp_secret = ""
        profile.totp_confirmed = False
        profile.totp_last_step = None
        profile.recovery_codes = []
        profile.save(
            update_fields=["totp_secret", "totp_confirmed", "totp_last_step", "recovery_codes"]
        )
        audit_record(action="staff.totp_reset", obj_type="staff", obj_id=profile.pk)
    return profile


# --- per-address lockout ------------------------------------------------------------
# The per-account lockout stops guessing one account's password; it does not stop one
# machine from trying a few passwords on every account. So failures are also counted per
# client address, in the cache (fast, and it forgets by itself): N failures within the
# window block the address for a while. Settings: TSUNAGU_STAFF_IP_MAX_FAILURES,
# TSUNAGU_STAFF_IP_WINDOW_MINUTES, TSUNAGU_STAFF_IP_BLOCK_MINUTES and the cache alias
# TSUNAGU_STAFF_IP_CACHE (a cache shared by every worker in production: with a
# per-process cache each worker counts on its own).


def _ip_setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def staff_client_address(request: HttpRequest) -> str:
    """The address failures are counted for: the client's IPv4 address, or the /64 of
    an IPv6 address (one home or phone usually holds a whole /64); "" when unknown.

    Only ``REMOTE_ADDR``, as the audit log: a forwarded header could be forged.

    >>> staff_client_address(rf.get("/", REMOTE_ADDR="2001:db8::1"))  # doctest: +SKIP
    '2001:db8::/64'
    """
    raw = str(request.META.get("REMOTE_ADDR") or "").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return ""
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _ip_keys(address: str) -> tuple[str, str]:
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"tsunagu:staff-ip-fail:{digest}", f"tsunagu:staff-ip-block:{digest}"


def staff_ip_blocked(request: HttpRequest) -> bool:
    """Whether the client's address is blocked after too many failed staff logins."""
    address = staff_client_address(request)
    if not address:
        return False
    cache = caches[str(getattr(settings, "TSUNAGU_STAFF_IP_CACHE", "default"))]
    return bool(cache.get(_ip_keys(address)[1]))


def _ip_fail(request: HttpRequest) -> None:
    """Count one failure for the client's address; block it at the limit (audited)."""
    address = staff_client_address(request)
    limit = _ip_setting("TSUNAGU_STAFF_IP_MAX_FAILURES", 20)
    if not address or limit <= 0:
        return
    cache = caches[str(getattr(settings, "TSUNAGU_STAFF_IP_CACHE", "default"))]
    count_key, block_key = _ip_keys(address)
    window = _ip_setting("TSUNAGU_STAFF_IP_WINDOW_MINUTES", 15) * 60
    # add() starts the window at the first failure; incr() is atomic on shared caches.
    cache.add(count_key, 0, timeout=window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add() and incr(): a new window
        cache.set(count_key, 1, timeout=window)
        count = 1
    if count >= limit and not cache.get(block_key):
        minutes = _ip_setting("TSUNAGU_STAFF_IP_BLOCK_MINUTES", 30)
        cache.set(block_key, 1, timeout=minutes * 60)
        cache.delete(count_key)
        audit_record(
            action="staff.ip_block",
            request=request,
            obj_type="staff",
            summary={"failures": count, "minutes": minutes},
        )


def staff_ip_unblock(*, address: str) -> None:
    """Lift the block of one client address (and forget its failures)."""
    cache = caches[str(getattr(settings, "TSUNAGU_STAFF_IP_CACHE", "default"))]
    cache.delete_many(list(_ip_keys(address)))
    audit_record(action="staff.ip_unblock", obj_type="staff", summary={})


def _ip_refused(*, request: HttpRequest, step: str) -> bool:
    """True (and audited) when the address is blocked: the attempt is not even checked."""
    if not staff_ip_blocked(request):
        return False
    audit_record(
        action="staff.login_failed",
        request=request,
        obj_type="staff",
        summary={"step": step, "reason": "ip_blocked"},
    )
    return True


def _is_locked(profile: StaffProfile) -> bool:
    return profile.locked_until is not None and profile.locked_until > timezone.now()


def _fail(*, request: HttpRequest, profile: StaffProfile | None, step: str) -> None:
    """Count one failed entry (inside the caller's transaction, profile row locked)."""
    _ip_fail(request)
    if profile is None:
        audit_record(
            action="staff.login_failed",
            request=request,
            obj_type="staff",
            summary={"step": step, "reason": "unknown"},
        )
        return
    if _is_locked(profile):
        audit_record(
            action="staff.login_failed",
            request=request,
            obj_type="staff",
            obj_id=profile.pk,
            summary={"step": step, "reason": "locked"},
        )
        return
    profile.failed_attempts += 1
    locking = profile.failed_attempts >= MAX_FAILED_ATTEMPTS
    if locking:
        # A fresh count after the lockout ends: five more tries, not one.
        profile.failed_attempts = 0
        profile.locked_until = timezone.now() + LOCKOUT
    profile.save(update_fields=["failed_attempts", "locked_until"])
    audit_record(
        action="staff.login_failed",
        request=request,
        obj_type="staff",
        obj_id=profile.pk,
        summary={"step": step, "reason": "wrong", "attempt": profile.failed_attempts},
    )
    if locking:
        audit_record(
            action="staff.lock",
            request=request,
            obj_type="staff",
            obj_id=profile.pk,
            summary={"minutes": int(LOCKOUT.total_seconds() // 60)},
        )


def staff_password_check(
    *, request: HttpRequest, username: str, password: str, next_url: str = ""
) -> bool:
    """First step: check the password; on success the session waits for the second factor.

    Returns False alike for an unknown user, a wrong password and a locked account. The
    session is replaced by a fresh one (any resident login on this browser ends). A blocked
    client address gets False too, without the password being checked.
    """
    if _ip_refused(request=request, step="password"):
        make_password(password)  # the same work as a real check: no timing hint
        return False
    with transaction.atomic():
        profile = (
            StaffProfile.objects.select_for_update()
            .select_related("user")
            .filter(user__username=username, user__is_active=True)
            .first()
        )
        if profile is None:
            make_password(password)  # the same work as a real check: no timing hint
            _fail(request=request, profile=None, step="password")
            return False
        correct = profile.user.check_password(password)
        if not correct or _is_locked(profile):
            _fail(request=request, profile=profile, step="password")
            return False
    request.session.flush()
    request.session[SESSION_STAFF_PENDING] = profile.pk
    request.session[SESSION_STAFF_PENDING_AT] = int(time.time())
    if next_url:
        request.session[SESSION_STAFF_NEXT] = next_url
    return True


def staff_pending(request: HttpRequest) -> StaffProfile | None:
    """The member of staff who gave a correct password on this session and still owes
    the second factor, or None (also once ``PENDING_SECONDS`` have passed)."""
    profile_id = request.session.get(SESSION_STAFF_PENDING)
    started = request.session.get(SESSION_STAFF_PENDING_AT, 0)
    if not profile_id or time.time() - started > PENDING_SECONDS:
        return None
    return (
        StaffProfile.objects.select_related("user")
        .filter(pk=profile_id, user__is_active=True)
        .first()
    )


def staff_totp_secret(*, profile: StaffProfile) -> str:
    """The base32 secret to enrol (created and stored encrypted on first call).

    Stable until confirmed, so reloading the setup page does not invalidate an app that
    already scanned it. Refused once TOTP is confirmed: the secret is never shown again.
    """
    if profile.totp_confirmed:
        raise StaffAccountError("確認コードはすでに設定されています。")
    if not profile.totp_secret:
        profile.totp_secret = encrypt(secret_new(), aad=TOTP_SECRET_AAD)
        profile.save(update_fields=["totp_secret"])
    return decrypt(profile.totp_secret, aad=TOTP_SECRET_AAD)


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", code).lower() if c not in "- \u3000")


def _recovery_hash(code: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}:{_normalise_recovery(code)}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def _recovery_new() -> tuple[list[str], list[str]]:
    """Ten fresh codes ("abcd-efgh-jkmn") and their salted hashes."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes, [_recovery_hash(c, secrets.token_hex(8)) for c in codes]


def _recovery_index(hashes: list[str], code: str) -> int | None:
    if len(_normalise_recovery(code)) != _RECOVERY_LENGTH:
        return None
    for index, stored in enumerate(hashes):
        _scheme, salt, _digest = stored.split("$")
        if hmac.compare_digest(_recovery_hash(code, salt), stored):
            return index
    return None


def _complete(*, request: HttpRequest, profile: StaffProfile, method: str) -> None:
    profile.failed_attempts = 0
    profile.locked_until = None
    profile.save()
    next_url = request.session.get(SESSION_STAFF_NEXT, "")
    for key in _STAFF_KEYS:
        request.session.pop(key, None)
    request.session.cycle_key()
    now = int(time.time())
    request.session[SESSION_STAFF] = profile.pk
    request.session[SESSION_STAFF_LOGIN_AT] = now
    request.session[SESSION_STAFF_SEEN_AT] = now
    if next_url:
        request.session[SESSION_STAFF_NEXT] = next_url
    audit_record(
        action="staff.login",
        actor=profile.user,
        request=request,
        obj_type="staff",
        obj_id=profile.pk,
        summary={"method": method},
        role=profile.role,
    )


def staff_second_factor(*, request: HttpRequest, profile_id: int, code: str) -> bool:
    """Second step: a TOTP code or an unused recovery code completes the login.

    A recovery code works once: it is deleted when used.
    """
    if _ip_refused(request=request, step="totp"):
        return False
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
        if not profile.totp_confirmed or _is_locked(profile):
            _fail(request=request, profile=profile, step="totp")
            return False
        secret = decrypt(profile.totp_secret, aad=TOTP_SECRET_AAD)
        step = totp_match(
            secret_b32=secret, code=code, now=time.time(), last_step=profile.totp_last_step
        )
        if step is not None:
            profile.totp_last_step = step
            _complete(request=request, profile=profile, method="totp")
            return True
        index = _recovery_index(profile.recovery_codes, code)
        if index is None:
            _fail(request=request, profile=profile, step="totp")
            return False
        del profile.recovery_codes[index]
        audit_record(
            action="staff.recovery_code_use",
            actor=profile.user,
            request=request,
            obj_type="staff",
            obj_id=profile.pk,
            summary={"remaining": len(profile.recovery_codes)},
            role=profile.role,
        )
        _complete(request=request, profile=profile, method="recovery_code")
        return True


def staff_totp_enrol(*, request: HttpRequest, profile_id: int, code: str) -> list[str] | None:
    """First login: confirm the new secret with a first code, completing the login.

    Returns the ten recovery codes (shown once, only their hashes are kept), or None when
    the code is wrong.
    """
    if _ip_refused(request=request, step="totp_setup"):
        return None
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
        if profile.totp_confirmed or not profile.totp_secret or _is_locked(profile):
            _fail(request=request, profile=profile, step="totp_setup")
            return None
        secret = decrypt(profile.totp_secret, aad=TOTP_SECRET_AAD)
        step = totp_match(secret_b32=secret, code=code, now=time.time())
        if step is None:
            _fail(request=request, profile=profile, step="totp_setup")
            return None
        codes, hashes = _recovery_new()
        profile.totp_confirmed = True
        profile.totp_last_step = step
        profile.recovery_codes = hashes
        audit_record(
            action="staff.totp_enrol",
            actor=profile.user,
            request=request,
            obj_type="staff",
            obj_id=profile.pk,
            role=profile.role,
        )
        _complete(request=request, profile=profile, method="totp_setup")
        return codes


def staff_sso_login(
    *, request: HttpRequest, match: str, value: str, provider_mfa: bool, next_url: str = ""
) -> str:
    """After a single sign-on: find the member of staff and log them in, or not.

    ``match`` is ``"email"`` (the user's e-mail address, case-insensitive, exactly one
    account) or ``"username"``. Never creates staff. Returns ``"refused"`` (unknown,
    inactive or locked account; audited), ``"second_factor"`` (the session waits for the
    TOTP code as after a password) or ``"done"`` (logged in: the provider's MFA is trusted
    by ``TSUNAGU_STAFF_OIDC_TRUST_MFA`` and TOTP is set up).
    """
    users = StaffProfile.objects.select_related("user").filter(user__is_active=True)
    if match == "email":
        found = list(users.filter(user__email__iexact=value)[:2]) if value else []
    else:
        found = list(users.filter(user__username=value)[:2]) if value else []
    profile = found[0] if len(found) == 1 else None
    if profile is None or _is_locked(profile):
        audit_record(
            action="staff.login_failed",
            request=request,
            obj_type="staff",
            obj_id=profile.pk if profile is not None else "",
            summary={"step": "sso", "reason": "locked" if profile is not None else "unknown"},
        )
        return "refused"
    trusted = bool(getattr(settings, "TSUNAGU_STAFF_OIDC_TRUST_MFA", False)) and provider_mfa
    request.session.flush()
    if trusted and profile.totp_confirmed:
        if next_url:
            request.session[SESSION_STAFF_NEXT] = next_url
        with transaction.atomic():
            _complete(request=request, profile=profile, method="sso_mfa")
        return "done"
    # As after a correct password: TOTP (or its enrolment) still completes the login.
    request.session[SESSION_STAFF_PENDING] = profile.pk
    request.session[SESSION_STAFF_PENDING_AT] = int(time.time())
    if next_url:
        request.session[SESSION_STAFF_NEXT] = next_url
    audit_record(
        action="staff.sso",
        actor=profile.user,
        request=request,
        obj_type="staff",
        obj_id=profile.pk,
        summary={"provider_mfa": provider_mfa, "second_factor": True},
        role=profile.role,
    )
    return "second_factor"


def staff_from_session(request: HttpRequest) -> StaffProfile | None:
    """The fully logged-in member of staff (password and second factor) or None.

    A session that also carries a resident login is not a staff session. Sessions end
    after the same idle and absolute limits as residents'.
    """
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return None
    session = request.session
    profile_id = session.get(SESSION_STAFF)
    if not profile_id or session.get(SESSION_RESIDENT):
        return None
    now = time.time()
    if (
        now - session.get(SESSION_STAFF_LOGIN_AT, 0)
        > settings.TSUNAGU_SESSION_ABSOLUTE_HOURS * 3600
        or now - session.get(SESSION_STAFF_SEEN_AT, 0) > settings.TSUNAGU_SESSION_IDLE_MINUTES * 60
    ):
        for key in _STAFF_KEYS:
            session.pop(key, None)
        return None
    profile = (
        StaffProfile.objects.select_related("user")
        .filter(pk=profile_id, user__is_active=True, totp_confirmed=True)
        .first()
    )
    if profile is not None and now - session.get(SESSION_STAFF_SEEN_AT, 0) >= 60:
        session[SESSION_STAFF_SEEN_AT] = int(now)
    return profile


def staff_next_url(request: HttpRequest) -> str:
    """Where to go after login (set at the password step), once; "" if nowhere."""
    value = request.session.pop(SESSION_STAFF_NEXT, "")
    return value if isinstance(value, str) else ""


def staff_logout(*, request: HttpRequest) -> None:
    """End the staff session completely."""
    profile = staff_from_session(request)
    if profile is not None:
        audit_record(
            action="staff.logout",
            actor=profile.user,
            request=request,
            obj_type="staff",
            obj_id=profile.pk,
            role=profile.role,
        )
    request.session.flush()
