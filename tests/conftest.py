"""Fixtures for every test package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A page asked for in English leaves English active in the thread (the locale middleware
    activates the request's language and nothing resets it): put the default language back, so
    no test's messages depend on which test ran before it."""
    yield
    translation.deactivate()
