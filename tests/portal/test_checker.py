"""The staff's やさしい日本語 checker: the check, the page, and the JSON API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.conftest import staff_login, staff_make
from tsunagu.portal.checker import MAX_CHARS, Problem, _segments, yasashii_check
from tsunagu.yasashii import analyze
from tsunagu.yasashii.rewrite import rewrite

PAGE = "/staff/yasashii/"
API = "/staff/yasashii/api/"
SAMPLE = (
    "本日、ご記入いただいた書類を提出されない場合は、受付できないわけではありません。"
    "令和8年12月1日15時までに、市役所（電話029-273-0111）へ1,000円をお持ちください。"
)

StaffClient = Callable[..., Client]


# ---------- The check ----------


def test_check_lists_problems_with_reasons_and_positions() -> None:
    result = yasashii_check(text=SAMPLE)
    first = result.sentences[0]
    kinds = {p.kind for p in first.problems}
    assert {"honorific", "passive", "double_negative"} <= kinds
    for p in first.problems:
        assert p.label and p.reason
        if p.start is not None:
            assert first.text[p.start : p.start + len(p.text)] == p.text
    # The segments put the sentence back together, and flag the problem spans.
    assert "".join(s.text for s in first.segments) == first.text
    flagged = {s.text for s in first.segments if s.problems}
    double_negative = next(p for p in first.problems if p.kind == "double_negative")
    assert any(double_negative.text in text for text in flagged)


def test_check_scores_before_and_after_as_the_engine_does() -> None:
    result = yasashii_check(text=SAMPLE)
    rewritten = rewrite(SAMPLE)
    assert result.rewrite == rewritten.text
    assert (result.score_before, result.band_before) == (
        analyze(SAMPLE).score,
        analyze(SAMPLE).band,
    )
    assert (result.score_after, result.band_after) == (
        analyze(rewritten.text).score,
        analyze(rewritten.text).band,
    )
    for s, r in zip(result.sentences, rewritten.sentences, strict=True):
        assert s.rewrite == "".join(r.output)
        assert s.score_after == analyze(s.rewrite).score


def test_check_reports_each_fact() -> None:
    result = yasashii_check(text=SAMPLE)
    kinds = {f.kind for f in result.facts}
    assert {"phone", "amount", "date", "time"} <= kinds
    assert result.facts_preserved and all(f.kept for f in result.facts)
    assert {f.label for f in result.facts} >= {"電話番号", "金額"}


def test_difficult_words_say_their_level() -> None:
    sentence = yasashii_check(text="本日、避難所を開設しました。").sentences[0]
    words = [p for p in sentence.problems if p.kind == "difficult_word"]
    assert words, sentence.problems
    for p in words:
        assert p.label == "難しい言葉" and p.reason
        assert re.fullmatch(r"言葉のレベルは \d です（1〜7。大きいほど難しい言葉です）。", p.hint)


def test_sentence_level_problems() -> None:
    long = "市では、" + "住民の皆様の生活の安全と安心を守るため、" * 3 + "対策を進めています。"
    result = yasashii_check(text=long)
    kinds = [p.kind for p in result.sentences[0].problems]
    assert "long_sentence" in kinds and "kanji_ratio" in kinds
    assert all(p.start is None for p in result.sentences[0].problems if p.kind == "long_sentence")


def test_overlapping_problems_join_into_one_highlight() -> None:
    problems = (
        Problem(1, "honorific", "敬語", "ご持参ください", 2, "", ""),
        Problem(2, "honorific", "敬語", "ください", 5, "", ""),
        Problem(3, "loanword", "カタカナ語", "カード", 20, "", ""),  # beyond the end: clipped
    )
    segments = _segments("本をご持参ください。", problems)
    assert [(s.text, s.problems) for s in segments] == [
        ("本を", ()),
        ("ご持参ください", (1, 2)),
        ("。", ()),
    ]


def test_to_dict_is_json() -> None:
    data = yasashii_check(text=SAMPLE).to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again["facts_preserved"] is True
    assert again["problem_count"] == sum(len(s["problems"]) for s in again["sentences"])
    assert set(again["sentences"][0]) >= {
        "text",
        "segments",
        "problems",
        "rewrite",
        "score_before",
        "band_before",
        "score_after",
        "band_after",
    }


# ---------- The page ----------


@pytest.mark.django_db
def test_page_needs_a_staff_login(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["clerk", "chief", "auditor", "admin"])
def test_page_is_for_every_role(staff_client: StaffClient, role: str) -> None:
    page = staff_client(role=role).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="page-title">やさしい日本語チェック</h1>' in html
    assert re.search(r'<label class="field__label[^"]*" for="text">確かめる文章</label>', html)
    assert '<textarea class="textarea' in html and 'name="text"' in html
    assert '<p class="field__hint" id="text-hint">10,000文字まで入力できます。</p>' in html
    assert "private" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


@pytest.mark.django_db
def test_page_shows_the_result(staff_client: StaffClient) -> None:
    text = SAMPLE + "\r\n<script>alert(1)</script>"
    response = staff_client().post(PAGE, {"text": text})
    assert response.status_code == 200
    html = response.content.decode()
    result = yasashii_check(text=text)
    assert f"{result.score_before:.2f}（{result.band_before}）" in html
    assert f"{result.score_after:.2f}（{result.band_after}）" in html
    assert (
        '<mark class="yasashii-mark"><span class="yasashii-mark__icon" aria-hidden="true">⚠</span>'
        in html
    )
    assert "［1］" in html  # the number that ties a highlight to its reason
    assert "二重否定" in html and "意味を取り違えやすい" in html
    assert "書き換えた後も、すべて残っています。" in html
    assert "動詞が多いと点数が下がります" in html  # why an easier word can score lower
    assert result.sentences[0].rewrite in html
    # The pasted text comes back in the textarea, escaped.
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "確かめる文章を入力してください。"),
        (" \r\n\u3000", "確かめる文章を入力してください。"),
        (
            "あ" * (MAX_CHARS + 1),
            "文章が長すぎます。10,000文字以内にしてください（いまは10,001文字です）。",
        ),
    ],
)
def test_page_errors_next_to_the_field(staff_client: StaffClient, text: str, message: str) -> None:
    response = staff_client().post(PAGE, {"text": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(message) == 2  # in the summary and next to the field
    assert '<p class="field__error" id="text-error">' in html
    assert 'aria-describedby="text-hint text-error"' in html
    assert "<title>エラー：" in html
    assert 'id="result"' not in html


@pytest.mark.django_db
def test_page_accepts_the_maximum(staff_client: StaffClient) -> None:
    response = staff_client().post(
        PAGE, {"text": "ごみは朝8時までに出してください。\n" * (MAX_CHARS // 20)}
    )
    assert response.status_code == 200
    assert 'id="result"' in response.content.decode()


# ---------- The API ----------


def post_json(client: Client, body: Any, raw: bool = False) -> Any:
    return client.post(API, data=body if raw else json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_api_returns_the_same_data_as_the_page(staff_client: StaffClient) -> None:
    response = post_json(staff_client(), {"text": SAMPLE})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(yasashii_check(text=SAMPLE).to_dict()))
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        ("[" * 100_000, 400, "invalid_json"),
        ("[]", 400, "not_an_object"),
        ('"text"', 400, "not_an_object"),
        ("null", 400, "not_an_object"),
        ("{}", 400, "text_not_a_string"),
        ('{"text": 1}', 400, "text_not_a_string"),
        ('{"text": ["a"]}', 400, "text_not_a_string"),
        ('{"text": null}', 400, "text_not_a_string"),
        ('{"text": ""}', 400, "text_empty"),
        ('{"text": "  "}', 400, "text_empty"),
        (json.dumps({"text": "あ" * (MAX_CHARS + 1)}), 400, "text_too_long"),
        (json.dumps({"text": "あ" * 200_000}), 413, "body_too_large"),
    ],
)
def test_api_bad_input_is_a_clear_error(
    staff_client: StaffClient, body: str | bytes, status: int, code: str
) -> None:
    response = post_json(staff_client(), body, raw=True)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


@pytest.mark.django_db
def test_api_too_long_message_is_japanese(staff_client: StaffClient) -> None:
    response = post_json(staff_client(), {"text": "あ" * 12_345})
    assert response.json()["error"]["message"] == (
        "文章が長すぎます。10,000文字以内にしてください（いまは12,345文字です）。"
    )
    assert "\\u" not in response.content.decode()


@pytest.mark.django_db
def test_api_needs_a_staff_session_and_a_post(client: Client, staff_client: StaffClient) -> None:
    response = post_json(client, {"text": SAMPLE})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "login_required"
    # A resident's session is not a staff session.
    from tests.conftest import login_as

    login_as(client, "demo-0001")
    assert post_json(client, {"text": SAMPLE}).status_code == 401
    response = staff_client().get(API)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_api_keeps_csrf_protection() -> None:
    client = staff_login(Client(enforce_csrf_checks=True), staff_make("csrf-check"))
    assert post_json(client, {"text": SAMPLE}).status_code == 403
    client.get(PAGE)  # the page sets the csrftoken cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        API,
        data=json.dumps({"text": SAMPLE}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.json()["rewrite"]


_BODIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["text", "x"]), children, max_size=3)
        ),
        max_leaves=10,
    ).map(json.dumps),
)


@pytest.mark.django_db
def test_api_never_fails_on_any_body(staff_client: StaffClient) -> None:
    client = staff_client()  # one login for every example

    @hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=_BODIES)
    def check(body: str | bytes) -> None:
        response = post_json(client, body, raw=True)
        assert response.status_code in (200, 400)
        data = response.json()
        assert ("error" in data) == (response.status_code == 400)

    check()


@hsettings(max_examples=60, deadline=None)
@given(
    st.text(max_size=60)
    | st.text(alphabet="漢字かなカナ。、！？「」（）\n 0１２年月日時円-ー々", max_size=60)
)
def test_check_takes_any_text(text: str) -> None:
    result = yasashii_check(text=text)
    for sentence in result.sentences:
        assert "".join(s.text for s in sentence.segments) == sentence.text
        assert [p.number for p in sentence.problems] == list(range(1, len(sentence.problems) + 1))
