"""The 15 子育て definitions carry the items of the paper forms they replace.

Rows 1–15 of ``docs/catalog-codes.md``. Visibility is checked through the engine's own
condition evaluation, so a broken ``when`` fails here and not in front of a resident.
"""

from __future__ import annotations

from typing import Any

import pytest

from tsunagu.applications import engine
from tsunagu.procedures.loader import catalog
from tsunagu.procedures.schema import FieldDef, Procedure

# code, exact national name, category, department (docs/catalog-codes.md rows 1–15)
ROWS = [
    (
        "jidou-teate-nintei",
        "児童手当の受給資格及び児童手当の額についての認定請求",
        "kosodate",
        "kodomo_seisaku",
    ),
    ("jidou-teate-gaku-kaitei", "児童手当の額の改定の請求及び届出", "kosodate", "kodomo_seisaku"),
    ("jidou-teate-henkou", "氏名変更／住所変更等の届出", "kosodate", "kodomo_seisaku"),
    ("jidou-teate-shometsu", "受給事由消滅の届出", "kosodate", "kodomo_seisaku"),
    ("jidou-teate-mishiharai", "未支払の児童手当等の請求", "kosodate", "kodomo_seisaku"),
    ("jidou-teate-kifu", "児童手当等に係る寄附の申出", "kosodate", "kodomo_seisaku"),
    ("jidou-teate-kifu-henkou", "児童手当に係る寄附変更等の申出", "kosodate", "kodomo_seisaku"),
    (
        "jidou-teate-kyushokuhi",
        "受給資格者の申出による学校給食費等の徴収等の申出",
        "kosodate",
        "kodomo_seisaku",
    ),
    (
        "jidou-teate-kyushokuhi-henkou",
        "受給資格者の申出による学校給食費等の徴収等の変更等の申出",
        "kosodate",
        "kodomo_seisaku",
    ),
    ("jidou-teate-genkyo", "児童手当等の現況届", "kosodate", "kodomo_seisaku"),
    ("hoiku-shikyu-nintei", "支給認定の申請", "kosodate", "hoiku_youchien"),
    ("hoiku-riyou-moushikomi", "保育施設等の利用申込", "kosodate", "hoiku_youchien"),
    ("hoiku-genkyo", "保育施設等の現況届", "kosodate", "hoiku_youchien"),
    ("jidou-fuyou-genkyo", "児童扶養手当の現況届の事前送信", "kosodate", "kodomo_seisaku"),
    ("ninshin-todokede", "妊娠の届出", "kosodate", "kenko_suishin"),
]
CODES = [row[0] for row in ROWS]
ANNUAL = ["jidou-teate-genkyo", "hoiku-genkyo", "jidou-fuyou-genkyo"]
KYOSAI = ["shigaku_kyosai", "kokka_kyosai", "chihou_kyosai"]


def proc(code: str) -> Procedure:
    return catalog().procedures[code]


def field(p: Procedure, field_id: str) -> FieldDef:
    fields = p.all_fields()
    assert field_id in fields, f"{p.code} has no field {field_id}"
    return fields[field_id]


def sub(group: FieldDef, field_id: str) -> FieldDef:
    subs = {f.id: f for f in group.fields or []}
    assert field_id in subs, f"{group.id} has no sub-field {field_id}"
    return subs[field_id]


def visible(p: Procedure, field_id: str, answers: dict[str, Any]) -> bool:
    return engine.condition_holds(field(p, field_id).when, answers, p.all_fields())


def row_visible(p: Procedure, group_id: str, field_id: str, row: dict[str, Any]) -> bool:
    group = field(p, group_id)
    return engine.condition_holds(
        sub(group, field_id).when, {}, p.all_fields(), row=row, group=group
    )


def attachment_ids(p: Procedure, answers: dict[str, Any]) -> set[str]:
    return {a.id for a in engine.visible_attachments(p, answers)}


def step_ids(p: Procedure, answers: dict[str, Any]) -> list[str]:
    return [s.id for s in engine.visible_steps(p, answers)]


def option_values(spec: FieldDef) -> list[str]:
    return [o.value for o in spec.options or []]


# ---------------------------------------------------------------- every definition


