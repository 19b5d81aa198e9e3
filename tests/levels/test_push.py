"""Pushing approved figures upward, against a local DHIS2-compatible receiver that checks every
request against the published structure of a data value set."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from collections.abc import Iterator
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from kaohe.audit.models import AuditEntry
from kaohe.elements.models import DataElement
from kaohe.interop.models import ExternalId
from kaohe.interop.options import IdScheme
from kaohe.levels.dhis2 import endpoint, read_import_summary
from kaohe.levels.models import PushBatch, PushLog, PushStatus
from kaohe.levels.push import PushError, approved_values, do_push
from kaohe.levels.sending import Sender
from kaohe.orgunits.models import OrgUnit

from .conftest import ACTOR, FIGURES, NOT_APPROVED, County
from .dhis2_server import Canned, Receiver, running

pytestmark = pytest.mark.django_db

TOKEN = "d2pat_secret_token_for_the_test"
TOKEN_ENV = {"KAOHE_PUSH_TOKEN": TOKEN}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver(authorization=f"ApiToken {TOKEN}")) as server:
        yield server


class Sleeps:
    """Records each wait the sender asks for (and waits no time at all)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _approved_keys(township: str) -> set[tuple[str, str, str]]:
    keys = set()
    for unit, months in FIGURES.items():
        if not unit.startswith(township):
            continue
        for month in months:
            if (unit, month) not in NOT_APPROVED:
                keys |= {(e, month, unit) for e in ("BIRTHS", "BIRTHS_POLICY", "POPULATION")}
    return keys


def _push(county: County, receiver: Receiver, **options: object) -> PushLog:
    options.setdefault("township", county.townships["TA"])
    options.setdefault("environ", TOKEN_ENV)
    options.setdefault("sender", Sender(backoff=0.5, sleep=Sleeps()))
    return do_push(ACTOR, receiver.url, **options)  # type: ignore[arg-type]


def test_it_sends_exactly_the_approved_values_in_a_set_the_receiver_accepts(
    county: County, receiver: Receiver
) -> None:
    log = _push(county, receiver)

    assert receiver.problems == []
    assert {(k[0], k[1], k[2]) for k in receiver.stored} == _approved_keys("TA")
    assert receiver.stored[("BIRTHS", "202501", "TA_V1", "default", "default")] == "3"
    assert (
        "BIRTHS",
        "202502",
        "TA_V2",
        "default",
        "default",
    ) not in receiver.stored  # submitted only
    assert log.status == PushStatus.DONE
    assert (log.values, log.imported, log.updated, log.ignored) == (15, 15, 0, 0)


def test_each_value_carries_the_fields_of_a_dhis2_data_value(
    county: County, receiver: Receiver
) -> None:
    _push(county, receiver)

    body = json.loads(receiver.requests[0]["body"])
    first = body["dataValues"][0]
    assert set(first) == {
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "followup",
    }
    assert first["followup"] is False and isinstance(first["value"], str)
    assert first["categoryOptionCombo"] == first["attributeOptionCombo"] == "default"
    query = receiver.requests[0]["query"]
    assert query["importStrategy"] == ["CREATE_AND_UPDATE"]
    assert query["idScheme"] == query["dataElementIdScheme"] == ["CODE"]
    assert query["dryRun"] == ["false"]


def test_elements_and_units_go_by_the_uids_the_receiver_gave_them(
    county: County, receiver: Receiver
) -> None:
    for code, uid in (
        ("BIRTHS", "deBirths001"),
        ("BIRTHS_POLICY", "deBirthsPol"),
        ("POPULATION", "dePopulatio"),
    ):
        ExternalId.objects.create(
            kind="element", element=DataElement.objects.get(code=code), uid=uid
        )
    for code, uid in (("TA_V1", "ouJiaOne001"), ("TA_V2", "ouJiaTwo001")):
        ExternalId.objects.create(kind="unit", unit=OrgUnit.objects.get(code=code), uid=uid)

    log = _push(county, receiver, id_scheme=IdScheme.UID)

    assert receiver.problems == [] and log.id_scheme == "uid"
    assert receiver.requests[0]["query"]["orgUnitIdScheme"] == ["UID"]
    assert ("deBirths001", "202501", "ouJiaOne001", "HllvX50cXC0", "HllvX50cXC0") in (
        receiver.stored
    )


def test_a_push_by_uid_names_what_has_no_uid_and_sends_nothing(
    county: County, receiver: Receiver
) -> None:
    with pytest.raises(PushError) as refused:
        _push(county, receiver, id_scheme=IdScheme.UID)

    assert refused.value.field == "id_scheme" and "TA_V1" in str(refused.value)
    assert receiver.requests == [] and not PushLog.objects.exists()


def test_a_token_is_sent_as_an_api_token_header(county: County, receiver: Receiver) -> None:
    _push(county, receiver)

    assert receiver.requests[0]["headers"]["Authorization"] == f"ApiToken {TOKEN}"


