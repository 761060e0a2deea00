"""Validation of the configuration files (flows/config.py)."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from flows.config import MAX_CYCLES_CAP, load_qualification
from flows.settings import DBT_PROJECT_DIR, DEFAULT_CONFIG_DIR, ConfigurationError


def _qualification_with(tmp_path, max_cycles: int):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "qualification.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["recycle"]["max_cycles"] = max_cycles
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def test_max_cycles_up_to_the_number_of_cycle_models_is_accepted(tmp_path):
    config = _qualification_with(tmp_path, MAX_CYCLES_CAP)
    assert load_qualification(config).recycle.max_cycles == MAX_CYCLES_CAP


def test_max_cycles_above_the_number_of_cycle_models_names_the_file_and_field(tmp_path):
    config = _qualification_with(tmp_path, MAX_CYCLES_CAP + 1)
    with pytest.raises(ConfigurationError) as error:
        load_qualification(config)
    message = str(error.value)
    assert str(config / "qualification.yml") in message
    assert "recycle.max_cycles" in message
    assert f"at most {MAX_CYCLES_CAP}" in message
    assert f"int_lead_cycle_{MAX_CYCLES_CAP}" in message


def test_the_cap_is_the_number_of_cycle_models_in_the_dbt_project():
    models = DBT_PROJECT_DIR / "models" / "intermediate"
    cycles = sorted(int(p.stem.rsplit("_", 1)[1]) for p in models.glob("int_lead_cycle_*.sql"))
    assert cycles == list(range(1, MAX_CYCLES_CAP + 1))
    for k in cycles:
        text = (models / f"int_lead_cycle_{k}.sql").read_text(encoding="utf-8")
        assert f"{{{{ lead_cycle({k}) }}}}" in text
    macros = (DBT_PROJECT_DIR / "macros" / "lead_cycles.sql").read_text(encoding="utf-8")
    assert re.search(r"macro lead_cycle_cap\(\).*?return\((\d+)\)", macros, re.S).group(1) == str(
        MAX_CYCLES_CAP
    )