def test_the_kosodate_category_is_exactly_rows_1_to_15() -> None:
    kosodate = {c for c, p in catalog().procedures.items() if p.category.value == "kosodate"}
    assert kosodate == set(CODES)


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
def test_free_sourced_and_reviewable(code: str) -> None:
    p = proc(code)
    assert p.version == 1
    assert p.fee.yen == 0
    assert p.retention_years == 5
    assert 3 <= len(p.steps) <= 7
    assert 1 <= len(p.eligibility_questions) <= 3
    assert p.approval_route
    assert p.life_events
    assert p.legal_basis


@pytest.mark.parametrize("code", CODES)
def test_applicant_block_comes_from_the_profile(code: str) -> None:
    p = proc(code)
    assert field(p, "name").prefill == "profile.name"
    assert field(p, "kana_name").prefill == "profile.kana_name"
    assert field(p, "address").prefill == "profile.address"
    assert field(p, "address").type == "address"
    assert field(p, "phone").prefill == "profile.phone"
    # an address field carries its postal code: no separate postal_code field next to it
    assert all(f.type != "postal_code" for f in p.all_fields().values())


@pytest.mark.parametrize("code", CODES)
def test_gender_fields_map_the_profile_values(code: str) -> None:
    for f in engine.iter_fields(proc(code)):
        for spec in [f, *(f.fields or [])]:
            if spec.prefill == "profile.gender" or spec.id.endswith("gender"):
                assert option_values(spec) == ["male", "female"], spec.id


@pytest.mark.parametrize("code", CODES)
def test_signature_except_the_pregnancy_notice(code: str) -> None:
    p = proc(code)
    if code == "ninshin-todokede":
        assert (p.assurance.value, p.card_pin) == ("mynumber_card", "auth4")
    else:
        assert (p.assurance.value, p.card_pin) == ("card_signature", "sign6to16")


@pytest.mark.parametrize("code", ANNUAL)
def test_annual_reports_once_per_fiscal_year_from_last_answers(code: str) -> None:
    p = proc(code)
    assert p.duplicates.value == "refuse"
    assert p.period.value == "fiscal_year"
    prefilled = {f.id for f in engine.iter_fields(p) if f.prefill == "previous"}
    assert prefilled
    # the applicant block comes from the verified profile, never from last year
    assert not prefilled & {"name", "kana_name", "birth_date", "address", "phone", "email"}


@pytest.mark.parametrize("code", sorted(set(CODES) - set(ANNUAL)))
def test_other_procedures_only_warn_about_duplicates(code: str) -> None:
    p = proc(code)
    assert p.duplicates.value == "warn"
    assert p.period.value == "none"


# ---------------------------------------------------------------- 児童手当 認定請求

NINTEI_ITEMS = [
    ("my_number", "my_number"),
    ("gender", "choice"),
    ("occupation", "text"),
    ("employer_name", "text"),
    ("employer_phone", "phone"),
    ("pension", "choice"),
    ("jan1_residence", "choice"),
    ("relation_to_child", "text"),
    ("has_spouse", "yes_no"),
    ("spouse_name", "name"),
    ("spouse_birth_date", "date"),
    ("spouse_my_number", "my_number"),
    ("spouse_occupation", "choice"),
    ("children", "group"),
    ("use_koukin_account", "yes_no"),
    ("bank_account", "bank_account"),
    ("consent_koubo", "consent"),
]


@pytest.mark.parametrize(("field_id", "field_type"), NINTEI_ITEMS)
def test_nintei_has_the_claim_form_items(field_id: str, field_type: str) -> None:
    assert field(proc("jidou-teate-nintei"), field_id).type == field_type


def test_nintei_pension_separates_employees_kyosai_and_national_pension() -> None:
    values = option_values(field(proc("jidou-teate-nintei"), "pension"))
    assert {"kousei_nenkin", "kokumin_nenkin", "minyuu", *KYOSAI} <= set(values)


@pytest.mark.parametrize(
    "field_id", ["spouse_name", "spouse_birth_date", "spouse_my_number", "spouse_occupation"]
)
@pytest.mark.parametrize(("has_spouse", "shown"), [(True, True), (False, False)])
def test_nintei_spouse_items_only_with_a_spouse(
    field_id: str, has_spouse: bool, shown: bool
) -> None:
    assert visible(proc("jidou-teate-nintei"), field_id, {"has_spouse": has_spouse}) is shown


