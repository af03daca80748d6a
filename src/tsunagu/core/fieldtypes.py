"""Japanese field types: parse, normalise, display and describe the inputs of each type.

The procedure engine (``tsunagu.applications.engine``) knows fields only through this
module. A field type turns what a resident typed (one string, or one string per *part*
for compound types such as 氏名 or 口座) into a normalised JSON value, or raises
``FieldError`` with a specific, polite Japanese message for the field.

Registry: ``FIELD_TYPES[name]`` for every ``FieldType`` literal of the schema except
``group`` (the engine handles groups itself).

Stored value shapes (JSON):

=====================  =============================================================
name                   {"sei": "山田", "mei": "太郎"}
kana_name              {"sei": "ヤマダ", "mei": "タロウ"} (full-width katakana)
kana                   "ヤマダ　タロウ" (full-width katakana, U+3000 between words)
date                   "2023-04-01"
year_month             "2023-04"
postal_code            "3128501"
address                {"postal_code": "3128501", "line1": "...", "line2": ""}
phone                  "090-1234-5678", "029-273-0111" or "0292730111"
email                  "Taro.Yamada@example.jp" (domain lower-cased)
my_number              "enc:v1:..." (AES-256-GCM token, see ``crypto``)
bank_account           {"bank_code", "bank_name", "branch_code", "branch_name", "kind",
                       "number", "holder_kana"}: strings, "" for an empty optional part
kaigo_insured_number   "0000012345"
lg_code                "082210"
choice                 "option_value"
multi_choice           ["a", "c"] (in the order of the options)
yes_no                 True / False
consent                True
integer, yen           12345
text, textarea         "..." (textarea keeps "\\n")
=====================  =============================================================

Every problem with the input, however malformed (wrong shape, NUL, lone surrogates, bidi
overrides, input ten times longer than allowed), is a ``FieldError``, never another
exception. Messages are lazy: they are rendered in the language active when shown.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import dateformat, timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagu.core import crypto, identifiers, japanese, postal
from tsunagu.core.postal import address_lookup
from tsunagu.procedures.schema import FieldDef
from tsunagu.procedures.schema import Text as TextDef

__all__ = [
    "FIELD_TYPES",
    "JSON",
    "BaseFieldType",
    "FieldError",
    "Part",
    "RawInput",
    "address_lookup",
    "get_type",
    "register",
]

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Text
else:
    Text = str | Promise

JSON = Any  # a JSON-serialisable value


class FieldError(Exception):
    """Input that cannot be accepted; ``message`` is shown next to the field.

    ``part`` names the sub-input at fault for compound types (e.g. ``"mei"``) so the
    error is linked to that input; ``None`` means the field as a whole.
    """

    def __init__(self, message: str | Promise, part: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.part = part


@dataclass(frozen=True)
class Part:
    """One HTML input of a field. ``name`` is "" for single-input types."""

    name: str
    label: str | Promise
    autocomplete: str = "off"
    inputmode: str = "text"  # text, numeric, tel, email
    input_type: str = "text"  # text, email, tel
    width: str = "l"  # s, m, l, xl: visual width class of the input
    maxlength: int | None = None
    choices: Sequence[tuple[str, str | Promise]] = field(default_factory=tuple)  # a <select>
    # Added for compound types: a short hint under the input, and whether this part may
    # stay empty when the rest of the field is filled (建物名, 金融機関名).
    hint: str | Promise | None = None
    required: bool = True


RawInput = str | Mapping[str, str]


# ---------------------------------------------------------------- messages

M_REQUIRED = _("{label}を入力してください")
M_REQUIRED_PART = _("{part}を入力してください")
M_CHOOSE_PART = _("{part}を選んでください")
M_UNSAFE = _("{label}に使えない文字が含まれています。入力し直してください")
M_OVERSIZE = _("{label}が長すぎます。入力した内容を確かめてください")
M_SHAPE = _("{label}の入力内容を読み取れませんでした。もう一度入力してください")
M_MAX_CHARS = _("{label}は{max}文字以内で入力してください（今は{count}文字です）")
M_MAX_CHARS_PART = _("{part}は{max}文字以内で入力してください")

M_NAME_DIGIT = _("{part}に数字は使えません")
M_NAME_CHAR = _("{part}に使えない文字（{char}）が含まれています")
M_NAME_INVISIBLE = _("{part}に使えない文字が含まれています。入力し直してください")
M_KANA_NAME = _("フリガナはカタカナで入力してください")
M_KANA = _("{label}はカタカナで入力してください")

M_DATE_FORMAT = _("{label}は「2023年4月1日」や「令和5年4月1日」のように入力してください")
M_YM_FORMAT = _("{label}は「2023年4月」や「令和5年4月」のように入力してください")
M_DATE_MONTH = _("{label}の月は1から12までの数字で入力してください")
M_DATE_DAY = _("{label}の日付が正しくありません。{year}年{month}月に{day}日はありません")
M_DATE_ERA_YEAR = _("{label}の年が正しくありません。和暦の年は元年（1年）から数えます")
M_DATE_ERA_AFTER = _("{era}は{end}までです。それより後は{next}で入力してください")
M_DATE_ERA_BEFORE = _("{era}は{start}からです。それより前は{prev}で入力してください")
M_DATE_RANGE = _("{label}は{min_year}年から{max_year}年までの日付で入力してください")
M_DATE_NOT_FUTURE = _("{label}に未来の日付は入力できません。今日までの日付を入力してください")
M_DATE_NOT_PAST = _("{label}に過去の日付は入力できません。今日以降の日付を入力してください")
M_YM_NOT_FUTURE = _("{label}に未来の年月は入力できません。今月までの年月を入力してください")
M_YM_NOT_PAST = _("{label}に過去の年月は入力できません。今月以降の年月を入力してください")
H_DATE = _("例：2023年4月1日、令和5年4月1日、R5.4.1")
H_YEAR_MONTH = _("例：2023年4月、令和5年4月")

M_POSTAL_FORMAT = _("{label}は7桁の数字で入力してください（例：312-8501）")
M_POSTAL_UNKNOWN = _("郵便番号「{code}」は見つかりません。番号を確かめてください")
M_ADDRESS_MISMATCH = _(
    "郵便番号（{code}）と住所の都道府県が合っていません。郵便番号と住所を確かめてください"
)
H_POSTAL = _("例：312-8501")

M_PHONE_CHARS = _("{label}は数字で入力してください（例：029-273-0111）")
M_PHONE_LENGTH = _(
    "{label}の桁数が正しくありません。市外局番から入力してください"
    "（例：029-273-0111、090-1234-5678）"
)
M_PHONE_ELEVEN = _("{prefix}から始まる電話番号は11桁です。番号を確かめてください")
M_PHONE_ZERO = _("{label}は0から始まる番号で入力してください")
M_PHONE_FOREIGN = _("{label}は日本国内の電話番号を入力してください")
M_PHONE_UNUSABLE = _("この番号は連絡先として使えません。ほかの電話番号を入力してください")
H_PHONE = _("例：029-273-0111、090-1234-5678")

M_EMAIL_FORMAT = _("{label}は「taro@example.jp」のように入力してください")
M_EMAIL_AT = _("{label}に「@」が入っていません")
M_EMAIL_SPACE = _("{label}に空白が入っています。空白を消してください")
M_EMAIL_LONG = _("{label}は254文字以内で入力してください")
H_EMAIL = _("例：taro@example.jp")

M_DIGITS = _("{label}は{n}桁の数字で入力してください")
M_DIGITS_PART = _("{part}は{n}桁の数字で入力してください")
M_CHECK_DIGIT = _("{label}が正しくありません。番号をもう一度確かめてください")
H_MY_NUMBER = _("12桁の数字（マイナンバーカードの裏面に書かれています）")

M_ACCOUNT_NUMBER = _("{part}は7桁までの数字で入力してください")
M_ACCOUNT_YUCHO = _(
    "ゆうちょ銀行の場合は、通帳の「記号・番号」ではなく、振込用の店番（3桁）と"
    "口座番号（7桁）を入力してください"
)
M_HOLDER_KANA = _("{part}はカタカナで入力してください（英字・数字と ( ) . , - / も使えます）")
M_KIND_UNKNOWN = _("{part}は選択肢の中から選んでください")

M_CHOICE = _("{label}は選択肢の中から選んでください")
M_YES_NO = _("{label}は「はい」か「いいえ」を選んでください")
M_CONSENT = _("{label}に同意する場合は、チェックを入れてください")

M_NUMBER = _("{label}は数字で入力してください")
M_NUMBER_DECIMAL = _("{label}は小数点を使わずに、整数で入力してください")
M_NUMBER_BIG = _("{label}の数字が大きすぎます。確かめてください")
M_NUMBER_BETWEEN = _("{label}は{min}以上{max}以下の数字で入力してください")
M_NUMBER_MIN = _("{label}は{min}以上の数字で入力してください")
M_NUMBER_MAX = _("{label}は{max}以下の数字で入力してください")
M_YEN_BETWEEN = _("{label}は{min}円以上{max}円以下で入力してください")
M_YEN_MIN = _("{label}は{min}円以上で入力してください")
M_YEN_MAX = _("{label}は{max}円以下で入力してください")

D_YES = _("はい")
D_NO = _("いいえ")
D_CONSENT = _("同意します")
D_YEN = _("{amount}円")
D_DATE = _("{wareki}（{year}年{month}月{day}日）")
D_YEAR_MONTH = _("{wareki}（{year}年{month}月）")
D_LIST_SEP = pgettext_lazy("list separator", "、")
D_BANK = _("金融機関 {code}")
D_BRANCH = _("支店 {code}")
D_HOLDER = _("名義 {holder}")
D_NAME_IN_BRACKETS = _("（{name}）")
D_BANK_LINE = _("{bank} {branch} {kind} {number} {holder}")

L_SEI = _("氏")
L_MEI = _("名")
L_SEI_KANA = _("セイ")
L_MEI_KANA = _("メイ")
L_POSTAL_CODE = _("郵便番号")
L_LINE1 = _("住所（都道府県・市区町村・町名・番地）")
L_LINE2 = _("建物名・部屋番号")
H_LINE1 = _("例：茨城県ひたちなか市東石川2-10-1")
H_LINE2 = _("ない場合は空けたままにしてください")
L_BANK_CODE = _("金融機関コード")
L_BANK_NAME = _("金融機関名")
L_BRANCH_CODE = _("支店コード")
L_BRANCH_NAME = _("支店名")
L_KIND = _("預金の種類")
L_ACCOUNT_NUMBER = _("口座番号")
L_HOLDER_KANA = _("口座名義（カナ）")
H_BANK_CODE = _("4桁の数字")
H_BRANCH_CODE = _("3桁の数字（ゆうちょ銀行は振込用の店番）")
H_ACCOUNT_NUMBER = _("7桁より短い番号はそのまま入力してください（先頭に0を補います）")
H_HOLDER_KANA = _("通帳に書かれているとおりに入力してください（例：ヤマダ タロウ）")
KIND_FUTSU = _("普通")
KIND_TOUZA = _("当座")
KIND_CHOCHIKU = _("貯蓄")


# ---------------------------------------------------------------- helpers


def reading_lang(code: str | None = None) -> str:
    """``ja``, ``ja-easy`` or ``en`` for a Django language code (default: the active one).

    Example: ``reading_lang("en-gb") == "en"``.
    """
    code = (code or translation.get_language() or settings.LANGUAGE_CODE).lower()
    if code == "ja-easy":
        return "ja-easy"
    return "en" if code.split("-")[0] == "en" else "ja"


def _call(fn: Callable[[], str]) -> str:
    return fn()


# One lazy factory for the module: calling ``lazy()`` builds a proxy class, which is too
# slow to do for every label of every field on every page.
_lazy_text = lazy(_call, str)


def _label(spec: FieldDef) -> str:
    """The field's label in the language active when the text is rendered."""
    return _lazy_text(lambda: spec.label.get(reading_lang()))


