"""The e-seal: PAdES signatures that verify, and every way one must not."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from tsunagu.casework.notices.signing import (
    EsealNotConfigured,
    eseal_current,
    notice_verify,
    pdf_sign,
)
from tsunagu.devtools.demo_eseal import demo_eseal


def plain_pdf(text: str = "notice") -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(100, 700, text)
    page.save()
    return buf.getvalue()


@pytest.fixture
def signed() -> bytes:
    return pdf_sign(plain_pdf(), reason="決定通知書", location="ひたちなか市")


def test_a_signed_notice_verifies(signed: bytes) -> None:
    result = notice_verify(signed)
    assert result.ok, result.problems
    assert (result.intact, result.valid, result.trusted, result.whole_file) == (True,) * 4
    assert result.timestamped  # PAdES-B-T through the demo's local time-stamp authority
    assert "eシール（デモ）" in result.signer
    assert result.signed_at is not None


def test_the_signature_is_pades(signed: bytes) -> None:
    field = PdfReader(io.BytesIO(signed)).get_fields()["CityESeal"]
    sig = field["/V"]
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig["/Reason"] == "決定通知書"


@pytest.mark.parametrize("where", [0.05, 0.3, 0.6, 0.97])
def test_a_modified_byte_breaks_the_signature(signed: bytes, where: float) -> None:
    data = bytearray(signed)
    i = int(len(data) * where)
    data[i] = data[i] ^ 0x01
    assert not notice_verify(bytes(data)).ok


def test_content_appended_after_signing_is_reported(signed: bytes) -> None:
    result = notice_verify(signed + b"\n%% appended later\n")
    assert not result.ok
    assert not result.whole_file


def test_a_notice_signed_under_another_ca_is_untrusted(
    settings: Any, tmp_path: Path, signed: bytes
) -> None:
    trusted_dir = settings.TSUNAGU_ESEAL["demo_dir"]
    settings.TSUNAGU_ESEAL = {**settings.TSUNAGU_ESEAL, "demo_dir": tmp_path / "other-city"}
    forged = pdf_sign(plain_pdf(), reason="決定通知書", location="ひたちなか市")
    assert notice_verify(forged).ok  # fine for its own CA...
    settings.TSUNAGU_ESEAL = {**settings.TSUNAGU_ESEAL, "demo_dir": trusted_dir}
    result = notice_verify(forged)  # ...but not for ours
    assert not result.ok
    assert result.intact and not result.trusted
    assert any("信頼できる" in p for p in result.problems)
    assert notice_verify(signed).ok


@pytest.mark.parametrize("data", [b"", b"garbage", b"%PDF-1.7\n%%EOF", b"\x00" * 100])
def test_garbage_is_not_a_valid_notice(data: bytes) -> None:
    assert not notice_verify(data).ok


def test_an_unsigned_pdf_is_not_a_valid_notice() -> None:
    result = notice_verify(plain_pdf())
    assert not result.ok and not result.signed
    assert result.problems == ("電子署名がありません。",)


def _configure_files(settings: Any, folder: Path, **extra: Any) -> Any:
    demo = demo_eseal(folder)
    settings.TSUNAGU_ESEAL = {
        **settings.TSUNAGU_ESEAL,
        "trust_roots": [str(demo.root_path)],
        "chain": [],
        "tsa_url": "",
        **extra,
    }
    return demo


def test_a_configured_pem_key_and_certificate_sign(settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "city"
    demo = _configure_files(
        settings, folder, key=str(folder / "eseal.key"), cert=str(folder / "eseal.crt")
    )
    seal = eseal_current()
    assert not seal.demo
    assert seal.timestamper is None  # no TSA configured: PAdES-B-B
    result = notice_verify(pdf_sign(plain_pdf(), reason="r", location="l"))
    assert result.ok, result.problems
    assert not result.timestamped
    assert demo.eseal.cert.subject.rfc4514_string()


def test_a_configured_pkcs12_with_passphrase_signs(settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "city12"
    demo = demo_eseal(folder)
    p12 = folder / "eseal.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"eseal",
            demo.eseal.key,
            demo.eseal.cert,
            [demo.root.cert],
            serialization.BestAvailableEncryption(b"secret-pass"),
        )
    )
    _configure_files(settings, folder, key="", cert="", pkcs12=str(p12), passphrase="secret-pass")
    assert notice_verify(pdf_sign(plain_pdf(), reason="r", location="l")).ok


def test_a_wrong_passphrase_is_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "citybad"
    demo = demo_eseal(folder)
    p12 = folder / "eseal.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"eseal",
            demo.eseal.key,
            demo.eseal.cert,
            None,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    _configure_files(settings, folder, pkcs12=str(p12), passphrase="wrong")
    with pytest.raises(EsealNotConfigured):
        eseal_current()


def test_missing_trust_roots_are_a_configuration_error(settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "noroots"
    _configure_files(
        settings, folder, key=str(folder / "eseal.key"), cert=str(folder / "eseal.crt")
    )
    settings.TSUNAGU_ESEAL = {**settings.TSUNAGU_ESEAL, "trust_roots": [str(folder / "no.pem")]}
    with pytest.raises(EsealNotConfigured, match=r"no\.pem"):
        eseal_current()


def test_the_demo_is_created_once_and_reused(tmp_path: Path) -> None:
    first = demo_eseal(tmp_path / "d")
    demo_eseal.cache_clear()
    again = demo_eseal(tmp_path / "d")
    assert again.eseal.cert == first.eseal.cert
    assert "DEMO" in again.root.cert.subject.rfc4514_string()
    assert (tmp_path / "d" / "eseal.key").stat().st_mode & 0o777 == 0o600


def test_a_configured_time_stamp_authority_makes_it_pades_b_t(
    settings: Any, tmp_path: Path
) -> None:
    """An RFC 3161 TSA over HTTP, served on the loopback interface by this test."""
    import asyncio
    import http.server
    import threading

    from asn1crypto import tsp
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from tsunagu.casework.notices.signing import _asn1_cert, _asn1_key, _store

    folder = tmp_path / "tsa-city"
    demo = _configure_files(
        settings, folder, key=str(folder / "eseal.key"), cert=str(folder / "eseal.crt")
    )
    authority = DummyTimeStamper(
        tsa_cert=_asn1_cert(demo.tsa.cert),
        tsa_key=_asn1_key(demo.tsa.key),
        certs_to_embed=_store(_asn1_cert(demo.root.cert)),
    )
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requests.append(self.headers["Content-Type"])
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply = asyncio.run(authority.async_request_tsa_response(tsp.TimeStampReq.load(body)))
            data = reply.dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        settings.TSUNAGU_ESEAL = {**settings.TSUNAGU_ESEAL, "tsa_url": url}
        result = notice_verify(pdf_sign(plain_pdf(), reason="r", location="l"))
    finally:
        server.shutdown()
        server.server_close()
    assert result.ok, result.problems
    assert result.timestamped
    # pyHanko asks once to size the signature, then for the real token.
    assert requests and set(requests) == {"application/timestamp-query"}
