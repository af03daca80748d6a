"""The resident pages of applications and accounts read in English and easy Japanese.

The catalogs are compiled by ``make`` (``make test`` runs ``compilemessages`` first).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from tests.conftest import login_as
from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, Draft, Status

SRC = Path(__file__).resolve().parents[2] / "src" / "tsunagu"
# Every app with user-facing text keeps an English and an easy-Japanese catalog.
APPS = (
    "applications",
    "accounts",
    "core",
    "portal",
    "casework/approvals",
    "casework/notices",
    "casework/exports",
    "casework/counter",
    "casework/corrections",
    "casework",
    "audit",
)
CATALOGS = sorted(
    path for app in APPS for path in (SRC / app / "locale").glob("*/LC_MESSAGES/django.po")
)


def _get(client: Client, url: str, lang: str | None) -> str:
    if lang is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def mypage_client(client: Client, test_catalog: Any, db: None) -> Client:
    """A logged-in demo resident with one draft and one application under review."""
    login_as(client, "demo-0001")
    resident = Resident.objects.get(subject="demo-0001")
    now = timezone.now()
    Draft.objects.create(resident=resident, procedure_code="test-teate", procedure_version=1)
    submitted = Draft.objects.create(
        resident=resident, procedure_code="test-teate", procedure_version=1, submitted_at=now
    )
    Application.objects.create(
        draft=submitted,
        resident=resident,
        receipt_number="HN-2026-000001-1",
        procedure_code="test-teate",
        procedure_version=1,
        answers={},
        status=Status.IN_REVIEW,
        submitted_at=now,
    )
    return client


# (language cookie, texts that must appear, Japanese source texts that must not)
MYPAGE = [
    (
        None,
        ["入力途中の申請", "申請した手続き", "受付番号", "審査中", "続きを入力する"],
        ["Applications in progress"],
    ),
    (
        "en",
        [
            "Applications in progress",
            "Submitted applications",
            "Reference number",
            "Under review",
            "Last saved",
            "Find a procedure",
        ],
        ["入力途中の申請", "申請した手続き", "受付番号", "審査中", "続きを入力する", "申請日"],
    ),
    (
        "ja-easy",
        [
            "とちゅうまで 入力した 申しこみ",
            "申しこんだ 手続き",
            "受付番号（うけつけ ばんごう）",
            "しらべて います",
            "つづきを 入力する",
        ],
        ["入力途中の申請", "申請した手続き", "審査中", "続きを入力する", "申請日"],
    ),
]


@pytest.mark.parametrize(("lang", "present", "absent"), MYPAGE)
def test_mypage_is_translated(
    mypage_client: Client, lang: str | None, present: list[str], absent: list[str]
) -> None:
    html = _get(mypage_client, "/mypage/", lang)
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


DEMO_LOGIN = [
    (
        "en",
        [
            "Demo login",
            "Test resident to log in as",
            "Type of login",
            "Log in with your My Number Card",
        ],
        [
            "デモ用ログイン",
            "ログインするテスト住民",
            "ログインの種類",
            "マイナンバーカードでログイン",
        ],
    ),
    (
        "ja-easy",
        [
            "ためしに つかう ログイン（デモ）",
            "ログインの しゅるい",
            "マイナンバーカードで ログイン",
        ],
        [
            "デモ用ログイン",
            "ログインするテスト住民",
            "ログインの種類",
            "マイナンバーカードでログイン",
        ],
    ),
]


@pytest.mark.parametrize(("lang", "present", "absent"), DEMO_LOGIN)
def test_demo_login_is_translated(
    client: Client, db: None, lang: str, present: list[str], absent: list[str]
) -> None:
    html = _get(client, "/login/demo/", lang)
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Please choose the resident to log in as."),
        ("ja-easy", "ログインする 人を えらんで ください。"),
    ],
)
def test_demo_login_error_is_translated(client: Client, db: None, lang: str, message: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.post("/login/demo/", {"subject": "", "next": "/mypage/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "ログインする住民を選んでください。" not in html


@pytest.mark.parametrize("lang", ["en", "ja-easy"])
@pytest.mark.parametrize("status", list(Status))
def test_every_status_label_is_translated(lang: str, status: Status) -> None:
    # The labels are lazy translations: rendered in the active language.
    with translation.override("ja"):
        japanese = str(status.label)
    with translation.override(lang):
        assert str(status.label) != japanese


# ---------------------------------------------------------------- the catalogs themselves


def _unquote(line: str) -> str:
    text = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r'\\(["\\n])', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), text)


def read_po(path: Path) -> list[dict[str, Any]]:
    """Entries of a .po file as dicts with ``msgid``, ``msgstr`` and ``flags``.

    Example: ``read_po(p)[0]["msgid"] == ""`` (the header).
    """
    entries: list[dict[str, Any]] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict[str, Any] = {"msgid": "", "msgstr": "", "flags": set(), "obsolete": False}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[")):
                key = line.split(" ", 1)[0]
                key = "msgstr" if key.startswith("msgstr") else key
                entry[key] = entry.get(key, "") + _unquote(line)
            elif line.startswith('"') and key:
                entry[key] += _unquote(line)
        entries.append(entry)
    return entries


def test_read_po_reads_flags_and_continuations(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"「%(a)s」"\n"です"\nmsgstr "\\"%(a)s\\""\n',
        encoding="utf-8",
    )
    header, entry = read_po(po)
    assert header["msgstr"] == "Language: en\n"
    assert entry == {
        "msgid": "「%(a)s」です",
        "msgstr": '"%(a)s"',
        "flags": {"fuzzy", "python-format"},
        "obsolete": False,
    }


def test_every_app_has_both_catalogs() -> None:
    # An app is named by its path under SRC, so nested apps read "casework/approvals".
    names = {(p.parents[2].parent.relative_to(SRC).as_posix(), p.parents[1].name) for p in CATALOGS}
    assert names == {(app, lang) for app in APPS for lang in ("en", "ja_Easy")}


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parents[3].name}-{p.parents[1].name}")
def test_catalog_is_complete(path: Path) -> None:
    entries = read_po(path)
    assert entries[0]["msgid"] == "" and "charset=UTF-8" in entries[0]["msgstr"]
    for entry in entries[1:]:
        assert not entry["obsolete"], entry["msgid"]
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"].strip(), entry["msgid"]
        # Sets, not lists: a plural entry repeats its placeholders once per form.
        assert set(PLACEHOLDER.findall(entry["msgstr"])) == set(
            PLACEHOLDER.findall(entry["msgid"])
        ), entry["msgid"]
    assert "fuzzy" not in entries[0]["flags"]
