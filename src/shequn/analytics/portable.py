"""One definition, two engines: metric queries as Ibis expressions over ``ev``.

A metric written here is an Ibis expression over an *unbound* table with ``ev``'s columns
(:func:`ev`); :func:`fetch` compiles it to the SQL of the engine the connection belongs to and
runs it there — DuckDB (the replica, the default; through ``results.Reusing``, so results are
still reused) or Spark (``analytics/spark.py``, over the Parquet export). The expression is the
one definition; each engine gets SQL in its own dialect.

Why Ibis rather than transpiling the DuckDB SQL with SQLGlot: the metrics' SQL leans on
DuckDB-only forms (``range(…) t(d)`` day series, ``GROUP BY ALL``, ``date_diff``, ``//``,
``->>`` JSON paths, ``ANTI JOIN``), which SQLGlot passes through or rewrites with different
semantics for Spark; an Ibis expression is compiled by Ibis's own per-engine compilers (Ibis
uses SQLGlot underneath, with the engine's rules). What differs between engines is pinned
here: day arithmetic is cast back to DATE (DuckDB's ``DATE + INTERVAL`` is a TIMESTAMP),
ratios are finished in Python from integer counts (a literal such as ``0.1`` is DECIMAL on
one engine and DOUBLE on the other, so thresholds are made integers first; Ibis's Spark
compiler needs one option of its PySpark backend for float columns, :func:`_spark_options`),
and results are ordered explicitly (null ordering
differs).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from typing import Any

from shequn.analytics import compiled, results
from shequn.analytics.scope import Scope

EV_COLUMNS: dict[str, str] = {
    "id": "int64",
    "kind": "string",
    "occurred_at": "timestamp",
    "community": "string",
    "grp": "string",
    "actor": "string",
    "subject": "string",
    "source": "string",
    "source_ref": "string",
    "person": "string",
    "subject_person": "string",
    "local_at": "timestamp",
    "day": "date",
    "reply_to": "string",
    "length": "int64",
    "has_link": "boolean",
    "has_media": "boolean",
    "is_question": "boolean",
    "target": "string",
    "forwarded": "boolean",
    "inviter": "string",
    "to_id": "int64",
    "to_person": "string",
    "to_question": "boolean",
    "data": "string",
}
"""The columns of ``ev`` (``analytics/materialise.py``) portable metrics may read; the same
names and types in the Parquet export (``analytics/parquet.py``). The replica's ``ev`` has
``person_key`` too (:func:`who`)."""


def ev(con: Any = None) -> Any:
    """The unbound ``ev`` table expressions are built on; with the connection ``con`` they
    will run on, ``ev`` as that engine has it: on the replica (DuckDB) with ``person_key``
    (:func:`who`). Not declared for every query: an expression that projects all columns (a
    ``mutate``) would then name it on Spark, whose ``ev`` (the export) does not have it."""
    import ibis  # lazy: only metrics need it

    if con is not None and who(con) == "person_key":
        return ibis.table({**EV_COLUMNS, "person_key": "uuid"}, name="ev")
    return ibis.table(EV_COLUMNS, name="ev")


PEOPLE_COLUMNS: dict[str, str] = {
    "of_community": "string",
    "identity": "string",
    "member": "string",
}
"""The columns of ``people`` (identity → member, merges applied) as both engines name them."""


def people() -> Any:
    """The unbound ``people`` table (the replica's; the export's ``people`` on Spark)."""
    import ibis

    return ibis.table(PEOPLE_COLUMNS, name="people")


def who(con: Any) -> str:
    """The column a metric groups, joins and sorts people on where it never shows them: the
    replica's ``person_key`` (a 128-bit digest of ``person``, one to one with it,
    ``materialise.person_key``: fixed-width, a third cheaper to sort than the text), or
    ``person`` itself on engines reading the Parquet export, which does not carry the key
    (its layout is a public interface). Either gives the same counts."""
    return "person_key" if dialect(con) == "duckdb" else "person"


def dialect(con: Any) -> str:
    """The SQL dialect of the engine behind ``con``: Spark connections say so, DuckDB's don't."""
    return str(getattr(con, "dialect", "duckdb"))


def sql(con: Any, expr: Any) -> str:
    """``expr`` compiled for the engine behind ``con`` (once per process: ``compiled``)."""
    if dialect(con) == "pyspark":
        _spark_options()
    return compiled.to_sql(expr, dialect(con))


def _spark_options() -> None:
    """Give Ibis's Spark compiler the one option it reads (``treat_nan_as_null``, at its
    backend's default: NaN stays NaN, as on DuckDB). Ibis registers it with its PySpark
    backend, which is not used here (its extra pins ``pyspark < 4``); without it the compiler
    fails on any float column or literal."""
    import ibis

    if ibis.options.pyspark is None:

        class SparkOptions(ibis.config.Config):  # type: ignore[misc]
            """What ``ibis.backends.pyspark.Backend.Options`` holds."""

            treat_nan_as_null: bool = False

        ibis.options.pyspark = SparkOptions()


def fetch(con: Any, expr: Any) -> list[tuple[Any, ...]]:
    """Run ``expr`` on the engine behind ``con``; its rows as tuples."""
    return [tuple(row) for row in con.execute(sql(con, expr)).fetchall()]


def shared(con: Any, expr: Any) -> Any:
    """``expr`` as a table computed once for the replica's watermark and read back by every
    query built on it (``results.keep``): for a result several metrics start from. On other
    engines (Spark) and connections that are no replica, ``expr`` itself — the same rows."""
    if dialect(con) != "duckdb":
        return expr
    table = results.keep(con, sql(con, expr))
    if table is None:
        return expr
    import ibis

    schema, name = table.split(".")
    return ibis.table(expr.schema(), name=name, database=schema)


def scalar(con: Any, expr: Any) -> Any:
    """The single value of a scalar expression (None for an empty input)."""
    rows = fetch(con, expr.as_table())
    return rows[0][0] if rows else None


def field(con: Any, data: Any, key: str) -> Any:
    """The text of the JSON field ``key`` of ``data`` (the event's payload), on every engine:
    DuckDB's ``data->>'key'`` (``ev.data`` is JSON there), Spark's ``get_json_object`` (the
    export's ``data`` is text). Both give a number or boolean as its JSON text, an absent key
    or a JSON null as NULL."""
    name = "get_json_object" if dialect(con) == "pyspark" else "json_extract_string"
    return _json_text(name)(data, f"$.{key}")


@cache
def _json_text(name: str) -> Any:
    """The engine's JSON-text function ``name`` as an Ibis builtin, one per name: each
    definition is a new node class, and expressions built with different classes never
    compare equal, so a fresh one per call would keep their SQL from being reused
    (``compiled``)."""
    import ibis

    @ibis.udf.scalar.builtin(name=name)  # type: ignore[untyped-decorator]
    def json_text(data: str, path: str) -> str:  # type: ignore[empty-body]
        """The engine's own function (builtin: nothing runs in Python)."""

    return json_text


def seconds(begin: Any, end: Any) -> Any:
    """Whole seconds from ``begin`` to ``end``: the second boundaries crossed (DuckDB's
    ``date_diff('second', …)``), on every engine (Spark's counts elapsed whole seconds, so
    both ends are truncated to the second first)."""
    return end.truncate("s").delta(begin.truncate("s"), unit="second")


def in_scope(t: Any, scope: Scope) -> list[Any]:
    """The conditions of ``scope`` on table ``t`` (``Scope.where`` as an expression)."""
    conds = [t.community == scope.community]
    if scope.group is not None:
        conds.append(t.grp == scope.group)
    if scope.since is not None:
        conds.append(t.day >= scope.since)
    if scope.until is not None:
        conds.append(t.day <= scope.until)
    return conds


def history(scope: Scope, last: date) -> Scope:
    """All history up to ``last`` (``since`` ignored): what windows and cohorts look back on."""
    return replace(scope, since=None, until=last)


def plus_days(day: Any, n: int) -> Any:
    """``day + n`` days as a DATE on every engine (DuckDB's ``DATE + INTERVAL`` is a
    TIMESTAMP; Ibis types it a date and would drop a plain cast back to date)."""
    import ibis

    return (day + ibis.interval(days=n)).cast("timestamp").cast("date")


def truncate(day: Any, unit: str) -> Any:
    """The first day of the week (Monday) or month (``unit`` ``"W"`` / ``"M"``) containing
    ``day``, as a DATE on every engine (Spark's ``DATE_TRUNC`` gives a TIMESTAMP)."""
    return day.truncate(unit).cast("timestamp").cast("date")


def period(day: Any, unit: str) -> Any:
    """The first day of the local ``day`` / ``week`` / ``month`` containing ``day``."""
    return day if unit == "day" else truncate(day, "W" if unit == "week" else "M")


PORTABLE: tuple[str, ...] = (
    "activity",
    "retention",
    "returning_vs_new",
    "quarter_retention",
    "concentration",
    "noise_vs_value",
    "over_activity",
    "churn_risk",
    "churn_backtest",
    "checkin_completion",
    "renewal_rate",
    "ladder_conversion",
    "refund_rate",
    "recurring_revenue",
    "recurring_by_month",
    "offer_acceptance",
    "conversion_time",
    "revenue",
    "acquisition_cost",
    "funnel",
    "k_factor",
    "channel_cost",
    "referral_tree",
    "referral_leaderboard",
    "campaign_k_factor",
    "commission",
    "life_cycle",
    "key_behaviour_leaders",
    "promotion_candidates",
)
"""Metrics defined here once and run on both engines; ``--engine spark`` accepts these (and
tests/test_analytics_spark.py compares each on DuckDB and on Spark)."""
