"""JPKI signature verification against a generated JPKI-shaped test CA."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier

from tsunagu.applications.canonical import application_canonical_bytes
from tsunagu.core import jpki
from tsunagu.devtools.jpki_ca import (
    ARC,
    DAY,
    POLICY_AUTH,
    T0,
    Issued,
    JpkiTestCA,
    der,
    jpki_test_ca,
    rsa_key,
    utf8_string,
)

DATA = application_canonical_bytes(
    procedure_code="jidou-teate",
    procedure_version=1,
    answers={"name": {"sei": "常陸", "mei": "花子"}, "children": 2},
    attachments=[{"slot": "kouza", "sha256": "a" * 64}],
    reveal=lambda t: t,
)


@pytest.fixture(scope="module")
def ca() -> JpkiTestCA:
    return jpki_test_ca()


@pytest.fixture(scope="module")
def hanako(ca: JpkiTestCA) -> Issued:
    return ca.end_entity()


def verify(
    ca: JpkiTestCA,
    cert: Issued,
    *,
    data: bytes = DATA,
    signature: bytes | None = None,
    intermediates: list[bytes] | None = None,
    anchors: list[x509.Certificate] | None = None,
    crls: list[x509.CertificateRevocationList] | None = None,
    at: datetime = T0,
    certificate_der: bytes | None = None,
) -> jpki.SignatureVerification:
    return jpki.verify_signature(
        data=data,
        signature=cert.sign(DATA) if signature is None else signature,
        certificate_der=cert.der if certificate_der is None else certificate_der,
        intermediates=[ca.issuing.der] if intermediates is None else intermediates,
        trust_anchors=[ca.root.cert] if anchors is None else anchors,
        crls=ca.crls() if crls is None else crls,
        at=at,
    )


def test_valid_signature_gives_the_4_jouhou(ca: JpkiTestCA, hanako: Issued) -> None:
    v = verify(ca, hanako)
    assert v.reasons == []
    assert v.valid is True
    assert v.signer == jpki.Signer(
        name="常陸　花子",
        name_substitute="常陸　花子",
        gender="2",
        birth_date=date(1991, 5, 14),
        birth_date_raw="419910514",
        address="茨城県ひたちなか市東石川２丁目１０番１号",
        address_substitute="茨城県ひたちなか市東石川２丁目１０番１号",
    )
    assert v.certificate is not None
    assert v.certificate.serial_number == hanako.cert.serial_number
    assert v.certificate.issuer == ca.issuing.cert.subject.rfc4514_string()
    assert v.chain == [
        hanako.cert.subject.rfc4514_string(),
        ca.issuing.cert.subject.rfc4514_string(),
        ca.root.cert.subject.rfc4514_string(),
    ]
    assert v.checked_at == T0
    stored = v.as_json()
    assert stored["valid"] is True
    assert stored["signer"]["birth_date"] == "1991-05-14"
    assert stored["certificate"]["serial_number"] == format(hanako.cert.serial_number, "X")


def codes(v: jpki.SignatureVerification) -> list[str]:
    assert v.valid is False
    assert all(str(r.message) for r in v.reasons)
    return v.reason_codes


def test_expired_certificate(ca: JpkiTestCA) -> None:
    old = ca.end_entity(not_before=T0 - 2000 * DAY, not_after=T0 - DAY)
    assert codes(verify(ca, old)) == ["expired"]


def test_not_yet_valid_certificate(ca: JpkiTestCA, hanako: Issued) -> None:
    assert "not_yet_valid" in codes(verify(ca, hanako, at=T0 - 365 * DAY))


def test_revoked_certificate(ca: JpkiTestCA, hanako: Issued) -> None:
    crls = [ca.crl(revoked=(hanako.cert.serial_number,)), ca.arl()]
    assert codes(verify(ca, hanako, crls=crls)) == ["revoked"]


def test_revoked_issuing_ca(ca: JpkiTestCA, hanako: Issued) -> None:
    crls = [ca.crl(), ca.arl(revoked=(ca.issuing.cert.serial_number,))]
    assert codes(verify(ca, hanako, crls=crls)) == ["ca_revoked"]


def test_the_newest_current_crl_counts(ca: JpkiTestCA, hanako: Issued) -> None:
    older = ca.crl(last_update=T0 - 2 * DAY)
    newer = ca.crl(revoked=(hanako.cert.serial_number,), last_update=T0 - DAY / 2)
    assert codes(verify(ca, hanako, crls=[older, newer, ca.arl()])) == ["revoked"]


def test_wrong_root(ca: JpkiTestCA) -> None:
    # Same names as the real hierarchy: only the signatures tell them apart.
    stranger = ca.end_entity(issuer=ca.wrong_issuing)
    assert codes(verify(ca, stranger, intermediates=[ca.wrong_issuing.der])) == ["untrusted"]
    assert codes(verify(ca, stranger)) == ["untrusted"]


def test_anchor_not_configured(ca: JpkiTestCA, hanako: Issued) -> None:
    assert codes(verify(ca, hanako, anchors=[ca.wrong_root.cert])) == ["untrusted"]
    assert codes(verify(ca, hanako, intermediates=[])) == ["untrusted"]


def test_issuing_ca_as_anchor_is_enough(ca: JpkiTestCA, hanako: Issued) -> None:
    v = verify(ca, hanako, intermediates=[], anchors=[ca.issuing.cert], crls=[ca.crl()])
    assert v.valid, v.reason_codes


def test_tampered_data(ca: JpkiTestCA, hanako: Issued) -> None:
    index = DATA.index("花子".encode())
    tampered = bytearray(DATA)
    tampered[index + 2] ^= 0x01
    assert codes(verify(ca, hanako, data=bytes(tampered))) == ["bad_signature"]
    assert codes(verify(ca, hanako, data=DATA + b" ")) == ["bad_signature"]


def test_signature_by_another_key(ca: JpkiTestCA, hanako: Issued) -> None:
    forged = Issued(hanako.cert, ca.other_key).sign(DATA)
    assert codes(verify(ca, hanako, signature=forged)) == ["bad_signature"]


@pytest.mark.parametrize("signature", [b"", b"\x00" * 256, b"\xff" * 300])
def test_garbage_signature(ca: JpkiTestCA, hanako: Issued, signature: bytes) -> None:
    assert codes(verify(ca, hanako, signature=signature)) == ["bad_signature"]


def test_rsa_1024_refused(ca: JpkiTestCA) -> None:
    weak = ca.end_entity(key=rsa_key(1024))
    assert codes(verify(ca, weak)) == ["key_too_small"]


def test_crl_issued_after_the_check_time_counts(ca: JpkiTestCA, hanako: Issued) -> None:
    fresh = ca.crl(revoked=(hanako.cert.serial_number,), last_update=T0 + DAY / 24)
    assert codes(verify(ca, hanako, crls=[fresh, ca.arl()])) == ["revoked"]


def test_crl_expired(ca: JpkiTestCA, hanako: Issued) -> None:
    stale = ca.crl(last_update=T0 - 10 * DAY, next_update=T0 - DAY)
    assert codes(verify(ca, hanako, crls=[stale, ca.arl()])) == ["crl_expired"]


@pytest.mark.parametrize(
    "which",
    ["none", "only_arl", "only_crl", "crl_forged"],
)
def test_crl_missing(ca: JpkiTestCA, hanako: Issued, which: str) -> None:
    crls = {
        "none": [],
        "only_arl": [ca.arl()],
        "only_crl": [ca.crl()],
        # Right issuer name, signed by someone else: as good as no CRL.
        "crl_forged": [ca.crl(signing_key=ca.wrong_issuing.key), ca.arl()],
    }[which]
    assert codes(verify(ca, hanako, crls=crls)) == ["crl_unavailable"]


@pytest.mark.parametrize(
    "blob",
    [b"", b"\x30\x03\x02\x01", b"not a certificate", b"\x30\x82\xff\xff" + b"\x00" * 10],
)
def test_malformed_certificate(ca: JpkiTestCA, hanako: Issued, blob: bytes) -> None:
    v = verify(ca, hanako, certificate_der=blob)
    assert codes(v) == ["malformed_certificate"]
    assert v.signer is None and v.certificate is None


def test_malformed_intermediate_is_reported(ca: JpkiTestCA, hanako: Issued) -> None:
    v = verify(ca, hanako, intermediates=[b"junk", ca.issuing.der])
    assert codes(v) == ["malformed_intermediate"]


def test_pem_instead_of_der_is_malformed(ca: JpkiTestCA, hanako: Issued) -> None:
    assert codes(verify(ca, hanako, certificate_der=hanako.pem)) == ["malformed_certificate"]


def test_key_usage_must_allow_signing(ca: JpkiTestCA) -> None:
    cert = ca.end_entity(digital_signature=False, non_repudiation=False)
    assert codes(verify(ca, cert)) == ["key_usage"]
    assert verify(ca, ca.end_entity(digital_signature=False)).valid


def test_authentication_certificate_is_not_a_signing_certificate(ca: JpkiTestCA) -> None:
    # The 利用者証明用 certificate has another policy (and no 4情報).
    auth = ca.end_entity(policy=POLICY_AUTH, personal={})
    assert codes(verify(ca, auth)) == ["signer_data_missing", "wrong_policy"]


def test_unknown_critical_extension_is_refused(ca: JpkiTestCA) -> None:
    odd = x509.UnrecognizedExtension(ObjectIdentifier("1.2.3.4.5"), b"\x05\x00")
    assert codes(verify(ca, ca.end_entity(extra=odd))) == ["unknown_critical_extension"]


def test_end_entity_cannot_act_as_ca(ca: JpkiTestCA, hanako: Issued) -> None:
    child = ca.end_entity(issuer=hanako)
    v = verify(ca, child, intermediates=[hanako.der, ca.issuing.der])
    assert codes(v) == ["ca_invalid"]


def test_naive_time_is_a_programming_error(ca: JpkiTestCA, hanako: Issued) -> None:
    with pytest.raises(ValueError, match="aware"):
        verify(ca, hanako, at=datetime(2026, 4, 1))  # noqa: DTZ001


# ---------------------------------------------------------------- 4情報 decoding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (utf8_string("常陸　花子"), "常陸　花子"),
        (der(0x13, b"HITACHI HANAKO"), "HITACHI HANAKO"),
        (der(0x1E, "常陸".encode("utf-16-be")), "常陸"),
        (der(0xA0, utf8_string("花子")), "花子"),
        (utf8_string("あ" * 60), "あ" * 60),  # long-form length
    ],
)
def test_decode_der_string(value: bytes, expected: str) -> None:
    assert jpki.decode_der_string(value) == expected


@pytest.mark.parametrize(
    "value", [b"", b"\x0c", b"\x0c\x05ab", b"\x02\x01\x05", b"\x0c\x02\xff\xfe"]
)
def test_decode_der_string_refuses(value: bytes) -> None:
    with pytest.raises(ValueError):
        jpki.decode_der_string(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("419910514", date(1991, 5, 14)),
        ("519900102", date(1990, 1, 2)),
        ("19910514", date(1991, 5, 14)),
        ("４１９９１０５１４", date(1991, 5, 14)),
        ("419911314", None),
        ("4199105", None),
        ("", None),
        ("H03.05.14", None),
    ],
)
def test_parse_date_of_birth(raw: str, expected: date | None) -> None:
    assert jpki.parse_date_of_birth(raw) == expected


def test_undecodable_values_do_not_break_verification(ca: JpkiTestCA) -> None:
    san: list[x509.GeneralName] = [
        x509.OtherName(ObjectIdentifier(f"{ARC}.1"), utf8_string("常陸　花子")),
        x509.OtherName(ObjectIdentifier(f"{ARC}.5"), b"\x02\x01\x05"),  # INTEGER
        x509.RFC822Name("hanako@example.jp"),
    ]
    v = verify(ca, ca.end_entity(raw_san=san))
    assert v.valid, v.reason_codes
    assert v.signer is not None and v.signer.name == "常陸　花子" and v.signer.address == ""


# ---------------------------------------------------------------- applicant comparison


def fields(mismatches: list[jpki.Mismatch]) -> list[str]:
    return [m.field for m in mismatches]


APPLICANT: dict[str, Any] = {
    "name": "常陸 花子",
    "birth_date": date(1991, 5, 14),
    "address": "茨城県ひたちなか市東石川2丁目10番1号",
    "gender": "2",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"name": "常陸花子"}, []),
        ({"name": "常陸　花子 "}, []),
        ({"name": "常陸 華子"}, ["name"]),
        ({"name": "日立 花子"}, ["name"]),
        ({"birth_date": "1991-05-14"}, []),
        ({"birth_date": "平成3年5月14日"}, []),
        ({"birth_date": date(1991, 5, 15)}, ["birth_date"]),
        ({"birth_date": "いつか"}, ["birth_date"]),
        ({"address": "茨城県ひたちなか市東石川２丁目１０番１号"}, []),
        ({"address": "茨城県ひたちなか市東石川二丁目十番一号"}, []),
        ({"address": "茨城県ひたちなか市東石川2-10-1"}, []),
        ({"address": "茨城県ひたちなか市東石川２－１０－１"}, []),
        ({"address": "茨城県ひたちなか市東石川2丁目10番地の1"}, []),
        ({"address": "ひたちなか市東石川2-10-1"}, []),
        ({"address": "茨城県 ひたちなか市 東石川 2丁目 10番 1号"}, []),
        ({"address": "茨城県ひたちなか市東石川2丁目10番2号"}, ["address"]),
        ({"address": "茨城県ひたちなか市東石川12-10-1"}, ["address"]),
        ({"address": "栃木県ひたちなか市東石川2-10-1"}, ["address"]),
        ({"gender": "女"}, []),
        ({"gender": "female"}, []),
        ({"gender": "1"}, ["gender"]),
        ({"gender": "male"}, ["gender"]),
        ({"name": None, "birth_date": None, "address": None, "gender": None}, []),
        ({"name": "日立 太郎", "gender": "男性"}, ["name", "gender"]),
    ],
)
def test_compare_with_applicant(
    ca: JpkiTestCA, hanako: Issued, changes: dict[str, Any], expected: list[str]
) -> None:
    v = verify(ca, hanako)
    mismatches = jpki.compare_with_applicant(v, **{**APPLICANT, **changes})
    assert fields(mismatches) == expected
    for m in mismatches:
        assert str(m.message)
        assert m.applicant_value == str({**APPLICANT, **changes}[m.field])


def test_substitute_characters_match(ca: JpkiTestCA) -> None:
    # 外字 in the name: the certificate also gives a 代替文字 form the resident can type.
    cert = ca.end_entity(
        personal={
            "name": "髙﨑　花子",
            "name_substitute": "高崎　花子",
            "gender": "2",
            "date_of_birth": "419910514",
            "address": "茨城県ひたちなか市東石川２丁目１０番１号",
            "address_substitute": "茨城県ひたちなか市東石川２丁目１０番１号",
        }
    )
    v = verify(ca, cert)
    assert v.valid, v.reason_codes
    assert jpki.compare_with_applicant(v, **{**APPLICANT, "name": "高崎 花子"}) == []
    assert jpki.compare_with_applicant(v, **{**APPLICANT, "name": "髙﨑 花子"}) == []
    assert fields(jpki.compare_with_applicant(v, **{**APPLICANT, "name": "高橋 花子"})) == ["name"]


def test_compare_without_signer_flags_everything(ca: JpkiTestCA, hanako: Issued) -> None:
    v = verify(ca, hanako, certificate_der=b"junk")
    assert fields(jpki.compare_with_applicant(v, **APPLICANT)) == [
        "name",
        "birth_date",
        "address",
        "gender",
    ]


# ---------------------------------------------------------------- configuration files


def test_load_anchors_and_crls_from_pem_and_der(
    ca: JpkiTestCA, hanako: Issued, tmp_path: Path
) -> None:
    (tmp_path / "root.cer").write_bytes(ca.root.der)
    (tmp_path / "roots.pem").write_bytes(ca.root.pem + ca.wrong_root.pem)
    anchors = jpki.load_trust_anchors([tmp_path / "root.cer", str(tmp_path / "roots.pem")])
    assert anchors == [ca.root.cert, ca.root.cert, ca.wrong_root.cert]

    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    crl, arl = ca.crl(revoked=(hanako.cert.serial_number,)), ca.arl()
    (crl_dir / "sign.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    (crl_dir / "arl.pem").write_bytes(arl.public_bytes(serialization.Encoding.PEM))
    (crl_dir / "README.txt").write_text("copied by the crl task")
    crls = jpki.crl_load_dir(crl_dir)
    assert crls == [arl, crl]
    assert codes(verify(ca, hanako, anchors=anchors, crls=crls)) == ["revoked"]


def test_load_refuses_files_of_the_wrong_kind(ca: JpkiTestCA, tmp_path: Path) -> None:
    bad = tmp_path / "bad.crl"
    bad.write_bytes(ca.root.der)
    with pytest.raises(ValueError):
        jpki.load_crls([bad])
    with pytest.raises(ValueError):
        jpki.crl_load_dir(tmp_path)
    junk = tmp_path / "junk.cer"
    junk.write_bytes(b"junk")
    with pytest.raises(ValueError):
        jpki.load_trust_anchors([junk])
