"""Pages: the roles a user may see, a form to grant one and a button to revoke each.

Thin: the list reads through :mod:`kaohe.core.access`; granting and revoking go to
:func:`kaohe.accounts.services.do_grant_role` and :func:`~kaohe.accounts.services.do_revoke_role`,
which decide who may hand out what, audit, and whose bilingual refusals are shown as messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaohe.audit.services import Actor
from kaohe.core.access import ADMIN, restrict, scope_of
from kaohe.orgunits.models import OrgUnit

from .models import Membership, Role
from .services import RoleError, do_grant_role, do_revoke_role


def may_manage_roles(user: Any) -> bool:
    """Whether ``user`` administers any unit at all (and so may open the roles page)."""
    scope = scope_of(user)
    return scope.everything or bool(scope.paths(ADMIN))


def _require_manager(request: HttpRequest) -> None:
    if not may_manage_roles(request.user):
        raise PermissionDenied


def visible_memberships(user: Any) -> QuerySet[Membership]:
    return restrict(Membership.objects.select_related("user", "unit"), user).order_by(
        "user__username", "role", "unit__path"
    )


def find_grant_target(username: str, unit_code: str) -> tuple[Any, OrgUnit]:
    """The user and unit a grant names; RoleError (bilingual) when either does not exist."""
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is None:
        raise RoleError(_("没有这个用户 / no such user"))
    unit = OrgUnit.objects.filter(code=unit_code.strip()).first()
    if unit is None:
        raise RoleError(_("没有这个单位 / no such unit"))
    return user, unit


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    rows = visible_memberships(request.user)
    revocable = set(
        restrict(Membership.objects.all(), request.user, ADMIN).values_list("pk", flat=True)
    )
    return render(
        request,
        "accounts/roles.html",
        {
            "rows": [(m, m.pk in revocable) for m in rows],
            "roles": Role.choices,
            "values": {k: request.GET.get(k, "") for k in ("username", "role", "unit")},
        },
    )


@require_POST
@login_required
def grant(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    try:
        user, unit = find_grant_target(
            request.POST.get("username", ""), request.POST.get("unit", "")
        )
        membership = do_grant_role(
            Actor.from_request(request), user, request.POST.get("role", ""), unit
        )
    except (RoleError, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("已授予 {user}：{role} @ {unit} / granted").format(
                user=user.get_username(), role=membership.get_role_display(), unit=unit.code
            ),
        )
    return redirect(reverse("accounts:index"))


@require_POST
@login_required
def revoke(request: HttpRequest, membership_id: int) -> HttpResponse:
    _require_manager(request)
    membership = visible_memberships(request.user).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    try:
        do_revoke_role(
            Actor.from_request(request), membership.user, membership.role, membership.unit
        )
    except (RoleError, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("已撤销 {user}：{role} @ {unit} / revoked").format(
                user=membership.user.get_username(),
                role=membership.get_role_display(),
                unit=membership.unit.code,
            ),
        )
    return redirect(reverse("accounts:index"))
