"""The 11 介護 definitions and the 罹災証明書 definition carry the items of their paper forms.

Rows 16–27 of ``docs/catalog-codes.md``. Visibility is checked through the engine's own
condition evaluation, so a broken ``when`` fails here and not in front of a resident.
"""

from __future__ import annotations

from typing import Any

import pytest

from tsunagu.applications import engine
from tsunagu.procedures.loader import catalog
from tsunagu.procedures.schema import FieldDef, Procedure

# code, exact national name, category, department (docs/catalog-codes.md rows 16–27)
ROWS = [
    ("kaigo-nintei", "要介護・要支援認定の申請", "kaigo", "kaigo_hoken"),
    ("kaigo-nintei-koushin", "要介護・要支援更新認定の申請", "kaigo", "kaigo_hoken"),
    ("kaigo-nintei-henkou", "要介護・要支援状態区分変更認定の申請", "kaigo", "kaigo_hoken"),
    (
        "kaigo-keikaku-irai",
        "居宅（介護予防）サービス計画作成（変更）依頼の届出",
        "kaigo",
        "kaigo_hoken",
    ),
    ("kaigo-futan-wariai-saikoufu", "介護保険負担割合証の再交付申請", "kaigo", "kaigo_hoken"),
    ("kaigo-hihokenshasho-saikoufu", "被保険者証の再交付申請", "kaigo", "kaigo_hoken"),
    ("kaigo-kougaku-service", "高額介護（予防）サービス費の支給申請", "kaigo", "kaigo_hoken"),
    ("kaigo-futan-gendogaku", "介護保険負担限度額認定申請", "kaigo", "kaigo_hoken"),
    (
        "kaigo-fukushi-yougu",
        "居宅介護（介護予防）福祉用具購入費の支給申請",
        "kaigo",
        "kaigo_hoken",
    ),
    (
        "kaigo-jutaku-kaishu",
        "居宅介護（介護予防）住宅改修費の支給申請",
        "kaigo",
        "kaigo_hoken",
    ),
    ("kaigo-nintei-tennyu", "住所移転後の要介護・要支援認定申請", "kaigo", "kaigo_hoken"),
    ("risai-shomeisho", "罹災証明書の発行申請", "hisaisha", "zeimu"),
]
CODES = [row[0] for row in ROWS]
KAIGO = [code for code in CODES if code.startswith("kaigo-")]
NINTEI = ["kaigo-nintei", "kaigo-nintei-koushin", "kaigo-nintei-henkou", "kaigo-nintei-tennyu"]


def proc(code: str) -> Procedure:
    return catalog().procedures[code]


def field(p: Procedure, field_id: str) -> FieldDef:
    fields = p.all_fields()
    assert field_id in fields, f"{p.code} has no field {field_id}"
    return fields[field_id]


def visible(p: Procedure, field_id: str, answers: dict[str, Any]) -> bool:
    return engine.condition_holds(field(p, field_id).when, answers, p.all_fields())


def attachment_ids(p: Procedure, answers: dict[str, Any]) -> set[str]:
    return {a.id for a in engine.visible_attachments(p, answers)}


def option_values(spec: FieldDef) -> list[str]:
    return [o.value for o in spec.options or []]


@pytest.mark.parametrize(("code", "name", "category", "department"), ROWS)
def test_code_name_category_and_department(
    code: str, name: str, category: str, department: str
) -> None:
    p = proc(code)
    assert p.names.ja == name
    assert p.category.value == category
    assert p.department == department
    assert p.department in catalog().departments


@pytest.mark.parametrize("code", CODES)
def test_signed_free_and_sourced(code: str) -> None:
    p = proc(code)
    assert p.assurance.value == "card_signature"
    assert p.card_pin == "sign6to16"
    assert p.fee.yen == 0
    assert 3 <= len(p.steps) <= 7
    assert p.eligibility_questions
    assert p.approval_route


@pytest.mark.parametrize("code", NINTEI)
def test_certification_is_decided_within_30_days(code: str) -> None:
    assert proc(code).processing_days == 30