def _fmt(template: Text, **params: Any) -> Text:
    return format_lazy(template, **params)


def _render(text: Text, lang: str) -> str:
    with translation.override(lang):
        return str(text)


def _num(n: int) -> str:
    return f"{n:,}"


def _single(raw: Any, spec: FieldDef, limit: int) -> str:
    """The one string of a single-input field, checked for shape, size and unsafe text."""
    if isinstance(raw, Mapping):
        raw = raw.get("", "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise FieldError(_fmt(M_SHAPE, label=_label(spec)))
    if len(raw) > limit * 10:
        raise FieldError(_fmt(M_OVERSIZE, label=_label(spec)))
    if japanese.has_unsafe_chars(raw):
        raise FieldError(_fmt(M_UNSAFE, label=_label(spec)))
    return raw


def _compound(
    raw: Any, spec: FieldDef, parts: Sequence[Part], limits: Mapping[str, int]
) -> dict[str, str]:
    """One string per part of a compound field (missing parts are ""), checked likewise."""
    if not isinstance(raw, Mapping):
        raise FieldError(_fmt(M_SHAPE, label=_label(spec)))
    labels = {p.name: p.label for p in parts}
    out: dict[str, str] = {}
    for name, limit in limits.items():
        value = raw.get(name, "")
        if value is None:
            value = ""
        label = labels.get(name) or _label(spec)
        if not isinstance(value, str):
            raise FieldError(_fmt(M_SHAPE, label=label), part=name)
        if len(value) > limit * 10:
            raise FieldError(_fmt(M_OVERSIZE, label=label), part=name)
        if japanese.has_unsafe_chars(value):
            raise FieldError(_fmt(M_UNSAFE, label=label), part=name)
        out[name] = value
    return out


_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")


def _one_line(text: str) -> str:
    """Control characters removed, line breaks and tabs made spaces, trimmed."""
    text = re.sub("[\t\n\r\u2028\u2029\x0b\x0c\x85]", " ", text)
    return _CONTROL.sub("", text).strip()


def _str_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- the base


class BaseFieldType(ABC):
    """Behaviour shared by all types. Subclasses set ``name`` and override ``parse``."""

    name: ClassVar[str]
    # How the engine renders it: "input" (one or several text inputs), "radios",
    # "checkboxes", "select", "textarea", "consent", "address".
    widget: ClassVar[str] = "input"
    # Secret values (個人番号) are never written back into the form: an empty input keeps
    # the stored value.
    secret: ClassVar[bool] = False

    def widget_for(self, spec: FieldDef) -> str:
        """The widget for this field (``choice`` picks radios or a select by option count)."""
        return self.widget

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        """The inputs of this field, in order."""
        return (Part(name="", label=_label(spec)),)

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        """A short example of the expected notation, for a field without its own hint."""
        return None

    def is_empty(self, raw: RawInput) -> bool:
        """True when nothing was typed into any part."""
        if isinstance(raw, str):
            return not raw.strip()
        if isinstance(raw, Mapping):
            return all(not (v.strip() if isinstance(v, str) else v) for v in raw.values())
        return not raw

    @abstractmethod
    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        """Normalise non-empty input to the stored value, or raise ``FieldError``."""

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        """The stored value as form input, to show it again in the form."""
        if value is None:
            return ""
        return str(value)

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        """The stored value as a person reads it on the check page and the receipt."""
        return "" if value is None else str(value)

    def condition_value(self, value: JSON) -> JSON:
        """What declarative conditions compare against (choices: the option value)."""
        return value


FIELD_TYPES: dict[str, BaseFieldType] = {}


def register(cls: type[BaseFieldType]) -> type[BaseFieldType]:
    """Class decorator: add one instance of the type to ``FIELD_TYPES``."""
    FIELD_TYPES[cls.name] = cls()
    return cls


def get_type(name: str) -> BaseFieldType:
    return FIELD_TYPES[name]


# ---------------------------------------------------------------- 氏名 and kana

_NAME_MAX = 30
_KANA_PART_MAX = 40
# Punctuation that occurs in real names: 山田・ジョン, Smith-Jones, O'Brien, J. R.,
# ジャン=ポール, and the iteration and kana marks that Unicode files outside letters.
_NAME_PUNCT = frozenset("・-'.,= 〇")
_NAME_DASHES = re.compile("[\u2010-\u2015\u2212]")


def normalise_name_part(text: str) -> str:
    """NFKC, one space between words, typographic apostrophes and dashes made ASCII.

    Example: ``normalise_name_part("  山田　 ") == "山田"``.
    """
    s = japanese.nfkc(text)
    s = s.replace("\u2019", "'").replace("\u2018", "'")
    s = _NAME_DASHES.sub("-", s)
    return japanese.collapse_spaces(s)


def _check_name_chars(value: str, part: str, part_label: Text) -> None:
    for ch in value:
        if ch in _NAME_PUNCT:
            continue
        cat = unicodedata.category(ch)
        if cat[0] in "LM":
            continue
        if cat[0] == "N":
            raise FieldError(_fmt(M_NAME_DIGIT, part=part_label), part=part)
        if cat[0] in "CZ":
            raise FieldError(_fmt(M_NAME_INVISIBLE, part=part_label), part=part)
        raise FieldError(_fmt(M_NAME_CHAR, part=part_label, char=ch), part=part)


class _TwoPartName(BaseFieldType):
    part_labels: ClassVar[tuple[Text, Text]]
    max_chars: ClassVar[int]

    @abstractmethod
    def _normalise(self, text: str) -> str:
        """One part as stored."""

    @abstractmethod
    def _check(self, value: str, part: str, part_label: Text) -> None:
        """Raise ``FieldError`` for a normalised part with characters it may not hold."""

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        limits = {"sei": self.max_chars, "mei": self.max_chars}
        parts = _compound(raw, spec, self.parts(spec), limits)
        out: dict[str, str] = {}
        for name, part_label in zip(("sei", "mei"), self.part_labels, strict=True):
            value = self._normalise(parts[name])
            if not value:
                raise FieldError(_fmt(M_REQUIRED_PART, part=part_label), part=name)
            self._check(value, name, part_label)
            if len(value) > self.max_chars:
                raise FieldError(
                    _fmt(M_MAX_CHARS_PART, part=part_label, max=self.max_chars), part=name
                )
            out[name] = value
        return out

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        if not isinstance(value, Mapping):
            return {"sei": "", "mei": ""}
        return {"sei": _str_of(value.get("sei")), "mei": _str_of(value.get("mei"))}

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if not isinstance(value, Mapping):
            return "" if value is None else str(value)
        sep = "\u3000" if self.name == "kana_name" else " "
        return sep.join(p for p in (_str_of(value.get("sei")), _str_of(value.get("mei"))) if p)


@register
class NameType(_TwoPartName):
    """氏名: 氏 and 名, NFKC-normalised; digits, symbols and emoji are refused.

    Compatibility ideographs are unified by NFKC (as every search of the 住民記録 expects);
    Ideographic Variation Sequences (葛󠄀) are kept.
    """

    name = "name"
    part_labels = (L_SEI, L_MEI)
    max_chars = _NAME_MAX

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("sei", L_SEI, autocomplete="family-name", width="m"),
            Part("mei", L_MEI, autocomplete="given-name", width="m"),
        )

    def _normalise(self, text: str) -> str:
        return normalise_name_part(text)

    def _check(self, value: str, part: str, part_label: Text) -> None:
        _check_name_chars(value, part, part_label)


