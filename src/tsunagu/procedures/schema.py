"""The schema of a procedure definition (one YAML file per procedure).

The YAML is parsed into these pydantic models at load time; any problem is reported with
the file, the path inside the file and what is wrong (see ``loader.py``). Conditions are
declarative data (``Condition``), never code, so a definition can be analysed and shown.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_PATTERN = r"^[a-z][a-z0-9-]{2,62}$"
ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
DEPARTMENT_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in the three reading languages. ``easy`` falls back to ``ja`` when absent."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)
    easy: str | None = None

    def get(self, lang: str) -> str:
        if lang == "en":
            return self.en
        if lang == "ja-easy":
            return self.easy or self.ja
        return self.ja


class FullText(Text):
    """A text that must carry a human-written easy-Japanese version."""

    easy: str = Field(min_length=1)


class Category(StrEnum):
    KOSODATE = "kosodate"  # 子育て
    KAIGO = "kaigo"  # 介護
    HISAISHA = "hisaisha"  # 被災者支援
    KURASHI = "kurashi"  # くらし・届出 (for procedures beyond the 27)


class LifeEvent(StrEnum):
    PREGNANCY = "pregnancy"  # 妊娠
    BIRTH = "birth"  # 出産
    CHILDCARE = "childcare"  # 子育て・保育
    MOVING = "moving"  # 引っ越し
    NAME_CHANGE = "name_change"  # 氏名の変更
    CARE_NEEDED = "care_needed"  # 介護が必要になった
    CARE_CHANGE = "care_change"  # 介護の状態が変わった
    DEATH = "death"  # おくやみ
    DISASTER = "disaster"  # 災害にあった
    LOST_CARD = "lost_card"  # 証をなくした


class Assurance(StrEnum):
    """What login a procedure needs; ordered from weakest to strongest."""

    NONE = "none"
    ACCOUNT = "account"
    MYNUMBER_CARD = "mynumber_card"
    CARD_SIGNATURE = "card_signature"

    @property
    def rank(self) -> int:
        return list(Assurance).index(self)


class DuplicatePolicy(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    REFUSE = "refuse"


class Period(StrEnum):
    """How the "same period" of a repeated application is counted."""

    NONE = "none"  # every application stands alone
    FISCAL_YEAR = "fiscal_year"  # 4/1 to 3/31 (現況届, 更新)
    CALENDAR_YEAR = "calendar_year"
    MONTH = "month"
    EVER = "ever"  # once per resident (e.g. a one-off certificate request is not this)


class Condition(Strict):
    """A declarative condition on answers.

    Exactly one of: a comparison on ``field`` (``equals``, ``not_equals``, ``in_``,
    ``filled``), or a combination (``all``, ``any``, ``not_``). A ``field`` inside a
    repeating group first names a sibling in the same row, then a top-level field.
    ``group.field`` holds when ANY row of the repeating group matches (e.g. a document
    needed when one of the children lives apart). On a ``multi_choice``, ``equals``
    means "includes".

    Example (YAML)::

        when: {field: living_together, equals: "bekkyo"}
        when: {any: [{field: relation, in: [a, b]}, {field: other, filled: true}]}
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    field: str | None = None
    equals: str | int | bool | None = None
    not_equals: str | int | bool | None = None
    in_: list[str | int] | None = Field(default=None, alias="in")
    filled: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        combos = [x for x in (self.all, self.any, self.not_) if x is not None]
        ops = [x for x in (self.equals, self.not_equals, self.in_, self.filled) if x is not None]
        if self.field is not None:
            if combos or len(ops) != 1:
                raise ValueError(
                    "field を使う条件には equals / not_equals / in / filled のいずれか一つが必要です"
                )
        elif len(combos) != 1 or ops:
            raise ValueError("条件は field による比較か、all / any / not のいずれか一つです")
        return self

    def fields(self) -> set[str]:
        """Every field id this condition reads."""
        out = {self.field} if self.field else set()
        for sub in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            out |= sub.fields()
        return out


class Option(Strict):
    value: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: Text


