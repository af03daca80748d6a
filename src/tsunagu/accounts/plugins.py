"""Authentication plugins: a typed registry, so the My Number Card login (デジタル認証アプリ),
a generic OIDC provider and the demo login are interchangeable.

A plugin turns a login request into a verified ``Identity``; ``accounts.services`` then
finds or creates the resident and logs them in. Tests build their own ``Registry``.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise

from tsunagu.procedures.schema import Assurance


@dataclass(frozen=True)
class Identity:
    """What a login tells about a person; ``verified`` names the fields it vouches for."""

    provider: str
    subject: str
    assurance: Assurance
    name_sei: str
    name_mei: str
    kana_sei: str = ""
    kana_mei: str = ""
    birth_date: dt.date | None = None
    gender: str = "unknown"
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    verified: tuple[str, ...] = field(default_factory=tuple)


class AuthPlugin(ABC):
    """Base class. ``start`` begins a login; the plugin's own views finish it."""

    id: ClassVar[str]
    # The button label on the login page (a lazy translation: msgid in Japanese).
    label: ClassVar[str | Promise]
    # The strongest assurance this plugin can give.
    assurance: ClassVar[Assurance]

    def check_config(self) -> list[str]:
        """Problems with this plugin's configuration (empty when usable)."""
        return []

    def enabled(self) -> bool:
        return True

    @abstractmethod
    def start(self, request: HttpRequest, next_url: str) -> HttpResponse:
        """Begin a login; ``next_url`` is where the resident goes afterwards."""


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[str, AuthPlugin] = {}

    def register(self, plugin_id: str) -> Callable[[type[AuthPlugin]], type[AuthPlugin]]:
        def wrap(cls: type[AuthPlugin]) -> type[AuthPlugin]:
            if plugin_id in self._plugins:
                raise ValueError(f"authentication plugin {plugin_id!r} registered twice")
            cls.id = plugin_id
            self._plugins[plugin_id] = cls()
            return cls

        return wrap

    def get(self, plugin_id: str) -> AuthPlugin | None:
        plugin = self._plugins.get(plugin_id)
        if plugin is None or plugin_id not in settings.TSUNAGU_AUTH_PLUGINS:
            return None
        return plugin if plugin.enabled() else None

    def available(self) -> list[AuthPlugin]:
        out = []
        for pid in settings.TSUNAGU_AUTH_PLUGINS:
            plugin = self.get(pid)
            if plugin is not None:
                out.append(plugin)
        return out


registry = Registry()
