"""The staff form that asks for a correction (補正依頼): parsing and Japanese messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.casework.corrections.selectors import FieldChoice, StepChoices

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]


class CorrectionRequestForm(forms.Form):
    """Which fields and attachment slots, the message to the resident and a due date.

    ``steps`` and ``slots`` are what the case's pinned definition offers
    (``selectors.correction_choices``); a card-verified field is shown, not offered.
    """

    field_ids = forms.MultipleChoiceField(required=False)
    slot_ids = forms.MultipleChoiceField(required=False)
    message = forms.CharField(
        max_length=2000,
        strip=True,
        error_messages={
            "required": _("申請者へ伝える補正の内容を入力してください。"),
            "max_length": _("補正の内容は%(limit_value)d文字以内で入力してください。"),
        },
    )
    due_date = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("期限は 2026-12-01 のように日付で入力してください。")},
    )

    def __init__(
        self, *args: Any, steps: list[StepChoices], slots: list[FieldChoice], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        self.slots = slots
        field_choices = [f.id for s in steps for f in s.fields if not f.locked]
        slot_choices = [s.id for s in slots]
        invalid = {"invalid_choice": _("選べない項目が含まれています。選び直してください。")}
        field_ids = self.fields["field_ids"]
        slot_ids = self.fields["slot_ids"]
        assert isinstance(field_ids, forms.MultipleChoiceField)  # noqa: S101  # declared above
        assert isinstance(slot_ids, forms.MultipleChoiceField)  # noqa: S101  # declared above
        field_ids.choices = [(c, c) for c in field_choices]
        slot_ids.choices = [(c, c) for c in slot_choices]
        field_ids.error_messages.update(invalid)
        slot_ids.error_messages.update(invalid)

    def clean_due_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("due_date")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("期限には今日以降の日付を入力してください。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("field_ids")
            and not data.get("slot_ids")
            and not self.has_error("field_ids")
        ):
            self.add_error("field_ids", _("補正を依頼する項目か添付書類を1つ以上選んでください。"))
        return data
