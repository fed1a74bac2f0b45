"""`make bench`: how close the taps sit to the floor the vendors' limits set, in one run.

Every figure is measured against the emulators on loopback, with each tap run as a
subprocess the way Meltano runs it, and printed as one markdown table (see BENCHMARKS.md):

- requests made / minimum possible, for each windowed stream's backfill;
- Oct8ne's rate-limited wall time against its floor, (requests - 1) x interval;
- records per second of the tap process (stdout to /dev/null), against a plain `singer-sdk`
  stream reading the same body with default settings;
- peak RSS of a tap reading one response of 100,000 and 1,000,000 rows;
- peak RSS of the taps that decode a body whole, at the largest body each accepts;
- end to end on unique rows: `meltano run` into each loader, the tap alone, the loader alone,
  at `--rows` and at 1,000,000 rows (`e2e-million`, the longest part: the emulated
  Snowflake loads about 1,300 rows/s);
- the round-three streams (8x8 reports, Chat-Tonic conversations): requests against the
  minimum their APIs allow, and peak RSS at ten times the rows;
- dbt at scale: the daily job's incremental `dbt build` (without the tests of all of history)
  and the marts' own build against the full build, on a small and a 10-million-message
  history with the same day's rows.

Bulk bodies are the emulator's own answer for the request, its rows repeated to the size
wanted and streamed in chunks, so the bench process never holds a large body and the tap
reads exactly what the vendor would send, only more of it.

Each part is a module beside this one (`bench_requests`, `bench_rate_limit`,
`bench_throughput`, `bench_memory`, `bench_bodies`, `bench_identity`, `bench_pipe`,
`bench_parallel`, `bench_e2e`, `bench_new_streams`, `bench_dbt`, `bench_profile`), sharing
`bench_common`; this one runs the parts asked for and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from bench_bodies import largest_bodies
from bench_common import Row, machine
from bench_dbt import dbt_at_scale
from bench_e2e import end_to_end
from bench_identity import REFERENCE, output_identity
from bench_memory import peak_memory
from bench_new_streams import new_streams
from bench_parallel import jaicp_parallel
from bench_pipe import into_a_pipe
from bench_profile import profile
from bench_rate_limit import oct8ne_floor
from bench_requests import all_request_ratios, jaicp_messages_modes
from bench_throughput import ProbeResult, measure_probe, probes, throughput_table

PARTS = (
    "identity",
    "throughput",
    "pipe",
    "memory",
    "bodies",
    "requests",
    "modes",
    "oct8ne",
    "parallel",
    "e2e",
    "e2e-million",
    "dbt",
    "streams",
)


def main() -> None:
    """Measure, then print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the throughput bodies")
    parser.add_argument("--reps", type=int, default=2, help="alternated runs of each program")
    parser.add_argument("--reference", default=REFERENCE, help="commit of the identity check")
    parser.add_argument("--only", nargs="*", choices=PARTS, default=PARTS, help="parts to run")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="instead: profile each probe's tap with py-spy, keep the raw profiles in DIR",
    )
    parser.add_argument("--probe", default="", help="with --profile: only probes naming this")
    args = parser.parse_args()
    if args.profile:
        print("\n".join(profile(args.rows, args.profile, args.probe)))
        return
    started = time.perf_counter()
    header = f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}.\n"
    rows: list[Row] = []
    speed: list[ProbeResult] = []
    if "identity" in args.only:
        rows += output_identity(args.reference)
        if not all(row.ok for row in rows):
            print("\n".join(row.markdown() for row in rows))
            sys.exit("bench: the taps' output changed; figures of a different output mean nothing")
    if "throughput" in args.only:
        speed = [measure_probe(probe, args.reps) for probe in probes(args.rows)]
    if "pipe" in args.only:
        rows += into_a_pipe(args.rows)
    if "memory" in args.only:
        rows += peak_memory()
    if "bodies" in args.only:
        rows += largest_bodies()
    if "requests" in args.only:
        rows += all_request_ratios()
    if "modes" in args.only:
        rows += jaicp_messages_modes()
    if "oct8ne" in args.only:
        rows += oct8ne_floor()
    if "parallel" in args.only:
        rows += jaicp_parallel()
    if "e2e" in args.only:
        rows += end_to_end(args.rows)
    if "e2e-million" in args.only:
        rows += end_to_end(1_000_000)
    if "streams" in args.only:
        rows += new_streams()
    if "dbt" in args.only:
        rows += dbt_at_scale()
    print(header)
    if speed:
        print("\n".join(throughput_table(speed, args.reps)) + "\n")
    print("| figure | measured | target | met |")
    print("|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    print(
        f"\n(`make bench` took {time.perf_counter() - started:.0f} s; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )


if __name__ == "__main__":
    main()
