"""Starting an assessment run from a scheme version's page.

The form names a year, optionally the unit whose subtree is assessed, and — once the page has
been told that the year lies outside the years the scheme or one of its indicators is valid
for — the reason to use it anyway. Who may start which run is the API's rule
(:func:`kaohe.core.access.may_run_assessments`); the run itself is
:func:`kaohe.assessments.services.do_run_assessment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import AssessmentError, do_run_assessment
from kaohe.audit.services import Actor
from kaohe.core.access import ADMIN, may_run_assessments, restrict
from kaohe.engine.assess import SchemeError
from kaohe.orgunits.models import OrgUnit

from .models import Scheme
from .validity import ValidityError

YEARS = (1900, 2999)


class RunRefused(ValueError):
    """A run that did not start; ``validity`` when a reason to go beyond the years would do."""

    def __init__(self, problems: list[str], *, validity: bool = False) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.validity = validity


@dataclass(frozen=True)
class RunRequest:
    """What the run form sent (as text, shown again when the run is refused)."""

    year: str = ""
    root: str = ""
    reason: str = ""

    @classmethod
    def from_form(cls, post: Any) -> RunRequest:
        return cls(
            year=str(post.get("year", "")).strip(),
            root=str(post.get("root", "")).strip(),
            reason=str(post.get("override_validity", "")).strip(),
        )


def start_run(request: HttpRequest, scheme: Scheme, wanted: RunRequest) -> AssessmentRun:
    """Assess ``scheme`` as the form asks; RunRefused (bilingual problems) when it cannot."""
    low, high = YEARS
    if not wanted.year.isdigit() or not low <= int(wanted.year) <= high:
        raise RunRefused(
            [
                _("年度应为 {low}–{high} 的年份 / the year must be {low}–{high}").format(
                    low=low, high=high
                )
            ]
        )
    root = None
    if wanted.root:
        # Among the units the user administers: another township's unit is refused exactly like
        # one that does not exist.
        root = restrict(OrgUnit.objects.all(), request.user, ADMIN).filter(code=wanted.root).first()
        if root is None:
            raise PermissionDenied
    if not may_run_assessments(request.user, root):
        raise PermissionDenied
    try:
        return do_run_assessment(
            scheme,
            int(wanted.year),
            actor=Actor.from_request(request),
            root=root,
            override_validity=wanted.reason,
        )
    except ValidityError as error:
        raise RunRefused(error.problems, validity=True) from error
    except SchemeError as error:
        raise RunRefused(error.problems) from error
    except AssessmentError as error:
        raise RunRefused([str(error)]) from error