@register
class KanaNameType(_TwoPartName):
    """フリガナ: セイ and メイ in full-width katakana (hiragana and half-width converted)."""

    name = "kana_name"
    part_labels = (L_SEI_KANA, L_MEI_KANA)
    max_chars = _KANA_PART_MAX

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        # No autocomplete token exists for furigana; "on" lets browsers use heuristics.
        return (
            Part("sei", L_SEI_KANA, autocomplete="on", width="m"),
            Part("mei", L_MEI_KANA, autocomplete="on", width="m"),
        )

    def _normalise(self, text: str) -> str:
        return japanese.to_katakana(text)

    def _check(self, value: str, part: str, part_label: Text) -> None:
        if not japanese.is_katakana(value):
            raise FieldError(M_KANA_NAME, part=part)


@register
class KanaType(BaseFieldType):
    """One katakana text (施設名のカナ など); ``spec.max_length`` defaults to 100."""

    name = "kana"

    def _max(self, spec: FieldDef) -> int:
        return spec.max_length or 100

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        value = japanese.to_katakana(_single(raw, spec, self._max(spec)))
        if not value:
            raise FieldError(_fmt(M_REQUIRED, label=_label(spec)))
        if not japanese.is_katakana(value):
            raise FieldError(_fmt(M_KANA, label=_label(spec)))
        if len(value) > self._max(spec):
            raise FieldError(
                _fmt(M_MAX_CHARS, label=_label(spec), max=self._max(spec), count=len(value))
            )
        return value