def test_nintei_spouse_occupation_other_is_a_separate_text() -> None:
    p = proc("jidou-teate-nintei")
    assert "sonota" in option_values(field(p, "spouse_occupation"))
    answers = {"has_spouse": True, "spouse_occupation": "sonota"}
    assert visible(p, "spouse_occupation_other", answers)
    assert not visible(p, "spouse_occupation_other", {**answers, "spouse_occupation": "part"})


def test_nintei_children_group_rows() -> None:
    children = field(proc("jidou-teate-nintei"), "children")
    assert children.item is not None and children.item.ja == "お子さん"
    assert children.min_items == 1
    assert children.max_items is not None and children.max_items >= 5
    subs = {f.id: f.type for f in children.fields or []}
    assert subs["child_name"] == "name"
    assert subs["child_kana"] == "kana_name"
    assert subs["child_birth_date"] == "date"
    assert subs["child_relation"] == "text"
    assert subs["living"] == "choice"
    assert subs["separate_address"] == "address"
    assert subs["child_my_number"] == "my_number"
    assert subs["kango"] == "yes_no"
    assert subs["seikei"] == "choice"
    assert subs["university_age"] == "yes_no"
    assert option_values(sub(children, "living")) == ["doukyo", "bekkyo"]
    assert option_values(sub(children, "seikei")) == ["douitsu", "iji"]


@pytest.mark.parametrize(
    ("row", "address_shown", "number_shown"),
    [
        ({"living": "doukyo", "university_age": False}, False, False),
        ({"living": "bekkyo", "university_age": False}, True, True),
        ({"living": "doukyo", "university_age": True}, False, True),
        ({"living": "bekkyo", "university_age": True}, True, True),
    ],
)
def test_nintei_child_address_and_number_only_when_apart_or_university_age(
    row: dict[str, Any], address_shown: bool, number_shown: bool
) -> None:
    p = proc("jidou-teate-nintei")
    assert row_visible(p, "children", "separate_address", row) is address_shown
    assert row_visible(p, "children", "child_my_number", row) is number_shown


@pytest.mark.parametrize("field_id", ["univ_status", "univ_married", "seikeihi_futan"])
def test_nintei_confirmation_items_only_for_university_age(field_id: str) -> None:
    p = proc("jidou-teate-nintei")
    assert row_visible(p, "children", field_id, {"university_age": True})
    assert not row_visible(p, "children", field_id, {"university_age": False})


@pytest.mark.parametrize(("koukin", "shown"), [(True, False), (False, True)])
def test_nintei_bank_account_only_without_the_public_funds_account(
    koukin: bool, shown: bool
) -> None:
    p = proc("jidou-teate-nintei")
    answers = {"use_koukin_account": koukin}
    assert visible(p, "bank_account", answers) is shown
    assert ("bank_book" in attachment_ids(p, answers)) is shown


@pytest.mark.parametrize(
    ("pension", "proof"),
    [("kousei_nenkin", False), ("kokumin_nenkin", False)] + [(k, True) for k in KYOSAI],
)
def test_nintei_pension_proof_only_for_kyosai_members(pension: str, proof: bool) -> None:
    p = proc("jidou-teate-nintei")
    answers = {"pension": pension, "use_koukin_account": True}
    assert ("pension_proof" in attachment_ids(p, answers)) is proof


def test_nintei_passport_when_abroad_on_1_january() -> None:
    p = proc("jidou-teate-nintei")
    assert "passport" in attachment_ids(p, {"jan1_residence": "kokugai"})
    assert "passport" not in attachment_ids(p, {"jan1_residence": "shinai"})
    assert visible(p, "jan1_municipality", {"jan1_residence": "shigai"})


def test_nintei_15_day_rule_is_in_the_deadline() -> None:
    deadline = proc("jidou-teate-nintei").deadline
    assert deadline is not None and "15日以内" in deadline.ja


# ---------------------------------------------------------------- other 児童手当


