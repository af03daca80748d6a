"""The access-control matrix of the staff side: every URL under /staff/ × every role ×
own / other department, GET and POST. Nothing leaks, and a forbidden id looks exactly
like a missing one.

The URLs are not listed here: they are read from the URL resolver, so a page another part
of the back office adds under /staff/ (corrections, approvals, notices, exports, counter,
audit...) is checked by this test without editing it.

Who may see what (the rules the test holds every page to):

===============  ====================  =======================  ========================
role             own department cases  other departments' cases  audit log (/staff/audit/)
===============  ====================  =======================  ========================
clerk 担当者     read + act             never (404)              never (404)
chief 係長       read + act             never (404)              never (404)
section_head 課長 read + act            never (404)              never (404)
director 部長    read only              never (404)              never (404)
admin 管理者     never (404)            never (404)              never (404)
auditor 監査     never (404)            never (404)              read only
===============  ====================  =======================  ========================

個人番号 is revealed only to clerk, chief and section_head of the case's department; the
reveal URL is a 404 for everyone else. Individual parts may narrow these rules (e.g. only
a 係長 approves); they may never widen them.

What is checked, for each URL pattern (path parameters named ``case_id`` get a real case
of the own department, one of another department and a random UUID; other parameters get
a value that names nothing):

1. For every role, the other department's case and a random id give the same status code
   and the same page (after removing CSRF tokens and the id itself from the HTML).
2. For roles that see no cases (admin, auditor), the own department's case does too.
3. No response, for any role or id, shows the other department's applicant or receipt
   number; roles without case access never see the own department's applicant either.
4. Without a staff session nothing shows any of it either, and nothing answers 500.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.conftest import staff_login
from tsunagu.casework.models import Case
from tsunagu.casework.selectors import CASE_ROLES

pytestmark = pytest.mark.django_db

ROLES = ("clerk", "chief", "section_head", "director", "admin", "auditor")
OWN_DEPT = "kodomo_seisaku"  # test-teate
OTHER_DEPT = "kaigo_hoken"  # test-proxy

OWN = {"name": {"sei": "常陸", "mei": "花子"}, "pension": "kousei"}
OTHER = {"insured_name": {"sei": "那珂", "mei": "一郎"}, "relation": "honnin"}
OWN_RECEIPT = "HN-2026-000101-1"
OTHER_RECEIPT = "ZZ-2026-999999-9"
OWN_SECRET = "常陸 花子"
OTHER_SECRETS = ("那珂 一郎", "那珂一郎", OTHER_RECEIPT)

NOTHING_UUID = "00000000-0000-4000-8000-000000000000"

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class StaffRoute:
    route: str  # "staff/cases/<uuid:case_id>/"
    name: str  # "casework:case"

    @property
    def has_case(self) -> bool:
        return any(m.group("name") == "case_id" for m in _PARAM.finditer(self.route))

    def url(self, case_id: str) -> str:
        def fill(m: re.Match[str]) -> str:
            if m.group("name") == "case_id":
                return case_id
            converter = m.group("converter") or "str"
            # A value of the right shape that names nothing (the same for every case id,
            # so the pages of the three ids can be compared).
            return {"int": "987654", "uuid": NOTHING_UUID, "path": "x/y"}.get(converter, "nothing")

        return "/" + _PARAM.sub(fill, self.route)


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[StaffRoute]:
    for p in patterns:
        if not isinstance(p.pattern, RoutePattern):
            # re_path patterns cannot be filled generically; none exist under /staff/.
            raise AssertionError(f"a regex URL pattern under {prefix!r}: use path()")
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
            yield from _walk(p.url_patterns, route, ns or namespace)
        elif route.startswith("staff/"):
            yield StaffRoute(route, f"{namespace}:{p.name}" if namespace else str(p.name))


def staff_routes() -> list[StaffRoute]:
    """Every URL pattern under /staff/, from the project's URL resolver."""
    return list(_walk(get_resolver().url_patterns, "", ""))


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _page(response: Any, case_id: str) -> tuple[int, str]:
    """What a person sees: the status and the page, without per-request noise."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode("utf-8", "replace")
    else:
        body = response.content.decode("utf-8", "replace")
    body = _CSRF.sub("", body).replace(case_id, "<id>")
    location = response.get("Location", "").replace(case_id, "<id>")
    return response.status_code, body + location


@pytest.fixture
def cases(new_case: Callable[..., Case]) -> tuple[Case, Case]:
    own = new_case(answers=OWN)
    other = new_case(procedure_code="test-proxy", answers=OTHER)
    assert (own.department, other.department) == (OWN_DEPT, OTHER_DEPT)
    Case.objects.filter(pk=own.pk).update(receipt_number=OWN_RECEIPT)
    Case.objects.filter(pk=other.pk).update(receipt_number=OTHER_RECEIPT)
    assert other.applicant_name == "那珂 一郎"
    return own, other


def test_the_staff_urls_are_found_in_the_resolver() -> None:
    names = {r.name for r in staff_routes()}
    assert {"staff:home", "casework:inbox", "casework:case", "casework:my_number"} <= names
    assert {"audit:list", "audit:verify"} <= names
    assert all(r.route.startswith("staff/") for r in staff_routes())


def test_access_matrix(cases: tuple[Case, Case], staff_client: Any) -> None:
    own, other = cases
    routes = staff_routes()
    clients = {role: staff_client(role=role, department=OWN_DEPT) for role in ROLES}
    problems: list[str] = []

    def leaks(text: str, *, role: str | None) -> list[str]:
        found = [s for s in OTHER_SECRETS if s in text]
        if role not in CASE_ROLES and OWN_SECRET in text:
            found.append(OWN_SECRET)
        return found

    for route in routes:
        for method in ("get", "post"):
            for client in clients.values():
                # A page may end the session (POST /staff/logout/): start each round logged in.
                staff_login(client, client.staff)
            for role, client in [*clients.items(), (None, Client())]:
                who = role or "anonymous"
                fetch = getattr(client, method)
                if not route.has_case:
                    url = route.url("")
                    status, text = _page(fetch(url), "")
                    if status >= 500:
                        problems.append(f"{method.upper()} {url} as {who}: {status}")
                    if bad := leaks(text, role=role):
                        problems.append(f"{method.upper()} {url} as {who} shows {bad}")
                    continue
                missing_id = str(uuid.uuid4())
                seen = {}
                for label, case_id in (
                    ("other", str(other.pk)),
                    ("missing", missing_id),
                    ("own", str(own.pk)),
                ):
                    url = route.url(case_id)
                    seen[label] = _page(fetch(url), case_id)
                    status, text = seen[label]
                    if status >= 500:
                        problems.append(f"{method.upper()} {url} ({label}) as {who}: {status}")
                    if bad := leaks(text, role=role):
                        problems.append(f"{method.upper()} {url} ({label}) as {who} shows {bad}")
                # An action on the own case may leave a message ("審査を開始しました。") for
                # the next page: show it now, so it is not mistaken for a difference.
                client.get("/staff/")
                where = f"{method.upper()} /{route.route} as {who}"
                if seen["other"] != seen["missing"]:
                    problems.append(
                        f"{where}: another department's case ({seen['other'][0]}) "
                        f"differs from a missing one ({seen['missing'][0]})"
                    )
                if role not in CASE_ROLES and seen["own"] != seen["missing"]:
                    problems.append(
                        f"{where}: a role without case access sees the own department's "
                        f"case ({seen['own'][0]}) differently from a missing one "
                        f"({seen['missing'][0]})"
                    )
    assert problems == [], "\n".join(problems)


def test_the_matrix_would_notice_a_leak(cases: tuple[Case, Case], staff_client: Any) -> None:
    """The checks above can fail: the other department's case page, fetched as a member of
    that department, is a 200 that shows exactly what the matrix looks for."""
    own, other = cases
    insider = staff_client(department=OTHER_DEPT)
    status, text = _page(insider.get(f"/staff/cases/{other.pk}/"), str(other.pk))
    assert status == 200 and "那珂 一郎" in text and OTHER_RECEIPT in text
    outsider = staff_client()
    missing = str(uuid.uuid4())
    assert _page(outsider.get(f"/staff/cases/{other.pk}/"), str(other.pk)) == _page(
        outsider.get(f"/staff/cases/{missing}/"), missing
    )
    assert own.department == outsider.staff.department
