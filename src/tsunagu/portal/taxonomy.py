"""Labels of the catalog's categories and life events, read from ``data/taxonomy.yaml``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

from tsunagu.procedures.schema import Category, LifeEvent, Text


@dataclass(frozen=True)
class CategoryInfo:
    code: Category
    label: Text
    description: Text


@dataclass(frozen=True)
class LifeEventInfo:
    code: LifeEvent
    label: Text


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[Category, CategoryInfo]
    life_events: dict[LifeEvent, LifeEventInfo]


@functools.cache
def taxonomy() -> Taxonomy:
    """The labels, in the file's order; every enum member must have one.

    Example: ``taxonomy().categories[Category.KAIGO].label.get("en") == "Long-term care"``.
    """
    raw = yaml.safe_load(
        resources.files("tsunagu.portal").joinpath("data/taxonomy.yaml").read_text("utf-8")
    )
    categories = {
        Category(code): CategoryInfo(
            code=Category(code),
            label=Text.model_validate(item["label"]),
            description=Text.model_validate(item["description"]),
        )
        for code, item in raw["categories"].items()
    }
    events = {
        LifeEvent(code): LifeEventInfo(code=LifeEvent(code), label=Text.model_validate(label))
        for code, label in raw["life_events"].items()
    }
    missing = (set(Category) - categories.keys()) | (set(LifeEvent) - events.keys())
    if missing:
        raise ValueError(f"taxonomy.yaml has no label for {sorted(missing)}")
    return Taxonomy(categories=categories, life_events=events)


def category_info(code: str) -> CategoryInfo | None:
    """The category for a code from a URL, or None when the code is unknown."""
    try:
        return taxonomy().categories[Category(code)]
    except ValueError:
        return None


def life_event_info(code: str) -> LifeEventInfo | None:
    """The life event for a code from a URL, or None when the code is unknown."""
    try:
        return taxonomy().life_events[LifeEvent(code)]
    except ValueError:
        return None
