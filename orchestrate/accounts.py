"""The account list: many accounts of one vendor served by one Meltano project.

An agency runs the same tap for each client account. Rather than one hand-written plugin
entry per account in meltano.yml (and secrets beside them), the accounts are listed in a
YAML file, each with the environment variables its settings come from:

    tap-chattonic:
      - name: client-a              # its rows' `_account_id`, its state id suffix
        credential: agency-login    # optional: accounts sharing a login share its rate limit
        env:                        # setting -> environment variable holding its value
          codename: CLIENT_A_CHATTONIC_CODENAME
          access_token: CLIENT_A_CHATTONIC_TOKEN
        settings:                           # optional non-secret literal settings
          timezone: Europe/Madrid

A run of one account is plain Meltano: the account's variables are copied onto the plugin's
own `TAP_X_<SETTING>` variables, `TAP_X_ACCOUNT` names the account (the tap's `account`
setting, `tapkit.accounts`), and `--state-id-suffix <account>` keeps its state apart:

    python -m orchestrate.accounts run tap-chattonic client-a target-postgres

The Dagster code location (`orchestrate.definitions`) reads the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: where the account list is read from when ACCOUNTS_FILE is not set
DEFAULT_FILE = Path("accounts.yml")
ACCOUNTS_FILE_ENV = "CHAT_TAPS_ACCOUNTS_FILE"
#: the same rule as the tap's `account` setting (tapkit.accounts.ACCOUNT_PATTERN)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class AccountListError(ValueError):
    """The account list cannot be used; the message names the file, tap and account."""


@dataclass(frozen=True)
class Account:
    """One account of one tap: its name, its credential and where its settings come from."""

    tap: str
    name: str
    credential: str
    env: dict[str, str] = field(default_factory=dict)
    settings: dict[str, t.Any] = field(default_factory=dict)

    @property
    def pool(self) -> str:
        """The concurrency pool of this account's credential: one run at a time in it."""
        return re.sub(r"[^A-Za-z0-9_]", "_", f"{self.tap}__{self.credential}")

    def plugin_env(self, environ: t.Mapping[str, str] | None = None) -> dict[str, str]:
        """The plugin's `TAP_X_<SETTING>` variables for this account (missing ones named)."""
        environ = os.environ if environ is None else environ
        prefix = setting_env_prefix(self.tap)
        found = {f"{prefix}ACCOUNT": self.name}
        for setting, value in self.settings.items():
            found[prefix + setting.upper()] = value if isinstance(value, str) else json.dumps(value)
        missing = [variable for variable in self.env.values() if variable not in environ]
        if missing:
            raise AccountListError(
                f"{self.tap} account {self.name}: environment variable(s) "
                f"{', '.join(sorted(missing))} not set"
            )
        for setting, variable in self.env.items():
            found[prefix + setting.upper()] = environ[variable]
        return found


def setting_env_prefix(plugin: str) -> str:
    """Meltano's variable prefix of a plugin's settings (`tap-8x8` -> `TAP_8X8_`)."""
    return re.sub(r"[^A-Za-z0-9]", "_", plugin).upper() + "_"


def accounts_file(path: str | os.PathLike[str] | None = None) -> Path:
    """The account list's path: the argument, else $CHAT_TAPS_ACCOUNTS_FILE, else accounts.yml."""
    return Path(path or os.environ.get(ACCOUNTS_FILE_ENV) or DEFAULT_FILE)


def load_accounts(path: str | os.PathLike[str] | None = None) -> list[Account]:
    """Every account of the list ([] when the file does not exist: no accounts)."""
    source = accounts_file(path)
    if not source.exists():
        return []
    document = yaml.safe_load(source.read_text()) or {}
    if not isinstance(document, dict):
        raise AccountListError(f"{source}: expected taps as keys, each with a list of accounts")
    found: list[Account] = []
    for tap, entries in document.items():
        if not isinstance(entries, list):
            raise AccountListError(f"{source}: {tap} must hold a list of accounts")
        found += [_account(source, str(tap), entry) for entry in entries]
    seen: set[tuple[str, str]] = set()
    for account in found:
        if (account.tap, account.name) in seen:
            raise AccountListError(f"{source}: {account.tap} lists account {account.name} twice")
        seen.add((account.tap, account.name))
    return found


def _account(source: Path, tap: str, entry: t.Any) -> Account:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise AccountListError(f"{source}: each account of {tap} needs a `name`")
    name = entry["name"]
    if not NAME.match(name):
        raise AccountListError(
            f"{source}: {tap} account name {name!r} must be 1 to 63 letters, digits, '_', "
            "'.' or '-'"
        )
    unknown = set(entry) - {"name", "credential", "env", "settings"}
    if unknown:
        raise AccountListError(f"{source}: {tap} account {name}: unknown key(s) {sorted(unknown)}")
    env = entry.get("env") or {}
    settings = entry.get("settings") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise AccountListError(
            f"{source}: {tap} account {name}: `env` maps settings to variable names"
        )
    if not isinstance(settings, dict):
        raise AccountListError(f"{source}: {tap} account {name}: `settings` must be a mapping")
    return Account(tap, name, str(entry.get("credential") or name), dict(env), dict(settings))


def find_account(accounts: t.Iterable[Account], tap: str, name: str) -> Account:
    """The account `name` of `tap`, or an error listing the known ones."""
    listed = [a for a in accounts if a.tap == tap]
    for account in listed:
        if account.name == name:
            return account
    known = ", ".join(a.name for a in listed) or "none"
    raise AccountListError(f"{tap} has no account {name!r} (accounts: {known})")


def meltano_run_command(
    account: Account,
    loader: str,
    *,
    state_id_suffix: str | None = None,
    extra: t.Sequence[str] = (),
) -> list[str]:
    """`meltano run` of one account, with its own state id."""
    return [
        "meltano",
        "run",
        "--state-id-suffix",
        state_id_suffix or account.name,
        *extra,
        account.tap,
        loader,
    ]


def main(argv: t.Sequence[str] | None = None) -> int:
    """`list`, `env` or `run` one account with plain Meltano."""
    parser = argparse.ArgumentParser(prog="python -m orchestrate.accounts", description=__doc__)
    parser.add_argument(
        "--file", help=f"the account list (default: ${ACCOUNTS_FILE_ENV} or accounts.yml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the accounts, their credential and pool")
    run = commands.add_parser("run", help="meltano run one account of one tap")
    run.add_argument("tap")
    run.add_argument("account")
    run.add_argument("loader")
    run.add_argument("meltano_args", nargs="*", help="more `meltano run` options, after --")
    args = parser.parse_args(argv)
    try:
        accounts = load_accounts(args.file)
        if args.command == "list":
            for account in accounts:
                print(
                    f"{account.tap}\t{account.name}\tcredential={account.credential}\tpool={account.pool}"
                )
            return 0
        account = find_account(accounts, args.tap, args.account)
        env = {**os.environ, **account.plugin_env()}
    except AccountListError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = meltano_run_command(account, args.loader, extra=args.meltano_args)
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 (meltano, listed args)


if __name__ == "__main__":
    sys.exit(main())
