"""Exit codes that tell the truth when a run is stopped by a signal.

The SDK answers SIGTERM and SIGINT by writing the state and exiting 0, so a run killed by
Kubernetes, systemd or Airflow looks like a success to `meltano run` and to every alert that
watches exit codes. Here the same state is written (it is consistent: bookmarks move only
when a window is complete) and the process exits with the shell's convention for a death by
signal, 128 + the signal number: 143 for SIGTERM, 130 for SIGINT.
"""

from __future__ import annotations

import signal
import sys
import typing as t

if t.TYPE_CHECKING:
    import logging


def exit_code_for(signum: int) -> int:
    """The exit code of a run stopped by `signum`: 128 + the signal number, as a shell
    reports a process killed by that signal.
    """
    return 128 + int(signum)


def signal_name(signum: int) -> str:
    """`SIGTERM`, `SIGINT`... (the number when the platform has no name for it)."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def stop_on_signal(
    signum: int, *, write_state: t.Callable[[], None], logger: logging.Logger
) -> t.NoReturn:
    """Write the last consistent state, say why the run stops, and exit 128 + `signum`.

    Raises `SystemExit`, so a `meltano run` sees the extractor fail and the job fails.
    """
    try:
        write_state()
        sys.stdout.flush()
    finally:
        code = exit_code_for(signum)
        logger.error(
            "Stopped by %s: the run is incomplete. The STATE of the last completed window "
            "was written, so the next run resumes there. Exit code %d.",
            signal_name(signum),
            code,
        )
        sys.exit(code)
