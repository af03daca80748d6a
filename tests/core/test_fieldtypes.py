"""The Japanese field types: parsing, errors, display and the registry."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.core import crypto, fieldtypes
from tsunagu.core.fieldtypes import FIELD_TYPES, BaseFieldType, FieldError, Part
from tsunagu.procedures.schema import FieldDef, FieldType

from .conftest import make_spec

Spec = Callable[..., FieldDef]
ALL_TYPES = sorted(FIELD_TYPES)


def parse(type_: str, raw: Any, **extra: Any) -> Any:
    return FIELD_TYPES[type_].parse(raw, make_spec(type_, **extra))


def error(type_: str, raw: Any, **extra: Any) -> FieldError:
    with pytest.raises(FieldError) as info:
        parse(type_, raw, **extra)
    return info.value


def display(type_: str, value: Any, lang: str = "ja", **extra: Any) -> str:
    return FIELD_TYPES[type_].display(value, make_spec(type_, **extra), lang)


# ---------------------------------------------------------------- registry


def test_every_schema_type_but_group_is_registered() -> None:
    literals = set(typing.get_args(FieldType))
    assert set(FIELD_TYPES) == literals - {"group"}


@pytest.mark.parametrize("name", ALL_TYPES)
def test_types_describe_their_inputs(name: str) -> None:
    ftype = FIELD_TYPES[name]
    spec = make_spec(name)
    assert isinstance(ftype, BaseFieldType)
    assert ftype.name == name
    assert ftype.widget_for(spec) in {
        "input", "radios", "checkboxes", "select", "textarea", "consent", "address",
    }  # fmt: skip
    parts = ftype.parts(spec)
    assert parts and all(isinstance(p, Part) for p in parts)
    names = [p.name for p in parts]
    assert len(set(names)) == len(names)
    assert (names == [""]) or all(names)
    for p in parts:
        assert str(p.label)
        assert p.inputmode in {"text", "numeric", "tel", "email"}
        assert p.input_type in {"text", "email", "tel"}
        assert p.width in {"s", "m", "l", "xl"}


def test_base_type_is_abstract() -> None:
    with pytest.raises(TypeError):
        BaseFieldType()  # type: ignore[abstract]  # the point of the test


def test_only_my_number_is_secret() -> None:
    assert {n for n, t in FIELD_TYPES.items() if t.secret} == {"my_number"}


@pytest.mark.parametrize(
    ("name", "widget"),
    [("choice", "radios"), ("multi_choice", "checkboxes"), ("yes_no", "radios"),
     ("consent", "consent"), ("address", "address"), ("textarea", "textarea"),
     ("text", "input"), ("date", "input")],
)  # fmt: skip
def test_widgets(name: str, widget: str) -> None:
    assert FIELD_TYPES[name].widget_for(make_spec(name)) == widget


def test_choice_uses_a_select_beyond_six_options() -> None:
    options = [{"value": f"o{i}", "label": {"ja": f"{i}", "en": f"{i}"}} for i in range(7)]
    assert FIELD_TYPES["choice"].widget_for(make_spec("choice", options=options)) == "select"
    six = make_spec("choice", options=options[:6])
    assert FIELD_TYPES["choice"].widget_for(six) == "radios"


def test_part_labels_follow_the_active_language(catalogs: None) -> None:
    parts = FIELD_TYPES["name"].parts(make_spec("name"))
    with translation.override("en"):
        assert [str(p.label) for p in parts] == ["Family name", "Given name"]
    with translation.override("ja"):
        assert [str(p.label) for p in parts] == ["氏", "名"]
    single = FIELD_TYPES["text"].parts(make_spec("text"))[0]
    with translation.override("en"):
        assert str(single.label) == "Item"
    with translation.override("ja-easy"):
        assert str(single.label) == "こうもく"


# ---------------------------------------------------------------- 氏名 and kana


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"sei": "山田", "mei": "太郎"}, {"sei": "山田", "mei": "太郎"}),
        ({"sei": " 山田　", "mei": "　太郎 "}, {"sei": "山田", "mei": "太郎"}),
        ({"sei": "ｽﾐｽ", "mei": "ジョン"}, {"sei": "スミス", "mei": "ジョン"}),
        ({"sei": "Ｓｍｉｔｈ", "mei": "John  Paul"}, {"sei": "Smith", "mei": "John Paul"}),
        ({"sei": "O’Brien", "mei": "Anne-Marie"}, {"sei": "O'Brien", "mei": "Anne-Marie"}),
        ({"sei": "佐々木", "mei": "一郎"}, {"sei": "佐々木", "mei": "一郎"}),
        ({"sei": "髙橋", "mei": "〆子"}, {"sei": "髙橋", "mei": "〆子"}),
        ({"sei": "葛\U000e0100城", "mei": "花"}, {"sei": "葛\U000e0100城", "mei": "花"}),
        ({"sei": "Nguyễn", "mei": "Văn An"}, {"sei": "Nguyễn", "mei": "Văn An"}),
        ({"sei": "山田", "mei": "太郎", "extra": "x"}, {"sei": "山田", "mei": "太郎"}),
    ],
)
def test_name(raw: Mapping[str, str], expected: dict[str, str]) -> None:
    assert parse("name", raw) == expected


@pytest.mark.parametrize(
    ("raw", "part", "message"),
    [
        ({"sei": "山田", "mei": ""}, "mei", "名を入力してください"),
        ({"sei": "", "mei": "太郎"}, "sei", "氏を入力してください"),
        ({"sei": "山田"}, "mei", "名を入力してください"),
        ({"sei": "　", "mei": "太郎"}, "sei", "氏を入力してください"),
        ({"sei": "山田2", "mei": "太郎"}, "sei", "氏に数字は使えません"),
        ({"sei": "山田", "mei": "太郎①"}, "mei", "名に数字は使えません"),
        ({"sei": "山田", "mei": "太郎😀"}, "mei", "名に使えない文字（😀）が含まれています"),
        ({"sei": "山田★", "mei": "太郎"}, "sei", "氏に使えない文字（★）が含まれています"),
        ({"sei": "山田", "mei": "太\u200d郎"}, "mei", "名に使えない文字が含まれています"),
        ({"sei": "山田", "mei": "太\x07郎"}, "mei", "名に使えない文字が含まれています"),
        ({"sei": "山田", "mei": "<script>"}, "mei", "名に使えない文字（<）が含まれています"),
        ({"sei": "山" * 31, "mei": "太郎"}, "sei", "氏は30文字以内で入力してください"),
        ({"sei": "山田", "mei": "太\x00郎"}, "mei", "使えない文字が含まれています"),
        ({"sei": "山田\u202e", "mei": "太郎"}, "sei", "使えない文字が含まれています"),
    ],
)
def test_name_errors(raw: Mapping[str, str], part: str, message: str) -> None:
    err = error("name", raw)
    assert err.part == part
    assert message in str(err.message)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"sei": "ヤマダ", "mei": "タロウ"}, {"sei": "ヤマダ", "mei": "タロウ"}),
        ({"sei": "やまだ", "mei": "たろう"}, {"sei": "ヤマダ", "mei": "タロウ"}),
        ({"sei": "ﾔﾏﾀﾞ", "mei": "ﾀﾛｳ"}, {"sei": "ヤマダ", "mei": "タロウ"}),
        ({"sei": "スミス", "mei": "ジョン ポール"}, {"sei": "スミス", "mei": "ジョン\u3000ポール"}),
        ({"sei": "スミス", "mei": "ジョン・ポール"}, {"sei": "スミス", "mei": "ジョン・ポール"}),
        ({"sei": "ジョ-ンズ", "mei": "メアリー"}, {"sei": "ジョーンズ", "mei": "メアリー"}),
    ],
)
def test_kana_name(raw: Mapping[str, str], expected: dict[str, str]) -> None:
    assert parse("kana_name", raw) == expected


@pytest.mark.parametrize(
    ("raw", "part", "message"),
    [
        ({"sei": "山田", "mei": "タロウ"}, "sei", "フリガナはカタカナで入力してください"),
        ({"sei": "ヤマダ", "mei": "taro"}, "mei", "フリガナはカタカナで入力してください"),
        ({"sei": "ヤマダ", "mei": "タロウ1"}, "mei", "フリガナはカタカナで入力してください"),
        ({"sei": "ヤマダ", "mei": ""}, "mei", "メイを入力してください"),
        ({"sei": "", "mei": "タロウ"}, "sei", "セイを入力してください"),
        ({"sei": "ア" * 41, "mei": "タロウ"}, "sei", "セイは40文字以内で入力してください"),
    ],
)
def test_kana_name_errors(raw: Mapping[str, str], part: str, message: str) -> None:
    err = error("kana_name", raw)
    assert err.part == part
    assert str(err.message) == message


def test_kana_name_message_is_exactly_the_agreed_one() -> None:
    assert str(error("kana_name", {"sei": "山田", "mei": "タロウ"}).message) == (
        "フリガナはカタカナで入力してください"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ひたちなか", "ヒタチナカ"),
        ("ﾋﾀﾁﾅｶ ｼﾔｸｼｮ", "ヒタチナカ\u3000シヤクショ"),
        ("テスト", "テスト"),
    ],
)
def test_kana(raw: str, expected: str) -> None:
    assert parse("kana", raw) == expected


def test_kana_errors() -> None:
    assert str(error("kana", "常陸那珂").message) == "項目はカタカナで入力してください"
    assert "10文字以内" in str(error("kana", "ア" * 11, max_length=10).message)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-04-01", "2023-04-01"),
        ("2023/4/1", "2023-04-01"),
        ("20230401", "2023-04-01"),
        ("令和5年4月1日", "2023-04-01"),
        ("R5.4.1", "2023-04-01"),
        ("r05/04/01", "2023-04-01"),
        ("H31.4.30", "2019-04-30"),
        ("平成31年4月30日", "2019-04-30"),
        ("S64.1.7", "1989-01-07"),
        ("令和元年5月1日", "2019-05-01"),
        ("２０２３年４月１日", "2023-04-01"),
        ("Ｒ５．４．１", "2023-04-01"),
    ],
)
def test_date(raw: str, expected: str) -> None:
    assert parse("date", raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("平成31年5月1日", "平成は31年4月30日までです。それより後は令和で入力してください"),
        ("令和元年4月30日", "令和は元年5月1日からです。それより前は平成で入力してください"),
        ("昭和64年1月8日", "昭和は64年1月7日までです。それより後は平成で入力してください"),
        ("明治45年8月1日", "明治は45年7月30日までです。それより後は大正で入力してください"),
        ("2023-02-29", "項目の日付が正しくありません。2023年2月に29日はありません"),
        ("2023-13-01", "項目の月は1から12までの数字で入力してください"),
        ("令和0年1月1日", "和暦の年は元年（1年）から数えます"),
        ("きのう", "項目は「2023年4月1日」や「令和5年4月1日」のように入力してください"),
        ("1850-01-01", "項目は1873年から2100年までの日付で入力してください"),
    ],
)
def test_date_errors(raw: str, message: str) -> None:
    err = error("date", raw)
    assert err.part is None
    assert message in str(err.message)


def test_date_not_future_and_not_past() -> None:
    today = timezone.localdate()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert parse("date", today.isoformat(), not_future=True) == today.isoformat()
    assert parse("date", today.isoformat(), not_past=True) == today.isoformat()
    assert "未来の日付は入力できません" in str(
        error("date", tomorrow.isoformat(), not_future=True).message
    )
    assert "過去の日付は入力できません" in str(
        error("date", yesterday.isoformat(), not_past=True).message
    )


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2023-04-01", "ja", "令和5年4月1日（2023年4月1日）"),
        ("2023-04-01", "ja-easy", "令和5年4月1日（2023年4月1日）"),
        ("2023-04-01", "en", "1 April 2023"),
        ("2019-05-01", "ja", "令和元年5月1日（2019年5月1日）"),
        ("1989-01-07", "ja", "昭和64年1月7日（1989年1月7日）"),
        ("1989-01-07", "en", "7 January 1989"),
        ("not a date", "ja", "not a date"),
    ],
)
def test_date_display(value: str, lang: str, expected: str) -> None:
    assert display("date", value, lang) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2023-04", "2023-04"), ("令和5年4月", "2023-04"), ("R5.4", "2023-04"),
     ("2023年4月", "2023-04"), ("202304", "2023-04"), ("令和元年5月", "2019-05")],
)  # fmt: skip
def test_year_month(raw: str, expected: str) -> None:
    assert parse("year_month", raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("平成31年5月", "平成は31年4月30日までです"),
        ("令和元年4月", "令和は元年5月1日からです"),
        ("2023年4月1日", "項目は「2023年4月」や「令和5年4月」のように入力してください"),
        ("2023-13", "月は1から12までの数字で入力してください"),
    ],
)
def test_year_month_errors(raw: str, message: str) -> None:
    assert message in str(error("year_month", raw).message)


def test_year_month_not_future_and_not_past() -> None:
    today = timezone.localdate()
    this_month = f"{today.year:04d}-{today.month:02d}"
    next_year = f"{today.year + 1:04d}-{today.month:02d}"
    last_year = f"{today.year - 1:04d}-{today.month:02d}"
    assert parse("year_month", this_month, not_future=True, not_past=True) == this_month
    assert "未来の年月" in str(error("year_month", next_year, not_future=True).message)
    assert "過去の年月" in str(error("year_month", last_year, not_past=True).message)


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [("2023-04", "ja", "令和5年4月（2023年4月）"), ("2019-04", "ja", "平成31年4月（2019年4月）"),
     ("2023-04", "en", "April 2023"), ("2023-13", "ja", "2023-13")],
)  # fmt: skip
def test_year_month_display(value: str, lang: str, expected: str) -> None:
    assert display("year_month", value, lang) == expected


# ---------------------------------------------------------------- 郵便番号 and 住所


@pytest.mark.parametrize(
    "raw",
    ["3128501", "312-8501", "〒312-8501", "３１２－８５０１", "〒３１２ー８５０１", " 312 8501 "],
)
def test_postal_code(raw: str) -> None:
    assert parse("postal_code", raw) == "3128501"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31285", "項目は7桁の数字で入力してください（例：312-8501）"),
        ("312-85011", "7桁の数字で入力してください"),
        ("abc-defg", "7桁の数字で入力してください"),
        ("000-0000", "郵便番号「000-0000」は見つかりません"),
    ],
)
def test_postal_code_errors(raw: str, message: str) -> None:
    assert message in str(error("postal_code", raw).message)


def test_postal_code_display_and_raw() -> None:
    ftype, spec = FIELD_TYPES["postal_code"], make_spec("postal_code")
    assert ftype.display("3128501", spec, "ja") == "〒312-8501"
    assert ftype.to_raw("3128501", spec) == "312-8501"


ADDRESS = {"postal_code": "312-8501", "line1": "茨城県ひたちなか市東石川2-10-1", "line2": ""}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (ADDRESS, {"postal_code": "3128501", "line1": "茨城県ひたちなか市東石川2-10-1",
                   "line2": ""}),
        ({"postal_code": "〒３１２－８５０１", "line1": "ひたちなか市東石川２ー１０ー１",
          "line2": "ひたちなかハイツ　１０１号室"},
         {"postal_code": "3128501", "line1": "ひたちなか市東石川2-10-1",
          "line2": "ひたちなかハイツ 101号室"}),
        ({"postal_code": "3120052", "line1": "茨城県ひたちなか市東石川２丁目１０番地の１"},
         {"postal_code": "3120052", "line1": "茨城県ひたちなか市東石川2丁目10番地の1",
          "line2": ""}),
    ],
)  # fmt: skip
def test_address(raw: Mapping[str, str], expected: dict[str, str]) -> None:
    assert parse("address", raw) == expected


@pytest.mark.parametrize(
    ("raw", "part", "message"),
    [
        ({**ADDRESS, "line1": ""}, "line1", "住所（都道府県・市区町村・町名・番地）を入力してください"),
        ({**ADDRESS, "postal_code": ""}, "postal_code", "郵便番号を入力してください"),
        ({**ADDRESS, "postal_code": "3128"}, "postal_code", "郵便番号は7桁の数字で入力してください"),
        ({**ADDRESS, "line1": "東京都千代田区千代田1-1"}, "postal_code",
         "郵便番号（312-8501）と住所の都道府県が合っていません"),
        ({**ADDRESS, "line2": "あ" * 101}, "line2", "建物名・部屋番号は100文字以内で入力してください"),
        ({**ADDRESS, "line1": "茨城県\x00"}, "line1", "使えない文字が含まれています"),
    ],
)  # fmt: skip
def test_address_errors(raw: Mapping[str, str], part: str, message: str) -> None:
    err = error("address", raw)
    assert err.part == part
    assert message in str(err.message)


def test_address_display_and_raw() -> None:
    ftype, spec = FIELD_TYPES["address"], make_spec("address")
    value = {"postal_code": "3128501", "line1": "茨城県ひたちなか市東石川2-10-1", "line2": "101"}
    assert ftype.display(value, spec, "ja") == "〒312-8501 茨城県ひたちなか市東石川2-10-1 101"
    assert ftype.to_raw(value, spec) == {**value, "postal_code": "312-8501"}
    assert [p.name for p in ftype.parts(spec)] == ["postal_code", "line1", "line2"]
    assert [p.autocomplete for p in ftype.parts(spec)][:2] == ["postal-code", "street-address"]
    assert [p.required for p in ftype.parts(spec)] == [True, True, False]


def test_address_lookup_is_offered_to_the_engine() -> None:
    assert fieldtypes.address_lookup("312-8501") == "茨城県ひたちなか市東石川"


# ---------------------------------------------------------------- 電話番号


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("090-1234-5678", "090-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("080 1234 5678", "080-1234-5678"),
        ("070-1234-5678", "070-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("+81 90-1234-5678", "090-1234-5678"),
        ("+81(0)90-1234-5678", "090-1234-5678"),
        ("029-273-0111", "029-273-0111"),
        ("029(273)0111", "029-273-0111"),
        ("（０２９）２７３－０１１１", "029-273-0111"),
        ("03-1234-5678", "03-1234-5678"),
        ("0299-12-3456", "0299-12-3456"),
        ("01267-2-3456", "01267-2-3456"),
        ("+81-29-273-0111", "029-273-0111"),
        ("0292730111", "0292730111"),  # the area code cannot be told: digits only
        ("029-2730-111", "0292730111"),  # an impossible grouping: digits only
        ("0120-123-456", "0120-123-456"),
        ("0120123456", "0120-123-456"),
        ("0570-123-456", "0570-123-456"),
        ("0800-123-4567", "0800-123-4567"),
    ],
)
def test_phone(raw: str, expected: str) -> None:
    assert parse("phone", raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("090-1234-567", "090から始まる電話番号は11桁です"),
        ("050-123-4567", "050から始まる電話番号は11桁です"),
        ("0800-123-456", "0800から始まる電話番号は11桁です"),
        ("029-273-011", "項目の桁数が正しくありません"),
        ("029-273-01111", "項目の桁数が正しくありません"),
        ("90-1234-5678", "項目は0から始まる番号で入力してください"),
        ("090-1234-5678（携帯）", "項目は数字で入力してください"),
        ("029-273-0111 内線123", "項目は数字で入力してください"),
        ("+1 202 555 0100", "項目は日本国内の電話番号を入力してください"),
        ("020-1234-5678", "この番号は連絡先として使えません"),
        ("0990-123-456", "この番号は連絡先として使えません"),
        ("0081-90-1234-5678", "この番号は連絡先として使えません"),
    ],
)
def test_phone_errors(raw: str, message: str) -> None:
    assert message in str(error("phone", raw).message)


def test_phone_part() -> None:
    (part,) = FIELD_TYPES["phone"].parts(make_spec("phone"))
    assert (part.inputmode, part.input_type, part.autocomplete) == ("tel", "tel", "tel")


# ---------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("taro@example.jp", "taro@example.jp"),
        ("  Taro.Yamada@EXAMPLE.JP ", "Taro.Yamada@example.jp"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
        ("taro+city@mail.example.co.jp", "taro+city@mail.example.co.jp"),
        ("taro..yamada@docomo.ne.jp", "taro..yamada@docomo.ne.jp"),
        ("taro.@ezweb.ne.jp", "taro.@ezweb.ne.jp"),
    ],
)
def test_email(raw: str, expected: str) -> None:
    assert parse("email", raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("taro", "項目に「@」が入っていません"),
        ("taro @example.jp", "項目に空白が入っています"),
        ("taro@example", "項目は「taro@example.jp」のように入力してください"),
        ("taro@localhost", "のように入力してください"),
        ("@example.jp", "のように入力してください"),
        ("..@example.jp", "のように入力してください"),
        ("taro@@example.jp", "のように入力してください"),
        ("たろう@example.jp", "のように入力してください"),
        ("a" * 250 + "@example.jp", "254文字以内"),
    ],
)
def test_email_errors(raw: str, message: str) -> None:
    assert message in str(error("email", raw).message)


def test_email_part() -> None:
    (part,) = FIELD_TYPES["email"].parts(make_spec("email"))
    assert (part.input_type, part.inputmode, part.autocomplete) == ("email", "email", "email")


# ---------------------------------------------------------------- 個人番号


@pytest.mark.parametrize(
    "raw", ["123456789018", "1234 5678 9018", "1234-5678-9018", "１２３４ ５６７８ ９０１８"]
)
def test_my_number_is_stored_encrypted(raw: str) -> None:
    token = parse("my_number", raw)
    assert token.startswith("enc:v1:")
    assert "9018" not in token
    assert crypto.my_number_reveal(token) == "123456789018"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12345678901", "項目は12桁の数字で入力してください"),
        ("1234567890123", "項目は12桁の数字で入力してください"),
        ("12345678901a", "項目は12桁の数字で入力してください"),
        ("123456789012", "項目が正しくありません。番号をもう一度確かめてください"),
    ],
)
def test_my_number_errors(raw: str, message: str) -> None:
    assert str(error("my_number", raw).message) == message


def test_my_number_is_never_written_back_and_is_masked() -> None:
    ftype, spec = FIELD_TYPES["my_number"], make_spec("my_number")
    token = ftype.parse("123456789018", spec)
    assert ftype.secret is True
    assert ftype.to_raw(token, spec) == ""
    for lang in ("ja", "ja-easy", "en"):
        shown = ftype.display(token, spec, lang)
        assert shown == "**** **** 9018"
        assert sum(c.isdigit() for c in shown) <= 4


def test_my_number_display_refuses_a_forged_token() -> None:
    ftype, spec = FIELD_TYPES["my_number"], make_spec("my_number")
    forged = crypto.encrypt("123456789018", aad=b"other", key=bytes(32))
    with pytest.raises(crypto.CryptoError):
        ftype.display(forged, spec, "ja")
    with pytest.raises(crypto.CryptoError):
        ftype.display("123456789018", spec, "ja")


# ---------------------------------------------------------------- 口座

ACCOUNT = {
    "bank_code": "0005",
    "bank_name": "三菱ＵＦＪ銀行",
    "branch_code": "001",
    "branch_name": "本店",
    "kind": "futsu",
    "number": "1234567",
    "holder_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
}


def test_bank_account() -> None:
    assert parse("bank_account", ACCOUNT) == {
        "bank_code": "0005",
        "bank_name": "三菱UFJ銀行",
        "branch_code": "001",
        "branch_name": "本店",
        "kind": "futsu",
        "number": "1234567",
        "holder_kana": "ヤマダ\u3000タロウ",
    }


@pytest.mark.parametrize(
    ("part", "raw", "expected"),
    [
        ("number", "12345", "0012345"),  # shorter numbers are padded with zeros
        ("number", "１２３４５６７", "1234567"),
        ("number", "123-4567", "1234567"),
        ("holder_kana", "やまだ たろう", "ヤマダ\u3000タロウ"),
        ("holder_kana", "ｶ)ﾋﾀﾁﾅｶｼｮｳｼﾞ", "カ)ヒタチナカショウジ"),
        ("holder_kana", "abc ｼｮｳｶｲ", "ABC\u3000ショウカイ"),
        ("bank_name", "", ""),
        ("branch_name", "", ""),
        ("bank_code", "０００５", "0005"),
        ("kind", "touza", "touza"),
        ("kind", "chochiku", "chochiku"),
    ],
)
def test_bank_account_parts(part: str, raw: str, expected: str) -> None:
    assert parse("bank_account", {**ACCOUNT, part: raw})[part] == expected


@pytest.mark.parametrize(
    ("part", "raw", "message"),
    [
        ("bank_code", "", "金融機関コードを入力してください"),
        ("bank_code", "005", "金融機関コードは4桁の数字で入力してください"),
        ("branch_code", "01", "支店コードは3桁の数字で入力してください"),
        ("kind", "", "預金の種類を選んでください"),
        ("kind", "gaika", "預金の種類は選択肢の中から選んでください"),
        ("number", "", "口座番号を入力してください"),
        ("number", "12345678", "口座番号は7桁までの数字で入力してください"),
        ("number", "12a", "口座番号は7桁までの数字で入力してください"),
        ("holder_kana", "", "口座名義（カナ）を入力してください"),
        ("holder_kana", "山田太郎", "口座名義（カナ）はカタカナで入力してください"),
        ("holder_kana", "ヤマダ・タロウ", "口座名義（カナ）はカタカナで入力してください"),
        ("bank_name", "銀" * 31, "金融機関名は30文字以内で入力してください"),
    ],
)
def test_bank_account_errors(part: str, raw: str, message: str) -> None:
    err = error("bank_account", {**ACCOUNT, part: raw})
    assert err.part == part
    assert message in str(err.message)


def test_yucho_passbook_numbers_get_a_specific_message() -> None:
    err = error("bank_account", {**ACCOUNT, "bank_code": "9900", "number": "12345678"})
    assert err.part == "number"
    assert "「記号・番号」ではなく" in str(err.message)


def test_bank_account_kind_choices_and_display(catalogs: None) -> None:
    ftype, spec = FIELD_TYPES["bank_account"], make_spec("bank_account")
    kind = next(p for p in ftype.parts(spec) if p.name == "kind")
    assert [v for v, _ in kind.choices] == ["futsu", "touza", "chochiku"]
    assert [str(label) for _, label in kind.choices] == ["普通", "当座", "貯蓄"]
    value = parse("bank_account", ACCOUNT)
    assert ftype.display(value, spec, "ja") == (
        "金融機関 0005（三菱UFJ銀行） 支店 001（本店） 普通 1234567 名義 ヤマダ\u3000タロウ"
    )
    english = ftype.display(value, spec, "en")
    assert "Ordinary" in english and "0005" in english and "\n" not in english
    no_names = {**value, "bank_name": "", "branch_name": ""}
    assert ftype.display(no_names, spec, "ja").startswith("金融機関 0005 支店 001 普通")


# ---------------------------------------------------------------- other identifiers


@pytest.mark.parametrize(
    ("raw", "expected"), [("0000012345", "0000012345"), ("００００ ０１２３４５", "0000012345")]
)
def test_kaigo_insured_number(raw: str, expected: str) -> None:
    assert parse("kaigo_insured_number", raw) == expected


@pytest.mark.parametrize("raw", ["123456789", "12345678901", "12345abcde"])
def test_kaigo_insured_number_errors(raw: str) -> None:
    assert str(error("kaigo_insured_number", raw).message) == "項目は10桁の数字で入力してください"


@pytest.mark.parametrize("raw", ["082210", "131016", "０８２２１０", "08221-0"])
def test_lg_code(raw: str) -> None:
    assert parse("lg_code", raw) in {"082210", "131016"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [("082211", "項目が正しくありません。番号をもう一度確かめてください"),
     ("08221", "項目は6桁の数字で入力してください"), ("82210", "項目は6桁の数字で入力してください")],
)  # fmt: skip
def test_lg_code_errors(raw: str, message: str) -> None:
    assert str(error("lg_code", raw).message) == message


# ---------------------------------------------------------------- choices


def test_choice() -> None:
    assert parse("choice", "a") == "a"
    assert parse("choice", " b ") == "b"
    assert parse("choice", {"": "c"}) == "c"
    assert str(error("choice", "z").message) == "項目は選択肢の中から選んでください"
    assert str(error("choice", "選択肢A").message) == "項目は選択肢の中から選んでください"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [("a", "ja", "選択肢A"), ("a", "en", "Option A"), ("a", "ja-easy", "えらぶA"),
     ("b", "ja-easy", "選択肢B"), ("gone", "ja", "gone")],
)  # fmt: skip
def test_choice_display(value: str, lang: str, expected: str) -> None:
    assert display("choice", value, lang) == expected


def test_choice_part_offers_the_options() -> None:
    (part,) = FIELD_TYPES["choice"].parts(make_spec("choice"))
    with translation.override("en"):
        assert [(v, str(label)) for v, label in part.choices] == [
            ("a", "Option A"), ("b", "Option B"), ("c", "Option C"),
        ]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a,c", ["a", "c"]),
        ("c,a", ["a", "c"]),
        ({"": "b"}, ["b"]),
        ({"": "c,b,b"}, ["b", "c"]),
        (["c", "a"], ["a", "c"]),
        ({"": ["b", "a"]}, ["a", "b"]),
    ],
)
def test_multi_choice(raw: Any, expected: list[str]) -> None:
    assert parse("multi_choice", raw) == expected


@pytest.mark.parametrize("raw", ["a,z", {"": "x"}, ["a", "選択肢B"], ","])
def test_multi_choice_errors(raw: Any) -> None:
    assert str(error("multi_choice", raw).message) == "項目は選択肢の中から選んでください"


@pytest.mark.parametrize(("raw", "empty"), [({"": ""}, True), ({"": ","}, True), ("", True),
                                            ([], True), ({"": "a"}, False), ("a", False)])  # fmt: skip
def test_multi_choice_is_empty(raw: Any, empty: bool) -> None:
    assert FIELD_TYPES["multi_choice"].is_empty(raw) is empty


def test_multi_choice_display_and_raw(catalogs: None) -> None:
    ftype, spec = FIELD_TYPES["multi_choice"], make_spec("multi_choice")
    assert ftype.display(["a", "c"], spec, "ja") == "選択肢A、選択肢C"
    assert ftype.display(["a", "c"], spec, "en") == "Option A, Option C"
    assert ftype.to_raw(["a", "c"], spec) == {"": "a,c"}
    assert ftype.condition_value(["a", "c"]) == ["a", "c"]


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("no", False), (" YES ", True),
                                               ({"": "no"}, False)])  # fmt: skip
def test_yes_no(raw: Any, expected: bool) -> None:
    assert parse("yes_no", raw) is expected


def test_yes_no_errors_display_and_raw(catalogs: None) -> None:
    ftype, spec = FIELD_TYPES["yes_no"], make_spec("yes_no")
    assert str(error("yes_no", "maybe").message) == "項目は「はい」か「いいえ」を選んでください"
    assert [ftype.display(v, spec, "ja") for v in (True, False)] == ["はい", "いいえ"]
    assert [ftype.display(v, spec, "ja-easy") for v in (True, False)] == ["はい", "いいえ"]
    assert [ftype.display(v, spec, "en") for v in (True, False)] == ["Yes", "No"]
    assert [ftype.to_raw(v, spec) for v in (True, False)] == ["yes", "no"]
    (part,) = ftype.parts(spec)
    assert [v for v, _ in part.choices] == ["yes", "no"]


@pytest.mark.parametrize("raw", ["yes", "on", "1", "true"])
def test_consent(raw: str) -> None:
    assert parse("consent", raw) is True


def test_consent_errors_and_display(catalogs: None) -> None:
    ftype, spec = FIELD_TYPES["consent"], make_spec("consent")
    assert "チェックを入れてください" in str(error("consent", "no").message)
    assert ftype.is_empty("")
    assert ftype.to_raw(True, spec) == "yes"
    assert ftype.display(True, spec, "ja") == "同意します"
    assert ftype.display(True, spec, "en") == "Agreed"


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("integer", "12", 12),
        ("integer", "１２", 12),
        ("integer", "1,234", 1234),
        ("integer", "１，２３４", 1234),
        ("integer", " 0 ", 0),
        ("yen", "12345", 12345),
        ("yen", "12,345円", 12345),
        ("yen", "１２，３４５円", 12345),
        ("yen", "¥12,345", 12345),
        ("yen", "￥12345", 12345),
        ("yen", "1万5千円", 15000),
        ("yen", "１万５０００円", 15000),
        ("yen", "15万円", 150000),
        ("yen", "1億2000万円", 120000000),
        ("yen", "3千円", 3000),
    ],
)
def test_numbers(type_: str, raw: str, expected: int) -> None:
    assert parse(type_, raw) == expected


def test_negative_numbers_need_an_explicit_min() -> None:
    assert parse("integer", "-5", min=-10) == -5
    assert parse("integer", "−5", min=-10) == -5
    assert str(error("integer", "-5").message) == "項目は0以上の数字で入力してください"


@pytest.mark.parametrize(
    ("type_", "raw", "extra", "message"),
    [
        ("integer", "200000", {"min": 0, "max": 100000},
         "項目は0以上100,000以下の数字で入力してください"),
        ("integer", "5", {"min": 10}, "項目は10以上の数字で入力してください"),
        ("integer", "5000", {"max": 1000}, "項目は0以上1,000以下の数字で入力してください"),
        ("integer", "-1", {"min": -5000, "max": -2000},
         "項目は-5,000以上-2,000以下の数字で入力してください"),
        ("yen", "200,000円", {"max": 100000}, "項目は0円以上100,000円以下で入力してください"),
        ("integer", "1.5", {}, "項目は小数点を使わずに、整数で入力してください"),
        ("yen", "1,000.50円", {}, "項目は小数点を使わずに、整数で入力してください"),
        ("integer", "十二", {}, "項目は数字で入力してください"),
        ("integer", "12個", {}, "項目は数字で入力してください"),
        ("integer", "1万20000", {}, "項目は数字で入力してください"),
        ("integer", "12円", {}, "項目は数字で入力してください"),
        ("integer", "9" * 16, {}, "項目の数字が大きすぎます"),
    ],
)  # fmt: skip
def test_number_errors(type_: str, raw: str, extra: dict[str, int], message: str) -> None:
    assert str(error(type_, raw, **extra).message).startswith(message)


def test_number_display(catalogs: None) -> None:
    assert display("yen", 12345) == "12,345円"
    assert display("yen", 12345, "ja-easy") == "12,345円"
    assert display("yen", 12345, "en") == "¥12,345"
    assert display("integer", 1234567) == "1,234,567"
    assert FIELD_TYPES["yen"].to_raw(12345, make_spec("yen")) == "12345"


# ---------------------------------------------------------------- free text


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("text", "  ひたちなか市  ", "ひたちなか市"),
        ("text", "ｶﾞｽ代", "ガス代"),
        ("text", "ＡＢＣ①", "ＡＢＣ①"),  # kept as typed
        ("text", "一行目\n二行目", "一行目 二行目"),
        ("text", "a\tb", "a b"),
        ("text", "a\x07b\x1bc", "abc"),
        ("text", "\ufeffBOM", "BOM"),
        ("text", "絵文字😀", "絵文字😀"),
        ("textarea", "一行目\r\n二行目\r三行目", "一行目\n二行目\n三行目"),
        ("textarea", "\n\n  本文  \n\n", "本文"),
        ("textarea", "ﾃｽﾄ\tです", "テスト\tです"),
        ("textarea", "a\x07b", "ab"),
    ],
)
def test_text(type_: str, raw: str, expected: str) -> None:
    assert parse(type_, raw) == expected


def test_text_limits() -> None:
    assert parse("text", "あ" * 200) == "あ" * 200
    assert str(error("text", "あ" * 201).message) == (
        "項目は200文字以内で入力してください（今は201文字です）"
    )
    assert "10文字以内" in str(error("text", "あ" * 11, max_length=10).message)
    assert parse("textarea", "あ\n" * 999 + "あ") == "あ\n" * 999 + "あ"
    assert "2000文字以内" in str(error("textarea", "あ" * 2001).message)
    assert "長すぎます" in str(error("text", "あ" * 2001).message)


# ---------------------------------------------------------------- messages


def test_messages_are_translated(catalogs: None) -> None:
    err = error("name", {"sei": "山田", "mei": ""})
    with translation.override("en"):
        assert str(err.message) == "Given name is required."
    with translation.override("ja-easy"):
        assert str(err.message) == "名前（なまえ）を 書いて ください"
    err = error("date", "平成31年5月1日")
    with translation.override("en"):
        english = str(err.message)
    assert english == (
        "The Heisei (平成) era ended on 30 April 2019. For later dates, please use "
        "Reiwa (令和) or the Western calendar."
    )
    err = error("integer", "200000", min=0, max=100000)
    with translation.override("en"):
        assert str(err.message) == "Item: please enter a number from 0 to 100,000."


def test_message_labels_follow_the_language(catalogs: None) -> None:
    err = error("kana", "漢字")
    with translation.override("en"):
        assert "Item" in str(err.message)
    with translation.override("ja-easy"):
        assert "こうもく" in str(err.message)


# ---------------------------------------------------------------- naughty input

NAUGHTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff\ud800",
    "\u202e1234",
    "\u2066x\u2069",
    "\ufeff",
    "\u200b",
    "null",
    "None",
    "undefined",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "１２３４５６７８９０１２３４５６７８９０",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%s%s%s%n",
    "../../etc/passwd",
    "😀" * 50,
    "Z̸̡̢͚a̧͇l̶g̷o̴",
    "ﷺ" * 300,
    "あ" * 100_000,
    "\n" * 5000,
    "令和99999999999999999999年1月1日",
    "9" * 5000,
    "1" + "0" * 400,
    "1万" * 100,
    ",,,,,,",
    "@" * 300,
]


@pytest.mark.parametrize("name", ALL_TYPES)
@pytest.mark.parametrize("text", NAUGHTY, ids=range(len(NAUGHTY)))
def test_naughty_strings_give_field_errors_only(name: str, text: str) -> None:
    ftype, spec = FIELD_TYPES[name], make_spec(name)
    parts = [p.name for p in ftype.parts(spec)]
    raws: list[Any] = [text, {"": text}, dict.fromkeys(parts, text)]
    raws += [{**dict.fromkeys(parts, "1"), p: text} for p in parts]
    for raw in raws:
        try:
            value = ftype.parse(raw, spec)
        except FieldError as err:
            assert str(err.message)
            assert err.part is None or err.part in parts
            continue
        assert value is not None


@pytest.mark.parametrize("name", ALL_TYPES)
@pytest.mark.parametrize("raw", [None, 5, 1.5, [], ["a"], {"": None}, {"": 5}, {"sei": ["x"]},
                                 b"bytes", object()], ids=range(10))  # fmt: skip
def test_wrong_shapes_give_field_errors_only(name: str, raw: Any) -> None:
    ftype, spec = FIELD_TYPES[name], make_spec(name)
    try:
        ftype.parse(raw, spec)
    except FieldError:
        pass


@pytest.mark.parametrize("name", ALL_TYPES)
def test_display_never_fails_on_odd_values(name: str) -> None:
    if name == "my_number":
        return  # a value it cannot decrypt must fail: see test_my_number_display_refuses...
    ftype, spec = FIELD_TYPES[name], make_spec(name)
    for value in (None, "", "x", 5, [], {}, {"sei": 5}, ["zz"], True, "2023-99-99"):
        assert isinstance(ftype.display(value, spec, "ja"), str)
        assert isinstance(ftype.to_raw(value, spec), str | Mapping)


# ---------------------------------------------------------------- properties

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PART_NAMES = sorted({p.name for n in ALL_TYPES for p in FIELD_TYPES[n].parts(make_spec(n))})
any_text = st.text(max_size=60)
raw_inputs = st.one_of(
    any_text,
    st.dictionaries(st.sampled_from([*PART_NAMES, "x"]), any_text, max_size=8),
    st.fixed_dictionaries({}, optional={n: any_text for n in PART_NAMES}),
)


ROUND_TRIP = [n for n in ALL_TYPES if not FIELD_TYPES[n].secret]


@pytest.mark.parametrize("name", ALL_TYPES)
@given(raw=raw_inputs)
@SETTINGS
def test_parsers_raise_only_field_error_and_round_trip(name: str, raw: Any) -> None:
    """Any text or mapping: a FieldError or a value that survives to_raw and parse."""
    ftype, spec = FIELD_TYPES[name], make_spec(name)
    try:
        value = ftype.parse(raw, spec)
    except FieldError as err:
        assert str(err.message)
        return
    if name in ROUND_TRIP:
        assert ftype.parse(ftype.to_raw(value, spec), spec) == value
    assert isinstance(ftype.display(value, spec, "ja"), str)


# Inputs that are mostly valid, so the round trip is exercised on real values.
VALID_INPUTS: dict[str, st.SearchStrategy[Any]] = {
    "name": st.fixed_dictionaries(
        {"sei": st.text("山田佐藤 ・ｱｲﾞ-'", min_size=1, max_size=10),
         "mei": st.text("太郎花子 abc", min_size=1, max_size=10)}
    ),
    "kana_name": st.fixed_dictionaries(
        {"sei": st.text("やまだﾔﾏﾀﾞ ー・", min_size=1, max_size=10),
         "mei": st.text("タロウたろう-", min_size=1, max_size=10)}
    ),
    "date": st.dates(min_value=fieldtypes.japanese.MIN_DATE,
                     max_value=fieldtypes.japanese.MAX_DATE).map(fieldtypes.japanese.to_wareki),
    "year_month": st.dates(min_value=fieldtypes.japanese.MIN_DATE,
                           max_value=fieldtypes.japanese.MAX_DATE).map(lambda d: f"{d:%Y/%m}"),
    "phone": st.from_regex(r"0[1-9][0-9]{0,3}[-(]?[0-9]{1,4}[-)]?[0-9]{4}", fullmatch=True),
    "yen": st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}円"),
    "integer": st.integers(min_value=0, max_value=10**12).map(str),
    "text": st.text(max_size=220),
    "textarea": st.text(max_size=300),
    "email": st.emails(),
    "kana": st.text("アイウエオカキクケコやゆよﾊﾟﾋﾟ ー・", min_size=1, max_size=30),
    "postal_code": st.sampled_from(["3128501", "312-0052", "〒100-0001", "０６０－００００"]),
    "address": st.fixed_dictionaries(
        {"postal_code": st.sampled_from(["3128501", "312-0052"]),
         "line1": st.text("茨城県ひたちなか市東石川0123456789-ー丁目番地 ", min_size=1, max_size=40),
         "line2": st.text("ハイツ101号室 ", max_size=20)}
    ),
    "kaigo_insured_number": st.from_regex(r"[0-9]{10}", fullmatch=True),
    "lg_code": st.from_regex(r"[0-9]{5}", fullmatch=True).map(
        fieldtypes.identifiers.lg_code_complete
    ),
    "bank_account": st.fixed_dictionaries(
        {"bank_code": st.from_regex(r"[0-9]{4}", fullmatch=True),
         "bank_name": st.text("ひたちなか銀行ＡＢＣ ", max_size=20),
         "branch_code": st.from_regex(r"[0-9]{3}", fullmatch=True),
         "branch_name": st.text("本店支 ", max_size=10),
         "kind": st.sampled_from(["futsu", "touza", "chochiku"]),
         "number": st.from_regex(r"[0-9]{1,7}", fullmatch=True),
         "holder_kana": st.text("ヤマダタロウやまだﾀﾛｳ ()-.ABCabc", min_size=1, max_size=30)}
    ),
    "choice": st.sampled_from(["a", "b", "c"]),
    "multi_choice": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1).map(",".join),
    "yes_no": st.sampled_from(["yes", "no"]),
    "consent": st.sampled_from(["yes", "on"]),
}  # fmt: skip


def test_plausible_inputs_cover_every_type_but_the_secret_one() -> None:
    assert set(VALID_INPUTS) == set(ROUND_TRIP)


@pytest.mark.parametrize("name", sorted(VALID_INPUTS))
@given(data=st.data())
@SETTINGS
def test_round_trip_on_plausible_input(name: str, data: st.DataObject) -> None:
    ftype, spec = FIELD_TYPES[name], make_spec(name)
    raw = data.draw(VALID_INPUTS[name])
    try:
        value = ftype.parse(raw, spec)
    except FieldError:
        return
    assert ftype.parse(ftype.to_raw(value, spec), spec) == value
    assert ftype.display(value, spec, "ja")


@given(st.dates(min_value=fieldtypes.japanese.MIN_DATE, max_value=fieldtypes.japanese.MAX_DATE))
@SETTINGS
def test_every_date_in_range_is_accepted_in_wareki(d: Any) -> None:
    spec = make_spec("date")
    assert FIELD_TYPES["date"].parse(fieldtypes.japanese.to_wareki(d), spec) == d.isoformat()


@given(st.text(max_size=60))
@SETTINGS
def test_text_normalisers_are_idempotent(text: str) -> None:
    for normalise in (
        fieldtypes.normalise_name_part,
        fieldtypes.normalise_address_line,
        fieldtypes.normalise_holder_kana,
        fieldtypes.normalise_text,
        lambda s: fieldtypes.normalise_text(s, multiline=True),
    ):
        once = normalise(text)
        assert normalise(once) == once


def test_spec_helper_builds_valid_specs(spec: Spec) -> None:
    assert spec("integer", min=1, max=3).max == 3
