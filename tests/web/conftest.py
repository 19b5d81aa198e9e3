"""Pages are tested against the demo township, built once per module (see tests/assessments)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.assessments.conftest import demo_runs  # noqa: F401  (a fixture, used by name)


@pytest.fixture
def clerk_client(db: None) -> Client:
    """A logged-in client that may read every result. Who may see what is tested in
    tests/assessments; these tests are about what the pages load and say."""
    clerk = User.objects.create_superuser("clerk", password="x-long-password-1")
    client = Client()
    client.force_login(clerk)
    return client
