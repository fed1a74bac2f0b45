"""The Dagster code location: every tap stream table and every dbt model as an asset.

Meltano stays the runner of taps and loaders (and keeps its own state backend); Dagster
decides what runs when, where, and how many at once:

- one asset per tap stream table, keyed like the dbt source that reads it
  (`["chattonic", "operator_stats_daily"]`), so dagster-dbt's lineage runs
  vendor -> table -> staging -> mart. The streams come from the taps' own catalogs;
- a materialisation is `meltano run TAP LOADER` with the asset's streams selected;
- date-windowed streams are partitioned by day: a partition is a fixed `start_date` /
  `end_date` read with `--full-refresh` under its own state id, so a backfill never touches
  the incremental state; with an account list (`orchestrate.accounts`) partitions are
  account x day (full-table and snapshot streams: per account);
- every run carries the credential it uses in the `chat_taps/credential` tag; the run queue
  (orchestrate/dagster.yaml) admits one run per credential at a time, so runs sharing a
  vendor's rate limit never overlap and runs on different credentials do;
- schedules are meltano.yml's (the daily windowed taps, the 5-minute snapshots); the dbt
  models are rebuilt when their inputs load (eager automation conditions), with the tests
  that follow the day; the tests that read all of history (dbt tag `whole_history`) run in
  their own job on meltano.yml's weekly schedule for them;
- a freshness policy per source table (`dg.FreshnessPolicy.time_window`), failing after the
  dbt source's `error_after` and warning after its `warn_after`.

Environment: CHAT_TAPS_LOADER (default target-duckdb; it also picks the dbt profile, so the
models build in the warehouse the loads went to), MELTANO_ENVIRONMENT (default dev),
CHAT_TAPS_ACCOUNTS_FILE (the account list), CHAT_TAPS_DBT_VARS (the deployment's dbt vars:
the vendors it loads), the profile's DBT_* variables (transform/profiles/; PostgreSQL and
Snowflake default to the loader's TARGET_* connection), DBT_DUCKDB_PATH (the demo's warehouse).
"""

# no `from __future__ import annotations`: Dagster reads the context and resource annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import distribution
from pathlib import Path

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from typing_extensions import override

from orchestrate.accounts import Account, load_accounts, setting_env_prefix
from orchestrate.refusals import credentials_refused

ROOT = Path(__file__).resolve().parent.parent
TRANSFORM = ROOT / "transform"
#: the run tag the run queue limits to one run per value (orchestrate/dagster.yaml)
CREDENTIAL_TAG = "chat_taps/credential"
ACCOUNT_DIMENSION = "account"
DATE_DIMENSION = "date"
#: the first day a backfill may ask for (vendors keep a year or two)
PARTITIONS_START = os.environ.get("CHAT_TAPS_PARTITIONS_START", "2025-01-01")
BIN = Path(sys.executable).parent


# -- the taps' streams -----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamTable:
    """One stream of one tap, as its table in the warehouse."""

    tap: str
    stream: str
    windowed: bool


def tap_streams() -> list[StreamTable]:
    """Every stream of every tap of this distribution, from the taps' own catalogs."""
    tables = []
    for entry in distribution("chat-taps").entry_points:
        if entry.group != "console_scripts" or not entry.name.startswith("tap-"):
            continue
        module, _, attribute = entry.value.partition(":")
        tap_class = getattr(import_module(module), attribute.split(".")[0])
        tap = tap_class(config={}, validate_config=False, setup_mapper=False)
        tables += [
            StreamTable(entry.name, name, getattr(stream, "windowing", None) is not None)
            for name, stream in sorted(tap.streams.items())
        ]
    return tables


# -- dbt -------------------------------------------------------------------------------------

