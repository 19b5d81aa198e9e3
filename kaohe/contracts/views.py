"""Pages of contracts: a township's table, one contract (targets grid, signatories, signing,
amending, its versions) and its Word print.

Thin: they read through :mod:`kaohe.contracts.selectors` (which go through
:mod:`kaohe.core.access`), hand every change to :mod:`kaohe.contracts.services` and show its
message in the page's language. A contract the user may not see is answered 404; one they see
but may not administer (its township's administrators draw up and sign) is shown read-only, and
a write to it is answered 403.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.audit.services import Actor
from kaohe.core.access import may_administer, restrict
from kaohe.orgunits.models import Official

from .errors import ContractError, TargetErrors
from .forms import (
    AMEND_PREFIX,
    TARGET_PREFIX,
    AmendForm,
    ChooseForm,
    SignatoryForm,
    SignForm,
    read_targets,
)
from .models import Contract, ContractStatus
from .printing import DOCX, contract_docx, contract_filename, contract_title
from .roles import candidates, first_names, label_for, signing_roles
from .selectors import (
    TargetRow,
    in_page_language,
    overview,
    target_rows,
    versions_of,
    visible_contracts,
)
from .services import (
    do_add_signatory,
    do_amend,
    do_generate_contracts,
    do_remove_signatory,
    do_set_targets,
    do_sign,
)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    contract = visible_contracts(request.user).filter(pk=contract_id).first()
    if contract is None:
        raise Http404
    return contract


def _administered(request: HttpRequest, contract_id: int) -> Contract:
    """A contract the user sees (else 404) and administers (else 403)."""
    contract = _contract(request, contract_id)
    if not may_administer(request.user, contract.unit):
        raise PermissionDenied
    return contract


def _refused(request: HttpRequest, error: ContractError | PermissionDenied) -> None:
    messages.error(request, in_page_language(str(error)))


# --- the township's table -------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Choose a scheme, year and township; the units with their contracts below."""
    user = request.user
    year = timezone.localdate().year
    chosen = ChooseForm(request.GET or None, user=user, initial={"year": year})
    if not request.GET:
        # Until one is chosen: the latest year the user has contracts of (village schemes
        # first: "village" sorts last), else the first published scheme, this year and the first
        # township.
        latest = (
            restrict(Contract.objects.all(), user)
            .select_related("unit__parent")
            .order_by("-year", "-unit__kind", "scheme__code")
            .first()
        )
        scheme = chosen.fields["scheme"].queryset.first()  # type: ignore[attr-defined]
        township = chosen.fields["township"].queryset.first()  # type: ignore[attr-defined]
        if latest is not None and latest.unit.parent is not None:
            scheme, year, township = latest.scheme, latest.year, latest.unit.parent
        if scheme is not None and township is not None:
            chosen = ChooseForm(
                {"scheme": scheme.pk, "year": year, "township": township.code}, user=user
            )
    table = None
    if chosen.is_bound and chosen.is_valid():
        data = chosen.cleaned_data
        table = overview(data["scheme"], data["year"], data["township"], user)
    return render(
        request,
        "contracts/index.html",
        {
            "choose": chosen,
            "table": table,
            "may_generate": table is not None and may_administer(user, table.township),
        },
    )


@require_POST
@login_required
def generate(request: HttpRequest) -> HttpResponse:
    """Draft a contract for each unit of the township that has none (township administrators)."""
    chosen = ChooseForm(request.POST, user=request.user)
    if not chosen.is_valid():
        raise Http404
    data = chosen.cleaned_data
    if not may_administer(request.user, data["township"]):
        raise PermissionDenied
    back = (
        reverse("contracts:index")
        + "?"
        + urlencode(
            {"scheme": data["scheme"].pk, "year": data["year"], "township": data["township"].code}
        )
    )
    try:
        outcome = do_generate_contracts(
            data["scheme"], data["year"], data["township"], Actor.from_request(request)
        )
    except ContractError as error:
        _refused(request, error)
        return redirect(back)
    messages.success(
        request,
        _("已起草 {created} 份责任书；{skipped} 个单位已有责任书，未改动").format(
            created=len(outcome.created), skipped=len(outcome.skipped)
        ),
    )
    return redirect(back)


# --- one contract ---------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    contract: Contract,
    *,
    rows: list[TargetRow] | None = None,
    amend_rows: list[TargetRow] | None = None,
    sign_form: SignForm | None = None,
    signatory_form: SignatoryForm | None = None,
    amend_form: AmendForm | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    administers = may_administer(request.user, contract.unit)
    draft = contract.status == ContractStatus.DRAFT
    signed = contract.status == ContractStatus.SIGNED
    roles = signing_roles(contract.scheme)
    versions = versions_of(contract, request.user)
    newer = next((v for v in versions if v.version > contract.version), None)
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "title": contract_title(contract),
            "township": contract.unit.parent,
            "rows": rows if rows is not None else target_rows(contract),
            "amend_rows": amend_rows if amend_rows is not None else target_rows(contract),
            "editable": administers and draft,
            "may_amend": administers and signed,
            "signatories": contract.signatories.select_related("official", "official__unit"),
            "candidates": candidates(contract) if administers and draft else [],
            "role_labels": list(dict.fromkeys(r.name for r in roles)),
            "first_names": first_names(roles),
            "sign_form": sign_form or SignForm(),
            "signatory_form": signatory_form or SignatoryForm(),
            "amend_form": amend_form or AmendForm(),
            "errors": errors or {},
            "versions": versions,
            "newer": newer,
        },
        status=status,
    )


@login_required
@require_GET
def detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _detail(request, _contract(request, contract_id))


