"""The forecast's library file (elements, data set, validation rules) and its configuration file:
both are read as they ship, and a broken configuration is refused with every problem named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kaohe.bundles.loader import load_bundle_files
from kaohe.engine.forecast import AGE_GROUPS
from kaohe.forecasts.config import (
    DEFAULT_PATH,
    ForecastConfigError,
    forecast_config,
    parse_config,
    read_config,
)

LIBRARY_2026 = Path(__file__).resolve().parents[2] / "kaohe" / "library" / "2026"


def test_the_library_file_defines_women_and_births_by_age_for_villages_yearly() -> None:
    bundle = load_bundle_files([LIBRARY_2026 / "elements.yaml", LIBRARY_2026 / "forecast.yaml"])
    elements = {e.code: e.fields for e in bundle.elements}
    (dataset,) = [d for d in bundle.datasets if d.code == "VILLAGE_FORECAST_YEARLY"]

    women = [f"WOMEN_{a.replace('-', '_')}" for a in AGE_GROUPS]
    births = [f"BIRTHS_MOTHER_{a.replace('-', '_')}" for a in AGE_GROUPS]
    assert all(elements[c]["aggregation"] == "last" for c in women)
    assert all(elements[c]["aggregation"] == "sum" for c in births)
    assert list(dataset.elements) == [*women, *births]
    assert (dataset.fields["period_type"], dataset.fields["unit_kinds"]) == ("Yearly", ["village"])
    rules = {r.code for r in bundle.validation_rules}
    assert {
        "VRF_BIRTHS_BY_AGE_EQ_LIVE_BIRTHS",
        "VRF_BIRTHS_BY_AGE_LE_WOMEN",
        "VRF_WOMEN_LE_RESIDENTS",
    } <= rules


def test_the_bundle_loader_does_not_read_the_configuration_folder() -> None:
    assert [p.name for p in (LIBRARY_2026 / "forecast").glob("*.yaml")] == ["config.yaml"]
    assert "forecast/config.yaml" not in {
        str(p.relative_to(LIBRARY_2026)) for p in LIBRARY_2026.glob("*.yaml")
    }


def test_the_shipped_configuration_reads_as_documented() -> None:
    config = read_config(DEFAULT_PATH)

    assert config == forecast_config()
    assert config.elements.women[0] == "WOMEN_15_19" and len(config.elements.births_by_age) == 7
    assert config.elements.births_total == ("NEWBORN_LIVE_BIRTHS", "BIRTHS")
    assert config.subsidy.amount_per_year == Decimal("3600.00")
    assert (config.subsidy.eligible_months, config.subsidy.first_month) == (36, (2025, 1))
    assert config.assumptions.variant_factors == (0.85, 1.0, 1.15)
    assert config.services.childcare_places_per_1000 == 4.5
    assert config.flag_probability == 0.5


def test_a_broken_configuration_is_refused_with_every_problem_named() -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["elements"]["women"] = data["elements"]["women"][:6]
    data["assumptions"]["horizon"] = 9
    data["assumptions"]["variant_factors"] = [1.2, 1.0, 0.8]
    data["childcare_subsidy"]["amount_per_year"] = "lots"
    data["childcare_subsidy"]["first_month"] = "2025/1"

    with pytest.raises(ForecastConfigError) as refused:
        parse_config(data, "county.yaml")

    message = str(refused.value)
    for name in (
        "elements.women",
        "assumptions.horizon",
        "assumptions.variant_factors",
        "childcare_subsidy.amount_per_year",
        "childcare_subsidy.first_month",
    ):
        assert f"{name}：" in message and f"{name}:" in message, name
    assert "county.yaml" in message


def test_a_missing_configuration_file_is_refused_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(ForecastConfigError) as refused:
        read_config(tmp_path / "none.yaml")

    assert "无法读取" in str(refused.value) and "cannot read" in str(refused.value)


def test_another_configuration_file_can_be_named_in_the_settings(
    tmp_path: Path, settings: object
) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["childcare_subsidy"]["amount_per_year"] = "4800"
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings.KAOHE_FORECAST_CONFIG = str(path)  # type: ignore[attr-defined]

    assert forecast_config().subsidy.amount_per_year == Decimal("4800")
