"""The one place that decides who may see and touch what.

A user holds roles (:class:`kaohe.accounts.models.Membership`), each over one organisation unit
and everything under it. :func:`scope_of` turns them into a :class:`Scope` once per request;
:func:`restrict` narrows any queryset to the rows the user may see or touch; :func:`require` and
the ``may_*`` helpers answer for one object. Every list, detail, export and API endpoint goes
through these, and so does every service that writes on behalf of a person.

Actions: ``view`` (read), ``change`` (enter figures; for configuration and computed rows: edit),
``review`` (approve and return submissions) and ``admin`` (run assessments, manage roles).

| role            | view                         | change        | review  | admin   |
|-----------------|------------------------------|---------------|---------|---------|
| system_admin    | everything, audit log        | everything    | all     | all     |
| township_admin  | subtree                      | subtree       | subtree | subtree |
| reviewer        | subtree                      | —             | subtree | —       |
| reporter        | own unit                     | own figures   | —       | —       |
| county_viewer   | subtree                      | —             | —       | —       |
| auditor         | subtree, whole audit log     | —             | —       | —       |

Configuration (elements, data sets, periods, indicators, schemes and their parts) is readable by
any user holding a role and changed only by system administrators (a scheme version may also be
published, edited as a draft or copied by a township administrator whose township holds every
unit it assesses: :func:`may_manage_schemes`). Superusers are system administrators. The audit log is never changed through here, by anybody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from kaohe.accounts.models import Membership, Role

M = TypeVar("M", bound=Model)

VIEW = "view"
CHANGE = "change"
REVIEW = "review"
ADMIN = "admin"
ACTIONS = (VIEW, CHANGE, REVIEW, ADMIN)
# The names other modules imported before roles existed.
READ = VIEW

# Which roles grant which action over their subtree. System administrators hold every action
# everywhere and are not listed.
ROLES_FOR: Mapping[str, frozenset[str]] = {
    VIEW: frozenset(
        {Role.TOWNSHIP_ADMIN, Role.REVIEWER, Role.REPORTER, Role.COUNTY_VIEWER, Role.AUDITOR}
    ),
    CHANGE: frozenset({Role.TOWNSHIP_ADMIN, Role.REPORTER}),
    REVIEW: frozenset({Role.TOWNSHIP_ADMIN, Role.REVIEWER}),
    ADMIN: frozenset({Role.TOWNSHIP_ADMIN}),
}

# Rows that belong to a unit, with the lookup of that unit's path and the action a "change"
# needs: a reporter enters the figures of their unit, but may not edit its quota, officials,
# results or roles.
_BY_UNIT_PATH: Mapping[str, tuple[str, str]] = {
    "orgunits.OrgUnit": ("path", CHANGE),
    "datavalues.DataValue": ("unit__path", CHANGE),
    "orgunits.Official": ("unit__path", ADMIN),
    "schemes.UnitTarget": ("unit__path", ADMIN),
    # A birth plan is the township's: seen with the township, applied by its administrators.
    "schemes.BirthPlan": ("township__path", ADMIN),
    "assessments.UnitResult": ("unit__path", ADMIN),
    "assessments.ItemResult": ("unit_result__unit__path", ADMIN),
    "assessments.IndicatorValue": ("unit__path", ADMIN),
    "accounts.Membership": ("unit__path", ADMIN),
    # Submitting needs "change" over the unit; approving and returning "review"; unlocking
    # "admin" (may_administer).
    "submissions.Submission": ("unit__path", CHANGE),
    "submissions.SubmissionEvent": ("submission__unit__path", CHANGE),
    # Contracts are drawn up and signed by the township: every change needs "admin".
    "contracts.Contract": ("unit__path", ADMIN),
    "contracts.ContractTarget": ("contract__unit__path", ADMIN),
    "contracts.ContractSignatory": ("contract__unit__path", ADMIN),
    # Weak units and their remediation are seen with the unit, managed by its township.
    "remediation.Designation": ("unit__path", ADMIN),
    "remediation.RemediationPlan": ("designation__unit__path", ADMIN),
    "remediation.ProgressEntry": ("plan__designation__unit__path", ADMIN),
    "remediation.AcceptanceCheck": ("plan__designation__unit__path", ADMIN),
    # An appeal is filed by whoever enters the unit's figures ("change"), decided by "review".
    "appeals.Appeal": ("unit__path", CHANGE),
    "appeals.AppealEvent": ("appeal__unit__path", CHANGE),
    # Money is seen with its unit; approving needs "review", paying and reversing "admin".
    "rewards.LedgerEntry": ("unit__path", ADMIN),
    # A min–max range is seen with its unit and set (by hand or generated) by its township.
    "quality.MinMaxRange": ("unit__path", ADMIN),
    # Validation: a run is seen with its township and its results with their unit; marking a
    # result for follow-up needs "review" over the unit (running one: may_review the township).
    "validation.ValidationRun": ("township__path", REVIEW),
    "validation.ValidationResult": ("unit__path", REVIEW),
    # A township's own forecast assumptions: seen with the township, set by its administrators.
    "forecasts.TownshipAssumptions": ("township__path", ADMIN),
    # A push upward is seen with its township and started by its administrators (a push of
    # every unit, township empty, is the system administrators').
    "levels.PushLog": ("township__path", ADMIN),
    "levels.PushBatch": ("log__township__path", ADMIN),
    # A cross-check figure is seen with the unit it is about (the village of residence) and
    # entered by its township; a department's members enter their own source's figures through
    # kaohe.checks.reach, which widens this for them.
    "checks.SourceValue": ("unit__path", ADMIN),
}

# Rows that belong to no unit: anybody with a role reads them, system administrators change them.
_CONFIGURATION = frozenset(
    {
        "elements.DataElement",
        "elements.DataSet",
        "elements.DataSetElement",
        "datavalues.Period",
        "schemes.Indicator",
        "schemes.Scheme",
        "schemes.Constant",
        "schemes.ScoringItem",
        "schemes.Veto",
        "schemes.GradeBand",
        "validation.ValidationRule",
        "checks.Source",
        "interop.ExternalId",
        "interop.CategoryComboMapping",
    }
)

_AUDIT = "audit.AuditEntry"
_RUN = "assessments.AssessmentRun"
_CACHE_ATTRIBUTE = "_kaohe_scope"


@dataclass(frozen=True)
class Scope:
    """What one user may reach: everything, or per action the paths of the subtrees."""

    everything: bool = False
    roles: frozenset[str] = frozenset()
    by_action: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_role(self) -> bool:
        return self.everything or bool(self.roles)

    @property
    def reads_audit(self) -> bool:
        return self.everything or Role.AUDITOR in self.roles

    def paths(self, action: str) -> tuple[str, ...]:
        """The roots (as materialised paths) of the subtrees where ``action`` is allowed."""
        return self.by_action.get(_checked(action), ())

    def covers(self, action: str, path: str) -> bool:
        """Whether ``action`` is allowed on the unit with this materialised path."""
        return self.everything or any(path.startswith(p) for p in self.paths(action))


NOBODY = Scope()


def _checked(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    return action


def _outermost(paths: Iterable[str]) -> tuple[str, ...]:
    """The paths that are not inside another one (paths end in "/", so a subtree sorts as one
    contiguous block right after its root)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


