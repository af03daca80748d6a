"""Staff login: password, TOTP enrolment, recovery codes, lockout, separate sessions."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.accounts.staff.conftest import PASSWORD, code_for, enrol, stored_secret
from tests.conftest import login_as
from tsunagu.accounts.selectors import SESSION_RESIDENT
from tsunagu.accounts.staff_models import TOTP_SECRET_AAD, StaffProfile
from tsunagu.accounts.staff_services import (
    SESSION_STAFF,
    SESSION_STAFF_PENDING,
    SESSION_STAFF_PENDING_AT,
    _recovery_index,
    _recovery_new,
    staff_create,
)
from tsunagu.accounts.staff_views import staff_required
from tsunagu.audit.models import AuditEvent
from tsunagu.core.crypto import MY_NUMBER_AAD, DecryptionError, decrypt

pytestmark = pytest.mark.django_db

Enrolled = tuple[StaffProfile, str, list[str]]
FAILURE = "ログインできませんでした。入力した内容をご確認ください。"


def _errors(r: HttpResponse) -> str:
    """The page without the per-request CSRF token and the typed user name."""
    html = r.content.decode().replace("nobody", "sato")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_first_login_enrols_totp_and_shows_recovery_codes_once(
    client: Client, clerk: StaffProfile
) -> None:
    r = client.get("/staff/")
    assert r.status_code == 302 and r["Location"] == "/staff/login/?next=%2Fstaff%2F"
    assert client.get("/staff/login/").status_code == 200
    before = client.cookies.get("tsunagu_session")

    r = client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"
    assert client.get("/staff/").status_code == 302  # the password alone is not a login
    r = client.get("/staff/login/totp/")
    assert r.status_code == 302 and r["Location"] == "/staff/totp/setup/"

    r = client.get("/staff/totp/setup/")
    html = r.content.decode()
    secret = stored_secret(clerk)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    assert "otpauth://totp/" in html and f"secret={secret}" in html
    clerk.refresh_from_db()
    assert clerk.totp_secret.startswith("enc:v1:") and secret not in clerk.totp_secret
    assert not clerk.totp_confirmed
    # Reloading shows the same secret (an app that already scanned it keeps working).
    assert secret in client.get("/staff/totp/setup/").content.decode().replace(" ", "")

    r = client.post(
        "/staff/totp/setup/", {"code": "000000" if code_for(secret) != "000000" else "111111"}
    )
    assert r.status_code == 400
    assert 'class="error-summary"' in r.content.decode() and FAILURE in r.content.decode()

    r = client.post("/staff/totp/setup/", {"code": code_for(secret)})
    assert r.status_code == 200
    html = r.content.decode()
    assert "回復コードを控えてください" in html
    assert "no-store" in r["Cache-Control"]
    clerk.refresh_from_db()
    assert clerk.totp_confirmed and len(clerk.recovery_codes) == 10
    assert all(h.startswith("sha256$") for h in clerk.recovery_codes)
    assert client.cookies["tsunagu_session"].value != before

    r = client.get("/staff/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "こども政策課" in html and "担当者" in html and 'id="case-count">0件' in html
    # The setup page is gone for good: the secret is never shown again.
    r = client.get("/staff/totp/setup/")
    assert r.status_code == 302 and secret not in r.content.decode()

    assert _actions()[-3:] == ["staff.login_failed", "staff.totp_enrol", "staff.login"]
    login = AuditEvent.objects.get(action="staff.login")
    assert login.actor_type == "staff" and login.actor_id == str(clerk.user.pk)
    assert login.role == "clerk" and login.summary == {"method": "totp_setup"}


def test_recovery_codes_are_distinct_and_hashed(enrolled: Enrolled) -> None:
    profile, _secret, codes = enrolled
    assert len(codes) == len(set(codes)) == 10
    assert not any(code in str(profile.recovery_codes) for code in codes)


def test_login_with_totp_and_session_key_rotated(client: Client, enrolled: Enrolled) -> None:
    _profile, secret, _codes = enrolled
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    pending_key = client.cookies["tsunagu_session"].value
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r.status_code == 302 and r["Location"] == "/staff/"
    assert client.cookies["tsunagu_session"].value != pending_key
    assert SESSION_STAFF in client.session and SESSION_STAFF_PENDING not in client.session
    assert client.get("/staff/").status_code == 200


def test_a_totp_code_is_refused_the_second_time(enrolled: Enrolled) -> None:
    _profile, secret, _codes = enrolled
    code = code_for(secret, 30)
    first, second = Client(), Client()
    first.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert first.post("/staff/login/totp/", {"code": code}).status_code == 302
    second.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    r = second.post("/staff/login/totp/", {"code": code})
    assert r.status_code == 400 and FAILURE in r.content.decode()
    assert second.get("/staff/").status_code == 302


def test_next_is_kept_but_only_within_staff_pages(client: Client, enrolled: Enrolled) -> None:
    _profile, secret, _codes = enrolled
    data = {"username": "sato", "password": PASSWORD, "next": "/staff/?page=2"}
    client.post("/staff/login/", data)
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r["Location"] == "/staff/?page=2"
    for evil in ("https://evil.example/", "//evil.example/", "/mypage/"):
        StaffProfile.objects.update(totp_last_step=None)  # allow the same code again
        other = Client()
        other.post("/staff/login/", {**data, "next": evil})
        r = other.post("/staff/login/totp/", {"code": code_for(secret, 30)})
        assert r["Location"] == "/staff/"


def test_recovery_code_works_once(enrolled: Enrolled) -> None:
    profile, _secret, codes = enrolled
    first = Client()
    first.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    # Typed in capitals with full-width characters and no hyphens: still the code.
    typed = "".join(chr(ord(c) + 0xFEE0) for c in codes[3].replace("-", "").upper())
    assert typed != codes[3] and not typed.isascii()
    r = first.post("/staff/login/totp/", {"code": typed})
    assert r.status_code == 302 and first.get("/staff/").status_code == 200
    profile.refresh_from_db()
    assert len(profile.recovery_codes) == 9
    event = AuditEvent.objects.get(action="staff.recovery_code_use")
    assert event.summary == {"remaining": 9}
    assert AuditEvent.objects.filter(action="staff.login").last().summary == {  # type: ignore[union-attr]
        "method": "recovery_code"
    }

    again = Client()
    again.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    r = again.post("/staff/login/totp/", {"code": codes[3]})
    assert r.status_code == 400 and FAILURE in r.content.decode()
    r = again.post("/staff/login/totp/", {"code": codes[4]})
    assert r.status_code == 302


def test_second_factor_needs_the_password_first(client: Client, enrolled: Enrolled) -> None:
    _profile, secret, _codes = enrolled
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r.status_code == 302 and r["Location"] == "/staff/login/"
    assert client.get("/staff/totp/setup/")["Location"] == "/staff/login/"


def test_second_factor_expires_after_five_minutes(client: Client, enrolled: Enrolled) -> None:
    _profile, secret, _codes = enrolled
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    session = client.session
    session[SESSION_STAFF_PENDING_AT] -= 301
    session.save()
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r.status_code == 302 and r["Location"] == "/staff/login/"
    assert client.get("/staff/").status_code == 302


def test_five_failures_lock_for_fifteen_minutes_with_one_message(
    client: Client, enrolled: Enrolled
) -> None:
    profile, secret, _codes = enrolled
    unknown = client.post("/staff/login/", {"username": "nobody", "password": "x"})
    for _ in range(4):
        r = client.post("/staff/login/", {"username": "sato", "password": "wrong"})
        assert r.status_code == 400
        assert _errors(r) == _errors(unknown) and FAILURE in _errors(r)
    # The fifth failure may come at the second factor: both count.
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    client.post("/staff/login/totp/", {"code": "not-a-code"})
    profile.refresh_from_db()
    assert profile.locked_until is not None
    assert timedelta(minutes=14) < profile.locked_until - timezone.now() <= timedelta(minutes=15)

    # Locked: even the right password and code fail, with the very same message.
    r = client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert r.status_code == 400
    assert _errors(r) == _errors(unknown) and FAILURE in _errors(r)
    assert client.get("/staff/").status_code == 302

    actions = _actions()
    assert actions.count("staff.login_failed") == 7 and actions.count("staff.lock") == 1
    failed = AuditEvent.objects.filter(action="staff.login_failed").order_by("seq")
    assert failed[0].obj_id == "" and failed[0].summary == {"step": "password", "reason": "unknown"}
    assert failed.last().summary["reason"] == "locked"  # type: ignore[union-attr, index]
    assert AuditEvent.objects.get(action="staff.lock").summary == {"minutes": 15}

    call_command("staff", "unlock", "sato")
    assert "staff.unlock" in _actions()
    r = client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert r.status_code == 302
    assert client.post("/staff/login/totp/", {"code": code_for(secret, 30)}).status_code == 302


def test_a_lockout_ends_by_itself(client: Client, enrolled: Enrolled) -> None:
    profile, _secret, _codes = enrolled
    profile.locked_until = timezone.now() - timedelta(seconds=1)
    profile.save()
    r = client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert r.status_code == 302


def test_a_wrong_password_on_a_locked_account_does_not_extend_it(
    client: Client, clerk: StaffProfile
) -> None:
    until = timezone.now() + timedelta(minutes=3)
    StaffProfile.objects.update(locked_until=until)
    client.post("/staff/login/", {"username": "sato", "password": "wrong"})
    clerk.refresh_from_db()
    assert clerk.locked_until == until and clerk.failed_attempts == 0


def test_a_success_resets_the_count(client: Client, enrolled: Enrolled) -> None:
    profile, secret, _codes = enrolled
    for _ in range(3):
        client.post("/staff/login/", {"username": "sato", "password": "wrong"})
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    profile.refresh_from_db()
    assert profile.failed_attempts == 0 and profile.locked_until is None


def test_resident_session_never_opens_staff_pages(client: Client, clerk: StaffProfile) -> None:
    login_as(client, "demo-0001")
    assert client.get("/mypage/").status_code == 200
    r = client.get("/staff/")
    assert r.status_code == 302 and r["Location"].startswith("/staff/login/")
    # Even a staff id planted in a resident's session is not a staff login.
    session = client.session
    session[SESSION_STAFF] = clerk.pk
    session.save()
    assert client.get("/staff/").status_code == 302


def test_staff_session_is_not_a_resident(staff_client: Client) -> None:
    assert staff_client.get("/staff/").status_code == 200
    assert SESSION_RESIDENT not in staff_client.session
    r = staff_client.get("/mypage/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_staff_login_ends_a_resident_login_on_the_same_browser(
    client: Client, enrolled: Enrolled
) -> None:
    login_as(client, "demo-0001")
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert SESSION_RESIDENT not in client.session
    assert client.get("/mypage/").status_code == 302


def test_logout_is_post_only_and_audited(staff_client: Client) -> None:
    assert staff_client.get("/staff/logout/").status_code == 405
    r = staff_client.post("/staff/logout/")
    assert r.status_code == 302 and r["Location"] == "/staff/login/"
    assert staff_client.get("/staff/").status_code == 302
    assert _actions()[-1] == "staff.logout"


def test_idle_staff_session_ends(staff_client: Client, settings: Any) -> None:
    settings.TSUNAGU_SESSION_IDLE_MINUTES = 30
    session = staff_client.session
    session["tsunagu.staff_seen_at"] -= 31 * 60
    session.save()
    assert staff_client.get("/staff/").status_code == 302


def test_a_deactivated_user_is_logged_out(staff_client: Client, clerk: StaffProfile) -> None:
    clerk.user.is_active = False
    clerk.user.save()
    assert staff_client.get("/staff/").status_code == 302


def _chief_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"chief")


urlpatterns = [
    path("test/chief-only/", staff_required(roles=["chief"])(_chief_only)),
    path("", include("tsunagu.urls")),
]


@pytest.mark.urls("tests.accounts.staff.test_login")
def test_roles_limit_a_view_with_a_not_found(staff_client: Client) -> None:
    assert staff_client.get("/test/chief-only/").status_code == 404
    chief = staff_create(
        username="suzuki", password=PASSWORD, department="kodomo_seisaku", role="chief"
    )
    other = Client()
    _secret, _codes = enrol(other, "suzuki")
    r = other.get("/test/chief-only/")
    assert r.status_code == 200 and r.content == b"chief"
    assert chief.role == "chief"
    anonymous = Client().get("/test/chief-only/")
    assert anonymous.status_code == 302


def test_create_command_checks_department_and_role(db: None) -> None:
    with pytest.raises(CommandError, match="所属課"):
        call_command(
            "staff",
            "create",
            "x",
            "--department",
            "nowhere",
            "--role",
            "clerk",
            "--password",
            "p" * 12,
        )
    with pytest.raises(CommandError):
        call_command(
            "staff",
            "create",
            "x",
            "--department",
            "shimin",
            "--role",
            "boss",
            "--password",
            "p" * 12,
        )
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("staff", "unlock", "ghost")
    call_command(
        "staff",
        "create",
        "x",
        "--department",
        "shimin",
        "--role",
        "auditor",
        "--password",
        "p" * 12,
    )
    profile = StaffProfile.objects.get(user__username="x")
    assert profile.role == "auditor" and not profile.totp_confirmed
    assert profile.user.check_password("p" * 12)
    with pytest.raises(CommandError, match="すでに"):
        call_command(
            "staff",
            "create",
            "x",
            "--department",
            "shimin",
            "--role",
            "clerk",
            "--password",
            "p" * 12,
        )
    assert AuditEvent.objects.filter(action="staff.create").count() == 1


def test_staff_home_query_count(staff_client: Client, django_assert_num_queries: Any) -> None:
    # Session, staff profile with its user, the department's case count.
    with django_assert_num_queries(3):
        assert staff_client.get("/staff/").status_code == 200


def test_totp_secret_is_sealed_for_its_purpose_only(enrolled: Enrolled) -> None:
    profile, secret, _codes = enrolled
    assert decrypt(profile.totp_secret, aad=TOTP_SECRET_AAD) == secret
    with pytest.raises(DecryptionError):
        decrypt(profile.totp_secret, aad=MY_NUMBER_AAD)


@given(code=st.text(max_size=40))
@hypothesis_settings(max_examples=50, deadline=None)
def test_any_typed_text_is_never_a_recovery_code(code: str) -> None:
    _codes, hashes = _recovery_new()
    assert _recovery_index(hashes[:2], code) is None


@pytest.mark.parametrize(
    "code", ["", " ", "abcd-efgh-jkmn\x00", "ａｂｃｄ", "$", "sha256$$", "😀" * 12]
)
def test_naughty_codes_fail_cleanly(client: Client, enrolled: Enrolled, code: str) -> None:
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    r = client.post("/staff/login/totp/", {"code": code})
    assert r.status_code == 400 and 'class="error-summary"' in r.content.decode()


def test_reset_totp_makes_the_next_login_enrol_again(enrolled: Enrolled) -> None:
    _profile, old_secret, old_codes = enrolled
    out = io.StringIO()
    call_command("staff", "reset-totp", "sato", stdout=out)
    assert "sato" in out.getvalue()
    assert "staff.totp_reset" in _actions()
    client = Client()
    client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert client.post("/staff/login/totp/", {"code": old_codes[0]})["Location"] == (
        "/staff/totp/setup/"
    )
    new_secret, new_codes = enrol(Client())
    assert new_secret != old_secret and not set(new_codes) & set(old_codes)


def test_create_command_asks_for_the_password_twice(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["first password 1", "other password 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    args = ("staff", "create", "y", "--department", "shimin", "--role", "clerk")
    with pytest.raises(CommandError, match="一致しません"):
        call_command(*args)
    answers = iter(["same password 3", "same password 3"])
    call_command(*args, stdout=io.StringIO())
    assert StaffProfile.objects.get(user__username="y").user.check_password("same password 3")
