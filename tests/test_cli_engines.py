"""Choosing where metrics compute (``--engine``), as an operator meets its refusals: in the
community's language, and before any Spark session is started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.growth_helpers import group
from tests.test_cli import Cli
from tests.test_cli_growth import load


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


def test_engine_refusals_are_said_in_the_communitys_language(
    cli: Cli, tmp_path: Path, duckdb_only: str
):
    load(cli, tmp_path, group("g1"))  # the example community speaks Chinese
    code, _, err = cli.run("metrics", "activity", "--engine", "spark")
    assert code != 0 and "请给出 --parquet DIR" in err
    code, _, err = cli.run("metrics", duckdb_only, "--engine", "spark", "--parquet", tmp_path)
    assert code != 0 and f"{duckdb_only} 目前只能在 DuckDB 上计算" in err and "over_activity" in err
    code, out, _ = cli.run("metrics", duckdb_only, "--json")  # on DuckDB it computes
    assert code == 0 and json.loads(out) == [1]
    code, _, err = cli.run("metrics", "activity", "--engine", "spark", "--lang", "en")
    assert code != 0 and "give --parquet DIR" in err
