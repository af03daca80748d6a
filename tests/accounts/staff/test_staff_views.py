"""The shared layout on staff pages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_staff_pages_do_not_offer_the_resident_login(client: Client) -> None:
    # The header's resident account links are left out (the page itself may point
    # residents to their own login).
    assert 'class="account-nav"' not in client.get("/staff/login/").content.decode()
    assert 'class="account-nav"' in client.get("/").content.decode()
