"""Export targets: the core systems (基幹システム) decided cases are handed to.

A target is a plugin in a typed registry (DESIGN, "Plugins"): ``@registry.register("id")``
on a subclass of ``ExportTarget``. What varies per city is configuration, never code:

- ``settings.TSUNAGU_EXPORT_TARGETS`` (or the environment variable of the same name, a
  comma-separated list) names the enabled targets; default: every built-in target.
- ``settings.TSUNAGU_EXPORT_MY_NUMBER_TARGETS`` (same) names the targets that receive the
  個人番号 in clear; default: none. Every other target gets no 個人番号 column at all.

Tests build their own ``Registry`` and pass it to the services.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ClassVar

from django.conf import settings

from tsunagu.core import crypto
from tsunagu.procedures.loader import catalog


def _configured(name: str, default: list[str] | None) -> list[str] | None:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name)
        if raw is None:
            return default
        value = raw.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


class ExportTarget:
    """One core system. Subclasses set the class attributes; ``check_config`` may add
    checks of their own (a drop folder, a code table)."""

    id: ClassVar[str]
    label: ClassVar[str]  # the core system's name as staff know it (Japanese)
    # Procedure codes this system takes: these codes, every code starting with the prefix,
    # or (neither set) any procedure (a generic target).
    procedures: ClassVar[tuple[str, ...]] = ()
    procedure_prefix: ClassVar[str] = ""
    # Whether rejected cases (却下) are exported too (some systems keep them for statistics).
    include_rejected: ClassVar[bool] = False

    def accepts(self, procedure_code: str) -> bool:
        """Whether this system takes cases of ``procedure_code``."""
        if not self.procedures and not self.procedure_prefix:
            return True
        return procedure_code in self.procedures or bool(
            self.procedure_prefix and procedure_code.startswith(self.procedure_prefix)
        )

    def receives_my_number(self) -> bool:
        """True only when the city configured this target to receive the 個人番号."""
        allowed = _configured("TSUNAGU_EXPORT_MY_NUMBER_TARGETS", []) or []
        return self.id in allowed

    def check_config(self) -> list[str]:
        """Problems with this target's configuration, in Japanese (empty when usable)."""
        problems: list[str] = []
        known = catalog().procedures
        for code in self.procedures:
            if code not in known:
                problems.append(f"{self.id}: 手続き {code} が手続き定義にありません")
        if self.receives_my_number():
            try:
                crypto.check_config()
            except crypto.KeyConfigError as exc:
                problems.append(f"{self.id}: 個人番号の暗号化鍵が使えません（{exc}）")
        return problems


class Registry:
    """The export targets; ``get`` and ``available`` return only the enabled ones."""

    def __init__(self) -> None:
        self._targets: dict[str, ExportTarget] = {}

    def register(self, target_id: str) -> Callable[[type[ExportTarget]], type[ExportTarget]]:
        def wrap(cls: type[ExportTarget]) -> type[ExportTarget]:
            if target_id in self._targets:
                raise ValueError(f"export target {target_id!r} registered twice")
            cls.id = target_id
            self._targets[target_id] = cls()
            return cls

        return wrap

    def _enabled(self) -> list[str]:
        enabled = _configured("TSUNAGU_EXPORT_TARGETS", None)
        return list(self._targets) if enabled is None else enabled

    def get(self, target_id: str) -> ExportTarget | None:
        """The enabled target ``target_id``, or None."""
        if target_id not in self._enabled():
            return None
        return self._targets.get(target_id)

    def available(self) -> list[ExportTarget]:
        """The enabled targets, in registration order."""
        enabled = set(self._enabled())
        return [t for tid, t in self._targets.items() if tid in enabled]

    def check_config(self) -> list[str]:
        problems = [p for t in self.available() for p in t.check_config()]
        unknown = [tid for tid in self._enabled() if tid not in self._targets]
        problems += [f"{tid}: この連携先は登録されていません" for tid in unknown]
        return problems


registry = Registry()


@registry.register("jidou-teate-kikan")
class JidouTeateKikan(ExportTarget):
    """The 児童手当 core system: every 児童手当 procedure, with rejections (the system
    keeps the 却下 of a 認定請求 for the next claim)."""

    label = "児童手当システム"
    procedure_prefix = "jidou-teate-"
    include_rejected = True


@registry.register("kaigo-hoken-kikan")
class KaigoHokenKikan(ExportTarget):
    """The 介護保険 core system: every 介護保険 procedure."""

    label = "介護保険システム"
    procedure_prefix = "kaigo-"
    include_rejected = True


@registry.register("hisaisha-shien")
class HisaishaShien(ExportTarget):
    """The 被災者支援システム: issued 罹災証明書 (approved cases only)."""

    label = "被災者支援システム"
    procedures = ("risai-shomeisho",)


@registry.register("csv-hanyou")
class CsvHanyou(ExportTarget):
    """A generic file for a system without its own target: any procedure, decided cases
    of both kinds."""

    label = "汎用ファイル（その他のシステム）"
    include_rejected = True