def scope_of(user: Any) -> Scope:
    """The union of ``user``'s roles, read once and kept on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    if not getattr(user, "is_active", False):
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, Scope):
        return cached
    by_role: dict[str, list[str]] = {}
    for role, path in Membership.objects.filter(user=user).values_list("role", "unit__path"):
        by_role.setdefault(role, []).append(path)
    everything = bool(user.is_superuser) or Role.SYSTEM_ADMIN in by_role
    by_action = {
        action: _outermost(p for role in roles if role in by_role for p in by_role[role])
        for action, roles in ROLES_FOR.items()
    }
    scope = Scope(everything=everything, roles=frozenset(by_role), by_action=by_action)
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the scope kept on ``user`` (after its roles changed)."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _under(lookup: str, paths: tuple[str, ...]) -> Q | None:
    """Rows whose unit path starts with one of ``paths``, letter case included.

    SQLite's LIKE ignores case, so the indexed prefix match alone would take unit ``va01`` for
    part of ``VA01``'s subtree; comparing the prefix with = (case-sensitive everywhere) rules it
    out."""
    condition: Q | None = None
    for path in paths:
        prefix = Substr(F(lookup), 1, len(path))
        one = Q(**{f"{lookup}__startswith": path}) & Q(Exact(prefix, Value(path)))
        condition = one if condition is None else condition | one
    return condition


def restrict(queryset: QuerySet[M], user: Any, action: str = VIEW) -> QuerySet[M]:
    """``queryset`` narrowed to the rows ``user`` may ``action``.

    Raises ImproperlyConfigured for a model it has not been taught: a new model must be added
    here before any page or endpoint can show it.
    """
    _checked(action)
    scope = scope_of(user)
    label = queryset.model._meta.label
    if label in _CONFIGURATION:
        allowed = scope.has_role if action == VIEW else scope.everything
        return queryset if allowed else queryset.none()
    if label == _AUDIT:
        # Township administrators do not read it: an entry names its object by a free-form key,
        # so which subtree it belongs to cannot be told by a query.
        return queryset if action == VIEW and scope.reads_audit else queryset.none()
    if label == _RUN:
        return _restrict_runs(queryset, scope, action)
    if label in _BY_UNIT_PATH:
        if scope.everything:
            return queryset
        lookup, change_needs = _BY_UNIT_PATH[label]
        condition = _under(lookup, scope.paths(change_needs if action == CHANGE else action))
        if label == "accounts.Membership" and action == VIEW and scope is not NOBODY:
            own = Q(user=user)  # everyone sees their own roles
            condition = own if condition is None else condition | own
        return queryset.none() if condition is None else queryset.filter(condition)
    raise ImproperlyConfigured(
        f"kaohe.core.access.restrict does not know who may see {label}; teach it first"
    )


def _restrict_runs(queryset: QuerySet[M], scope: Scope, action: str) -> QuerySet[M]:
    """A run is seen by whoever sees its root or any of its results (a reporter: the runs that
    assessed their unit; they still see only their own unit's results). Changing, reviewing
    or starting a run needs that right over its root; a run of the whole tree is the system
    administrators'."""
    if scope.everything:
        return queryset
    if action == VIEW:
        paths = scope.paths(VIEW)
        if not paths:
            return queryset.none()
        from kaohe.assessments.models import UnitResult

        results = UnitResult.objects.filter(run=OuterRef("pk")).filter(_under("unit__path", paths))
        return queryset.filter(_under("root__path", paths) | Exists(results))  # type: ignore[operator]
    condition = _under("root__path", scope.paths(REVIEW if action == REVIEW else ADMIN))
    return queryset.none() if condition is None else queryset.filter(condition)


def may(user: Any, action: str, obj: Model) -> bool:
    """Whether ``user`` may ``action`` the one row ``obj`` (through :func:`restrict`)."""
    from kaohe.orgunits.models import OrgUnit

    if isinstance(obj, OrgUnit):
        needs = _BY_UNIT_PATH["orgunits.OrgUnit"][1] if action == CHANGE else _checked(action)
        return scope_of(user).covers(needs, obj.path)
    if obj.pk is None:
        return False
    manager = type(obj)._default_manager
    return restrict(manager.filter(pk=obj.pk), user, action).exists()


def require(user: Any, action: str, obj: Model) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` ``obj``."""
    if not may(user, action, obj):
        raise PermissionDenied


def can_read_all(user: Any) -> bool:
    """Whether ``user`` is a system administrator (sees and changes everything)."""
    return scope_of(user).everything


def may_read_audit(user: Any) -> bool:
    """Whether ``user`` may read and export the audit log."""
    return scope_of(user).reads_audit


def may_change(user: Any, unit: Any) -> bool:
    """Whether ``user`` may enter and submit the figures of ``unit`` (an OrgUnit)."""
    return scope_of(user).covers(CHANGE, unit.path)


def may_review(user: Any, unit: Any) -> bool:
    """Whether ``user`` may approve and return the submissions of ``unit``."""
    return scope_of(user).covers(REVIEW, unit.path)


def may_administer(user: Any, unit: Any) -> bool:
    """Whether ``user`` may manage roles and settings over ``unit``'s subtree."""
    return scope_of(user).covers(ADMIN, unit.path)


def may_manage_schemes(user: Any, scheme: Any) -> bool:
    """Whether ``user`` may publish ``scheme``, edit it (a draft) or make a new version of it.

    A scheme is a rule shared by every unit of its kinds: system administrators manage any;
    a township administrator only one whose units (every unit of its kinds, open or closed)
    all lie inside the township, so nobody changes the rules another township is scored by.
    """
    scope = scope_of(user)
    if scope.everything:
        return True
    paths = scope.paths(ADMIN)
    if not paths:
        return False
    from kaohe.orgunits.models import OrgUnit

    units = OrgUnit.objects.all()
    if scheme.unit_kinds:
        units = units.filter(kind__in=list(scheme.unit_kinds))
    inside = _under("path", paths)
    return units.exists() and not units.exclude(inside).exists()  # type: ignore[arg-type]


def may_run_assessments(user: Any, root: Any | None) -> bool:
    """Whether ``user`` may assess the units under ``root`` (``None``: the whole tree)."""
    scope = scope_of(user)
    if scope.everything:
        return True
    return root is not None and scope.covers(ADMIN, root.path)