def test_a_user_name_and_password_are_sent_as_basic_authentication(county: County) -> None:
    pair = base64.b64encode(b"county:pa:ss").decode()
    with running(Receiver(authorization=f"Basic {pair}")) as receiver:
        log = _push(
            county,
            receiver,
            environ={"KAOHE_PUSH_USER": "county", "KAOHE_PUSH_PASSWORD": "pa:ss"},
        )

    assert receiver.problems == []
    assert log.status == PushStatus.DONE and log.auth == "basic"


def test_values_go_in_batches_of_the_batch_size_each_logged_with_its_digest(
    county: County, receiver: Receiver
) -> None:
    log = _push(county, receiver, batch_size=4)

    sizes = [len(json.loads(r["body"])["dataValues"]) for r in receiver.requests]
    assert sizes == [4, 4, 4, 3]
    batches = list(log.batches.order_by("index"))
    assert [b.values for b in batches] == sizes
    assert [b.digest for b in batches] == [
        hashlib.sha256(r["body"]).hexdigest() for r in receiver.requests
    ]
    assert [b.imported for b in batches] == sizes
    assert log.batches_planned == 4 and log.imported == 15


def test_a_server_error_is_retried_with_exponential_backoff(
    county: County, receiver: Receiver
) -> None:
    receiver.canned = [Canned(503), Canned(502)]
    sleeps = Sleeps()

    log = _push(county, receiver, sender=Sender(backoff=0.5, sleep=sleeps))

    batch = log.batches.get()
    assert batch.attempts == 3 and batch.http_status == 200
    assert sleeps.waits == [0.5, 1.0]
    assert log.status == PushStatus.DONE and log.imported == 15


def test_a_retry_after_header_sets_the_wait(county: County, receiver: Receiver) -> None:
    receiver.canned = [Canned(503, headers={"Retry-After": "7"})]
    sleeps = Sleeps()

    _push(county, receiver, sender=Sender(backoff=0.5, sleep=sleeps))

    assert sleeps.waits == [7.0]


def test_a_server_still_failing_after_the_retries_stops_the_push(
    county: County, receiver: Receiver
) -> None:
    receiver.canned = [Canned(500)] * 3

    log = _push(county, receiver, batch_size=5, sender=Sender(retries=2, sleep=Sleeps()))

    assert len(receiver.requests) == 3  # one batch, three attempts, nothing after it
    assert log.status == PushStatus.FAILED
    assert "第 1 批失败" in log.message and "batch 1 failed" in log.message
    assert log.batches.get().attempts == 3


def test_a_conflict_is_not_retried_and_the_next_batch_is_still_sent(
    county: County, receiver: Receiver
) -> None:
    refused = {
        "httpStatusCode": 409,
        "status": "WARNING",
        "response": {
            "responseType": "ImportSummary",
            "status": "WARNING",
            "importCount": {"imported": 3, "updated": 0, "ignored": 1, "deleted": 0},
            "conflicts": [{"object": "TA_V1", "value": "Organisation unit not found"}],
        },
    }
    receiver.canned = [Canned(409, refused)]
    sleeps = Sleeps()

    log = _push(county, receiver, batch_size=4, sender=Sender(sleep=sleeps))

    first, *rest = log.batches.order_by("index")
    assert first.attempts == 1 and first.http_status == 409 and sleeps.waits == []
    assert first.conflicts == [{"object": "TA_V1", "value": "Organisation unit not found"}]
    assert [b.http_status for b in rest] == [200, 200, 200]
    assert log.status == PushStatus.FAILED and log.conflicts == 1
    assert (log.imported, log.ignored) == (3 + 11, 1)


def test_a_refused_sign_in_stops_the_push_at_once(county: County) -> None:
    with running(Receiver(authorization="ApiToken another")) as receiver:
        log = _push(county, receiver, batch_size=4)

    assert len(receiver.requests) == 1
    assert log.status == PushStatus.FAILED
    assert log.batches.get().http_status == 401


def test_pushing_again_sends_the_same_bytes_and_the_receiver_ignores_them(
    county: County, receiver: Receiver
) -> None:
    first = _push(county, receiver, batch_size=10)
    again = _push(county, receiver, batch_size=10)

    assert [b.digest for b in first.batches.order_by("index")] == [
        b.digest for b in again.batches.order_by("index")
    ]
    assert (again.imported, again.updated, again.ignored) == (0, 0, 15)
    assert again.status == PushStatus.DONE
    assert len(receiver.stored) == 15


def test_a_changed_value_is_counted_as_updated_by_the_receiver(
    county: County, receiver: Receiver
) -> None:
    _push(county, receiver)
    receiver.stored[("BIRTHS", "202501", "TA_V1", "default", "default")] = (
        "2"  # the county held another
    )

    again = _push(county, receiver)

    assert (again.imported, again.updated, again.ignored) == (0, 1, 14)


def test_a_dry_run_asks_the_receiver_to_check_without_saving(
    county: County, receiver: Receiver
) -> None:
    log = _push(county, receiver, dry_run=True)

    assert receiver.requests[0]["query"]["dryRun"] == ["true"]
    assert receiver.stored == {}
    assert log.dry_run and log.imported == 15


