"""Valid sample input for every field type, as a resident would type it into the form."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from PIL import Image

from tsunagu.applications.engine import html_name, part_name
from tsunagu.core.fieldtypes import get_type
from tsunagu.procedures.schema import FieldDef, Step

PART_SAMPLES = {
    "sei": "常陸",
    "mei": "花子",
    "postal_code": "312-8501",
    "line1": "茨城県ひたちなか市東石川２丁目１０番１号",
    "line2": "",
    "bank_code": "0001",
    "bank_name": "みずほ銀行",
    "branch_code": "001",
    "branch_name": "東京営業部",
    "kind": "futsu",
    "number": "1234567",
    "holder_kana": "ヒタチ ハナコ",
}
KANA_PARTS = {"sei": "ヒタチ", "mei": "ハナコ"}


def sample_value(spec: FieldDef) -> str | dict[str, str] | list[str]:
    """One valid raw input for ``spec`` (a string, or a dict of parts)."""
    today = timezone.localdate()
    t = spec.type
    if t == "date":
        if spec.not_past:
            return (today + dt.timedelta(days=60)).isoformat()
        return (today - dt.timedelta(days=400)).isoformat()
    if t == "year_month":
        d = today + dt.timedelta(days=62) if spec.not_past else today - dt.timedelta(days=400)
        return f"{d.year}-{d.month:02d}"
    if t in {"choice"}:
        return spec.options[0].value  # type: ignore[index]
    if t == "multi_choice":
        return [spec.options[0].value]  # type: ignore[index]
    if t == "yes_no":
        return "yes"
    if t == "consent":
        return "yes"
    if t in {"integer", "yen"}:
        low = spec.min if spec.min is not None else 1
        high = spec.max if spec.max is not None else low + 1000
        return str(max(low, min(high, max(low, 1))))
    if t == "text":
        return "テスト"[: spec.max_length or 200]
    if t == "textarea":
        return "テストの入力です。"
    if t == "kana":
        return "ヒタチ"
    if t == "postal_code":
        return "3128501"
    if t == "phone":
        return "029-273-0111"
    if t == "email":
        return "test@example.jp"
    if t == "my_number":
        return "123456789018"
    if t == "kaigo_insured_number":
        return "0000012345"
    if t == "lg_code":
        return "082210"
    ftype = get_type(t)
    parts = ftype.parts(spec)
    source = KANA_PARTS if t == "kana_name" else PART_SAMPLES
    return {p.name: source.get(p.name, "テスト") for p in parts}


def step_post(step: Step) -> dict[str, Any]:
    """POST data filling every field of a step (hidden ones are ignored by the server)."""
    data: dict[str, Any] = {"action": "next"}

    def put(spec: FieldDef, base: str) -> None:
        value = sample_value(spec)
        if isinstance(value, dict):
            for part, v in value.items():
                data[part_name(base, part)] = v
        else:
            data[base] = value

    for spec in step.fields:
        if spec.type == "group":
            rows = max(1, spec.min_items or 0)
            data[f"{spec.id}-rows"] = str(rows)
            for i in range(rows):
                for sub in spec.fields or []:
                    put(sub, html_name(sub.id, group=spec.id, row=i))
        else:
            put(spec, spec.id)
    return data


def sample_upload(kinds: list[str], name: str = "書類") -> io.BytesIO:
    if "jpeg" in kinds or "heic" in kinds:
        buf = io.BytesIO()
        Image.new("RGB", (80, 60), (230, 220, 200)).save(buf, format="JPEG")
        buf.seek(0)
        buf.name = f"{name}.jpg"
        return buf
    if "png" in kinds:
        buf = io.BytesIO()
        Image.new("RGB", (80, 60), (230, 220, 200)).save(buf, format="PNG")
        buf.seek(0)
        buf.name = f"{name}.png"
        return buf
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
        b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
    )
    buf = io.BytesIO(pdf)
    buf.name = f"{name}.pdf"
    return buf