# ---------------------------------------------------------------- dates


def _by_lang(ja: str, en: str) -> str:
    """A value that reads ``en`` in English and ``ja`` otherwise, when rendered."""
    return _lazy_text(lambda: en if reading_lang() == "en" else ja)


def _era_name(era: japanese.Era) -> str:
    return _by_lang(era.name, f"{era.romaji} ({era.name})")


def _date_error(err: japanese.DateInputError, spec: FieldDef, fmt: Text) -> FieldError:
    label = _label(spec)
    era, other = err.era, err.other
    if err.code == "month":
        return FieldError(_fmt(M_DATE_MONTH, label=label))
    if err.code == "day":
        return FieldError(
            _fmt(M_DATE_DAY, label=label, year=err.year, month=err.month, day=err.day)
        )
    if err.code == "era_year":
        return FieldError(_fmt(M_DATE_ERA_YEAR, label=label))
    if err.code == "era_after" and era and era.end and other:
        end = japanese.to_wareki(era.end, era).removeprefix(era.name)
        return FieldError(
            _fmt(M_DATE_ERA_AFTER, era=_era_name(era), next=_era_name(other),
                 end=_by_lang(end, format_date(era.end, "en")))
        )  # fmt: skip
    if err.code == "era_before" and era and other:
        start = japanese.to_wareki(era.start, era).removeprefix(era.name)
        return FieldError(
            _fmt(M_DATE_ERA_BEFORE, era=_era_name(era), prev=_era_name(other),
                 start=_by_lang(start, format_date(era.start, "en")))
        )  # fmt: skip
    if err.code == "range":
        return FieldError(
            _fmt(M_DATE_RANGE, label=label, min_year=japanese.MIN_DATE.year,
                 max_year=japanese.MAX_DATE.year)
        )  # fmt: skip
    return FieldError(_fmt(fmt, label=label))


@register
class DateType(BaseFieldType):
    """A date in 西暦 or 和暦 (see ``japanese.parse_date``), stored as ISO ``YYYY-MM-DD``.

    ``spec.not_future`` / ``spec.not_past`` compare with today in Asia/Tokyo.
    """

    name = "date"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), width="m", hint=H_DATE),)

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_DATE

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        text = _single(raw, spec, 40)
        try:
            d = japanese.parse_date(text)
        except japanese.DateInputError as err:
            raise _date_error(err, spec, M_DATE_FORMAT) from None
        today = timezone.localdate()
        if spec.not_future and d > today:
            raise FieldError(_fmt(M_DATE_NOT_FUTURE, label=_label(spec)))
        if spec.not_past and d < today:
            raise FieldError(_fmt(M_DATE_NOT_PAST, label=_label(spec)))
        return d.isoformat()

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        """Shown again in the form as people write it (2025年10月21日; ISO in English)."""
        try:
            d = date.fromisoformat(value)
        except (TypeError, ValueError):
            return "" if value is None else str(value)
        if reading_lang() == "en":
            return d.isoformat()
        return f"{d.year}年{d.month}月{d.day}日"

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        try:
            d = date.fromisoformat(value)
        except (TypeError, ValueError):
            return "" if value is None else str(value)
        return format_date(d, lang)


def format_date(d: date, lang: str) -> str:
    """A date as residents read it: 和暦 with 西暦 in Japanese, "1 April 2023" in English.

    Example: ``format_date(date(2023, 4, 1), "ja") == "令和5年4月1日（2023年4月1日）"``.
    """
    if reading_lang(lang) == "en":
        with translation.override("en"):
            return dateformat.format(d, "j F Y")
    text = _fmt(D_DATE, wareki=japanese.to_wareki(d), year=d.year, month=d.month, day=d.day)
    return _render(text, lang)


@register
class YearMonthType(BaseFieldType):
    """A month in 西暦 or 和暦 (令和5年4月, 2023-04), stored as ``YYYY-MM``."""

    name = "year_month"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), width="m", hint=H_YEAR_MONTH),)

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_YEAR_MONTH

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        text = _single(raw, spec, 40)
        try:
            year, month = japanese.parse_year_month(text)
        except japanese.DateInputError as err:
            raise _date_error(err, spec, M_YM_FORMAT) from None
        today = timezone.localdate()
        if spec.not_future and (year, month) > (today.year, today.month):
            raise FieldError(_fmt(M_YM_NOT_FUTURE, label=_label(spec)))
        if spec.not_past and (year, month) < (today.year, today.month):
            raise FieldError(_fmt(M_YM_NOT_PAST, label=_label(spec)))
        return f"{year:04d}-{month:02d}"

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value) if isinstance(value, str) else None
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
            return "" if value is None else str(value)
        year, month = int(m.group(1)), int(m.group(2))
        if reading_lang(lang) == "en":
            with translation.override("en"):
                return dateformat.format(date(year, month, 1), "F Y")
        wareki = japanese.to_wareki_year_month(year, month)
        return _render(_fmt(D_YEAR_MONTH, wareki=wareki, year=year, month=month), lang)


# ---------------------------------------------------------------- 郵便番号 and 住所


def _parse_postal(text: str, label: Text, part: str | None = None) -> str:
    code = postal.normalise_postal_code(text)
    if code is None:
        raise FieldError(_fmt(M_POSTAL_FORMAT, label=label), part=part)
    # A 3-digit area that no code uses is a typing error. Unknown codes inside a known
    # area are accepted: Japan Post adds codes (for new buildings) every month.
    if not postal.area_exists(code[:3]):
        raise FieldError(_fmt(M_POSTAL_UNKNOWN, code=postal.format_postal_code(code)), part=part)
    return code


@register
class PostalCodeType(BaseFieldType):
    """郵便番号: 7 digits (〒, hyphens and full-width accepted), stored as ``3128501``."""

    name = "postal_code"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("", _label(spec), autocomplete="postal-code", inputmode="numeric", width="s",
                 hint=H_POSTAL),
        )  # fmt: skip

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_POSTAL

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        return _parse_postal(_single(raw, spec, 12), _label(spec))

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        if isinstance(value, str) and len(value) == 7:
            return postal.format_postal_code(value)
        return super().to_raw(value, spec)

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if isinstance(value, str) and len(value) == 7:
            return "〒" + postal.format_postal_code(value)
        return super().display(value, spec, lang)