FieldType = Literal[
    "name",  # 氏名 (氏・名)
    "kana_name",  # フリガナ (セイ・メイ)
    "kana",  # a single katakana text
    "date",  # 日付 / 生年月日
    "year_month",  # 年月
    "postal_code",  # 郵便番号
    "address",  # 住所 (with building line)
    "phone",  # 電話番号
    "email",
    "my_number",  # 個人番号
    "bank_account",  # 口座 (金融機関コード・支店コード・種目・口座番号・名義カナ)
    "kaigo_insured_number",  # 介護保険被保険者番号 (10桁)
    "lg_code",  # 全国地方公共団体コード (6桁)
    "choice",  # one of options (radios, or a select for many)
    "multi_choice",  # any of options (checkboxes)
    "yes_no",  # はい / いいえ
    "consent",  # a required tick box
    "integer",  # with min / max
    "yen",  # an amount in yen
    "text",  # one line
    "textarea",  # several lines
    "group",  # a repeating group of sub-fields
]


class FieldDef(Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: FieldType
    label: Text
    hint: Text | None = None
    required: bool = True
    when: Condition | None = None
    # Where the value can be prefilled from: "profile.<attr>" (the resident's verified data)
    # or "previous" (the same field of the resident's previous application of this procedure).
    prefill: str | None = Field(default=None, pattern=r"^(profile\.[a-z_]+|previous)$")
    # A profile prefill applies only while this holds, e.g. the insured person's block is
    # the logged-in resident's own data only when they apply for themselves (本人).
    prefill_when: Condition | None = None
    options: list[Option] | None = None
    min: int | None = None
    max: int | None = None
    max_length: int | None = Field(default=None, ge=1, le=4000)
    # date fields: allowed range relative to today, in days ("past only", "not before")
    not_future: bool = False
    not_past: bool = False
    # group: its sub-fields and row limits; "item" names one row ("子ども", "child").
    fields: list[FieldDef] | None = None
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=1, le=30)
    item: Text | None = None
    # Shown to staff in lists and used for duplicate detection of a period.
    sensitive: bool = False

    @model_validator(mode="after")
    def _shape(self) -> FieldDef:
        if self.type in {"choice", "multi_choice"}:
            if not self.options or len(self.options) < 2:
                raise ValueError(f"{self.type} には options が2つ以上必要です")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError("options の value が重複しています")
        elif self.options is not None:
            raise ValueError(f"{self.type} に options は指定できません")
        if self.type == "group":
            if not self.fields:
                raise ValueError("group には fields が必要です")
            if any(f.type == "group" for f in self.fields):
                raise ValueError("group の中に group は入れられません")
            if self.item is None:
                raise ValueError("group には item（1件の呼び名）が必要です")
            if self.max_items is None:
                raise ValueError("group には max_items が必要です")
            if self.min_items is not None and self.min_items > self.max_items:
                raise ValueError("min_items が max_items を超えています")
        elif self.fields is not None or self.min_items is not None or self.max_items is not None:
            raise ValueError(f"{self.type} に fields / min_items / max_items は指定できません")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min が max を超えています")
        if (self.min is not None or self.max is not None) and self.type not in {
            "integer",
            "yen",
        }:
            raise ValueError(f"{self.type} に min / max は指定できません")
        if self.type == "consent" and not self.required:
            raise ValueError("consent は必須です（同意が任意なら yes_no を使ってください）")
        return self


