"""Checking the audit log: walk the chain in ``seq`` order and name every break.

What each finding means (``ProblemKind``):

- ``modified``: the event's fields no longer give its stored hash.
- ``reordered``: the event is intact but sits at another position than the one it was
  recorded at (found by following its ``prev_hash`` back to an intact event).
- ``deleted``: a gap in ``seq``, or ``prev_hash`` does not name the preceding event.
- ``deleted_tail``: the head names an event after the last one present.
- ``invalid_seq``: a ``seq`` below 1, which ``audit_record`` never writes.
- ``beyond_head``: events after the one the head names (inserted without the head, or the
  head was set back).
- ``forged_head``: the head's hash is not the hash of the event it names.
- ``head_missing``: events exist but the head row does not.

Memory stays bounded: rows are streamed in chunks and only the previous event is kept.
Resolving a suspected reordering costs a few indexed lookups per broken event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.audit.chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from tsunagu.audit.models import HEAD_ID, AuditEvent, AuditHead

_ROW_FIELDS = (*HASHED_FIELDS, "hash")
# How far back a moved event's origin is followed before it is called modified instead.
_MAX_RESOLVE_DEPTH = 32


class ProblemKind(StrEnum):
    MODIFIED = "modified"
    REORDERED = "reordered"
    DELETED = "deleted"
    DELETED_TAIL = "deleted_tail"
    INVALID_SEQ = "invalid_seq"
    BEYOND_HEAD = "beyond_head"
    FORGED_HEAD = "forged_head"
    HEAD_MISSING = "head_missing"


@dataclass(frozen=True)
class Problem:
    """One break in the chain. ``seq`` is the event it was found at (``None``: the log)."""

    kind: ProblemKind
    seq: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "seq": self.seq, "message": self.message}


@dataclass
class VerifyReport:
    """The result of ``audit_verify``: ``ok`` when ``problems`` is empty."""

    count: int = 0
    head_seq: int | None = None
    head_hash: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # True when more problems were found than the report keeps.
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line in Japanese for people."""
        if self.ok:
            return _("監査ログは正常です（%(count)d件）") % {"count": self.count}
        more = _("以上") if self.truncated else ""
        return _("監査ログに%(n)d件%(more)sの問題があります（%(count)d件を検査）") % {
            "n": len(self.problems),
            "more": more,
            "count": self.count,
        }

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable form (e.g. for monitoring)."""
        return {
            "ok": self.ok,
            "count": self.count,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "truncated": self.truncated,
            "problems": [p.as_dict() for p in self.problems],
        }


def audit_verify(*, chunk_size: int = 2000, max_problems: int = 1000) -> VerifyReport:
    """Check the whole chain and the head; return every problem found, named by ``seq``.

    >>> report = audit_verify()  # doctest: +SKIP
    >>> report.ok, report.summary()  # doctest: +SKIP
    (True, '監査ログは正常です（42件）')
    """
    walker = _Walker(max_problems=max_problems)
    for row in _rows(chunk_size):
        walker.visit(row)
    # Read after the walk: the head never moves back, so a head behind the last event seen
    # is a real problem, while one ahead may only mean events appended meanwhile.
    walker.check_head(AuditHead.objects.filter(pk=HEAD_ID).first())
    return walker.report


def _rows(chunk_size: int) -> Iterator[dict[str, Any]]:
    query = AuditEvent.objects.order_by("seq").values_list(*_ROW_FIELDS)
    for values in query.iterator(chunk_size=chunk_size):
        yield dict(zip(_ROW_FIELDS, values, strict=True))


class _Walker:
    def __init__(self, *, max_problems: int) -> None:
        self.report = VerifyReport()
        self.max_problems = max_problems
        self.last_seq = 0
        self.last_hash = GENESIS_HASH

    def add(self, kind: ProblemKind, seq: int | None, message: str) -> None:
        if len(self.report.problems) >= self.max_problems:
            self.report.truncated = True
        else:
            self.report.problems.append(Problem(kind, seq, message))

    def visit(self, row: dict[str, Any]) -> None:
        seq: int = row["seq"]
        self.report.count += 1
        if seq < 1:
            self.add(
                ProblemKind.INVALID_SEQ,
                seq,
                _("seq %(seq)d は正しい番号ではありません（偽造されたイベントの疑い）")
                % {"seq": seq},
            )
            return

        intact = compute_hash(row) == row["hash"]
        if not intact:
            original = self._original_seq(row) if not self.report.truncated else None
            if original is not None and original != seq:
                self.add(
                    ProblemKind.REORDERED,
                    seq,
                    _(
                        "seq %(seq)d の位置に、本来 seq %(original)d のイベントがあります"
                        "（順序が入れ替えられています）"
                    )
                    % {"seq": seq, "original": original},
                )
            else:
                self.add(
                    ProblemKind.MODIFIED,
                    seq,
                    _("seq %(seq)d のイベントが改ざんされています（ハッシュが一致しません）")
                    % {"seq": seq},
                )

        expected = self.last_seq + 1
        if seq > expected:
            self.add(
                ProblemKind.DELETED,
                seq,
                _("seq %(seq)d の直前のイベントが削除されています（%(missing)s がありません）")
                % {"seq": seq, "missing": _seq_range(expected, seq - 1)},
            )
        elif intact and row["prev_hash"] != self.last_hash:
            # (The prev_hash of a broken event proves nothing, so it is only checked here.)
            if not self._predecessor_was_moved(row):
                self.add(
                    ProblemKind.DELETED,
                    seq,
                    _(
                        "seq %(seq)d の直前のイベントが削除されています"
                        "（直前のイベントのハッシュと一致しません。差し替えられた可能性もあります）"
                    )
                    % {"seq": seq},
                )
        self.last_seq = seq
        self.last_hash = row["hash"]

    def check_head(self, head: AuditHead | None) -> None:
        report = self.report
        if head is None:
            if report.count:
                self.add(
                    ProblemKind.HEAD_MISSING,
                    None,
                    _("記録の末尾を示す情報（head）がありません（削除された疑い）"),
                )
            return
        report.head_seq, report.head_hash = head.seq, head.hash
        if head.seq > self.last_seq:
            named = _hash_at(head.seq)
            if named is None:
                self.add(
                    ProblemKind.DELETED_TAIL,
                    self.last_seq + 1,
                    _("末尾のイベントが削除されています（%(missing)s がありません）")
                    % {"missing": _seq_range(self.last_seq + 1, head.seq)},
                )
                return
            # Otherwise events were appended while we walked; they are checked next time.
        else:
            named = self.last_hash if head.seq == self.last_seq else _hash_at(head.seq)
            if head.seq < self.last_seq:
                self.add(
                    ProblemKind.BEYOND_HEAD,
                    head.seq + 1,
                    _(
                        "%(range)s のイベントは記録の末尾（head）より後にあります"
                        "（偽造されたイベント、または head の改ざんの疑い）"
                    )
                    % {"range": _seq_range(head.seq + 1, self.last_seq)},
                )
        if head.seq == 0:
            named = GENESIS_HASH
        if named != head.hash:
            self.add(
                ProblemKind.FORGED_HEAD,
                head.seq,
                _(
                    "記録の末尾（head）が seq %(seq)d のイベントと一致しません"
                    "（head の改ざん、または seq %(seq)d の差し替えの疑い）"
                )
                % {"seq": head.seq},
            )

    def _original_seq(self, row: dict[str, Any], depth: int = 0) -> int | None:
        """The position an intact event was recorded at, found through its predecessors."""
        if row["prev_hash"] == GENESIS_HASH:
            candidate = 1
        else:
            if depth >= _MAX_RESOLVE_DEPTH:
                return None
            predecessor = _row_by_hash(row["prev_hash"])
            if predecessor is None:
                return None
            if compute_hash(predecessor) == predecessor["hash"]:
                before: int | None = predecessor["seq"]
            else:
                before = self._original_seq(predecessor, depth + 1)
            if before is None:
                return None
            candidate = before + 1
        return candidate if compute_hash({**row, "seq": candidate}) == row["hash"] else None

    def _predecessor_was_moved(self, row: dict[str, Any]) -> bool:
        """Whether ``row``'s predecessor exists elsewhere (a reordering, reported there)."""
        predecessor = _row_by_hash(row["prev_hash"])
        if predecessor is None or predecessor["seq"] == row["seq"] - 1:
            return False
        return bool(self._original_seq(predecessor) == row["seq"] - 1)


def _row_by_hash(value: str) -> dict[str, Any] | None:
    values = AuditEvent.objects.filter(hash=value).order_by("seq").values_list(*_ROW_FIELDS)
    first = values.first()
    return None if first is None else dict(zip(_ROW_FIELDS, first, strict=True))


def _hash_at(seq: int) -> str | None:
    return AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()


def _seq_range(first: int, last: int) -> str:
    if first == last:
        return f"seq {first}"
    return f"seq {first}〜{last}"