#: CHAT_TAPS_LOADER -> the dbt profile of the warehouse it loads (transform/profiles/<name>)
DBT_PROFILES = {
    "target-duckdb": "duckdb",
    "target-postgres": "postgres",
    "target-snowflake": "snowflake",
}
#: per profile: its dbt variable <- the loader's, as meltano.yml's dbt utilities map them, so
#: the models build in the database the loads went to unless DBT_* say otherwise
DBT_ENV_FROM_LOADER = {
    "postgres": {
        "DBT_POSTGRES_HOST": "TARGET_POSTGRES_HOST",
        "DBT_POSTGRES_PORT": "TARGET_POSTGRES_PORT",
        "DBT_POSTGRES_USER": "TARGET_POSTGRES_USER",
        "DBT_POSTGRES_PASSWORD": "TARGET_POSTGRES_PASSWORD",
        "DBT_POSTGRES_DBNAME": "TARGET_POSTGRES_DATABASE",
    },
    "snowflake": {
        f"DBT_SNOWFLAKE_{name}": f"TARGET_SNOWFLAKE_{name}"
        for name in (
            "ACCOUNT",
            "USER",
            "PRIVATE_KEY_PATH",
            "PRIVATE_KEY_PASSPHRASE",
            "ROLE",
            "WAREHOUSE",
            "DATABASE",
        )
    },
}


def loader_name() -> str:
    """The Meltano loader of every load: $CHAT_TAPS_LOADER (default the demo's DuckDB)."""
    return os.environ.get("CHAT_TAPS_LOADER", "target-duckdb")


def dbt_profile(loader: str) -> str:
    """The dbt profile of the warehouse `loader` writes to; an unknown loader is refused."""
    try:
        return DBT_PROFILES[loader]
    except KeyError:
        known = ", ".join(DBT_PROFILES)
        raise ValueError(
            f"CHAT_TAPS_LOADER={loader!r}: the dbt models have no profile for this loader's "
            f"warehouse; set CHAT_TAPS_LOADER to one of {known}"
        ) from None


def use_loader_connection(profile: str, env: t.MutableMapping[str, str]) -> None:
    """Default the profile's DBT_* variables to the loader's (meltano.yml does the same for
    `meltano run dbt-postgres:build`; here dbt runs outside Meltano, so nothing else would).
    """
    if profile == "duckdb":
        env.setdefault("DBT_DUCKDB_PATH", str(ROOT / "output" / "demo.duckdb"))
    for dbt_name, loader_setting in DBT_ENV_FROM_LOADER.get(profile, {}).items():
        if dbt_name not in env and loader_setting in env:
            env[dbt_name] = env[loader_setting]


DBT_PROFILE = dbt_profile(loader_name())
use_loader_connection(DBT_PROFILE, os.environ)
DBT_PROJECT = DbtProject(
    project_dir=TRANSFORM,
    profiles_dir=TRANSFORM / "profiles" / DBT_PROFILE,
    # one folder per warehouse, as meltano.yml's dbt utilities: a manifest parsed for one
    # adapter is never read for another
    target_path=Path(
        os.environ.get("CHAT_TAPS_DBT_TARGET", ROOT / ".dagster" / "dbt-target" / DBT_PROFILE)
    ),
)


def dbt_executable() -> str:
    """The `dbt` of this environment (the `orchestrate` extra installs it)."""
    return shutil.which("dbt", path=str(BIN)) or "dbt"


def dbt_vars() -> dict[str, t.Any]:
    """The deployment's dbt vars: $CHAT_TAPS_DBT_VARS, a YAML (or JSON) mapping.

    A team that loads only some vendors turns the others off with the project's switches
    (`{contact_center__oct8ne_enabled: false, ...}`, docs/analytics.md): the manifest, so
    the asset graph, and every `dbt build` of the code location then hold only its vendors'
    models, and a mart unions only the vendors loaded.
    """
    raw = os.environ.get("CHAT_TAPS_DBT_VARS", "").strip()
    if not raw:
        return {}
    found = yaml.safe_load(raw)
    if not isinstance(found, dict):
        raise TypeError(f"CHAT_TAPS_DBT_VARS must be a YAML mapping of dbt vars, got {raw!r}")
    return found


