"""The rate-limit promise, live: runs sharing a credential never overlap, others do.

tests/analytics/test_orchestrate_run.py runs its partitions one after another, so its overlap check
cannot fail. Here the runs go through Dagster's own run queue, as in production: a
`dagster-daemon` over the code location with the instance settings the project ships
(orchestrate/dagster.yaml: one run per `chat_taps/credential` value), and `dagster job
backfill` submitting one day of three Chat-Tonic accounts at once: two read with one shared
token, the third with its own. Each emulator answers every request after a delay, so a tap
run spans seconds of requests; the spans come from the emulators' request logs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import textwrap
import threading
import time

import psycopg
import pytest
import yaml
from typing_extensions import override

from emulators.chattonic import ChattonicData
from emulators.framework import EmulatorApp, EmulatorServer, Reply, Request
from tests.analytics.test_orchestrate import ORCHESTRATE_BIN, ROOT
from tests.analytics.test_orchestrate_run import DBT_VARS, build_models_below_loaded, runs_printed

MELTANO_INSTALLED = ROOT / ".meltano" / ".installed"
JOB = "load_tap_chattonic__windowed"
DAY = (dt.date.today() - dt.timedelta(days=3)).isoformat()
#: each answer takes this long: a run's two requests span several seconds
DELAY = 2.5
#: at most this long an own-token run and a shared-token run wait for each other's first request
WAIT = 150.0
ACCOUNTS = {  # name -> (seed, credential, token)
    "client-1": (1, "shared", "test-chattonic-shared-token-5d2c"),
    "client-2": (2, "shared", "test-chattonic-shared-token-5d2c"),
    "client-3": (3, "client-3", "test-chattonic-own-token-81fa"),
}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (ORCHESTRATE_BIN / "dagster-daemon").exists() or not MELTANO_INSTALLED.exists(),
        reason="needs the Dagster environment and the Meltano plugins (make test installs both)",
    ),
]

#: waits for every run of the job to finish, then prints each one's status and tags
WAIT_FOR_RUNS = textwrap.dedent(
    """
    import json, sys, time
    import dagster as dg
    expected, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
    with dg.DagsterInstance.get() as instance:
        while True:
            records = instance.get_run_records(dg.RunsFilter(job_name=sys.argv[3]))
            if len(records) >= expected and all(r.dagster_run.is_finished for r in records):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        print(json.dumps([
            {
                "status": r.dagster_run.status.value,
                "tags": dict(r.dagster_run.tags),
                "start": r.start_time,
                "end": r.end_time,
            }
            for r in records
        ]))
    """
)


class Rendezvous(EmulatorApp):
    """The emulator of one account, slowed down, and meeting the shared-token runs.

    Every answer takes DELAY seconds. The first request of the own-token account and that
    of the shared-token accounts also wait for each other (at most WAIT seconds): if the two
    runs are in flight at once their requests overlap by DELAY whatever the start-up jitter
    of Meltano on a loaded machine (tens of seconds); if the queue held one back, the first
    gives up waiting and they do not overlap at all.
    """

    def __init__(self, app: EmulatorApp, arrived: threading.Event, wait_for: threading.Event):
        self.app, self.arrived, self.wait_for = app, arrived, wait_for
        self.name = app.name

    @override
    def handle(self, request: Request) -> Reply:
        self.arrived.set()
        self.wait_for.wait(timeout=WAIT)
        time.sleep(DELAY)
        return self.app.handle(request)


def emulators_meeting() -> dict[str, EmulatorServer]:
    from tests.cases.chattonic import make_app

    shared_arrived, own_arrived = threading.Event(), threading.Event()
    servers = {}
    for name, (seed, credential, token) in ACCOUNTS.items():
        app = make_app(data=ChattonicData(seed=seed), access_token=token)
        if credential == "shared":
            app = Rendezvous(app, shared_arrived, own_arrived)
        else:
            app = Rendezvous(app, own_arrived, shared_arrived)
        servers[name] = EmulatorServer(app).start()
    return servers


#: the environment variable holding each account's token (the account list names it)
TOKEN_VARIABLES = {name: f"{name.upper().replace('-', '_')}_TOKEN" for name in ACCOUNTS}


@pytest.fixture(scope="module")
def deployment(postgres, tmp_path_factory):
    """The Dagster home and environment of a deployment loading Chat-Tonic into PostgreSQL."""
    home = tmp_path_factory.mktemp("dagster-queue")
    instance = yaml.safe_load((ROOT / "orchestrate" / "dagster.yaml").read_text())
    # the dbt models are built by `transformed`, once, after the loads
    instance["auto_materialize"] = {"enabled": False}
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance))
    (home / "workspace.yaml").write_text(
        yaml.safe_dump(
            {
                "load_from": [
                    {
                        "python_module": {
                            "module_name": "orchestrate.definitions",
                            "working_directory": str(ROOT),
                        }
                    }
                ]
            }
        )
    )
    postgres.create_database("queue_test")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGSTER_", "TAP_"))}
    env.update({TOKEN_VARIABLES[name]: token for name, (_s, _c, token) in ACCOUNTS.items()})
    # no DBT_POSTGRES_*: the dbt assets build where target-postgres loads
    env.update(
        DAGSTER_HOME=str(home),
        CHAT_TAPS_ACCOUNTS_FILE=str(home / "accounts.yml"),
        CHAT_TAPS_DBT_TARGET=str(home / "dbt-target"),
        CHAT_TAPS_DBT_VARS=json.dumps(DBT_VARS),
        CHAT_TAPS_LOADER="target-postgres",
        DBT_DUCKDB_PATH=str(home / "unused.duckdb"),
        TARGET_POSTGRES_HOST="127.0.0.1",
        TARGET_POSTGRES_PORT=str(postgres.port),
        TARGET_POSTGRES_USER=postgres.user,
        TARGET_POSTGRES_PASSWORD="",
        TARGET_POSTGRES_DATABASE="queue_test",
        MELTANO_ENVIRONMENT="dev",
        MELTANO_DATABASE_URI=f"sqlite:///{home / 'meltano.db'}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONWARNINGS="ignore",
    )
    return home, env


@pytest.fixture(scope="module")
def queued_backfill(deployment):
    """One day of the three accounts, submitted at once to the run queue, run by the daemon."""
    home, env = deployment
    emulators = emulators_meeting()
    (home / "accounts.yml").write_text(
        json.dumps(
            {
                "tap-chattonic": [
                    {
                        "name": name,
                        "credential": credential,
                        "env": {"access_token": TOKEN_VARIABLES[name]},
                        "settings": {
                            "base_url": emulators[name].url,
                            "codename": "acme-test",
                            "timezone": "UTC",
                        },
                    }
                    for name, (_seed, credential, _token) in ACCOUNTS.items()
                ]
            }
        )
    )
    workspace = ["-w", str(home / "workspace.yaml")]
    # submitted first, so the daemon finds the runs queued (and the instance created)
    submitted = subprocess.run(
        [
            str(ORCHESTRATE_BIN / "dagster"),
            "job",
            "backfill",
            *workspace,
            "-j",
            JOB,
            "--partitions",
            ",".join(f"{name}|{DAY}" for name in ACCOUNTS),
            "--noprompt",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert submitted.returncode == 0, (submitted.stdout + submitted.stderr)[-4000:]
    with (home / "daemon.log").open("w") as daemon_log:
        daemon = subprocess.Popen(
            [str(ORCHESTRATE_BIN / "dagster-daemon"), "run", *workspace],
            cwd=ROOT,
            env=env,
            stdout=daemon_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            waited = subprocess.run(
                [
                    str(ORCHESTRATE_BIN / "python"),
                    "-c",
                    WAIT_FOR_RUNS,
                    str(len(ACCOUNTS)),
                    # three Meltano runs, two of them one after the other, on a loaded
                    # machine: minutes; the bound only stops a run that never ends
                    "1200",
                    JOB,
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1300,
                check=False,
            )
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
    assert waited.returncode == 0, waited.stderr[-4000:]
    runs = json.loads(waited.stdout.splitlines()[-1])
    log = (home / "daemon.log").read_text()
    spans = {}
    for name, server in emulators.items():
        times = [request.at for request in server.served("/stats/")]
        if times:
            spans[name] = (min(times), max(times) + DELAY)
        server.stop()
    return runs, spans, log


def overlap(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Seconds during which both spans were open (negative: the gap between them)."""
    return min(first[1], second[1]) - max(first[0], second[0])


