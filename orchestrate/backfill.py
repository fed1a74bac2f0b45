"""Run partitions of a job one after another in this process, without a daemon.

    python -m orchestrate.backfill load_tap_chattonic__windowed 'client-1|2026-12-01' ...
    python -m orchestrate.backfill transform --select stg_chattonic__dashboard_hourly
    python -m orchestrate.backfill transform --downstream-of chattonic/operator_stats_daily

Each run is a Dagster run with the job's own executor (the multiprocess executor), its
partition's tags (the credential among them) and the instance of $DAGSTER_HOME, so it shows
in the UI like any other; a failed partition is reported and the next one still runs. One
line of JSON per run: partition, success, the credential tag. `--downstream-of` runs the
job's assets that lineage puts below the given ones (the dbt models, staging to marts, that
read the tables a backfill loaded: what the models' eager automation does under a daemon).
For a backfill spread over workers, launch it from the UI or `dagster job backfill` with the
run queue of orchestrate/dagster.yaml instead (docs/scale.md).
"""

import argparse
import json
import sys

import dagster as dg

from orchestrate.definitions import ACCOUNT_DIMENSION, CREDENTIAL_TAG, defs, job_named


def partition_tags(job: dg.JobDefinition, key: str) -> dict[str, str]:
    """The tags a run of partition `key` carries (the partition's and the job's own)."""
    partitions = job.partitions_def
    tags = {"dagster/partition": key}
    if isinstance(partitions, dg.MultiPartitionsDefinition):
        parsed = partitions.get_partition_key_from_str(key)
        for dimension, value in parsed.keys_by_dimension.items():
            tags[f"dagster/partition/{dimension}"] = value
        key = parsed
    if job.partitioned_config is not None:
        tags.update(job.partitioned_config.get_tags_for_partition_key(key))
    return tags


def downstream_of(
    job: dg.JobDefinition, keys: list[str], selection: list[dg.AssetKey] | None
) -> list[dg.AssetKey]:
    """The job's assets (within `selection`, if any) downstream of `keys` in the asset graph."""
    below = (
        dg.AssetSelection.assets(*(dg.AssetKey.from_user_string(key) for key in keys))
        .downstream(include_self=False)
        .resolve(defs.resolve_asset_graph())
    )
    runnable = set(job.asset_layer.executable_asset_keys)
    if selection is not None:
        runnable &= set(selection)
    chosen = sorted(below & runnable)
    if not chosen:
        raise SystemExit(f"no asset of {job.name} is downstream of {', '.join(keys)}")
    return chosen


def main() -> int:
    """Run each partition (or the job once), print one JSON line per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("job")
    parser.add_argument("partitions", nargs="*")
    parser.add_argument("--select", help="comma-separated asset keys (a/b) to run")
    parser.add_argument(
        "--downstream-of", help="comma-separated asset keys: run the job's assets below them"
    )
    args = parser.parse_args()
    job = job_named(args.job)
    selection = (
        [dg.AssetKey.from_user_string(key) for key in args.select.split(",")]
        if args.select
        else None
    )
    if args.downstream_of:
        selection = downstream_of(job, args.downstream_of.split(","), selection)
    failed = 0
    with dg.DagsterInstance.get() as instance:
        for key in args.partitions or [None]:
            tags = partition_tags(job, key) if key else {}
            result = dg.execute_job(
                dg.build_reconstructable_job("orchestrate.definitions", "job_named", (args.job,)),
                instance=instance,
                tags=tags,
                asset_selection=selection,
            )
            failed += not result.success
            print(
                json.dumps(
                    {
                        "partition": key,
                        "account": tags.get(f"dagster/partition/{ACCOUNT_DIMENSION}"),
                        "success": result.success,
                        "credential": tags.get(CREDENTIAL_TAG),
                        "run_id": result.run_id,
                    }
                ),
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
