"""Search of the procedure catalog: kana, kanji, half-width and English queries."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.portal.conftest import FIXTURE_CATALOG
from tsunagu.portal import search
from tsunagu.portal.search import (
    SearchIndex,
    find_procedures,
    index_for,
    normalize,
    partial_matches,
    query_terms,
    reading,
)
from tsunagu.procedures.loader import Catalog, load_catalog
from tsunagu.procedures.schema import FullText


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("じどうてあて", "じどうてあて"),
        ("ジドウテアテ", "じどうてあて"),
        ("ｼﾞﾄﾞｳﾃｱﾃ", "じどうてあて"),
        ("児童手当", "児童手当"),
        ("Child Allowance", "childallowance"),
        ("ＣＨＩＬＤ", "child"),
        ("要介護・要支援（更新）", "要介護要支援更新"),
        ("サービス", "さーびす"),
        ("　", ""),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("児童手当", "じどうてあて"),
        # pykakasi alone reads these wrongly; data/readings.yaml fixes them.
        ("要介護・要支援認定の申請", "ようかいごようしえんにんていのしんせい"),
        ("未支払の児童手当等の請求", "みしはらいのじどうてあてなどのせいきゅう"),
        ("住所移転後の要介護認定", "じゅうしょいてんごのようかいごにんてい"),
        ("罹災証明書", "りさいしょうめいしょ"),
    ],
)
def test_reading(text: str, expected: str) -> None:
    assert reading(text) == expected


def test_query_terms_split_on_any_space() -> None:
    assert query_terms(" 児童手当　ｹﾞﾝｷｮｳ  care ") == ["児童手当", "げんきょう", "care"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("じどうてあて", "jidou-teate-nintei"),
        ("ジドウテアテ", "jidou-teate-nintei"),
        ("児童手当", "jidou-teate-nintei"),
        ("じどう", "jidou-teate-nintei"),
        ("ｼﾞﾄﾞｳ", "jidou-teate-nintei"),
        ("ｼﾞﾄﾞｳ ﾃｱﾃ", "jidou-teate-nintei"),
        ("児童てあて", "jidou-teate-nintei"),
        ("child allowance", "jidou-teate-nintei"),
        ("CHILD", "jidou-teate-nintei"),
        ("ようかいご", "kaigo-nintei"),
        ("かいご", "kaigo-nintei"),
        ("介護", "kaigo-nintei"),
        ("long-term care", "kaigo-nintei"),
        ("りさい", "risai-shomeisho"),
        ("罹災証明書", "risai-shomeisho"),
        ("disaster", "risai-shomeisho"),
        ("にんしん", "ninshin-todokede"),
        ("妊娠", "ninshin-todokede"),
        # The legal basis and the summary are searched too.
        ("母子保健法", "ninshin-todokede"),
        ("母子健康手帳", "ninshin-todokede"),
    ],
)
def test_search_finds(fixture_catalog: Catalog, query: str, first: str) -> None:
    results = index_for(fixture_catalog).search(query)
    assert results, query
    assert results[0].code == first


@pytest.mark.parametrize(
    "query", ["", "   ", "ぺんぎん", "児童手当 ぺんぎん", "'; DROP TABLE--", "🙂"]
)
def test_search_finds_nothing(fixture_catalog: Catalog, query: str) -> None:
    assert index_for(fixture_catalog).search(query) == []


def test_one_kana_reading_of_kanji_does_not_match_everything(fixture_catalog: Catalog) -> None:
    # 「市」 reads 「し」, which is inside many readings; only the kanji itself may match,
    # and no indexed text of the fixtures contains it.
    index = index_for(fixture_catalog)
    assert len(index.search("し")) >= 3
    assert index.search("市") == []


def test_name_match_ranks_before_summary_match(fixture_catalog: Catalog) -> None:
    teate = fixture_catalog.procedures["jidou-teate-nintei"]
    other = fixture_catalog.procedures["ninshin-todokede"].model_copy(
        update={
            "code": "summary-only",
            "summary": FullText(
                ja="児童手当とは別の手続きです。", easy="べつの 手続き", en="Another one."
            ),
        }
    )
    # The summary-only procedure comes first in the input, yet ranks second.
    results = SearchIndex([other, teate]).search("児童手当")
    assert [p.code for p in results] == ["jidou-teate-nintei", "summary-only"]


def test_name_prefix_ranks_before_name_infix(fixture_catalog: Catalog) -> None:
    base = fixture_catalog.procedures["ninshin-todokede"]
    infix = base.model_copy(
        update={"code": "infix", "names": FullText(ja="届出の妊娠", easy="とどけ", en="x")}
    )
    prefix = base.model_copy(
        update={"code": "prefix", "names": FullText(ja="妊娠の届出", easy="とどけ", en="y")}
    )
    assert [p.code for p in SearchIndex([infix, prefix]).search("にんしん")] == [
        "prefix",
        "infix",
    ]


@pytest.mark.parametrize(
    ("query", "category", "event", "expected"),
    [
        (
            "",
            None,
            None,
            ["jidou-teate-nintei", "ninshin-todokede", "kaigo-nintei", "risai-shomeisho"],
        ),
        ("", "kosodate", None, ["jidou-teate-nintei", "ninshin-todokede"]),
        ("", "kaigo", None, ["kaigo-nintei"]),
        ("", None, "birth", ["jidou-teate-nintei"]),
        ("", None, "moving", ["jidou-teate-nintei"]),
        ("", None, "disaster", ["risai-shomeisho"]),
        ("", "kaigo", "birth", []),
        ("じどう", "kosodate", None, ["jidou-teate-nintei"]),
        ("じどう", "kaigo", None, []),
        ("にんしん", None, "pregnancy", ["ninshin-todokede"]),
    ],
)
def test_find_procedures_filters(
    fixture_catalog: Catalog,
    query: str,
    category: str | None,
    event: str | None,
    expected: list[str],
) -> None:
    found = find_procedures(catalog=fixture_catalog, query=query, category=category, event=event)
    assert [p.code for p in found] == expected


def test_partial_matches_name_the_words_that_find_something(fixture_catalog: Catalog) -> None:
    assert partial_matches(catalog=fixture_catalog, query="児童手当　ぺんぎん") == ["児童手当"]
    assert partial_matches(catalog=fixture_catalog, query="ぺんぎん") == []


def test_index_is_built_once_per_catalog(
    fixture_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = index_for(fixture_catalog)
    assert index_for(fixture_catalog) is first
    assert len(first) == 4
    other = Catalog(procedures=dict(fixture_catalog.procedures), departments={})
    assert index_for(other) is not first
    monkeypatch.setattr(search, "_built", None)
    assert index_for(fixture_catalog) is not first


@given(st.text(max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert not any(ch.isspace() for ch in once)


@functools.cache
def _fixture_index() -> SearchIndex:
    # Hypothesis runs a test body many times and does not mix with function fixtures.
    return SearchIndex(load_catalog(FIXTURE_CATALOG).ordered())


@given(st.text(max_size=40))
def test_search_accepts_any_text(text: str) -> None:
    results = _fixture_index().search(text)
    assert len(results) == len({p.code for p in results}) <= len(_fixture_index())