def test_start_and_end_keep_the_periods_between_them(county: County, receiver: Receiver) -> None:
    log = _push(county, receiver, start=date(2025, 1, 1), end=date(2025, 1, 31))

    assert {k[1] for k in receiver.stored} == {"202501"}
    assert log.values == 6


def test_without_approved_values_nothing_is_sent(county: County, receiver: Receiver) -> None:
    log = _push(county, receiver, start=date(2030, 1, 1))

    assert receiver.requests == []
    assert log.status == PushStatus.DONE and log.values == 0
    assert "nothing was sent" in log.message


def test_an_unreachable_server_fails_after_the_retries(county: County) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()

    log = do_push(
        ACTOR,
        f"http://127.0.0.1:{port}",
        township=county.townships["TA"],
        environ=TOKEN_ENV,
        sender=Sender(retries=2, backoff=0.25, sleep=sleeps, timeout=2),
    )

    batch = log.batches.get()
    assert batch.attempts == 3 and batch.http_status is None
    assert sleeps.waits == [0.25, 0.5]
    assert log.status == PushStatus.FAILED and "could not connect" in batch.error


def test_it_refuses_to_start_without_credentials_and_writes_nothing(
    county: County, receiver: Receiver
) -> None:
    with pytest.raises(PushError) as refused:
        _push(county, receiver, environ={})

    assert refused.value.field == "auth" and "KAOHE_PUSH_TOKEN" in str(refused.value)
    assert not PushLog.objects.exists() and receiver.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://county.example/", "https://user:secret@county.example/", "county.example"]
)
def test_it_refuses_a_destination_that_is_not_a_plain_http_url(county: County, url: str) -> None:
    with pytest.raises(PushError) as refused:
        do_push(ACTOR, url, township=county.townships["TA"], environ=TOKEN_ENV)

    assert refused.value.field == "to"


def test_it_refuses_a_batch_size_out_of_range(county: County, receiver: Receiver) -> None:
    with pytest.raises(PushError) as refused:
        _push(county, receiver, batch_size=0)

    assert refused.value.field == "batch_size"


def test_the_audit_log_records_the_push_but_never_the_credentials(
    county: County, receiver: Receiver
) -> None:
    log = _push(county, receiver)

    entries = AuditEntry.objects.filter(object_type="push", object_key=str(log.pk))
    assert [e.action for e in entries.order_by("pk")] == ["push.start", "push.finish"]
    assert TOKEN not in json.dumps([e.after for e in entries])
    assert entries.get(action="push.finish").after["counts"]["imported"] == 15


def test_the_endpoint_carries_the_import_options_and_keeps_a_given_api_path() -> None:
    assert endpoint("https://county.example/dhis/", dry_run=False) == (
        "https://county.example/dhis/api/dataValueSets?idScheme=CODE&dataElementIdScheme=CODE"
        "&orgUnitIdScheme=CODE&importStrategy=CREATE_AND_UPDATE&dryRun=false"
    )
    assert endpoint("https://c.example/api/dataValueSets", dry_run=True).endswith("dryRun=true")


def test_an_import_summary_is_read_bare_as_older_dhis2_sends_it() -> None:
    bare = {
        "responseType": "ImportSummary",
        "status": "SUCCESS",
        "importCount": {"imported": 2, "updated": 1, "ignored": 1, "deleted": 0},
        "conflicts": [{"object": "x", "value": "y"}],
    }

    summary = read_import_summary(bare)

    assert summary is not None
    assert (summary.imported, summary.updated, summary.ignored, summary.deleted) == (2, 1, 1, 0)
    assert summary.conflicts == [{"object": "x", "value": "y"}]
    assert read_import_summary({"httpStatusCode": 500}) is None


def test_approved_values_are_ordered_by_unit_period_and_element(county: County) -> None:
    values = approved_values(county.townships["TB"])

    keys = [(v.unit, v.period, v.element) for v in values]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2]))
    assert {v.unit for v in values} == {"TB_V1", "TB_V2", "TB_V3"}


def test_the_command_pushes_and_prints_each_batch(
    county: County, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: object
) -> None:
    monkeypatch.setenv("KAOHE_PUSH_TOKEN", TOKEN)

    call_command("push", "--to", receiver.url, "--township", "TA", "--batch-size", "10")

    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "#1\t10\t" in out and "#2\t5\t" in out
    assert "imported 15" in out
    assert PushBatch.objects.count() == 2


def test_the_command_reads_periods_as_bounds(
    county: County, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOHE_PUSH_TOKEN", TOKEN)

    call_command("push", "--to", receiver.url, "--township", "TA", "--start", "202502")

    assert {k[1] for k in receiver.stored} == {"202502"}


def test_the_command_fails_when_the_push_fails(
    county: County, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOHE_PUSH_TOKEN", "wrong")

    with pytest.raises(CommandError):
        call_command("push", "--to", receiver.url, "--township", "TA")

    assert PushLog.objects.get().status == PushStatus.FAILED


def test_the_command_explains_a_bad_bound(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOHE_PUSH_TOKEN", TOKEN)

    with pytest.raises(CommandError, match="2026-13"):
        call_command("push", "--to", "http://127.0.0.1:9", "--start", "2026-13")
