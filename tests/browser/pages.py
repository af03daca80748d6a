"""Helpers that drive the citizen pages in Chromium: axe-core, form filling, layout probes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import axe_playwright_python
from PIL import Image
from playwright.sync_api import BrowserContext, FilePayload, Locator, Page

from tests.applications.samples import step_post
from tsunagu.procedures.schema import Procedure

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TOUCH_PX = 44

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


@dataclass
class Audit:
    """Runs axe on pages and collects every violation, to report them all at once."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def check(self, page: Page, label: str) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_JS)
        violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, WCAG_TAGS)
        self.pages.append(f"{label} {page.url}")
        for v in violations:
            nodes = "\n".join(f"      {n['target']}: {n['summary']}" for n in v["nodes"][:8])
            self.problems.append(
                f"[{label}] {page.url}\n  {v['id']} ({v['impact']}): {v['help']}\n{nodes}"
            )

    def report(self) -> str:
        return f"{len(self.problems)} axe violations:\n\n" + "\n\n".join(self.problems)


def new_context(browser: Any, **kwargs: Any) -> BrowserContext:
    """A browser context that reads Japanese (the site picks its language from it)."""
    kwargs.setdefault("locale", "ja-JP")
    kwargs.setdefault("timezone_id", "Asia/Tokyo")
    context: BrowserContext = browser.new_context(**kwargs)
    context.set_default_timeout(15_000)
    return context


def submit(page: Page, button: Locator) -> None:
    """Press a button that sends a form, and wait for the page that comes back."""
    with page.expect_navigation():
        button.click()


def press(page: Page, label: str) -> None:
    """Press the form button whose visible text is exactly ``label``."""
    submit(page, page.get_by_role("button", name=label, exact=True))


def switch_language(page: Page, name: str) -> None:
    """Use the language switch in the header (日本語 / やさしい日本語 / English)."""
    submit(page, page.locator(".lang-switch__button", has_text=re.compile(f"^{name}$")))
    assert page.locator(".lang-switch__current").inner_text().strip() == name
    assert page.locator("html").get_attribute("lang") == ("en" if name == "English" else "ja")


def path_of(page: Page) -> str:
    """The path of the page's address, without query or fragment."""
    return urlsplit(page.url).path


def step_id_of(page: Page) -> str:
    match = re.fullmatch(r"/applications/[^/]+/steps/([^/]+)/", path_of(page))
    assert match, page.url
    return match.group(1)


def step_values(proc: Procedure, step_id: str, **overrides: str) -> dict[str, Any]:
    """The samples helper's valid values for one step, with some values changed."""
    the_step = proc.step(step_id)
    assert the_step is not None, step_id
    data = step_post(the_step)
    data.pop("action")
    data.update(overrides)
    return data


def with_row(data: dict[str, Any], group: str, row: int) -> dict[str, Any]:
    """``data`` plus row ``row`` of a repeating group, a copy of row 0 (a second child)."""
    extra = {
        key.replace(f"{group}-0-", f"{group}-{row}-", 1): value
        for key, value in data.items()
        if key.startswith(f"{group}-0-")
    }
    return {**data, **extra}


def fill(page: Page, data: dict[str, Any]) -> list[str]:
    """Type ``data`` into the form as a resident would; returns the names not on the page.

    Fields verified by the My Number Card are shown as text, not as inputs, so they are
    absent; so is the row counter of a group (a hidden input the server keeps). A
    conditional question the page hides (its condition does not hold) is skipped, as a
    resident would not see it.
    """
    absent = []
    for name, value in data.items():
        if name.endswith("-rows"):
            continue
        inputs = page.locator(f'[name="{name}"]')
        if inputs.count() == 0:
            absent.append(name)
            continue
        if inputs.first.evaluate("e => !!e.closest('[hidden]')"):
            continue
        kind = inputs.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        values = value if isinstance(value, list) else [value]
        if kind in ("input:radio", "input:checkbox"):
            for v in values:
                page.locator(f'[name="{name}"][value="{v}"]').check()
        elif kind.startswith("select"):
            inputs.first.select_option(str(values[0]))
        else:
            inputs.first.fill(str(values[0]))
    return absent


def jpeg_file(name: str = "通帳.jpg") -> FilePayload:
    """A small photo, as a phone would send it (for ``set_input_files``)."""
    buf = io.BytesIO()
    Image.new("RGB", (320, 200), (235, 225, 205)).save(buf, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def focus_in_error_summary(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => !!document.activeElement && !!document.activeElement.closest('.error-summary')"
        )
    )