@pytest.mark.parametrize(
    ("kubun", "shown", "hidden"),
    [
        ("zougaku", "reason_zougaku", "reason_gengaku"),
        ("gengaku", "reason_gengaku", "reason_zougaku"),
    ],
)
def test_gaku_kaitei_reasons_follow_increase_or_decrease(
    kubun: str, shown: str, hidden: str
) -> None:
    p = proc("jidou-teate-gaku-kaitei")
    assert visible(p, shown, {"kaitei_kubun": kubun})
    assert not visible(p, hidden, {"kaitei_kubun": kubun})


@pytest.mark.parametrize(
    ("ticked", "field_id"),
    [
        ("juukyusha_shimei", "old_name"),
        ("juukyusha_jusho", "old_address"),
        ("haigusha_jusho", "spouse_new_address"),
        ("nenkin", "new_pension"),
    ],
)
def test_henkou_asks_only_for_the_ticked_changes(ticked: str, field_id: str) -> None:
    p = proc("jidou-teate-henkou")
    assert visible(p, field_id, {"todoke_items": [ticked, "sonota"]})
    assert not visible(p, field_id, {"todoke_items": ["sonota"]})


def test_henkou_children_step_only_for_child_changes() -> None:
    p = proc("jidou-teate-henkou")
    assert "jidou" in step_ids(p, {"todoke_items": ["jidou_jusho"]})
    assert "jidou" not in step_ids(p, {"todoke_items": ["juukyusha_shimei"]})


def test_henkou_insurance_proof_when_pension_changes_with_a_child_under_3() -> None:
    p = proc("jidou-teate-henkou")
    base = {"todoke_items": ["nenkin"]}
    assert "insurance_proof" in attachment_ids(p, {**base, "has_child_under3": True})
    assert "insurance_proof" not in attachment_ids(p, {**base, "has_child_under3": False})


def test_shometsu_move_out_asks_for_the_new_address() -> None:
    p = proc("jidou-teate-shometsu")
    assert "shousai" in step_ids(p, {"reason": "tenshutsu"})
    assert "shousai" not in step_ids(p, {"reason": "jidou_shibou"})
    assert visible(p, "new_address", {"reason": "tenshutsu"})


def test_mishiharai_pays_to_an_account_with_proof() -> None:
    p = proc("jidou-teate-mishiharai")
    assert field(p, "death_date").type == "date"
    assert field(p, "bank_account").type == "bank_account"
    assert "bank_book" in attachment_ids(p, {})


def test_kifu_and_kyushokuhi_amount_only_for_a_part() -> None:
    for code, choice, amount in [
        ("jidou-teate-kifu", "kifu_amount_type", "kifu_amount"),
        ("jidou-teate-kyushokuhi", "amount_type", "amount"),
    ]:
        p = proc(code)
        assert visible(p, amount, {choice: "ichibu"}), code
        assert not visible(p, amount, {choice: "zengaku"}), code


@pytest.mark.parametrize("code", ["jidou-teate-kifu-henkou", "jidou-teate-kyushokuhi-henkou"])
def test_withdrawal_skips_the_new_details(code: str) -> None:
    p = proc(code)
    assert "henkou_go" not in step_ids(p, {"henkou_kubun": "tekkai"})


@pytest.mark.parametrize(
    ("reason", "attachment"),
    [
        ("bekkyo", "bekkyo_kango"),
        ("ryugaku", "study_abroad_proof"),
        ("jisshi_igai", "kango_seikei_proof"),
        ("kouken", "kouken_proof"),
        ("fubo_shitei", "fubo_shitei_proof"),
        ("rikon_kyougi", "rikon_kyougi_proof"),
    ],
)
def test_genkyo_attachments_follow_the_filing_reasons(reason: str, attachment: str) -> None:
    p = proc("jidou-teate-genkyo")
    assert attachment in attachment_ids(
        p, {"filing_reasons": [reason], "pension": "kokumin_nenkin"}
    )
    assert attachment not in attachment_ids(
        p, {"filing_reasons": ["sonota"], "pension": "kokumin_nenkin"}
    )


def test_genkyo_children_default_to_last_years_list() -> None:
    children = field(proc("jidou-teate-genkyo"), "children")
    assert children.type == "group"
    assert children.prefill == "previous"


# ---------------------------------------------------------------- 保育