def test_every_account_ran_once_with_its_credential_tag(queued_backfill):
    runs, spans, log = queued_backfill
    by_account = {run["tags"].get("dagster/partition/account"): run for run in runs}
    assert sorted(by_account) == sorted(ACCOUNTS), log[-4000:]
    statuses = {name: run["status"] for name, run in by_account.items()}
    assert set(statuses.values()) == {"SUCCESS"}, (statuses, log[-4000:])
    tags = {name: run["tags"]["chat_taps/credential"] for name, run in by_account.items()}
    assert tags["client-1"] == tags["client-2"] != tags["client-3"]
    assert sorted(spans) == sorted(ACCOUNTS)


def test_runs_sharing_a_credential_never_overlap_and_others_do(queued_backfill):
    """From the emulators' request logs: each run's first request to its last answer."""
    runs, spans, _log = queued_backfill
    first_start = min(run["start"] for run in runs)
    shared = overlap(spans["client-1"], spans["client-2"])
    own = max(overlap(spans["client-3"], spans[name]) for name in ("client-1", "client-2"))
    for run in sorted(runs, key=lambda run: run["start"] or 0):
        print(
            run["tags"].get("dagster/partition/account"),
            run["tags"].get("chat_taps/credential"),
            f"run {run['start'] - first_start:.1f} s to {run['end'] - first_start:.1f} s,",
            "tap requests {:.1f} s to {:.1f} s".format(
                *(at - first_start for at in spans[run["tags"]["dagster/partition/account"]])
            ),
        )
    print(
        f"shared credential: gap between its two runs {-shared:.1f} s; "
        f"own credential: overlapped a shared-credential run for {own:.1f} s"
    )
    assert shared < 0, "client-1 and client-2 share a token and ran at once"
    # and the whole Dagster runs (start-up and load included) one after the other
    run_spans = {
        run["tags"]["dagster/partition/account"]: (run["start"], run["end"]) for run in runs
    }
    assert overlap(run_spans["client-1"], run_spans["client-2"]) < 0
    assert own > 0, "client-3 has its own token but waited for the shared-token runs"