def _apply_problems(rows: list[TargetRow], error: ContractError) -> None:
    problems = error.problems if isinstance(error, TargetErrors) else {}
    for row in rows:
        if row.item.code in problems:
            row.error = in_page_language(problems[row.item.code])


@require_POST
@login_required
def targets(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Save the whole targets grid of a draft: every value, or none and each problem beside
    its field."""
    contract = _administered(request, contract_id)
    rows = target_rows(contract)
    values = read_targets(request.POST, rows, TARGET_PREFIX)
    if any(row.error for row in rows):
        return _detail(request, contract, rows=rows, status=422)
    try:
        saved = do_set_targets(contract, values, Actor.from_request(request))
    except ContractError as error:
        _apply_problems(rows, error)
        general = "" if isinstance(error, TargetErrors) else in_page_language(str(error))
        return _detail(request, contract, rows=rows, errors={"targets": general}, status=422)
    messages.success(request, _("目标已保存"))
    return redirect("contracts:detail", saved.pk)


@require_POST
@login_required
def target(request: HttpRequest, contract_id: int, item: str) -> HttpResponse:
    """Save one target of a draft (a cell of the grid, sent as it is left); answers the cell."""
    contract = _administered(request, contract_id)
    row = next((r for r in target_rows(contract) if r.item.code == item), None)
    if row is None:
        raise Http404
    values = read_targets(request.POST, [row], TARGET_PREFIX)
    status = 422
    if not row.error and values:
        try:
            do_set_targets(contract, values, Actor.from_request(request))
        except ContractError as error:
            _apply_problems([row], error)
            row.error = row.error or in_page_language(str(error))
        else:
            row.value, row.text, row.saved, status = values[item], "", True, 200
    elif not row.error:
        status = 200  # nothing typed: the target stays as it was
    if not _htmx(request):
        if row.error:
            messages.error(request, row.error)
        return redirect("contracts:detail", contract.pk)
    return render(
        request,
        "contracts/_target_cell.html",
        {"row": row, "contract": contract, "editable": True},
        status=status,
    )


@require_POST
@login_required
def add_signatory(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _administered(request, contract_id)
    posted = SignatoryForm(request.POST)
    if not posted.is_valid():
        return _detail(request, contract, signatory_form=posted, status=422)
    code = posted.cleaned_data["official"].strip()
    official = restrict(Official.objects.all(), request.user).filter(code=code).first()
    if official is None:
        posted.add_error("official", _("没有这个责任人 / no such official"))
        return _detail(request, contract, signatory_form=posted, status=422)
    label = posted.cleaned_data["role"].strip() or label_for(contract.scheme, official)
    try:
        do_add_signatory(contract, official, label, Actor.from_request(request))
    except ContractError as error:
        field = "role" if error.field == "role" else "official"
        posted.add_error(field, in_page_language(str(error)))
        return _detail(request, contract, signatory_form=posted, status=422)
    messages.success(request, _("已添加签订人 {name}").format(name=official.name))
    return redirect("contracts:detail", contract.pk)


@require_POST
@login_required
def remove_signatory(request: HttpRequest, contract_id: int, official: str) -> HttpResponse:
    contract = _administered(request, contract_id)
    person = contract.signatories.filter(official__code=official).select_related("official")
    found = person.first()
    if found is None:
        raise Http404
    try:
        do_remove_signatory(contract, found.official, Actor.from_request(request))
    except ContractError as error:
        _refused(request, error)
    else:
        messages.success(request, _("已移除签订人 {name}").format(name=found.official.name))
    return redirect("contracts:detail", contract.pk)


@require_POST
@login_required
def sign(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _administered(request, contract_id)
    posted = SignForm(request.POST)
    if not posted.is_valid():
        return _detail(request, contract, sign_form=posted, status=422)
    try:
        do_sign(contract, posted.cleaned_data["signed_on"], Actor.from_request(request))
    except ContractError as error:
        return _detail(
            request, contract, sign_form=posted, errors={"sign": in_page_language(str(error))},
            status=422,
        )  # fmt: skip
    messages.success(request, _("责任书已签订"))
    return redirect("contracts:detail", contract.pk)


@require_POST
@login_required
def amend(request: HttpRequest, contract_id: int) -> HttpResponse:
    """A new signed version with the changed targets and the reason; the old one is kept."""
    contract = _administered(request, contract_id)
    rows = target_rows(contract)
    posted = AmendForm(request.POST)
    changes = read_targets(request.POST, rows, AMEND_PREFIX, only_changed=True)
    if not posted.is_valid() or any(row.error for row in rows):
        return _detail(request, contract, amend_rows=rows, amend_form=posted, status=422)
    try:
        amended = do_amend(
            contract,
            changes,
            posted.cleaned_data["reason"],
            Actor.from_request(request),
            posted.cleaned_data["signed_on"],
        )
    except ContractError as error:
        _apply_problems(rows, error)
        if not isinstance(error, TargetErrors):
            field = {"amendment_reason": "reason", "signed_on": "signed_on"}.get(error.field)
            if field:
                posted.add_error(field, in_page_language(str(error)))
            else:
                return _detail(
                    request, contract, amend_rows=rows, amend_form=posted,
                    errors={"amend": in_page_language(str(error))}, status=422,
                )  # fmt: skip
        return _detail(request, contract, amend_rows=rows, amend_form=posted, status=422)
    messages.success(
        request, _("已修订：第 {version} 版已签订，旧版本保留").format(version=amended.version)
    )
    return redirect("contracts:detail", amended.pk)


@login_required
@require_GET
def print_docx(request: HttpRequest, contract_id: int) -> HttpResponse:
    """The contract as a Word document, to print and sign."""
    contract = _contract(request, contract_id)
    response = HttpResponse(contract_docx(contract), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=contract_filename(contract)
    )
    return response