# ---------------------------------------------------------------- layout probes

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 0.5 && !el.closest('.visually-hidden, .skip-link')) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: width,
    innerWidth: window.innerWidth,
    wide: wide.slice(0, 10),
  };
}"""

_SMALL_TARGETS = """(touch) => {
  const small = [];
  const controls = document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a.button');
  for (const el of controls) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('.visually-hidden')) continue;
    if (r.height < touch - 0.5) {
      const name = el.name || el.id || el.textContent.trim().slice(0, 30);
      small.push(`${el.tagName.toLowerCase()}[${el.type || ''}] ${name}: ${r.height.toFixed(1)}px`);
    }
  }
  return small;
}"""


def horizontal_overflow(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(_OVERFLOW)
    return result


def small_targets(page: Page) -> list[str]:
    result: list[str] = page.evaluate(_SMALL_TARGETS, TOUCH_PX)
    return result


# ---------------------------------------------------------------- whole flows


def log_in(page: Page, next_path: str, subject_label: str = "常陸 花子") -> None:
    """Log in through the demo login page with a card and signature."""
    page.goto(f"/login/demo/?next={next_path}")
    page.get_by_label(subject_label, exact=False).check()
    page.locator("#level-card_signature").check()
    press(page, "ログインする")


def fill_step(page: Page, proc: Procedure, *, rows: int = 1, **overrides: str) -> None:
    """Fill the current step with valid values; each repeating group gets ``rows`` rows."""
    the_step = proc.step(step_id_of(page))
    assert the_step is not None
    data = step_values(proc, the_step.id, **overrides)
    fill(page, data)
    for group in (f for f in the_step.fields if f.type == "group"):
        for row in range(1, rows):
            press_value(page, f"add:{group.id}")
            data = with_row(data, group.id, row)
            fill(page, data)


def press_value(page: Page, value: str) -> None:
    """Press the form button that sends ``action=value`` (e.g. ``add:children``)."""
    submit(page, page.locator(f'button[name="action"][value="{value}"]'))


def walk_to_check(page: Page, proc: Procedure, *, rows: int = 1) -> dict[str, str]:
    """From the first step, fill every step and attach nothing required; returns the
    address of each page on the way (step id, ``attachments``, ``check``)."""
    seen: dict[str, str] = {}
    for _ in range(20):
        path = path_of(page)
        if path.endswith("/check/"):
            seen["check"] = path
            return seen
        if path.endswith("/attachments/"):
            seen["attachments"] = path
            for later in page.locator('input[name="later"]').all():
                later.check()
        else:
            seen[step_id_of(page)] = path
            fill_step(page, proc, rows=rows)
        press(page, "次へ進む")
    raise AssertionError(f"the form does not end: {seen}")


def staff_log_in(page: Page, username: str, password: str) -> str:
    """Log a member of staff in through the real pages: password, then the first-login
    TOTP enrolment with a code computed from the shown key. Returns the TOTP secret, for
    later logins (``staff_log_in_again``)."""
    import time

    from tsunagu.accounts.totp import secret_key, totp

    page.goto("/staff/login/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    press(page, "次へ")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(totp(secret_key(secret), time.time()))
    press(page, "設定してログイン")
    return secret


def attach_and_put_off(page: Page, uploads: tuple[str, ...] = ()) -> None:
    """On the attachments page, attach a photo to each slot of ``uploads`` and send every
    document that may come later ("later") later."""
    for slot in uploads:
        page.locator(f"#file-{slot}").set_input_files(jpeg_file(f"{slot}.jpg"))
        submit(page, page.locator(f'button[value="upload:{slot}"]'))
        assert f"{slot}.jpg" in page.locator(f"#slot-{slot}").inner_text()
    for later in page.locator('input[name="later"]').all():
        later.check()


def apply_and_sign(
    page: Page, proc: Procedure, *, uploads: tuple[str, ...] = (), pin: str = "ABC1234"
) -> str:
    """常陸 花子 applies for ``proc`` through the pages: demo login with the card, every
    step filled with valid values, photos for ``uploads``, the declaration and the card's
    signature. Returns the receipt number shown on the done page."""
    log_in(page, f"/procedures/{proc.code}/start/")
    press(page, "申請を始める")
    for _ in range(20):
        path = path_of(page)
        if path.endswith("/check/"):
            break
        if path.endswith("/attachments/"):
            attach_and_put_off(page, uploads)
        else:
            fill_step(page, proc)
        press(page, "次へ進む")
    else:
        raise AssertionError(f"the form does not end: {page.url}")
    page.get_by_label("上記の内容に誤りがないことを確認しました。").check()
    press(page, "申請する")
    if path_of(page).endswith("/sign/"):
        page.get_by_label("署名用電子証明書の暗証番号").fill(pin)
        press(page, "署名して申請する")
    assert path_of(page).endswith("/done/"), page.url
    return page.locator(".receipt-number").inner_text().strip()


def staff_log_in_again(page: Page, username: str, password: str, secret: str) -> None:
    """A later login of a member of staff whose TOTP is enrolled: password, then the code
    of their authenticator for ``secret``. Each code works once, so the code is the next
    time step's (the server accepts one step either way): a login soon after the
    enrolment is not refused as a replay of the enrolment's code."""
    import time

    from tsunagu.accounts.totp import secret_key, totp

    page.goto("/staff/login/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    press(page, "次へ")
    assert path_of(page) == "/staff/login/totp/", page.url
    page.get_by_label("確認コード").fill(totp(secret_key(secret), time.time() + 30))
    press(page, "ログイン")