@pytest.mark.parametrize("code", KAIGO)
def test_kaigo_insured_block(code: str) -> None:
    p = proc(code)
    assert field(p, "insured_number").type == "kaigo_insured_number"
    assert field(p, "insured_name").type == "name"
    assert field(p, "insured_birth_date").type == "date"
    gender = field(p, "insured_gender")
    assert gender.type == "choice"
    assert option_values(gender) == ["male", "female"]
    assert field(p, "insured_my_number").type == "my_number"


# The insured person's items and the profile key each is prefilled from.
INSURED_PREFILL = [
    ("insured_name", "profile.name"),
    ("insured_kana", "profile.kana_name"),
    ("insured_birth_date", "profile.birth_date"),
    ("insured_gender", "profile.gender"),
    ("insured_address", "profile.address"),
    ("insured_phone", "profile.phone"),
]


def step_index(p: Procedure, field_id: str) -> tuple[int, int]:
    for i, s in enumerate(p.steps):
        for j, f in enumerate(s.fields):
            if f.id == field_id:
                return i, j
    raise AssertionError(f"{p.code} has no top-level field {field_id}")


@pytest.mark.parametrize("code", KAIGO)
@pytest.mark.parametrize(("field_id", "key"), INSURED_PREFILL)
def test_the_insured_block_is_the_residents_own_only_for_honnin(
    code: str, field_id: str, key: str
) -> None:
    # A family member signs with their own card: the insured person's items are prefilled
    # (and, if verified by the card, locked) only when the resident applies for themselves.
    p = proc(code)
    spec = field(p, field_id)
    assert spec.prefill == key
    assert spec.prefill_when is not None
    assert spec.prefill_when.field == "applicant_relation"
    assert spec.prefill_when.equals == "honnin"
    relation = field(p, "applicant_relation")
    honnin = next(o for o in relation.options or [] if o.value == "honnin")
    assert honnin.label.ja.startswith("本人")
    top = p.all_fields()
    assert engine.condition_holds(spec.prefill_when, {"applicant_relation": "honnin"}, top)
    for other in option_values(relation)[1:]:
        assert not engine.condition_holds(spec.prefill_when, {"applicant_relation": other}, top)
    # Asked before the block it decides, so the block is filled when the resident gets there.
    assert step_index(p, "applicant_relation") < step_index(p, field_id)


@pytest.mark.parametrize("code", KAIGO)
def test_the_signer_fills_the_applicant_block_and_the_rest_of_the_insured_block_is_typed(
    code: str,
) -> None:
    p = proc(code)
    assert field(p, "applicant_name").prefill == "profile.name"
    assert field(p, "applicant_name").prefill_when is None
    prefilled = dict(INSURED_PREFILL)
    insured = [f for s in p.steps for f in s.fields if f.id.startswith("insured_")]
    others = [f for f in insured if f.id not in prefilled]
    assert others
    assert all(not (f.prefill or "").startswith("profile.") for f in others)


@pytest.mark.parametrize("code", KAIGO)
def test_applicant_details_only_when_not_the_person(code: str) -> None:
    p = proc(code)
    assert option_values(field(p, "applicant_relation"))[0] == "honnin"
    assert not visible(p, "applicant_name", {"applicant_relation": "honnin"})
    other = option_values(field(p, "applicant_relation"))[1]
    assert visible(p, "applicant_name", {"applicant_relation": other})


@pytest.mark.parametrize("code", NINTEI)
def test_tokutei_shippei_only_for_category_2(code: str) -> None:
    p = proc(code)
    spec = field(p, "tokutei_shippei")
    assert len(spec.options or []) == 16
    assert "gan_matsuki" in option_values(spec)
    assert not visible(p, "tokutei_shippei", {"insured_category": "dai1"})
    assert visible(p, "tokutei_shippei", {"insured_category": "dai2"})


