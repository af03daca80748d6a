"""Sections of the staff case page that the parts of the back office contribute.

The case page (``casework.views``) shows the case itself; corrections, approvals, notices,
exports and the counter each add a section of their own without the page knowing them.
A part registers its panel in its ``AppConfig.ready()``::

    panel_register(CasePanel(key="approvals", order=30,
                             template="approvals/panel.html", context=approval_panel))

``context(request, case, staff)`` returns the template's context, or None to leave the
panel out (e.g. a role that may not see it). Panels are shown in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile
    from tsunagu.casework.models import Case

PanelContext = Callable[[HttpRequest, "Case", "StaffProfile"], dict[str, Any] | None]


@dataclass(frozen=True)
class CasePanel:
    key: str
    order: int
    template: str
    context: PanelContext


_PANELS: dict[str, CasePanel] = {}


def panel_register(panel: CasePanel) -> None:
    """Add (or replace, by key) one section of the case page."""
    _PANELS[panel.key] = panel


def panels_for(
    *, request: HttpRequest, case: Case, staff: StaffProfile
) -> list[tuple[CasePanel, dict[str, Any]]]:
    """The sections to show on ``case``'s page for ``staff``, in order, with their context."""
    shown: list[tuple[CasePanel, dict[str, Any]]] = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, case, staff)
        if context is not None:
            shown.append((panel, context))
    return shown
