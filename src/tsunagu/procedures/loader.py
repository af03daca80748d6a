"""Loading and validating the procedure catalog (YAML files) with precise errors."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from pydantic import ValidationError

from tsunagu.procedures.schema import Department, Procedure

DEPARTMENTS_FILE = "_departments.yaml"


@dataclass(frozen=True)
class CatalogProblem:
    """One problem in one file: where exactly, and what."""

    file: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(ファイル全体)'}: {self.problem}"


class CatalogError(Exception):
    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Catalog:
    procedures: dict[str, Procedure]
    departments: dict[str, Department]

    def ordered(self) -> list[Procedure]:
        order = {"kosodate": 0, "kaigo": 1, "hisaisha": 2, "kurashi": 3}
        return sorted(self.procedures.values(), key=lambda p: (order[p.category.value], p.code))


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _problems_from(err: ValidationError, file: str) -> list[CatalogProblem]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        out.append(CatalogProblem(file, loc, msg))
    return out


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read every ``*.yaml`` under ``directory`` and validate it.

    Raises ``CatalogError`` listing every problem of every file, e.g.
    ``jidou-teate.yaml: steps.2.fields.0.options: choice には options が2つ以上必要です``.
    """
    directory = directory or Path(settings.TSUNAGU_CATALOG_DIR)
    problems: list[CatalogProblem] = []
    departments: dict[str, Department] = {}
    dep_path = directory / DEPARTMENTS_FILE
    if dep_path.exists():
        raw = _read_yaml(dep_path)
        if not isinstance(raw, list):
            problems.append(CatalogProblem(dep_path.name, "", "課の一覧（リスト）が必要です"))
        else:
            for i, item in enumerate(raw):
                try:
                    dep = Department.model_validate(item)
                    departments[dep.code] = dep
                except ValidationError as err:
                    for p in _problems_from(err, dep_path.name):
                        problems.append(CatalogProblem(p.file, f"{i}.{p.path}", p.problem))
    procedures: dict[str, Procedure] = {}
    seen_files: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == DEPARTMENTS_FILE:
            continue
        try:
            raw = _read_yaml(path)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{mark.line + 1}行目" if mark else ""
            problems.append(CatalogProblem(path.name, where, f"YAML として読めません: {err}"))
            continue
        try:
            proc = Procedure.model_validate(raw)
        except ValidationError as err:
            problems.extend(_problems_from(err, path.name))
            continue
        if path.stem != proc.code:
            problems.append(
                CatalogProblem(path.name, "code", f"ファイル名と code '{proc.code}' が違います")
            )
        if proc.code in seen_files:
            problems.append(
                CatalogProblem(
                    path.name, "code", f"code が {seen_files[proc.code]} と重複しています"
                )
            )
        seen_files[proc.code] = path.name
        if departments and proc.department not in departments:
            problems.append(
                CatalogProblem(path.name, "department", f"未登録の課 '{proc.department}' です")
            )
        for i, step in enumerate(proc.approval_route):
            for code in step.consult or []:
                if code == proc.department or (departments and code not in departments):
                    why = "手続きを担当する課です" if code == proc.department else "未登録の課です"
                    problems.append(
                        CatalogProblem(
                            path.name, f"approval_route.{i}.consult", f"合議先 '{code}' は{why}"
                        )
                    )
        procedures[proc.code] = proc
    if problems:
        raise CatalogError(problems)
    return Catalog(procedures=procedures, departments=departments)


@functools.cache
def catalog() -> Catalog:
    """The catalog of this deployment, loaded once per process."""
    return load_catalog()