def test_shikyu_nintei_is_decided_within_30_days() -> None:
    assert proc("hoiku-shikyu-nintei").processing_days == 30


@pytest.mark.parametrize(("kibou", "shown"), [("ari", True), ("nashi", False)])
def test_shikyu_nintei_reasons_only_when_childcare_is_wanted(kibou: str, shown: bool) -> None:
    p = proc("hoiku-shikyu-nintei")
    assert ("hitsuyousei" in step_ids(p, {"hoiku_kibou": kibou})) is shown
    assert visible(p, "hoiku_hitsuyouryou", {"hoiku_kibou": kibou}) is shown


@pytest.mark.parametrize("code", ["hoiku-shikyu-nintei", "hoiku-genkyo"])
def test_hoiku_reasons_are_the_ten_statutory_reasons(code: str) -> None:
    p = proc(code)
    reasons = option_values(field(p, "p1_reason"))
    assert len(reasons) == 10
    assert reasons == option_values(field(p, "p2_reason"))
    assert {"shuurou", "ninshin_shussan", "kyuushoku", "ikukyu_keizoku"} <= set(reasons)


@pytest.mark.parametrize("code", ["hoiku-shikyu-nintei", "hoiku-genkyo"])
@pytest.mark.parametrize("parent", ["p1_reason", "p2_reason"])
def test_hoiku_employment_certificate_for_either_working_parent(code: str, parent: str) -> None:
    p = proc(code)
    answers = {"hoiku_kibou": "ari", "has_partner": True, parent: "shuurou"}
    assert "shuurou_shoumei" in attachment_ids(p, answers)
    assert "shuurou_shoumei" not in attachment_ids(p, {**answers, parent: "kyuushoku"})


@pytest.mark.parametrize("code", ["hoiku-shikyu-nintei", "hoiku-genkyo"])
def test_hoiku_household_group(code: str) -> None:
    household = field(proc(code), "household")
    assert household.type == "group"
    ids = [f.id for f in household.fields or []]
    for item in [
        "member_name",
        "member_relation",
        "member_birth_date",
        "member_occupation",
        "member_tax",
    ]:
        assert item in ids


def test_riyou_moushikomi_lists_wished_facilities_in_order() -> None:
    facilities = field(proc("hoiku-riyou-moushikomi"), "facilities")
    assert facilities.type == "group"
    assert facilities.min_items == 1
    assert next(f.id for f in facilities.fields or []) == "facility_name"


# ---------------------------------------------------------------- 児童扶養手当, 妊娠


def test_fuyou_genkyo_still_needs_the_interview() -> None:
    p = proc("jidou-fuyou-genkyo")
    assert p.visit is not None and "面談" in p.visit.ja
    assert visible(p, "youikuhi_received", {"recipient_type": "haha"})
    assert not visible(p, "youikuhi_received", {"recipient_type": "youikusha"})


NINSHIN_ITEMS = [
    # 母子保健法施行規則第3条 (届出年月日 is the submission date)
    ("name", "name"),
    ("birth_date", "date"),
    ("occupation", "choice"),
    ("address", "address"),
    ("pregnancy_weeks", "integer"),
    ("doctor_name", "text"),
    ("std_tb_checkup", "choice"),
    # added on municipal forms
    ("my_number", "my_number"),
    ("due_date", "date"),
    ("multiple_pregnancy", "yes_no"),
    ("baby_count", "integer"),
]


@pytest.mark.parametrize(("field_id", "field_type"), NINSHIN_ITEMS)
def test_ninshin_has_the_ordinance_items_due_date_and_multiple(
    field_id: str, field_type: str
) -> None:
    assert field(proc("ninshin-todokede"), field_id).type == field_type


def test_ninshin_labels_name_the_due_date_and_twins() -> None:
    p = proc("ninshin-todokede")
    assert "分娩予定日" in field(p, "due_date").label.ja
    assert "多胎" in field(p, "multiple_pregnancy").label.ja


@pytest.mark.parametrize(("multiple", "shown"), [(True, True), (False, False)])
def test_ninshin_baby_count_only_for_a_multiple_pregnancy(multiple: bool, shown: bool) -> None:
    assert (
        visible(proc("ninshin-todokede"), "baby_count", {"multiple_pregnancy": multiple}) is shown
    )
