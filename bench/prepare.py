"""Data preparation of the benchmark: log residents in, fill and clone drafts, count queries.

Everything that a resident would do goes through the running server with a small
keep-alive HTTP client (real demo login, real step pages). Only the bulk copies of a
filled draft are written with the ORM, in the benchmark process, because driving every
step once per measured submission would take longer than the measurement itself.

Django must be set up (``django.setup()``) before the functions that touch models run.
"""

from __future__ import annotations

import datetime as dt
import html
import http.client
import io
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

PROCEDURE = "jidou-teate-nintei"
LEVEL = "card_signature"
SUBJECTS = ("demo-0001", "demo-0002", "demo-0003", "demo-0004")

RawValue = str | list[str] | dict[str, str]


# ---------------------------------------------------------------- HTTP client


@dataclass
class Response:
    status: int
    location: str
    body: bytes

    def error_summary(self) -> str:
        """The page's error summary as plain text (what a resident would read)."""
        text = self.body.decode("utf-8", "replace")
        start = text.find('class="error-summary"')
        if start < 0:
            return text[:300]
        chunk = text[start : start + 3000]
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", chunk))).strip()


@dataclass
class Browser:
    """One resident's browser: a keep-alive connection and a cookie jar."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    _conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in sorted(self.cookies.items()))

    @property
    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def get(self, path: str) -> Response:
        return self._send("GET", path, b"", {})

    def post(
        self,
        path: str,
        fields: Mapping[str, RawValue],
        files: Mapping[str, tuple[str, str, bytes]] | None = None,
    ) -> Response:
        data = {**fields, "csrfmiddlewaretoken": self.csrf_token}
        if files:
            body, content_type = _multipart(data, files)
        else:
            body = urlencode(data, doseq=True).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        return self._send("POST", path, body, {"Content-Type": content_type})

    def _send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Response:
        headers = {**headers, "Cookie": self.cookie_header, "Accept-Language": "ja"}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body or None, headers=headers)
                raw = conn.getresponse()
                content = raw.read()
                break
            except (ConnectionError, http.client.HTTPException):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        location = raw.headers.get("Location", "")
        return Response(raw.status, urlsplit(location).path if location else "", content)


def _multipart(
    data: Mapping[str, RawValue], files: Mapping[str, tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            out.write(f"{item}\r\n".encode())
    for name, (filename, content_type, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def login(port: int, subject: str) -> Browser:
    """A browser in which ``subject`` logged in through the real demo login page."""
    browser = Browser(port)
    page = browser.get(f"/login/demo/?level={LEVEL}")
    if page.status != 200 or not browser.csrf_token:
        raise RuntimeError(f"demo login page: HTTP {page.status}, cookies {list(browser.cookies)}")
    r = browser.post("/login/demo/", {"subject": subject, "level": LEVEL, "next": "/mypage/"})
    if r.status != 302 or "tsunagu_session" not in browser.cookies:
        raise RuntimeError(f"demo login of {subject}: HTTP {r.status}: {r.error_summary()}")
    return browser


# ---------------------------------------------------------------- a valid 認定請求


def my_number(first11: str) -> str:
    """A 個人番号 with a valid check digit (施行令 第8条) after ``first11``.

    Example: ``my_number("12345678901") == "123456789018"``.
    """
    digits = [int(c) for c in reversed(first11)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return first11 + str(0 if remainder <= 1 else 11 - remainder)


# What a claimant with a spouse and two small children living with her types in. Fields
# not named here get a generic valid input for their type; prefilled ones are sent back
# as the page shows them.
ANSWERS: dict[str, RawValue] = {
    "my_number": my_number("12345678901"),
    "claimant_type": "fubo",
    "occupation": "会社員",
    "employer_name": "ひたちなか精機株式会社",
    "employer_phone": "029-273-0000",
    "phone_other": "",
    "pension": "kousei_nenkin",
    "jan1_residence": "shinai",
    "relation_to_child": "母",
    "has_spouse": "yes",
    "spouse_name": {"sei": "常陸", "mei": "太郎"},
    "spouse_birth_date": "1989-07-20",
    "spouse_my_number": my_number("98765432109"),
    "spouse_occupation": "kaishain",
    "use_kouhi_account": "no",
    "bank_account": {
        "bank_code": "0001",
        "bank_name": "みずほ銀行",
        "branch_code": "001",
        "branch_name": "東京営業部",
        "kind": "futsu",
        "number": "1234567",
        "holder_kana": "ヒタチ ハナコ",
    },
    "consent_koubo": "yes",
}
CHILDREN: list[dict[str, RawValue]] = [
    {
        "child_name": {"sei": "常陸", "mei": "一花"},
        "child_kana": {"sei": "ヒタチ", "mei": "イチカ"},
        "child_birth_date": "2019-04-01",
        "child_relation": "長女",
        "university_age": "no",
        "living": "doukyo",
        "kango": "yes",
        "seikei": "douitsu",
    },
    {
        "child_name": {"sei": "常陸", "mei": "二葉"},
        "child_kana": {"sei": "ヒタチ", "mei": "フタバ"},
        "child_birth_date": "2022-06-15",
        "child_relation": "二女",
        "university_age": "no",
        "living": "doukyo",
        "kango": "yes",
        "seikei": "douitsu",
    },
]
_PART_SAMPLES = {
    "sei": "常陸",
    "mei": "花子",
    "postal_code": "312-8501",
    "line1": "茨城県ひたちなか市東石川２丁目１０番１号",
    "line2": "",
    **{k: v for k, v in ANSWERS["bank_account"].items()},  # type: ignore[union-attr]
}
_KANA_PARTS = {"sei": "ヒタチ", "mei": "ハナコ"}


def _generic(spec: Any) -> RawValue:
    """A valid raw input for a field that ANSWERS does not name."""
    from django.utils import timezone

    from tsunagu.core.fieldtypes import get_type

    today = timezone.localdate()
    kind = spec.type
    if kind == "date":
        day = today + dt.timedelta(days=60) if spec.not_past else today - dt.timedelta(days=400)
        return day.isoformat()
    if kind == "year_month":
        day = today + dt.timedelta(days=62) if spec.not_past else today - dt.timedelta(days=400)
        return f"{day.year}-{day.month:02d}"
    if kind == "choice":
        return str(spec.options[0].value)
    if kind == "multi_choice":
        return [str(spec.options[0].value)]
    if kind in {"yes_no", "consent"}:
        return "yes"
    if kind in {"integer", "yen"}:
        return str(spec.min if spec.min is not None else 1)
    simple = {
        "text": "テスト"[: spec.max_length or 200],
        "textarea": "テストの入力です。",
        "kana": "ヒタチ",
        "postal_code": "3128501",
        "phone": "029-273-0111",
        "email": "bench@example.jp",
        "my_number": my_number("12345678901"),
        "lg_code": "082210",
    }
    if kind in simple:
        return simple[kind]
    source = _KANA_PARTS if kind == "kana_name" else _PART_SAMPLES
    return {p.name: source.get(p.name, "テスト") for p in get_type(kind).parts(spec)}


def _raw(spec: Any, wanted: Mapping[str, RawValue], current: Any) -> RawValue:
    from tsunagu.applications.engine import is_empty
    from tsunagu.core.fieldtypes import get_type

    if spec.id in wanted:
        return wanted[spec.id]
    ftype = get_type(spec.type)
    if not is_empty(current) and not ftype.secret:
        shown = ftype.to_raw(current, spec)
        return shown if isinstance(shown, str) else dict(shown)
    return _generic(spec)


def step_post(step: Any, answers: Mapping[str, Any]) -> dict[str, RawValue]:
    """The POST of one step page filled as ANSWERS and CHILDREN say."""
    from tsunagu.applications.engine import html_name, part_name

    data: dict[str, RawValue] = {"action": "next"}

    def put(base: str, value: RawValue) -> None:
        if isinstance(value, dict):
            for part, v in value.items():
                data[part_name(base, part)] = v
        else:
            data[base] = value

    for spec in step.fields:
        if spec.type != "group":
            put(spec.id, _raw(spec, ANSWERS, answers.get(spec.id)))
            continue
        rows = CHILDREN if spec.id == "children" else [{}] * max(1, spec.min_items or 0)
        data[f"{spec.id}-rows"] = str(len(rows))
        for i, row in enumerate(rows):
            for sub in spec.fields or []:
                put(html_name(sub.id, group=spec.id, row=i), _raw(sub, row, None))
    return data


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (230, 220, 200)).save(buf, format="JPEG")
    return buf.getvalue()


@dataclass(frozen=True)
class Template:
    """A fully filled draft of one resident, ready for 申請する."""

    subject: str
    draft_id: str
    first_step: str
    version: int
    visits: int


def draft_fill(browser: Browser, subject: str) -> Template:
    """Start 児童手当 認定請求 and fill every page through the real views.

    Required documents are marked 後で送る where the definition allows it; any other
    required document gets one small JPEG through the real upload.
    """
    from tsunagu.applications import engine
    from tsunagu.applications.models import Draft
    from tsunagu.procedures.selectors import procedure_version_get

    r = browser.post(f"/procedures/{PROCEDURE}/start/", {})
    if r.status != 302 or "/applications/" not in r.location:
        raise RuntimeError(f"start {PROCEDURE}: HTTP {r.status} → {r.location}")
    draft_id = r.location.split("/")[2]
    draft = Draft.objects.get(pk=draft_id)
    proc = procedure_version_get(code=draft.procedure_code, version=draft.procedure_version)
    first_step = proc.steps[0].id
    url, visits = r.location, 0
    while not url.endswith("/check/"):
        visits += 1
        if visits > 30:
            raise RuntimeError("the form does not end")
        page = browser.get(url)
        if page.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {page.status}")
        draft.refresh_from_db()
        if url.endswith("/attachments/"):
            later = []
            for spec in engine.visible_attachments(proc, engine.prune(proc, draft.answers)):
                if not spec.required:
                    continue
                if spec.later_allowed:
                    later.append(spec.id)
                    continue
                up = browser.post(
                    url,
                    {"action": f"upload:{spec.id}"},
                    files={f"file-{spec.id}": ("bench.jpg", "image/jpeg", _jpeg())},
                )
                if up.status != 302:
                    raise RuntimeError(f"upload {spec.id}: HTTP {up.status}: {up.error_summary()}")
            r = browser.post(url, {"action": "next", "later": later})
        else:
            step = proc.step(url.rstrip("/").rsplit("/", 1)[-1])
            if step is None:
                raise RuntimeError(f"unknown step page {url}")
            r = browser.post(url, step_post(step, draft.answers))
        if r.status != 302:
            raise RuntimeError(f"POST {url}: HTTP {r.status}: {r.error_summary()}")
        url = r.location
    check = browser.get(url)
    if check.status != 200:
        raise RuntimeError(f"GET {url}: HTTP {check.status}")
    return Template(subject, draft_id, first_step, proc.version, visits)


def template_verify(template: Template) -> int:
    """Raise unless the draft is a submittable 認定請求 with two children; the child count."""
    from tsunagu.applications import engine, services
    from tsunagu.applications.models import Draft
    from tsunagu.procedures.schema import Assurance

    draft = Draft.objects.get(pk=template.draft_id)
    proc = services.draft_procedure(draft)
    problems = engine.validate_answers(proc, draft.answers)
    problems += services.submission_problems(draft=draft, proc=proc, assurance=Assurance(LEVEL))
    if problems:
        listed = "; ".join(f"{p.step}/{p.field}: {p.message}" for p in problems)
        raise RuntimeError(f"the filled draft of {template.subject} is not valid: {listed}")
    groups = [f.id for f in engine.iter_fields(proc) if f.type == "group"]
    children = len(draft.answers.get(groups[0]) or []) if groups else 0
    if children != len(CHILDREN):
        raise RuntimeError(f"expected {len(CHILDREN)} children, the draft has {children}")
    return children


def drafts_clone(template: Template, count: int) -> list[str]:
    """``count`` copies of the template draft (same resident, answers and documents).

    Written straight with the ORM: bench data, not a resident's action. Attachment rows
    of a copy point at the template's stored files.
    """
    from django.db import transaction
    from django.utils import timezone

    from tsunagu.applications.models import Attachment, Draft

    tpl = Draft.objects.get(pk=template.draft_id)
    files = list(tpl.attachments.all())
    # Declared on the check page (as after 申請する): the signing page submits them.
    declared = timezone.now()
    copies = [
        Draft(
            declared_at=declared,
            confirm_duplicate=True,
            resident_id=tpl.resident_id,
            procedure_code=tpl.procedure_code,
            procedure_version=tpl.procedure_version,
            answers=tpl.answers,
            completed_steps=tpl.completed_steps,
            later_attachments=tpl.later_attachments,
            prefilled_from=tpl.prefilled_from,
            channel=tpl.channel,
        )
        for _ in range(count)
    ]
    with transaction.atomic():
        Draft.objects.bulk_create(copies, batch_size=500)
        # auto_now set updated_at after declared_at: align them (declared, then unchanged).
        Draft.objects.filter(pk__in=[c.pk for c in copies]).update(updated_at=declared)
        Attachment.objects.bulk_create(
            [
                Attachment(
                    draft=copy,
                    slot=a.slot,
                    file=a.file.name,
                    original_name=a.original_name,
                    content_type=a.content_type,
                    kind=a.kind,
                    converted_from=a.converted_from,
                    size=a.size,
                    sha256=a.sha256,
                )
                for copy in copies
                for a in files
            ],
            batch_size=500,
        )
    return [str(c.pk) for c in copies]


SIGN_PIN = "ABC1234"


def submit_body(version: int, csrf_token: str) -> str:
    """The form of 署名して申請する on the signing page (児童手当 認定請求 is signed with the
    card): the check page's declaration is already on the cloned drafts."""
    return urlencode({"pin": SIGN_PIN, "csrfmiddlewaretoken": csrf_token})