@pytest.fixture(scope="module")
def transformed(deployment, queued_backfill):
    """The dbt models below the loaded tables, built once after the loads, as production
    does it: in the PostgreSQL warehouse target-postgres loaded (CHAT_TAPS_LOADER).
    """
    home, env = deployment
    built = build_models_below_loaded(env)
    return built, home


def test_dbt_assets_build_the_marts_in_the_postgresql_warehouse(transformed, postgres):
    """The marts of every account loaded, in the schema transform/profiles/postgres names,
    each account's agent-days exactly its loaded (and staged) operator-days; no DuckDB.
    """
    built, home = transformed
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    runs = runs_printed(built)
    assert [run["success"] for run in runs] == [True], built.stdout[-4000:]
    with psycopg.connect(postgres.url("queue_test")) as db:
        schemas = {
            row[0]
            for row in db.execute(
                "select table_schema from information_schema.tables "
                "where table_name = 'fct_agent_days'"
            )
        }
        loaded = db.execute(
            'select "_account_id", operator_id, cast("date" as varchar) '
            "from tap_chattonic.operator_stats_daily"
        ).fetchall()
        staged = dict(
            db.execute(
                "select source_account, count(*) "
                "from analytics.stg_chattonic__operator_stats_daily group by 1"
            ).fetchall()
        )
        agent_days = db.execute(
            "select source_account, agent_id, cast(activity_date as varchar) "
            "from analytics.fct_agent_days where platform = 'chattonic'"
        ).fetchall()
    assert schemas == {"analytics"}  # DBT_POSTGRES_SCHEMA's default
    assert not (home / "unused.duckdb").exists(), "dbt built in DuckDB"
    counts = {}
    for name in ACCOUNTS:
        expected = sorted((op, day) for account, op, day in loaded if account == name)
        mart = sorted((agent, day) for account, agent, day in agent_days if account == name)
        assert expected, f"nothing of {name} loaded"
        assert mart == expected, name
        assert staged.get(name) == len(expected), name
        counts[name] = len(mart)
    assert {account for account, *_ in agent_days} == set(ACCOUNTS)
    print("PostgreSQL analytics.fct_agent_days rows per account:", counts)