def test_nintei_has_the_items_of_the_paper_form() -> None:
    p = proc("kaigo-nintei")
    doctor = {"has_doctor": True}
    for fid, ftype in [
        ("doctor_clinic", "text"),
        ("doctor_name", "text"),
        ("doctor_address", "address"),
        ("doctor_phone", "phone"),
        ("doctor_last_visit", "date"),
    ]:
        assert field(p, fid).type == ftype
        assert visible(p, fid, doctor)
        assert not visible(p, fid, {"has_doctor": False})
    assert field(p, "consent_disclosure").type == "consent"
    assert "主治医意見書" in field(p, "consent_disclosure").label.ja
    assert field(p, "past_stays").type == "yes_no"
    stays = field(p, "past_stay_list")
    assert stays.type == "group"
    assert visible(p, "past_stay_list", {"past_stays": True})
    assert not visible(p, "past_stay_list", {"past_stays": False})
    assert "nyuin" in option_values(field(p, "current_place"))
    assert {"houkatsu", "kyotaku", "shisetsu"} <= set(option_values(field(p, "applicant_relation")))
    assert visible(p, "office_name", {"applicant_relation": "kyotaku"})
    assert not visible(p, "office_name", {"applicant_relation": "kazoku"})


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"insured_category": "dai1", "hihokenshasho_status": "have"}, {"hihokenshasho"}),
        (
            {"insured_category": "dai2", "hihokenshasho_status": "not_issued"},
            {"iryo_hoken_copy"},
        ),
        (
            {
                "insured_category": "dai1",
                "hihokenshasho_status": "lost",
                "applicant_relation": "kazoku",
                "applicant_living_together": False,
                "insured_my_number_known": True,
            },
            {"ininjo", "insured_my_number_doc"},
        ),
        (
            {
                "insured_category": "dai1",
                "hihokenshasho_status": "lost",
                "applicant_relation": "kazoku",
                "applicant_living_together": True,
                "insured_my_number_known": False,
            },
            set(),
        ),
        ({"hihokenshasho_status": "lost", "applicant_relation": "kyotaku"}, {"staff_id"}),
        ({"hihokenshasho_status": "lost", "applicant_relation": "seinen_kouken"}, {"touki"}),
    ],
)
def test_nintei_attachments_follow_the_answers(answers: dict[str, Any], expected: set[str]) -> None:
    p = proc("kaigo-nintei")
    assert attachment_ids(p, {"applicant_relation": "honnin", **answers}) == expected


def test_the_insured_number_is_asked_only_when_the_card_is_at_hand() -> None:
    p = proc("kaigo-nintei")
    assert visible(p, "insured_number", {"hihokenshasho_status": "have"})
    assert not visible(p, "insured_number", {"hihokenshasho_status": "not_issued"})


def test_koushin_reuses_the_previous_doctor_and_opens_60_days_before() -> None:
    p = proc("kaigo-nintei-koushin")
    for fid in ("doctor_clinic", "doctor_name", "doctor_address", "doctor_phone"):
        assert field(p, fid).prefill == "previous"
    assert field(p, "doctor_last_visit").prefill is None
    assert field(p, "current_level").type == "choice"
    assert field(p, "current_valid_to").type == "date"
    assert p.deadline is not None and "60日前" in p.deadline.ja


def test_henkou_asks_why() -> None:
    p = proc("kaigo-nintei-henkou")
    assert option_values(field(p, "change_reason")) == ["akka", "kaizen", "sonota"]
    assert field(p, "change_detail").type == "textarea"
    assert visible(p, "change_reason_other", {"change_reason": "sonota"})
    assert not visible(p, "change_reason_other", {"change_reason": "akka"})


def test_tennyu_is_bound_to_14_days_and_the_certificate() -> None:
    p = proc("kaigo-nintei-tennyu")
    assert p.deadline is not None and "14日以内" in p.deadline.ja
    assert "jukyu_shikaku_shoumeisho" in attachment_ids(p, {"applicant_relation": "honnin"})
    assert {"survey"}.isdisjoint(s.id for s in p.steps)


def test_keikaku_change_step_only_for_a_change() -> None:
    p = proc("kaigo-keikaku-irai")
    change = p.step("change")
    assert change is not None
    assert engine.step_visible(p, change, {"todoke_kubun": "henkou"})
    assert not engine.step_visible(p, change, {"todoke_kubun": "shinki"})


@pytest.mark.parametrize("code", ["kaigo-futan-wariai-saikoufu", "kaigo-hihokenshasho-saikoufu"])
def test_reissue_my_number_is_optional_and_damaged_card_is_returned(code: str) -> None:
    p = proc(code)
    assert field(p, "insured_my_number").required is False
    assert "damaged_card" in attachment_ids(p, {"reissue_reason": "hason"})
    assert "damaged_card" not in attachment_ids(p, {"reissue_reason": "funshitsu"})


