"""Applications that need the card's signature: signed, verified, stored; refused otherwise."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client

from tests.conftest import login_as
from tsunagu.applications import services, signing
from tsunagu.applications.models import Application, ApplicationSignature, Draft
from tsunagu.devtools.jpki_ca import jpki_test_ca
from tsunagu.procedures.schema import Assurance

pytestmark = pytest.mark.django_db


def _ready(client: Client) -> Draft:
    login_as(client, "demo-0001")
    client.post("/procedures/test-sign/start/")
    draft = Draft.objects.get(procedure_code="test-sign")
    r = client.post(
        f"/applications/{draft.pk}/steps/applicant/",
        {"action": "next", "reason": "台風で住家が壊れたため"},
    )
    assert r.status_code == 302
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r["Location"] == f"/applications/{draft.pk}/sign/"
    draft.refresh_from_db()
    return draft


def test_resident_signs_and_the_platform_verifies(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    page = client.get(f"/applications/{draft.pk}/sign/").content.decode()
    assert "署名用電子証明書の暗証番号" in page
    bad = client.post(f"/applications/{draft.pk}/sign/", {"pin": "12"})
    assert bad.status_code == 400 and "6〜16桁" in bad.content.decode()
    assert Application.objects.count() == 0
    r = client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    assert r.status_code == 302 and "/done/" in r["Location"]
    app = Application.objects.get()
    sig = ApplicationSignature.objects.get(application=app)
    assert sig.valid and sig.mismatches == []
    assert sig.verification["signer"]["name"] == "常陸　花子"
    assert sig.verification["signer"]["birth_date"] == "1991-05-14"
    assert "署名済み" in client.get(r["Location"]).content.decode()
    assert "署名済み" in client.get(f"/mypage/applications/{app.pk}/").content.decode()


def test_signature_procedure_cannot_skip_the_signature(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    resident = draft.resident
    with pytest.raises(services.SubmissionRefused, match="電子署名が必要"):
        services.application_submit(
            draft=draft, resident=resident, assurance=Assurance.CARD_SIGNATURE, declared=True
        )
    assert Application.objects.count() == 0


def test_changed_after_signing_is_refused(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    proc = services.draft_procedure(draft)
    plugin = signing.registry.active()
    assert plugin is not None
    signed = plugin.sign(
        resident=draft.resident, data=signing.signed_bytes(proc=proc, draft=draft), pin="ABC1234"
    )
    Draft.objects.filter(pk=draft.pk).update(answers={**draft.answers, "reason": "別の理由"})
    fresh = Draft.objects.get(pk=draft.pk)
    with pytest.raises(services.SubmissionRefused, match="署名した後に"):
        services.application_submit(
            draft=fresh,
            resident=fresh.resident,
            assurance=Assurance.CARD_SIGNATURE,
            declared=True,
            signed=signed,
        )
    assert Application.objects.count() == 0


def test_untrusted_certificate_is_refused(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    proc = services.draft_procedure(draft)
    data = signing.signed_bytes(proc=proc, draft=draft)
    ca = jpki_test_ca()
    card = ca.end_entity()
    signed = signing.SignedData(
        data_sha256=hashlib.sha256(data).hexdigest(),
        signature=card.sign(data),
        certificate_der=card.der,
        intermediates_der=[ca.issuing.der],
    )
    with pytest.raises(services.SubmissionRefused, match="信頼する認証局"):
        services.application_submit(
            draft=draft,
            resident=draft.resident,
            assurance=Assurance.CARD_SIGNATURE,
            declared=True,
            signed=signed,
        )


def test_configured_root_is_trusted_and_a_different_person_is_flagged(
    client: Client, test_catalog: Any, settings: Any, tmp_path: Path
) -> None:
    draft = _ready(client)
    ca = jpki_test_ca()
    now = dt.datetime.now(dt.UTC)
    (tmp_path / "root.pem").write_bytes(ca.root.pem)
    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    for i, crl in enumerate(
        [
            ca.crl(last_update=now - dt.timedelta(days=1), next_update=now + dt.timedelta(days=2)),
            ca.arl(last_update=now - dt.timedelta(days=1), next_update=now + dt.timedelta(days=2)),
        ]
    ):
        (crl_dir / f"{i}.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    settings.TSUNAGU_JPKI_TRUST_ANCHORS = [str(tmp_path / "root.pem")]
    settings.TSUNAGU_JPKI_CRL_DIR = str(crl_dir)
    proc = services.draft_procedure(draft)
    data = signing.signed_bytes(proc=proc, draft=draft)
    card = ca.end_entity(
        personal={
            "name": "那珂　一郎",
            "gender": "1",
            "date_of_birth": "319501103",
            "address": "茨城県ひたちなか市阿字ケ浦町１２３番地",
        }
    )
    signed = signing.SignedData(
        data_sha256=hashlib.sha256(data).hexdigest(),
        signature=card.sign(data),
        certificate_der=card.der,
        intermediates_der=[ca.issuing.der],
    )
    result = services.application_submit(
        draft=draft,
        resident=draft.resident,
        assurance=Assurance.CARD_SIGNATURE,
        declared=True,
        signed=signed,
    )
    sig = ApplicationSignature.objects.get(application=result.application)
    assert sig.valid
    assert {m["field"] for m in sig.mismatches} >= {"name", "birth_date"}


def test_a_change_after_the_declaration_sends_back_to_the_check_page(
    client: Client, test_catalog: Any
) -> None:
    draft = _ready(client)
    r = client.post(
        f"/applications/{draft.pk}/steps/applicant/", {"action": "next", "reason": "別の理由"}
    )
    assert r.status_code == 302
    r = client.get(f"/applications/{draft.pk}/sign/")
    assert r.status_code == 302 and r["Location"] == f"/applications/{draft.pk}/check/"
    r = client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    assert r["Location"] == f"/applications/{draft.pk}/check/"
    assert Application.objects.count() == 0


def test_the_back_office_receives_the_verified_signer(client: Client, test_catalog: Any) -> None:
    from tsunagu.applications.selectors import application_for_handoff

    draft = _ready(client)
    client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    payload = application_for_handoff(application_id=Application.objects.get().pk)
    assert payload["signature"]["valid"] is True
    assert payload["signature"]["signer"]["name"] == "常陸　花子"
    assert payload["signature"]["mismatches"] == []


# ---------------------------------------------------------------- デジタル認証アプリ signing
#
# Against the real local provider process (tsunagu.devtools.oidc_provider with --jpki-dir):
# the resident logs in with the card, then signs at the provider; the provider's test card
# CA is configured as the trust anchor, its CRL folder as ours. One test per attack.

import json  # noqa: E402
import re  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from tsunagu.audit.models import AuditEvent  # noqa: E402
from tsunagu.devtools.oidc_provider import ProviderProcess, start_provider  # noqa: E402

CLIENT_ID = "RP00000001"
LOGIN_CALLBACK = "http://testserver/login/digital-auth-app/callback/"
SIGN_CALLBACK = "http://testserver/applications/sign/digital-auth-app/callback/"


@pytest.fixture(scope="module")
def _signing_op(
    client_jwks_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ProviderProcess, Path]]:
    jpki_dir = tmp_path_factory.mktemp("dev-jpki")
    with start_provider(
        redirect_uris=[LOGIN_CALLBACK, SIGN_CALLBACK],
        client_jwks_url=client_jwks_url,
        client_id=CLIENT_ID,
        test_control=True,
        jpki_dir=jpki_dir,
    ) as process:
        yield process, jpki_dir


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _mode(op: ProviderProcess, mode: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - the local provider only
        f"{op.base_url}/_test/mode",
        data=json.dumps({"mode": mode}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener.open(request, timeout=5) as response:
        assert response.status == 200


@pytest.fixture
def daa(
    _signing_op: tuple[ProviderProcess, Path], settings: Any, tmp_path: Path, test_catalog: Any
) -> Iterator[ProviderProcess]:
    from tsunagu.accounts.oidc.client import discovery_clear
    from tsunagu.accounts.oidc.plugin import OIDCPlugin
    from tsunagu.accounts.plugins import registry as auth_registry

    op, jpki_dir = _signing_op
    settings.VAR_DIR = tmp_path / "var"
    settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app"]
    settings.TSUNAGU_SIGNING_PLUGIN = "digital-auth-app"
    settings.TSUNAGU_JPKI_TRUST_ANCHORS = [str(jpki_dir / "root.crt")]
    settings.TSUNAGU_JPKI_CRL_DIR = str(jpki_dir / "crl")
    settings.TSUNAGU_OIDC_PROVIDERS = {
        "digital-auth-app": {
            "issuer": op.issuer,
            "client_id": CLIENT_ID,
            "scope": "openid name address birthdate gender",
            "sign": True,
            "acr_values": "aal3 crl",
            "required_acr": "aal3",
        }
    }
    discovery_clear()
    plugin = auth_registry._plugins["digital-auth-app"]
    assert isinstance(plugin, OIDCPlugin)
    plugin.reset_caches()
    _mode(op, "reset")
    yield op
    _mode(op, "reset")
    discovery_clear()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _at_provider(
    url: str, *, person: str = "demo-0001", pin: str = "1234", action: str = "login"
) -> str:
    """Open the provider's page at ``url``, submit its form; return where it redirects."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    with opener.open(url, timeout=5) as page:
        html = page.read().decode()
    request_id = re.search(r'name="request_id" value="([^"]+)"', html)
    action_url = re.search(r'<form method="post" action="([^"]+)"', html)
    assert request_id is not None and action_url is not None, html[:500]
    form = urllib.parse.urlencode(
        {"request_id": request_id[1], "person": person, "pin": pin, "action": action}
    ).encode()
    try:
        opener.open(urllib.request.Request(action_url[1], data=form, method="POST"), timeout=5)  # noqa: S310
    except urllib.error.HTTPError as redirect:
        assert redirect.code in (302, 303), redirect.read()[:300]
        return str(redirect.headers["Location"])
    raise AssertionError("the provider did not redirect back")