def dbt_vars_args() -> list[str]:
    """`--vars` for every dbt command of the code location (none without CHAT_TAPS_DBT_VARS)."""
    found = dbt_vars()
    return ["--vars", json.dumps(found, sort_keys=True)] if found else []


def dbt_manifest() -> dict[str, t.Any]:
    """The dbt project's manifest, parsed first when missing or parsed with other vars."""
    path = DBT_PROJECT.manifest_path
    parsed_with = Path(DBT_PROJECT.target_path) / "chat_taps_dbt_vars.json"
    # a CHAT_TAPS_DBT_TARGET shared by two loaders: the manifest of the other one is parsed again
    wanted = json.dumps({"profile": DBT_PROFILE, "vars": dbt_vars()}, sort_keys=True)
    if not path.exists() or not parsed_with.exists() or parsed_with.read_text() != wanted:
        subprocess.run(  # noqa: S603 (dbt parse of the project's own folder)
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(TRANSFORM),
                "--profiles-dir",
                str(DBT_PROJECT.profiles_dir),
                "--target-path",
                str(DBT_PROJECT.target_path),
                *dbt_vars_args(),
            ],
            check=True,
            cwd=TRANSFORM,
        )
        parsed_with.write_text(wanted)
    manifest: dict[str, t.Any] = json.loads(path.read_text())
    return manifest


MANIFEST = dbt_manifest()


def source_names() -> dict[str, str]:
    """Tap -> the dbt source reading its schema (`tap-8x8` -> `eight_by_eight`)."""
    # a vendor switched off (CHAT_TAPS_DBT_VARS) keeps its source's name: its disabled
    # sources are in the manifest's `disabled`
    disabled = [
        node
        for nodes in MANIFEST.get("disabled", {}).values()
        for node in nodes
        if node.get("resource_type") == "source"
    ]
    found = {}
    for source in [*disabled, *MANIFEST["sources"].values()]:
        found[source["schema"].replace("_", "-")] = source["source_name"]
    return found


def stream_key(table: StreamTable) -> dg.AssetKey:
    """The asset key of a stream table: dagster-dbt's key of the source that reads it."""
    return dg.AssetKey([source_names().get(table.tap, table.tap.replace("-", "_")), table.stream])


def freshness_policies() -> dict[dg.AssetKey, dg.FreshnessPolicy]:
    """Each source table's dbt thresholds as a freshness policy: it fails after
    `error_after` without a load, and warns after `warn_after` when that comes first.
    """
    found = {}
    for source in MANIFEST["sources"].values():
        freshness = source.get("freshness") or {}
        fail, warn = (as_timedelta(freshness.get(name)) for name in ("error_after", "warn_after"))
        if fail is None:
            continue
        found[dg.AssetKey([source["source_name"], source["name"]])] = (
            dg.FreshnessPolicy.time_window(
                fail_window=fail, warn_window=warn if warn is not None and warn < fail else None
            )
        )
    return found


def as_timedelta(threshold: "dict[str, t.Any] | None") -> dt.timedelta | None:
    """A dbt freshness threshold (`{count: 50, period: hour}`) as a duration."""
    if not threshold or not threshold.get("count"):
        return None
    period = threshold.get("period", "hour")
    return dt.timedelta(**{f"{period}s": threshold["count"]})


# -- partitions and credentials --------------------------------------------------------------


def partitions_for(accounts: list[Account], *, windowed: bool) -> "dg.PartitionsDefinition | None":
    """Daily for windowed streams, account (x daily) with an account list, else none."""
    daily = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, end_offset=0)
    if not accounts:
        return daily if windowed else None
    names = dg.StaticPartitionsDefinition([a.name for a in accounts])
    if not windowed:
        return names
    return dg.MultiPartitionsDefinition({ACCOUNT_DIMENSION: names, DATE_DIMENSION: daily})


