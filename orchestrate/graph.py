"""The code location's asset graph as text or JSON: keys, edges, partitions, credentials.

python -m orchestrate.graph           # one line per asset: key <- its inputs
python -m orchestrate.graph --json    # what tests/analytics/test_orchestrate.py reads
"""

from __future__ import annotations

import argparse
import json
import typing as t

import dagster as dg

from orchestrate.definitions import build_definitions


def graph(accounts_file: str | None = None) -> dict[str, t.Any]:
    """Assets (key -> inputs, kind, partitions, freshness), schedules, asset checks."""
    defs = build_definitions(accounts_file)
    asset_graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(asset_graph.get_all_asset_keys()):
        node = asset_graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "inputs": sorted(parent.to_user_string() for parent in node.parent_keys),
            "kinds": sorted(node.kinds),
            "partitions": type(partitions).__name__ if partitions else None,
            "freshness_hours": fail_window_hours(node.freshness_policy),
            "dimensions": (
                [d.name for d in partitions.partitions_defs]
                if isinstance(partitions, dg.MultiPartitionsDefinition)
                else []
            ),
        }
    schedules = {s.name: s.cron_schedule for s in defs.schedules or ()}
    checks = sorted(key.name for key in asset_graph.asset_check_keys)
    return {"assets": assets, "schedules": schedules, "checks": checks}


def fail_window_hours(policy: dg.FreshnessPolicy | None) -> float | None:
    """The hours after which a time-window freshness policy fails (None: no policy)."""
    window = getattr(policy, "fail_window", None)
    return None if window is None else window.to_timedelta().total_seconds() / 3600


def main() -> None:
    """Print the graph."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--accounts-file")
    args = parser.parse_args()
    found = graph(args.accounts_file)
    if args.json:
        print(json.dumps(found, indent=1))
        return
    for key, node in found["assets"].items():
        partitions = node["partitions"] or "-"
        if node["dimensions"]:
            partitions += "(" + " x ".join(node["dimensions"]) + ")"
        print(f"{key}  [{partitions}]  <- {', '.join(node['inputs']) or '(vendor)'}")
    for name, cron in found["schedules"].items():
        print(f"schedule {name}: {cron}")
    fresh = [key for key, node in found["assets"].items() if node["freshness_hours"]]
    print(f"{len(fresh)} freshness policies")


if __name__ == "__main__":
    main()