_ADDRESS_LINE_MAX = 100
_DIGIT_DASH = re.compile(f"(?<=[0-9])[{japanese.HYPHENS}]+(?=[0-9])")


def normalise_address_line(text: str) -> str:
    """NFKC, one space between words, and any dash between digits made "-" (2ー10ー1).

    Example: ``normalise_address_line("東石川２－１０－１") == "東石川2-10-1"``.
    """
    s = japanese.collapse_spaces(japanese.nfkc(_one_line(text)))
    return _DIGIT_DASH.sub("-", s)


@register
class AddressType(BaseFieldType):
    """住所: 郵便番号, 住所 (都道府県から番地まで) and an optional 建物名・部屋番号.

    ``postal.address_lookup(code)`` (also importable from here) gives the start of line1
    for a postal code, for the engine to prefill it.
    """

    name = "address"
    widget = "address"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("postal_code", L_POSTAL_CODE, autocomplete="postal-code", inputmode="numeric",
                 width="s", hint=H_POSTAL),
            Part("line1", L_LINE1, autocomplete="street-address", width="xl", hint=H_LINE1),
            Part("line2", L_LINE2, width="xl", hint=H_LINE2, required=False),
        )  # fmt: skip

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        limits = {"postal_code": 12, "line1": _ADDRESS_LINE_MAX, "line2": _ADDRESS_LINE_MAX}
        parts = _compound(raw, spec, self.parts(spec), limits)
        if not parts["postal_code"].strip():
            raise FieldError(_fmt(M_REQUIRED_PART, part=L_POSTAL_CODE), part="postal_code")
        code = _parse_postal(parts["postal_code"], L_POSTAL_CODE, "postal_code")
        line1 = normalise_address_line(parts["line1"])
        line2 = normalise_address_line(parts["line2"])
        if not line1:
            raise FieldError(_fmt(M_REQUIRED_PART, part=L_LINE1), part="line1")
        for name, line, label in (("line1", line1, L_LINE1), ("line2", line2, L_LINE2)):
            if len(line) > _ADDRESS_LINE_MAX:
                raise FieldError(
                    _fmt(M_MAX_CHARS_PART, part=label, max=_ADDRESS_LINE_MAX), part=name
                )
        self._check_prefecture(code, line1)
        return {"postal_code": code, "line1": line1, "line2": line2}

    @staticmethod
    def _check_prefecture(code: str, line1: str) -> None:
        """A line that starts with another prefecture than the code's is a mistake."""
        written = next((p for p in postal.prefectures() if line1.startswith(p)), None)
        places = postal.lookup(code)
        if written and places and written not in {p for p, _, _ in places}:
            raise FieldError(
                _fmt(M_ADDRESS_MISMATCH, code=postal.format_postal_code(code)),
                part="postal_code",
            )

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        if not isinstance(value, Mapping):
            return {"postal_code": "", "line1": "", "line2": ""}
        code = _str_of(value.get("postal_code"))
        return {
            "postal_code": postal.format_postal_code(code) if len(code) == 7 else code,
            "line1": _str_of(value.get("line1")),
            "line2": _str_of(value.get("line2")),
        }

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if not isinstance(value, Mapping):
            return "" if value is None else str(value)
        code = _str_of(value.get("postal_code"))
        pieces = [
            "〒" + postal.format_postal_code(code) if len(code) == 7 else code,
            _str_of(value.get("line1")),
            _str_of(value.get("line2")),
        ]
        return " ".join(p for p in pieces if p)


# ---------------------------------------------------------------- 電話番号

_MOBILE_PREFIXES = ("070", "080", "090", "050")  # mobile and IP phone: 11 digits
# Toll-free and shared-cost numbers with their fixed grouping.
_SERVICE_FORMATS = {"0120": (4, 3, 3), "0570": (4, 3, 3), "0800": (4, 3, 4)}
# Not a way to reach a person: M2M/pager (020), reserved (060), the closed ダイヤルQ2 (0990).
_UNUSABLE_PREFIXES = ("020", "060", "0990")


def _group(digits: str, sizes: tuple[int, ...]) -> str:
    out, i = [], 0
    for n in sizes:
        out.append(digits[i : i + n])
        i += n
    return "-".join(out)


def normalise_phone(text: str) -> tuple[str, list[str]]:
    """The digits of a phone number and the digit groups the person typed.

    ``+81`` is turned into the domestic 0; ``(0)`` after it is dropped.
    Example: ``normalise_phone("029(273)0111") == ("0292730111", ["029", "273", "0111"])``.
    """
    s = japanese.nfkc(text).strip()
    s = re.sub(f"[{japanese.HYPHENS}]", "-", s)
    if s.startswith("+81"):
        s = re.sub(r"^\+81[\s-]*(\(0\))?[\s-]*", "", s)
        s = s if s.startswith("0") else "0" + s
    groups = [g for g in re.split(r"[\s()\-.]+", s) if g]
    return "".join(groups), groups


@register
class PhoneType(BaseFieldType):
    """電話番号, stored with hyphens where the grouping is known.

    Mobile and IP phones (070/080/090/050) are 11 digits, 3-4-4; 0120/0570 are 4-3-3 and
    0800 is 4-3-4. Other numbers are 10-digit landlines: the area code has 2 to 5 digits
    and cannot be told from the digits alone, so the person's own grouping is kept when it
    is a possible one (029-273-0111), and only the digits otherwise.
    """

    name = "phone"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("", _label(spec), autocomplete="tel", inputmode="tel", input_type="tel",
                 width="m", hint=H_PHONE),
        )  # fmt: skip

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_PHONE

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        label = _label(spec)
        text = _single(raw, spec, 20)
        start = japanese.nfkc(text).strip()
        if start.startswith("+") and not start.startswith("+81"):
            raise FieldError(_fmt(M_PHONE_FOREIGN, label=label))
        digits, groups = normalise_phone(text)
        if not re.fullmatch(r"[0-9]+", digits):
            raise FieldError(_fmt(M_PHONE_CHARS, label=label))
        if not digits.startswith("0"):
            raise FieldError(_fmt(M_PHONE_ZERO, label=label))
        if digits.startswith("00") or digits.startswith(_UNUSABLE_PREFIXES):
            raise FieldError(M_PHONE_UNUSABLE)
        eleven = next((p for p in ("0800", *_MOBILE_PREFIXES) if digits.startswith(p)), None)
        if eleven:
            if len(digits) != 11:
                raise FieldError(_fmt(M_PHONE_ELEVEN, prefix=eleven))
            sizes: tuple[int, ...] = _SERVICE_FORMATS.get(digits[:4], (3, 4, 4))
            return _group(digits, sizes)
        if len(digits) != 10:
            raise FieldError(_fmt(M_PHONE_LENGTH, label=label))
        if digits[:4] in _SERVICE_FORMATS:
            return _group(digits, _SERVICE_FORMATS[digits[:4]])
        sizes = tuple(len(g) for g in groups)
        if len(sizes) == 3 and 2 <= sizes[0] <= 5 and sizes[0] + sizes[1] == 6:
            return "-".join(groups)
        return digits