def partition_parts(key: str | None) -> tuple[str | None, str | None]:
    """(account, day) of a partition key (either may be absent)."""
    if key is None:
        return None, None
    if isinstance(key, dg.MultiPartitionKey):
        parts = key.keys_by_dimension
        return parts[ACCOUNT_DIMENSION], parts[DATE_DIMENSION]
    if len(key) == 10 and key[4] == "-" and key[7] == "-":
        return None, key
    return key, None


def credential_tag(tap: str, accounts: list[Account], account: str | None) -> str:
    """The run-queue tag value of the credential a run uses."""
    for entry in accounts:
        if entry.name == account:
            return entry.pool
    return f"{tap}__default".replace("-", "_")


# -- materialising: meltano run -------------------------------------------------------------


def meltano_env(
    tap: str, streams: list[str], account: Account | None, day: str | None
) -> dict[str, str]:
    """The variables of one `meltano run`: the account's settings, the day, the streams."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(setting_env_prefix(tap))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.setdefault("MELTANO_ENVIRONMENT", "dev")
    if account is not None:
        env.update(account.plugin_env())
    prefix = setting_env_prefix(tap)
    if day is not None:
        env[prefix + "START_DATE"] = f"{day}T00:00:00+00:00"
        env[prefix + "END_DATE"] = f"{day}T23:59:59+00:00"
    env[prefix + "_SELECT"] = json.dumps([f"{stream}.*" for stream in streams])
    return env


def meltano_executable() -> str:
    """Meltano: $CHAT_TAPS_MELTANO, else this environment's, else the project's .venv."""
    for candidate in (
        os.environ.get("CHAT_TAPS_MELTANO"),
        shutil.which("meltano", path=str(BIN)),
        shutil.which("meltano", path=str(ROOT / ".venv" / "bin")),
    ):
        if candidate:
            return candidate
    return "meltano"


def meltano_command(tap: str, account: str | None, day: str | None) -> list[str]:
    """`meltano run` of one partition: a day under its own state id, never the incremental one."""
    loader = loader_name()
    suffix = ".".join(part for part in (account, day and f"day-{day}") if part)
    command = [meltano_executable(), "run"]
    if day is not None:
        command.append("--full-refresh")
    if suffix:
        command += ["--state-id-suffix", suffix]
    return [*command, tap, loader]


@contextmanager
def own_run_directory(env: dict[str, str]) -> t.Iterator[None]:
    """Give one `meltano run` a `.meltano` of its own, sharing the installed plugins.

    Meltano writes a tap's catalog to `.meltano/run/<tap>/tap.properties.json`, one path per
    plugin: two runs of one tap at once (two accounts on different credentials, which the
    run queue lets through) overwrite each other's catalog and one fails reading it
    (meltano/meltano#8763, Meltano 4.4). Each run gets its own system directory
    (MELTANO_SYS_DIR_ROOT) whose entries link to the project's but for `run` and `logs`:
    the plugins stay installed once, and the default SQLite system database is the
    project's file (SQLite resolves the link), so state stays shared; a
    MELTANO_DATABASE_URI (PostgreSQL in production) is left as it is.
    """
    shared = Path(env.get("MELTANO_SYS_DIR_ROOT") or ROOT / ".meltano").resolve()
    with tempfile.TemporaryDirectory(prefix="chat-taps-meltano-") as own:
        for entry in shared.iterdir() if shared.is_dir() else ():
            if entry.name not in {"run", "logs"}:
                (Path(own) / entry.name).symlink_to(entry)
        env["MELTANO_SYS_DIR_ROOT"] = own
        yield


#: A failed load is run once more, inside the same run (it keeps its place in the
#: credential's queue). On a fresh warehouse, two accounts' first loads at once both create
#: the tables they share and the slower loader fails (target-postgres: `relation ... already
#: exists`); a vendor's brief outage ends the same way. A load is an upsert of its partition,
#: so running it again is safe. A load whose credentials were refused is not run again
#: (`orchestrate.refusals`).
LOAD_RETRY = dg.RetryPolicy(max_retries=1, delay=10)


def run_meltano(
    context: dg.AssetExecutionContext,
    tap: str,
    streams: list[str],
    accounts: list[Account],
) -> None:
    """Run the pipeline for the partition; a failure fails this run only, with Meltano's tail."""
    key = context.partition_key if context.has_partition_key else None
    account_name, day = partition_parts(key)
    account = next((a for a in accounts if a.name == account_name), None)
    command = meltano_command(tap, account_name, day)
    context.log.info("%s (streams: %s)", " ".join(command[1:]), ", ".join(streams))
    env = meltano_env(tap, streams, account, day)
    with own_run_directory(env):
        result = subprocess.run(  # noqa: S603 (meltano with the project's own plugin names)
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        output = result.stdout + result.stderr
        refused = credentials_refused(output)
        raise dg.Failure(
            description=f"meltano run {tap} failed (exit {result.returncode})"
            + (": the vendor refused the credentials" if refused else ""),
            metadata={"output": dg.MetadataValue.text(output[-6000:])},
            allow_retries=not refused,
        )


def load_assets(
    tap: str, tables: list[StreamTable], accounts: list[Account], *, windowed: bool
) -> dg.AssetsDefinition:
    """One multi-asset: the given streams of one tap, loaded by one `meltano run`."""
    group = tap.replace("-", "_")
    freshness = freshness_policies()
    specs = [
        dg.AssetSpec(
            stream_key(table),
            group_name=group,
            kinds={"meltano"},
            description=f"{tap} stream `{table.stream}`, loaded by Meltano.",
            metadata={"tap": tap, "stream": table.stream},
            tags={"chat_taps/windowed": str(windowed).lower()},
            freshness_policy=freshness.get(stream_key(table)),
        )
        for table in tables
    ]
    by_key = {stream_key(table): table.stream for table in tables}

    @dg.multi_asset(
        name=f"{group}__{'windowed' if windowed else 'full_table'}",
        specs=specs,
        can_subset=True,
        partitions_def=partitions_for(accounts, windowed=windowed),
        op_tags={"chat_taps/tap": tap},
        retry_policy=LOAD_RETRY,
    )
    def load(context: dg.AssetExecutionContext) -> t.Iterator[dg.MaterializeResult]:
        selected = sorted(by_key[key] for key in context.selected_asset_keys)
        run_meltano(context, tap, selected, accounts)
        for key in context.selected_asset_keys:
            yield dg.MaterializeResult(asset_key=key)

    return load


def all_load_assets(accounts: list[Account]) -> list[dg.AssetsDefinition]:
    """Per tap: its windowed streams (by day) and its full-table / snapshot streams."""
    by_tap: dict[tuple[str, bool], list[StreamTable]] = {}
    for table in tap_streams():
        by_tap.setdefault((table.tap, table.windowed), []).append(table)
    tap_accounts = {tap: [a for a in accounts if a.tap == tap] for tap, _ in by_tap}
    return [
        load_assets(tap, tables, tap_accounts[tap], windowed=windowed)
        for (tap, windowed), tables in sorted(by_tap.items())
    ]


# -- dbt models ------------------------------------------------------------------------------


class Translator(DagsterDbtTranslator):
    """dagster-dbt's keys (a source is `[source, table]`); models rebuilt when inputs load."""

    @override
    def get_automation_condition(
        self, dbt_resource_props: t.Mapping[str, t.Any]
    ) -> "dg.AutomationCondition | None":
        return dg.AutomationCondition.eager()


#: dbt's selector of the tests that read every row of history (transform/dbt_project.yml):
#: not asset checks of the eager builds, which follow the day, but a weekly job's
WHOLE_HISTORY = "tag:whole_history"
#: meltano.yml's dbt command that runs them, whose schedule the weekly job takes
WHOLE_HISTORY_COMMAND = ":test-whole-history"


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=Translator(),
    exclude=WHOLE_HISTORY,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> t.Iterator[t.Any]:
    """`dbt build` of the selected models and the tests of theirs whose inputs are all
    selected (`cautious`: a subset, one vendor's models, never runs a test of the marts).
    """
    args = ["build", "--indirect-selection", "cautious", *dbt_vars_args()]
    yield from dbt.cli(args, context=context).stream()


def whole_history_tests_of(built: t.Collection[str]) -> list[str]:
    """The `whole_history` tests (by name) whose models are all among `built` (model names):
    a deployment that never loaded a stream has no table for its models to test.
    """
    tests = []
    for node in MANIFEST["nodes"].values():
        whole_history = WHOLE_HISTORY.removeprefix("tag:") in node["tags"]
        if node["resource_type"] != "test" or not whole_history:
            continue
        # a test of a switched-off vendor's model stays in the manifest, depending on nothing
        models = [
            MANIFEST["nodes"][parent]["name"]
            for parent in node["depends_on"]["nodes"]
            if parent.startswith("model.")
        ]
        if models and set(models) <= set(built):
            tests.append(node["name"])
    return sorted(tests)


@dg.op
def whole_history_tests(context: dg.OpExecutionContext, dbt: DbtCliResource) -> None:
    """`dbt test` of the tests that read all of history, over the models this deployment has
    built; the run fails with any of them.
    """
    models = [n["name"] for n in MANIFEST["nodes"].values() if n["resource_type"] == "model"]
    events = context.instance.get_latest_materialization_events(
        [dg.AssetKey(name) for name in models]
    )
    built = {key.path[-1] for key, event in events.items() if event is not None}
    tests = whole_history_tests_of(built)
    context.log.info("%d tests of all of history over %d built models", len(tests), len(built))
    if tests:
        # one selector string: dagster-dbt takes a single value after --select
        dbt.cli(["test", "--select", " ".join(tests), *dbt_vars_args()]).wait()


@dg.job(tags={"chat_taps/dbt": "whole_history"})
def whole_history_tests_job() -> None:
    """The weekly check of every row of history (grains, every staged key kept)."""
    whole_history_tests()


# -- jobs, schedules, checks -----------------------------------------------------------------


def meltano_schedules() -> dict[str, tuple[str, list[str]]]:
    """meltano.yml's schedules: name -> (cron, the tasks of its job, split in plugins)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    jobs = {job["name"]: job["tasks"] for job in project.get("jobs", [])}
    return {
        schedule["name"]: (
            schedule["interval"],
            [part for task in jobs.get(schedule.get("job"), []) for part in str(task).split()],
        )
        for schedule in project.get("schedules", [])
    }


def scheduled_taps() -> dict[str, str]:
    """Each scheduled tap, and the cron of meltano.yml's schedule that loads it."""
    # an inheriting plugin (`tap-8x8--snapshots`) runs its parent tap's load
    return {
        part.split("--")[0]: cron
        for cron, parts in meltano_schedules().values()
        for part in parts
        if part.startswith("tap-")
    }


def whole_history_schedules() -> list[dg.ScheduleDefinition]:
    """The weekly job on the cron of meltano.yml's schedule of `test-whole-history`."""
    crons = [
        cron
        for cron, parts in meltano_schedules().values()
        if any(part.endswith(WHOLE_HISTORY_COMMAND) for part in parts)
    ]
    return [
        dg.ScheduleDefinition(
            name=f"{whole_history_tests_job.name}_schedule",
            job=whole_history_tests_job,
            cron_schedule=cron,
        )
        for cron in crons[:1]
    ]


def jobs_and_schedules(
    loads: list[dg.AssetsDefinition], accounts: list[Account]
) -> tuple[list[t.Any], list[dg.ScheduleDefinition]]:
    """A job per load multi-asset (its runs tagged with their credential); meltano.yml's
    schedules over them: windowed taps ask for the day before, snapshots run as listed.
    """
    jobs, schedules = [], []
    crons = scheduled_taps()
    for load in loads:
        tap = next(iter(load.op.tags.values()))
        tap_accounts = [a for a in accounts if a.tap == tap]
        partitions = load.partitions_def

        def tags_for(
            key: str,
            tap: str = tap,
            tap_accounts: list[Account] = tap_accounts,
            partitions: "dg.PartitionsDefinition | None" = partitions,
        ) -> dict[str, str]:
            # a backfill (UI, `dagster job backfill`) passes a multi-partition key as its
            # string, `client-1|2026-12-01`: parsed, or every account got the default tag
            if isinstance(partitions, dg.MultiPartitionsDefinition):
                key = partitions.get_partition_key_from_str(str(key))
            account, _ = partition_parts(key)
            return {CREDENTIAL_TAG: credential_tag(tap, tap_accounts, account)}

        config = (
            dg.PartitionedConfig(
                partitions_def=partitions,
                run_config_for_partition_key_fn=lambda _key: {},
                tags_for_partition_key_fn=tags_for,
            )
            if partitions is not None
            else None
        )
        job = dg.define_asset_job(
            name=f"load_{load.op.name}",
            selection=dg.AssetSelection.assets(load),
            partitions_def=partitions,
            config=config,
            tags=None
            if partitions is not None
            else {CREDENTIAL_TAG: credential_tag(tap, [], None)},
        )
        jobs.append(job)
        cron = crons.get(tap)
        if cron is None:
            continue
        schedules.append(schedule_for(job, cron, partitions, tap, tap_accounts))
    return jobs, schedules


def schedule_for(
    job: t.Any,
    cron: str,
    partitions: "dg.PartitionsDefinition | None",
    tap: str,
    accounts: list[Account],
) -> dg.ScheduleDefinition:
    """meltano.yml's cron for one job: the previous day's partition of every account."""

    @dg.schedule(job=job, cron_schedule=cron, name=f"{job.name}_schedule")
    def schedule(context: dg.ScheduleEvaluationContext) -> t.Iterator[dg.RunRequest]:
        day = (context.scheduled_execution_time - dt.timedelta(days=1)).strftime("%Y-%m-%d")
        names = [a.name for a in accounts] or [None]
        for account in names:
            if isinstance(partitions, dg.MultiPartitionsDefinition):
                key: str | None = dg.MultiPartitionKey(
                    {ACCOUNT_DIMENSION: str(account), DATE_DIMENSION: day}
                )
            elif isinstance(partitions, dg.TimeWindowPartitionsDefinition):
                key = day
            else:
                key = account
            yield dg.RunRequest(
                run_key=f"{key}:{context.scheduled_execution_time.isoformat()}",
                partition_key=key,
                tags={CREDENTIAL_TAG: credential_tag(tap, accounts, account)},
            )

    return schedule


#: the dbt models, built on demand (after a backfill) or by their automation conditions
TRANSFORM_JOB = dg.define_asset_job("transform", selection=dg.AssetSelection.assets(dbt_models))


def job_named(name: str) -> dg.JobDefinition:
    """A job of the code location, by name (for `dg.build_reconstructable_job`)."""
    return defs.resolve_job_def(name)


def build_definitions(accounts_file: str | None = None) -> dg.Definitions:
    """The code location over the account list (none: one account per tap, as meltano.yml)."""
    accounts = load_accounts(accounts_file)
    loads = all_load_assets(accounts)
    jobs, schedules = jobs_and_schedules(loads, accounts)
    return dg.Definitions(
        assets=[*loads, dbt_models],
        jobs=[*jobs, TRANSFORM_JOB, whole_history_tests_job],
        schedules=[*schedules, *whole_history_schedules()],
        resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())},
    )


defs = build_definitions()