def test_kougaku_pays_to_an_account_and_checks_taxes() -> None:
    p = proc("kaigo-kougaku-service")
    assert field(p, "bank_account").type == "bank_account"
    assert field(p, "consent_tax_check").type == "consent"
    assert field(p, "household_members").type == "group"
    assert p.period.value == "ever"


def test_gendogaku_spouse_and_assets() -> None:
    p = proc("kaigo-futan-gendogaku")
    assert not visible(p, "spouse_my_number", {"has_spouse": False})
    assert visible(p, "spouse_my_number", {"has_spouse": True})
    assets = p.step("assets")
    assert assets is not None
    assert not engine.step_visible(p, assets, {"shotoku_dankai": "seikatsu_hogo"})
    assert engine.step_visible(p, assets, {"shotoku_dankai": "dankai2"})
    assert "tsuchou" not in attachment_ids(p, {"shotoku_dankai": "seikatsu_hogo"})
    assert "tsuchou_spouse" in attachment_ids(p, {"shotoku_dankai": "dankai2", "has_spouse": True})


def test_fukushi_yougu_items_use_the_9_categories() -> None:
    p = proc("kaigo-fukushi-yougu")
    items = field(p, "purchased_items")
    assert items.type == "group"
    kinds = next(f for f in items.fields or [] if f.id == "item_kind")
    assert len(kinds.options or []) == 9
    assert "ryoushusho" in {a.id for a in p.attachments if a.later_allowed}


@pytest.mark.parametrize(
    ("stage", "present", "absent"),
    [
        ("jizen", {"riyuusho", "mitsumori", "zumen", "before_photos"}, {"ryoushusho"}),
        ("jigo", {"ryoushusho", "after_photos"}, {"riyuusho", "before_photos"}),
    ],
)
def test_jutaku_attachments_follow_the_stage(
    stage: str, present: set[str], absent: set[str]
) -> None:
    ids = attachment_ids(
        proc("kaigo-jutaku-kaishu"), {"stage": stage, "applicant_relation": "honnin"}
    )
    assert present <= ids
    assert not absent & ids


def test_jutaku_eligible_cost_is_capped_at_200000_yen() -> None:
    assert field(proc("kaigo-jutaku-kaishu"), "eligible_cost").max == 200_000


def test_risai_has_the_items_of_the_paper_form() -> None:
    p = proc("risai-shomeisho")
    assert field(p, "applicant_name").prefill == "profile.name"
    assert {"setainushi", "setaiin", "dairinin"} <= set(
        option_values(field(p, "applicant_relation"))
    )
    assert field(p, "house_address").type == "address"
    assert field(p, "house_address").prefill is None  # the damaged home need not be the signer's
    assert field(p, "disaster_date").type == "date"
    assert field(p, "disaster_name").type == "text"
    assert {"yukashita", "yukaue"} <= set(option_values(field(p, "flooding")))
    assert field(p, "damage_description").type == "textarea"
    copies = field(p, "copies")
    assert copies.type == "integer" and copies.min == 1
    assert field(p, "purpose").type == "multi_choice"


def test_risai_flood_depth_only_when_flooded() -> None:
    p = proc("risai-shomeisho")
    assert not visible(p, "flood_depth_cm", {"flooding": "nashi"})
    assert visible(p, "flood_depth_cm", {"flooding": "yukaue"})
    assert visible(p, "purpose_other", {"purpose": ["shienkin", "sonota"]})
    assert not visible(p, "purpose_other", {"purpose": ["shienkin"]})


def test_risai_photos_take_several_heic_files() -> None:
    p = proc("risai-shomeisho")
    photos = next(a for a in p.attachments if a.id == "photos")
    assert photos.required
    assert photos.when is None
    assert "heic" in photos.kinds
    assert photos.max_files >= 8
    repaired = attachment_ids(p, {"already_repaired": True, "applicant_relation": "setainushi"})
    assert {"repair_documents", "before_repair_photos"} <= repaired