# ---------------------------------------------------------------- email

# No "localhost" or other dotless domains: the address is for reaching a resident.
_email_validator = EmailValidator(allowlist=[])


@register
class EmailType(BaseFieldType):
    """A mail address: NFKC, trimmed, domain lower-cased.

    Old Japanese mobile addresses with ".." or a "." before "@" (taro..@docomo.ne.jp) are
    outside RFC 5322 but still deliver, so they are accepted as typed.
    """

    name = "email"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("", _label(spec), autocomplete="email", inputmode="email",
                 input_type="email", width="l", hint=H_EMAIL),
        )  # fmt: skip

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_EMAIL

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        label = _label(spec)
        s = japanese.nfkc(_single(raw, spec, 254)).strip()
        if re.search(r"\s", s):
            raise FieldError(_fmt(M_EMAIL_SPACE, label=label))
        if "@" not in s:
            raise FieldError(_fmt(M_EMAIL_AT, label=label))
        if len(s) > 254:
            raise FieldError(_fmt(M_EMAIL_LONG, label=label))
        local, _, domain = s.rpartition("@")
        domain = domain.lower()
        checked_local = re.sub(r"\.{2,}", ".", local).strip(".")
        if not checked_local or _CONTROL.search(s):
            raise FieldError(_fmt(M_EMAIL_FORMAT, label=label))
        try:
            _email_validator(f"{checked_local}@{domain}")
        except ValidationError:
            raise FieldError(_fmt(M_EMAIL_FORMAT, label=label)) from None
        return f"{local}@{domain}"


# ---------------------------------------------------------------- numbered identifiers


class _DigitsType(BaseFieldType):
    """A fixed-length number typed with optional spaces and hyphens, in any width."""

    length: ClassVar[int]

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), inputmode="numeric", width="m"),)

    def _digits(self, raw: RawInput, spec: FieldDef) -> str:
        s = japanese.strip_separators(_single(raw, spec, self.length * 2))
        if not re.fullmatch(f"[0-9]{{{self.length}}}", s):
            raise FieldError(_fmt(M_DIGITS, label=_label(spec), n=self.length))
        return s


@register
class KaigoInsuredNumberType(_DigitsType):
    """介護保険 被保険者番号: 10 digits; no national check digit is known."""

    name = "kaigo_insured_number"
    length = 10

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        return self._digits(raw, spec)


@register
class LgCodeType(_DigitsType):
    """全国地方公共団体コード: 6 digits with the check digit (082210 = ひたちなか市)."""

    name = "lg_code"
    length = 6

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), inputmode="numeric", width="s"),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        code = self._digits(raw, spec)
        if not identifiers.is_valid_lg_code(code):
            raise FieldError(_fmt(M_CHECK_DIGIT, label=_label(spec)))
        return code


@register
class MyNumberType(_DigitsType):
    """個人番号: 12 digits with the check digit, stored encrypted (``crypto``).

    Never written back into a form (``to_raw`` is ""); ``display`` shows at most the last
    4 digits and raises ``crypto.CryptoError`` for a token this deployment cannot open.
    """

    name = "my_number"
    length = 12
    secret = True

    def format_hint(self, spec: FieldDef) -> str | Promise | None:
        return H_MY_NUMBER

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), inputmode="numeric", width="m", hint=H_MY_NUMBER),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        number = self._digits(raw, spec)
        if not identifiers.is_valid_my_number(number):
            raise FieldError(_fmt(M_CHECK_DIGIT, label=_label(spec)))
        return crypto.my_number_encrypt(number)

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        return ""

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        return crypto.my_number_mask(value)


# ---------------------------------------------------------------- 口座

BANK_KINDS: tuple[tuple[str, Text], ...] = (
    ("futsu", KIND_FUTSU),
    ("touza", KIND_TOUZA),
    ("chochiku", KIND_CHOCHIKU),
)
_BANK_NAME_MAX = 30
_HOLDER_MAX = 40
# 全銀 accepts, besides kana: A-Z, 0-9, space and ( ) . , - / (法人略語 like カ) use them).
_HOLDER_OK = re.compile("^[\u30a1-\u30f4\u30fc\u3000A-Z0-9().,/-]+$")
YUCHO_BANK_CODE = "9900"


def normalise_holder_kana(text: str) -> str:
    """口座名義: full-width katakana, Latin letters upper-cased, spaces as U+3000.

    Example: ``normalise_holder_kana("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダ\\u3000タロウ"``.
    """
    return japanese.to_katakana(text).upper()


