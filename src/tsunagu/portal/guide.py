"""What the guide page (「申請の前に」) shows, derived from a procedure definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.procedures.schema import Assurance, EligibilityQuestion, Procedure

ASSURANCE_LABELS: dict[Assurance, Promise] = {
    Assurance.NONE: _("ログインせずに申請できます。"),
    Assurance.ACCOUNT: _("ログインが必要です。マイナンバーカードがなくても申請できます。"),
    Assurance.MYNUMBER_CARD: _("マイナンバーカードでログインします。"),
    Assurance.CARD_SIGNATURE: _(
        "マイナンバーカードでログインし、申請の内容に電子署名をします（押印の代わりです）。"
    ),
}

# The short form for a procedure card: what to log in with.
LOGIN_LABELS: dict[Assurance, Promise] = {
    Assurance.NONE: _("不要"),
    Assurance.ACCOUNT: _("必要"),
    Assurance.MYNUMBER_CARD: _("マイナンバーカード"),
    Assurance.CARD_SIGNATURE: _("マイナンバーカード（電子署名）"),
}

PIN_LABELS: dict[str, Promise] = {
    "auth4": _("利用者証明用電子証明書の暗証番号（数字4桁）"),
    "sign6to16": _("署名用電子証明書の暗証番号（英数字6〜16桁）"),
}

# The query parameter of one eligibility answer: ?q_<question id>=yes
ANSWER_PREFIX = "q_"


@dataclass(frozen=True)
class EligibilityRow:
    """One yes/no question with the resident's answer (``""`` when not answered)."""

    question: EligibilityQuestion
    answer: str
    missing: bool  # the form was sent without an answer to this question
    blocking: bool  # answered, but not as the procedure expects

    @property
    def input_name(self) -> str:
        return ANSWER_PREFIX + self.question.id


@dataclass(frozen=True)
class EligibilityCheck:
    """The outcome of the yes/no questions; ``sent`` is False on a plain visit."""

    sent: bool
    rows: list[EligibilityRow]

    @property
    def unanswered(self) -> list[EligibilityQuestion]:
        return [r.question for r in self.rows if r.missing]

    @property
    def blocking(self) -> list[EligibilityQuestion]:
        return [r.question for r in self.rows if r.blocking]

    @property
    def eligible(self) -> bool:
        return self.sent and not self.unanswered and not self.blocking


def eligibility_check(*, procedure: Procedure, params: Mapping[str, str]) -> EligibilityCheck:
    """Judge the answers in ``params`` (the GET parameters) against the definition.

    Nothing is judged unless ``params`` has ``check=1`` (the form's own marker).
    Example: with a question ``lives_here`` expecting ``yes``, the parameters
    ``{"check": "1", "q_lives_here": "no"}`` give ``blocking == [that question]``.
    """
    sent = params.get("check") == "1"
    rows = []
    for question in procedure.eligibility_questions:
        answer = params.get(ANSWER_PREFIX + question.id, "")
        if answer not in {"yes", "no"}:
            answer = ""
        rows.append(
            EligibilityRow(
                question=question,
                answer=answer,
                missing=sent and not answer,
                blocking=sent and bool(answer) and answer != question.expected,
            )
        )
    return EligibilityCheck(sent=sent, rows=rows)


def needs_card(procedure: Procedure) -> bool:
    """Whether the resident needs their My Number Card (and a card reader or phone)."""
    return procedure.assurance.rank >= Assurance.MYNUMBER_CARD.rank