class Step(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    intro: Text | None = None
    when: Condition | None = None
    fields: list[FieldDef] = Field(min_length=1)


FileKind = Literal["pdf", "jpeg", "png", "heic", "webp", "tiff"]


def _default_kinds() -> list[FileKind]:
    return ["pdf", "jpeg", "png", "heic"]


class AttachmentDef(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: Text
    hint: Text | None = None
    kinds: list[FileKind] = Field(default_factory=_default_kinds, min_length=1)
    max_mb: int = Field(default=10, ge=1, le=50)
    max_files: int = Field(default=3, ge=1, le=20)
    required: bool = True
    when: Condition | None = None
    # The resident may submit now and send this document later (郵送・後日提出).
    later_allowed: bool = False


class EligibilityQuestion(Strict):
    id: str = Field(pattern=ID_PATTERN)
    question: Text
    # The answer ("yes"/"no") that means the resident can go on.
    expected: Literal["yes", "no"]
    otherwise: Text


class Fee(Strict):
    yen: int = Field(ge=0)
    note: Text | None = None


class ApprovalStep(Strict):
    role: Literal["clerk", "chief", "section_head", "director"]
    label: Text | None = None
    # 合議: departments that must agree at this step, in parallel with its own approver, each
    # by one of its 係長 or 課長. The loader checks the codes against _departments.yaml.
    # None (not []) when absent, so that definitions without it keep their digest.
    consult: list[str] | None = None

    @field_validator("consult")
    @classmethod
    def _consult_codes(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("consult には合議先の課を1つ以上指定してください")
        if len(set(v)) != len(v):
            raise ValueError("consult の課が重複しています")
        if any(not re.match(DEPARTMENT_PATTERN, code) for code in v):
            raise ValueError("consult には課のコードを指定してください")
        return v


class Procedure(Strict):
    code: str = Field(pattern=CODE_PATTERN)
    version: int = Field(ge=1)
    names: FullText
    category: Category
    life_events: list[LifeEvent] = Field(default_factory=list)
    legal_basis: list[str] = Field(min_length=1)
    department: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    assurance: Assurance
    processing_days: int | None = Field(ge=1, le=365)
    fee: Fee
    summary: FullText
    eligibility: FullText
    eligibility_questions: list[EligibilityQuestion] = Field(default_factory=list)
    prepare: list[FullText] = Field(min_length=1)
    card_pin: Literal["none", "auth4", "sign6to16"] = "none"
    visit: Text | None = None
    minutes: int = Field(ge=1, le=120)
    deadline: Text | None = None
    proxy: Text | None = None
    retention_years: int = Field(ge=1, le=30)
    duplicates: DuplicatePolicy = DuplicatePolicy.WARN
    period: Period = Period.NONE
    steps: list[Step] = Field(min_length=1)
    attachments: list[AttachmentDef] = Field(default_factory=list)
    approval_route: list[ApprovalStep] = Field(default_factory=list)
    source: str = Field(min_length=1)

    @field_validator("legal_basis")
    @classmethod
    def _nonempty(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("legal_basis に空の行があります")
        return v

    @model_validator(mode="after")
    def _references(self) -> Procedure:
        top: dict[str, FieldDef] = {}
        for step in self.steps:
            for f in step.fields:
                if f.id in top:
                    raise ValueError(f"項目 id '{f.id}' が重複しています")
                top[f.id] = f
        step_ids = [s.id for s in self.steps]
        if len(set(step_ids)) != len(step_ids):
            raise ValueError("step の id が重複しています")
        att_ids = [a.id for a in self.attachments]
        if len(set(att_ids)) != len(att_ids):
            raise ValueError("attachment の id が重複しています")
        for step in self.steps:
            _check_refs(step.when, top, None, f"step '{step.id}'")
            for f in step.fields:
                _check_refs(f.when, top, None, f"項目 '{f.id}'")
                _check_refs(f.prefill_when, top, None, f"項目 '{f.id}' の prefill_when")
                if f.prefill_when is not None and not (f.prefill or "").startswith("profile."):
                    raise ValueError(
                        f"項目 '{f.id}' の prefill_when には profile の prefill が必要です"
                    )
                for sub in f.fields or []:
                    _check_refs(sub.when, top, f, f"項目 '{f.id}.{sub.id}'")
        for att in self.attachments:
            _check_refs(att.when, top, None, f"添付 '{att.id}'")
        return self

    def all_fields(self) -> dict[str, FieldDef]:
        return {f.id: f for s in self.steps for f in s.fields}

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def field_count(self) -> int:
        return sum(1 + len(f.fields or []) for s in self.steps for f in s.fields)


def _check_refs(
    cond: Condition | None, top: dict[str, FieldDef], group: FieldDef | None, where: str
) -> None:
    if cond is None:
        return
    siblings = {f.id: f for f in (group.fields or [])} if group else {}
    for name in cond.fields():
        if "." in name:
            group_id, _dot, sub_id = name.partition(".")
            owner = top.get(group_id)
            if owner is None or owner.type != "group":
                raise ValueError(f"{where} の条件が group ではない '{group_id}' を参照しています")
            if not any(f.id == sub_id for f in owner.fields or []):
                raise ValueError(f"{where} の条件が存在しない項目 '{name}' を参照しています")
            continue
        target = siblings.get(name) or top.get(name)
        if target is None:
            raise ValueError(f"{where} の条件が存在しない項目 '{name}' を参照しています")
        if target.type == "group":
            raise ValueError(f"{where} の条件が group '{name}' を直接参照しています")


class Department(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    names: FullText
    phone: str | None = None


def dump_jsonable(proc: Procedure) -> dict[str, Any]:
    """The definition as plain JSON data (stored with every pinned version)."""
    return proc.model_dump(mode="json", by_alias=True, exclude_none=True)


Condition.model_rebuild()
FieldDef.model_rebuild()
