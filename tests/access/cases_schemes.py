"""Rows of the permission matrix for the scheme pages and the scheme API's actions (see
test_matrix.py).

The world's scheme ACCESS assesses the villages of both townships, so only system
administrators manage it; everyone holding a role reads it. Rows that need a second version make
it (a draft copy, with village A's target changed so that the comparison names village A; the
test's transaction rolls it back)."""

from __future__ import annotations

from django.urls import reverse

from kaohe.audit.services import Actor
from kaohe.schemes.models import Scheme, SchemeStatus, UnitTarget
from kaohe.schemes.versions import do_new_version

from .conftest import World
from .matrix import LOGGED_IN, SYSTEM, WITH_A_ROLE, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
# Managing: system administrators; other readers are refused, a user without a role sees nothing.
MANAGE_PAGE = {**page(SYSTEM, refused=403), "no_role": 404}
# A published version's edit page sends its managers back to the version, which says why.
MANAGE_PUBLISHED = {**MANAGE_PAGE, **dict.fromkeys(SYSTEM, 302)}


def _first(w: World) -> int:
    return w.run_all.scheme_id


def _published(w: World) -> int:
    """Version 1 of ACCESS, published (other rows may have published it already)."""
    Scheme.objects.filter(pk=_first(w)).update(status=SchemeStatus.PUBLISHED)
    return _first(w)


def _draft(w: World) -> int:
    """Version 2 of ACCESS, a draft, with village A's 2006 plan changed."""
    scheme = Scheme.objects.filter(code="ACCESS", version=2).first()
    if scheme is None:
        scheme = do_new_version(Scheme.objects.get(pk=_first(w)), Actor.cli("pytest"))
        UnitTarget.objects.filter(item__scheme=scheme, unit__code="VA01").update(value=99)
    Scheme.objects.filter(pk=scheme.pk).update(status=SchemeStatus.DRAFT)
    return scheme.pk


CASES = [
    # --- pages ---
    Case("schemes:index", lambda w: reverse("schemes:index"), page(LOGGED_IN)),
    Case(
        "schemes:index",
        lambda w: (_draft(w), reverse("schemes:index"))[1],
        page(LOGGED_IN),
    ),
    Case(
        "schemes:detail", lambda w: reverse("schemes:detail", args=[_first(w)]), page(WITH_A_ROLE)
    ),
    Case(
        "schemes:detail", lambda w: reverse("schemes:detail", args=[_draft(w)]), page(WITH_A_ROLE)
    ),
    Case("schemes:edit", lambda w: reverse("schemes:edit", args=[_draft(w)]), MANAGE_PAGE),
    Case("schemes:edit", lambda w: reverse("schemes:edit", args=[_published(w)]), MANAGE_PUBLISHED),
    *(
        Case(
            f"schemes:{name}",
            lambda w, n=name: reverse(f"schemes:{n}", args=[_draft(w)]),
            POST_ONLY_PAGE,
        )
        for name in ("publish", "new-version", "run")
    ),
    Case(
        "schemes:diff",
        lambda w: reverse("schemes:diff", args=[_first(w), _draft(w)]),
        page(WITH_A_ROLE),
    ),
    # --- the API ---
    *(
        Case(
            f"scheme-{name}",
            lambda w, n=name: reverse(f"scheme-{n}", args=[_draft(w)]),
            POST_ONLY_API,
        )
        for name in ("publish", "new-version", "edit")
    ),
    Case(
        "scheme-diff",
        lambda w: reverse("scheme-diff", args=[_first(w), _draft(w)]),
        api(WITH_A_ROLE),
    ),
]