@register
class BankAccountType(BaseFieldType):
    """An account for a transfer (振込先口座).

    口座番号 has 7 digits; a shorter number is padded with zeros on the left, as banks
    and the 全銀 format do (12345 → 0012345). ゆうちょ銀行 is entered with its transfer
    店番 and 口座番号 (bank code 9900), not with the 記号・番号 of the passbook.
    """

    name = "bank_account"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (
            Part("bank_code", L_BANK_CODE, inputmode="numeric", width="s", hint=H_BANK_CODE),
            Part("bank_name", L_BANK_NAME, width="m", required=False),
            Part("branch_code", L_BRANCH_CODE, inputmode="numeric", width="s",
                 hint=H_BRANCH_CODE),
            Part("branch_name", L_BRANCH_NAME, width="m", required=False),
            Part("kind", L_KIND, width="s", choices=BANK_KINDS),
            Part("number", L_ACCOUNT_NUMBER, inputmode="numeric", width="m",
                 hint=H_ACCOUNT_NUMBER),
            Part("holder_kana", L_HOLDER_KANA, width="l", hint=H_HOLDER_KANA),
        )  # fmt: skip

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        limits = {
            "bank_code": 8, "bank_name": _BANK_NAME_MAX, "branch_code": 8,
            "branch_name": _BANK_NAME_MAX, "kind": 20, "number": 16, "holder_kana": _HOLDER_MAX,
        }  # fmt: skip
        p = _compound(raw, spec, self.parts(spec), limits)
        bank_code = self._code(p["bank_code"], "bank_code", L_BANK_CODE, 4)
        bank_name = self._name(p["bank_name"], "bank_name", L_BANK_NAME)
        branch_code = self._code(p["branch_code"], "branch_code", L_BRANCH_CODE, 3)
        branch_name = self._name(p["branch_name"], "branch_name", L_BRANCH_NAME)
        kind = p["kind"].strip()
        if not kind:
            raise FieldError(_fmt(M_CHOOSE_PART, part=L_KIND), part="kind")
        if kind not in dict(BANK_KINDS):
            raise FieldError(_fmt(M_KIND_UNKNOWN, part=L_KIND), part="kind")
        number = japanese.strip_separators(p["number"])
        if not number:
            raise FieldError(_fmt(M_REQUIRED_PART, part=L_ACCOUNT_NUMBER), part="number")
        if not re.fullmatch(r"[0-9]{1,7}", number):
            if bank_code == YUCHO_BANK_CODE and re.fullmatch(r"[0-9]{8,}", number):
                raise FieldError(M_ACCOUNT_YUCHO, part="number")
            raise FieldError(_fmt(M_ACCOUNT_NUMBER, part=L_ACCOUNT_NUMBER), part="number")
        holder = normalise_holder_kana(p["holder_kana"])
        if not holder:
            raise FieldError(_fmt(M_REQUIRED_PART, part=L_HOLDER_KANA), part="holder_kana")
        if not _HOLDER_OK.match(holder):
            raise FieldError(_fmt(M_HOLDER_KANA, part=L_HOLDER_KANA), part="holder_kana")
        if len(holder) > _HOLDER_MAX:
            raise FieldError(
                _fmt(M_MAX_CHARS_PART, part=L_HOLDER_KANA, max=_HOLDER_MAX), part="holder_kana"
            )
        return {
            "bank_code": bank_code,
            "bank_name": bank_name,
            "branch_code": branch_code,
            "branch_name": branch_name,
            "kind": kind,
            "number": number.zfill(7),
            "holder_kana": holder,
        }

    @staticmethod
    def _code(text: str, part: str, label: Text, n: int) -> str:
        s = japanese.strip_separators(text)
        if not s:
            raise FieldError(_fmt(M_REQUIRED_PART, part=label), part=part)
        if not re.fullmatch(f"[0-9]{{{n}}}", s):
            raise FieldError(_fmt(M_DIGITS_PART, part=label, n=n), part=part)
        return s

    @staticmethod
    def _name(text: str, part: str, label: Text) -> str:
        s = japanese.collapse_spaces(japanese.nfkc(_one_line(text)))
        if len(s) > _BANK_NAME_MAX:
            raise FieldError(_fmt(M_MAX_CHARS_PART, part=label, max=_BANK_NAME_MAX), part=part)
        return s

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        names = [p.name for p in self.parts(spec)]
        if not isinstance(value, Mapping):
            return dict.fromkeys(names, "")
        return {n: _str_of(value.get(n)) for n in names}

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if not isinstance(value, Mapping):
            return "" if value is None else str(value)
        v = {k: _str_of(value.get(k)) for k in value}

        def named(code_text: Text, name: str) -> str:
            text = _render(code_text, lang)
            return text + (_render(_fmt(D_NAME_IN_BRACKETS, name=name), lang) if name else "")

        kind = dict(BANK_KINDS).get(v.get("kind", ""), v.get("kind", ""))
        line = _fmt(
            D_BANK_LINE,
            bank=named(_fmt(D_BANK, code=v.get("bank_code", "")), v.get("bank_name", "")),
            branch=named(_fmt(D_BRANCH, code=v.get("branch_code", "")), v.get("branch_name", "")),
            kind=_render(kind, lang),
            number=v.get("number", ""),
            holder=_render(_fmt(D_HOLDER, holder=v.get("holder_kana", "")), lang),
        )
        return _render(line, lang)


# ---------------------------------------------------------------- choices


def _option_text(label: TextDef) -> str:
    return _lazy_text(lambda: label.get(reading_lang()))


def _option_choices(spec: FieldDef) -> tuple[tuple[str, Text], ...]:
    return tuple((o.value, _option_text(o.label)) for o in spec.options or [])


def _option_label(spec: FieldDef, value: str, lang: str) -> str:
    for o in spec.options or []:
        if o.value == value:
            return o.label.get(reading_lang(lang))
    return value


@register
class ChoiceType(BaseFieldType):
    """One of ``spec.options``; the value is the option's ``value``.

    Radios for up to 6 options, a select beyond (``widget_for``).
    """

    name = "choice"
    widget = "radios"

    def widget_for(self, spec: FieldDef) -> str:
        return "radios" if len(spec.options or []) <= 6 else "select"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), choices=_option_choices(spec)),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        value = _single(raw, spec, 40).strip()
        if value not in {o.value for o in spec.options or []}:
            raise FieldError(_fmt(M_CHOICE, label=_label(spec)))
        return value

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        return _option_label(spec, _str_of(value), lang)


@register
class MultiChoiceType(BaseFieldType):
    """Any of ``spec.options``; the value is a list of option values in option order.

    Raw input: a comma-joined string ("a,c"), a list of strings, or either of them under
    the part "" of a mapping (``{"": "a,c"}``, as the engine passes checkboxes).
    """

    name = "multi_choice"
    widget = "checkboxes"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), choices=_option_choices(spec)),)

    @staticmethod
    def _items(raw: Any) -> list[str] | None:
        if isinstance(raw, Mapping):
            raw = raw.get("", "")
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = raw.split(",")
        if not isinstance(raw, list | tuple) or not all(isinstance(x, str) for x in raw):
            return None
        return [x.strip() for x in raw if x.strip()]

    def is_empty(self, raw: RawInput) -> bool:
        items = self._items(raw)
        return items is not None and not items

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        options = [o.value for o in spec.options or []]
        items = self._items(raw)
        if items is None:
            raise FieldError(_fmt(M_SHAPE, label=_label(spec)))
        if sum(len(x) + 1 for x in items) > 41 * len(options) * 10:
            raise FieldError(_fmt(M_OVERSIZE, label=_label(spec)))
        if not items or any(x not in options for x in items):
            raise FieldError(_fmt(M_CHOICE, label=_label(spec)))
        chosen = set(items)
        return [o for o in options if o in chosen]

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        if not isinstance(value, list):
            return {"": ""}
        return {"": ",".join(v for v in value if isinstance(v, str))}

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if not isinstance(value, list):
            return "" if value is None else str(value)
        sep = _render(D_LIST_SEP, lang)
        return sep.join(_option_label(spec, _str_of(v), lang) for v in value)


_YES = frozenset({"yes", "true", "1", "はい"})
_NO = frozenset({"no", "false", "0", "いいえ"})