def _ours(client: Client, url: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    return client.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))


def _card_login_and_declare(client: Client) -> Draft:
    start = client.get("/login/digital-auth-app/", {"next": "/mypage/", "level": "card_signature"})
    assert start.status_code == 302, start.content[:300]
    back = _ours(client, _at_provider(start["Location"]))
    assert back.status_code == 302 and back["Location"] == "/mypage/", back.content[:300]
    client.post("/procedures/test-sign/start/")
    draft = Draft.objects.get(procedure_code="test-sign")
    r = client.post(
        f"/applications/{draft.pk}/steps/applicant/",
        {"action": "next", "reason": "台風で住家が壊れたため"},
    )
    assert r.status_code == 302
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r["Location"] == f"/applications/{draft.pk}/sign/"
    return draft


def _to_provider(client: Client, draft: Draft) -> str:
    page = client.get(f"/applications/{draft.pk}/sign/").content.decode()
    assert "署名へ進む" in page and 'name="pin"' not in page
    r = client.post(f"/applications/{draft.pk}/sign/")
    assert r.status_code == 302, r.content[:500]
    return str(r["Location"])


def _refused(
    client: Client, draft: Draft, response: Any, reason: str, status: int = 400, known: bool = True
) -> str:
    """Nothing submitted, the draft kept, the failure audited, a page with a way back."""
    assert response.status_code == status, response.content[:500]
    assert Application.objects.count() == 0
    kept = Draft.objects.get(pk=draft.pk)
    assert kept.submitted_at is None and kept.answers["reason"] == "台風で住家が壊れたため"
    event = AuditEvent.objects.filter(action="application.sign_failed").last()
    assert event is not None and event.summary["reason"] == reason, event and event.summary
    # Without a known state the draft is not known either (nothing to link back to).
    assert event.obj_id == (str(draft.pk) if known else "")
    text = response.content.decode()
    assert "/mypage/" in text
    return text