def request_lines(rows: Iterable[tuple[str, str, str, str]]) -> str:
    """Lines of the wrk request file: method, path, cookie header, body."""
    return "".join("\t".join(row) + "\n" for row in rows)


def applications_count() -> int:
    from tsunagu.applications.models import Application

    return Application.objects.count()


def query_counts(browser: Browser, template: Template, spare: list[str]) -> dict[str, int]:
    """SQL queries of one form page view and one submission, in this process.

    Each is measured after one unmeasured request of the same kind, so that one-time
    work (caches, first connection) is not counted. ``spare`` holds two cloned drafts.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for name, value in browser.cookies.items():
        client.cookies[name] = value
    form_path = f"/applications/{template.draft_id}/steps/{template.first_step}/"
    counts: dict[str, int] = {}
    for _round in range(2):
        with CaptureQueriesContext(connection) as form:
            r = client.get(form_path)
        if r.status_code != 200:
            raise RuntimeError(f"form page in-process: HTTP {r.status_code}")
        counts["form_page"] = len(form.captured_queries)
    for draft_id in spare:
        with CaptureQueriesContext(connection) as submit:
            r = client.post(
                f"/applications/{draft_id}/sign/",
                {"pin": SIGN_PIN, "csrfmiddlewaretoken": browser.csrf_token},
            )
        if r.status_code != 302 or "/done/" not in r["Location"]:
            raise RuntimeError(f"submission in-process: HTTP {r.status_code}")
        counts["submission"] = len(submit.captured_queries)
    connection.close()
    return counts
