"""The city user dictionary: shipped default, a city's own file, and its use everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tsunagu.yasashii import USER_DICT_ENV, analyze, rewrite, ruby, use_user_dictionary
from tsunagu.yasashii.cli import main
from tsunagu.yasashii.lexicon import city_dictionary, city_words, tokens

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _shipped_dictionary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(USER_DICT_ENV, raising=False)
    use_user_dictionary(None)
    yield
    monkeypatch.delenv(USER_DICT_ENV, raising=False)
    use_user_dictionary(None)


@pytest.fixture
def own_file(tmp_path: Path) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(
        "places:\n  柏森: かやのもり\n  勝田: かちた\nfacilities:\n  柏森駅: かやのもりえき\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("word", "reading"),
    [("勝田", "かつた"), ("那珂湊", "なかみなと"), ("阿字ヶ浦", "あじがうら"), ("部田野", "へたの"),
     ("高場", "たかば"), ("殿山", "とのやま"), ("ひたちなか市役所", "ひたちなかしやくしょ")],
)  # fmt: skip
def test_shipped_dictionary(word: str, reading: str) -> None:
    assert city_dictionary()[word] == reading


def test_longest_match_first() -> None:
    assert city_words("勝田駅から那珂湊支所と勝田へ") == ["勝田駅", "那珂湊支所", "勝田"]
    assert [t.surface for t in tokens("阿字ヶ浦駅")] == ["阿字ヶ浦駅"]


def test_environment_variable_adds_and_overrides(
    monkeypatch: pytest.MonkeyPatch, own_file: Path
) -> None:
    assert "柏森" not in city_dictionary()
    monkeypatch.setenv(USER_DICT_ENV, str(own_file))
    use_user_dictionary(None)  # re-read the configuration
    assert city_dictionary()["柏森"] == "かやのもり"
    assert city_dictionary()["勝田"] == "かちた"  # the city's own reading wins
    assert city_dictionary()["那珂湊"] == "なかみなと"  # shipped entries stay


def test_argument_is_used_by_ruby_analysis_and_rewrite(own_file: Path) -> None:
    text = "柏森駅で、罹災証明書の申請を受け付けております。"
    assert "かやのもり" not in ruby(text)
    use_user_dictionary(own_file)
    assert "<ruby>柏森駅<rt>かやのもりえき</rt></ruby>" in ruby(text)
    assert "柏森駅" in [t.surface for t in tokens(text)]
    # The city's name is one proper noun of the score (固有, in neither rate); without the
    # dictionary SudachiPy reads 柏森 otherwise.
    with_city = analyze(text).sentences[0].counts
    use_user_dictionary(None)
    without_city = analyze(text).sentences[0].counts
    assert with_city != without_city
    use_user_dictionary(own_file)
    result = rewrite(text, today=TODAY)
    assert ("proper_noun", "柏森駅") in {(f.kind, f.value) for f in result.facts}
    assert "柏森駅" in result.text


def test_replace_default(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text("replace_default: true\nplaces:\n  柏森: かやのもり\n", encoding="utf-8")
    use_user_dictionary(path)
    assert city_dictionary() == {"柏森": "かやのもり"}


@pytest.mark.parametrize(
    "content",
    ["- 柏森\n", "places:\n  柏森: カヤノモリ\n", "places:\n  柏森: ''\n", "places: [柏森]\n"],
)
def test_bad_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    use_user_dictionary(path)
    with pytest.raises(ValueError, match=r"bad\.yaml"):
        city_dictionary()


def test_cli_user_dict(own_file: Path) -> None:
    import io

    out = io.StringIO()
    assert main(["--user-dict", str(own_file), "ruby"], io.StringIO("柏森へ"), out) == 0
    assert out.getvalue() == "<ruby>柏森<rt>かやのもり</rt></ruby>へ"