@register
class YesNoType(BaseFieldType):
    """はい / いいえ: raw "yes" / "no", stored as True / False (conditions compare bools)."""

    name = "yes_no"
    widget = "radios"

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), choices=(("yes", D_YES), ("no", D_NO))),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        value = _single(raw, spec, 8).strip().lower()
        if value in _YES:
            return True
        if value in _NO:
            return False
        raise FieldError(_fmt(M_YES_NO, label=_label(spec)))

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return ""

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if isinstance(value, bool):
            return _render(D_YES if value else D_NO, lang)
        return "" if value is None else str(value)


_TICKED = frozenset({"yes", "on", "true", "1", "agree"})


@register
class ConsentType(BaseFieldType):
    """A required tick box (同意); the value is True, an unticked box is empty input."""

    name = "consent"
    widget = "consent"

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        if _single(raw, spec, 8).strip().lower() in _TICKED:
            return True
        raise FieldError(_fmt(M_CONSENT, label=_label(spec)))

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        return "yes" if value is True else ""

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if value is True:
            return _render(D_CONSENT, lang)
        return "" if value is None else str(value)


# ---------------------------------------------------------------- numbers

_MAX_DIGITS = 15
_KANJI_AMOUNT = re.compile(
    r"^(?:([0-9]+)億)?(?:([0-9]+)万)?(?:([0-9]+)千)?([0-9]+)?$"
)  # fmt: skip


def parse_amount(text: str, *, yen: bool = False) -> int | None:
    """An integer typed with commas, full-width digits, 万/千/億, and for yen ¥ and 円.

    Returns None when the text is not such a number (the caller words the message).
    Example: ``parse_amount("１万５千円", yen=True) == 15000``.
    """
    s = japanese.nfkc(text).strip()
    s = re.sub(r"[\s,、]", "", s)
    if yen:
        s = s.removeprefix("¥").removeprefix("\\").removesuffix("円")
    negative = False
    if s[:1] in {"-", "\u2212", "\u30fc", "\u2010"}:
        negative, s = True, s[1:]
    if re.fullmatch(r"[0-9]+", s):
        n = int(s)
    else:
        m = _KANJI_AMOUNT.match(s)
        if not m or not any(m.groups()) or not any(m.groups()[:3]):
            return None
        oku, man, sen, rest = (int(g) if g else 0 for g in m.groups())
        # 1万5000 is fine; 1万20000 or 5千1000 is not a number anyone means.
        if (m.group(3) and rest >= 1000) or (m.group(2) and sen * 1000 + rest >= 10_000):
            return None
        if m.group(1) and man * 10_000 + sen * 1000 + rest >= 100_000_000:
            return None
        n = oku * 100_000_000 + man * 10_000 + sen * 1000 + rest
    return -n if negative else n


class _NumberType(BaseFieldType):
    yen: ClassVar[bool] = False

    def _min(self, spec: FieldDef) -> int | None:
        # Without an explicit min, amounts and counts on a city form are not negative.
        return 0 if spec.min is None else spec.min

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        minimum = self._min(spec)
        mode = "numeric" if minimum is not None and minimum >= 0 else "text"
        return (Part("", _label(spec), inputmode=mode, width="m" if self.yen else "s"),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        label = _label(spec)
        text = _single(raw, spec, 30)
        n = parse_amount(text, yen=self.yen)
        if n is None:
            if re.fullmatch(r"-?[0-9,]*\.[0-9]+円?", japanese.nfkc(text).strip()):
                raise FieldError(_fmt(M_NUMBER_DECIMAL, label=label))
            raise FieldError(_fmt(M_NUMBER, label=label))
        if len(str(abs(n))) > _MAX_DIGITS:
            raise FieldError(_fmt(M_NUMBER_BIG, label=label))
        lo, hi = self._min(spec), spec.max
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise FieldError(self._range_message(label, lo, hi))
        return n

    def _range_message(self, label: Text, lo: int | None, hi: int | None) -> Text:
        between, at_least, at_most = (
            (M_YEN_BETWEEN, M_YEN_MIN, M_YEN_MAX)
            if self.yen
            else (M_NUMBER_BETWEEN, M_NUMBER_MIN, M_NUMBER_MAX)
        )
        if lo is not None and hi is not None:
            return _fmt(between, label=label, min=_num(lo), max=_num(hi))
        if lo is not None:
            return _fmt(at_least, label=label, min=_num(lo))
        return _fmt(at_most, label=label, max=_num(hi or 0))

    def to_raw(self, value: JSON, spec: FieldDef) -> RawInput:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""

    def display(self, value: JSON, spec: FieldDef, lang: str) -> str:
        if not isinstance(value, int) or isinstance(value, bool):
            return "" if value is None else str(value)
        if self.yen:
            return _render(_fmt(D_YEN, amount=_num(value)), lang)
        return _num(value)


@register
class IntegerType(_NumberType):
    """A whole number; ``spec.min`` (default 0) and ``spec.max`` are enforced."""

    name = "integer"


@register
class YenType(_NumberType):
    """An amount in yen (12,345円, ¥12345, 1万2千円); displayed as 12,345円 / ¥12,345."""

    name = "yen"
    yen = True


# ---------------------------------------------------------------- free text


def normalise_text(text: str, *, multiline: bool = False) -> str:
    """Free text: half-width kana widened, control characters removed, trimmed.

    One line: line breaks and tabs become spaces. Several lines: line breaks become "\\n".
    Other characters (full-width letters, ①, 髙) are kept as typed.
    Example: ``normalise_text("ｶﾞｽ代\\t２千円") == "ガス代 ２千円"``.
    """
    s = japanese.halfwidth_kana_to_fullwidth(text)
    if not multiline:
        return _one_line(s)
    s = re.sub("\r\n?|[\u2028\u2029\x85\x0b\x0c]", "\n", s)
    return _CONTROL.sub("", s).strip()


class _TextType(BaseFieldType):
    default_max: ClassVar[int]
    multiline: ClassVar[bool] = False

    def _max(self, spec: FieldDef) -> int:
        return spec.max_length or self.default_max

    def parts(self, spec: FieldDef) -> Sequence[Part]:
        return (Part("", _label(spec), width="xl" if self._max(spec) > 40 else "l"),)

    def parse(self, raw: RawInput, spec: FieldDef) -> JSON:
        limit = self._max(spec)
        value = normalise_text(_single(raw, spec, limit), multiline=self.multiline)
        if not value:
            raise FieldError(_fmt(M_REQUIRED, label=_label(spec)))
        if len(value) > limit:
            raise FieldError(_fmt(M_MAX_CHARS, label=_label(spec), max=limit, count=len(value)))
        return value


@register
class TextType(_TextType):
    """One line of text; ``spec.max_length`` defaults to 200."""

    name = "text"
    default_max = 200


@register
class TextareaType(_TextType):
    """Several lines of text (newlines kept as "\\n"); ``spec.max_length`` defaults to 2000."""

    name = "textarea"
    widget = "textarea"
    default_max = 2000
    multiline = True