def test_daa_signing_through_the_provider(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    authorize = _to_provider(client, draft)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert authorize.startswith(daa.issuer)
    assert query["scope"] == "openid sign" and query["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[0-9a-f-]{36}", query["sign_transaction_id"])
    assert {"state", "nonce", "code_challenge"} <= set(query)
    back = _ours(client, _at_provider(authorize, pin="ABCD1234"))
    assert back.status_code == 302 and "/done/" in back["Location"], back.content[:500]
    app = Application.objects.get()
    sig = ApplicationSignature.objects.get(application=app)
    assert sig.valid and sig.mismatches == []
    assert sig.verification["signer"]["name"] == "常陸　花子"
    assert sig.verification["reasons"] == []
    # Exactly the canonical bytes were signed (the stored hash is theirs).
    proc = services.draft_procedure(Draft.objects.get(pk=draft.pk))
    canonical = signing.signed_bytes(proc=proc, draft=draft, answers=app.answers)
    assert sig.data_sha256 == hashlib.sha256(canonical).hexdigest()
    assert "署名済み" in client.get(f"/mypage/applications/{app.pk}/").content.decode()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions.index("application.sign_start") < actions.index("application.submit")


def test_daa_cancel_at_the_provider(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    back = _ours(client, _at_provider(_to_provider(client, draft), action="cancel"))
    text = _refused(client, draft, back, "cancelled")
    assert "署名を中止しました" in text and f"/applications/{draft.pk}/sign/" in text


def test_daa_state_mismatch(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    url = _at_provider(_to_provider(client, draft), pin="ABCD1234")
    forged = re.sub(r"state=[^&]+", "state=forged-state", url)
    text = _refused(client, draft, _ours(client, forged), "state_unknown", known=False)
    assert "署名の有効期限が切れました" in text


def test_daa_replayed_callback_is_refused(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    url = _at_provider(_to_provider(client, draft), pin="ABCD1234")
    assert _ours(client, url).status_code == 302
    again = _ours(client, url)
    assert again.status_code == 400
    assert Application.objects.count() == 1
    event = AuditEvent.objects.filter(action="application.sign_failed").last()
    assert event is not None and event.summary["reason"] == "state_unknown"


def test_daa_wrong_hash_returned(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    authorize = _to_provider(client, draft)
    _mode(daa, "sign_wrong_hash")
    back = _ours(client, _at_provider(authorize, pin="ABCD1234"))
    assert "電子署名を確認できませんでした" in _refused(client, draft, back, "hash_mismatch")


def test_daa_bad_signature(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    authorize = _to_provider(client, draft)
    _mode(daa, "sign_bad_signature")
    back = _ours(client, _at_provider(authorize, pin="ABCD1234"))
    text = _refused(client, draft, back, "verification_failed")
    event = AuditEvent.objects.filter(action="application.sign_failed").last()
    assert event is not None and event.summary["codes"] == ["bad_signature"]
    assert "署名が申請内容と一致しません" in text


@pytest.mark.parametrize(
    ("mode", "code", "message"),
    [
        ("sign_revoked", "revoked", "電子証明書は失効しています"),
        ("sign_expired", "expired", "電子証明書の有効期限が切れています"),
    ],
)
def test_daa_revoked_or_expired_certificate(
    client: Client, daa: ProviderProcess, mode: str, code: str, message: str
) -> None:
    draft = _card_login_and_declare(client)
    authorize = _to_provider(client, draft)
    _mode(daa, mode)
    back = _ours(client, _at_provider(authorize, pin="ABCD1234"))
    text = _refused(client, draft, back, "verification_failed")
    event = AuditEvent.objects.filter(action="application.sign_failed").last()
    assert event is not None and code in event.summary["codes"]
    assert message in text


def test_daa_provider_down_before_signing(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    _mode(daa, "down")
    from tsunagu.accounts.oidc.client import discovery_clear

    discovery_clear()
    r = client.post(f"/applications/{draft.pk}/sign/")
    assert "署名サービスにつながりません" in _refused(
        client, draft, r, "provider_unavailable", status=503
    )


def test_daa_provider_down_after_signing(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    url = _at_provider(_to_provider(client, draft), pin="ABCD1234")
    _mode(daa, "down")
    _refused(client, draft, _ours(client, url), "provider_unavailable", status=503)
    # The draft can be signed again once the provider is back.
    _mode(daa, "reset")
    back = _ours(client, _at_provider(_to_provider(client, draft), pin="ABCD1234"))
    assert back.status_code == 302 and "/done/" in back["Location"]


def test_daa_someone_else_signs(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    url = _at_provider(_to_provider(client, draft), person="demo-0002", pin="ABCD1234")
    _refused(client, draft, _ours(client, url), "signer_not_resident")


def test_daa_change_while_at_the_provider(client: Client, daa: ProviderProcess) -> None:
    draft = _card_login_and_declare(client)
    url = _at_provider(_to_provider(client, draft), pin="ABCD1234")
    # In another tab the resident edits the application while the app is signing.
    Draft.objects.filter(pk=draft.pk).update(answers={**draft.answers, "reason": "別の理由"})
    r = _ours(client, url)
    assert r.status_code == 400 and Application.objects.count() == 0
    event = AuditEvent.objects.filter(action="application.sign_failed").last()
    assert event is not None and event.summary["reason"] == "changed_after_signing"
