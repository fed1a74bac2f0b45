"""Many accounts of one vendor in one warehouse: the opt-in account column and key.

An agency or a contact center runs the same tap for dozens of client accounts. Their rows
land in the same tables, and two accounts reuse the vendor's ids (session 1 of account A is
not session 1 of account B), so the account must be part of every row and of every key, or
one account's rows upsert onto another's.

The `account` setting (common to every tap) names the account a run reads. When it is set,
every stream's schema gains the `_account_id` string property, every record carries the
account's name there, and every stream's key properties begin with it. When it is unset,
nothing changes: the output is byte for byte that of a tap without accounts.

The column is `_account_id`, not `account_id`: CoBrowser already sends an `account_id` of its
own (an account inside one login), and the leading underscore marks a field the tap adds,
as `_extra` does. State is kept per account by Meltano (one state id per account, see
docs/scale.md), not by the tap: a run reads one account.
"""

from __future__ import annotations

import re
import typing as t

from singer_sdk import typing as th

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

#: the column every record carries when `account` is set
ACCOUNT_FIELD = "_account_id"
#: the setting naming the account a run reads
ACCOUNT_SETTING = "account"
#: an account name: a warehouse value, a Meltano state id suffix and a Dagster partition key
ACCOUNT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def account_property() -> th.Property[t.Any]:
    """The common `account` setting."""
    return th.Property(
        ACCOUNT_SETTING,
        th.StringType,
        description=(
            "Name of the account this run reads, for one project serving many accounts of the "
            "vendor. When set, every record carries it in `_account_id` and every stream's key "
            "begins with `_account_id`, so accounts with the same ids never overwrite each "
            "other. Letters, digits, `_`, `.` and `-`, up to 63 characters. Unset: no column."
        ),
    )


def account_of(config: t.Mapping[str, t.Any]) -> str | None:
    """The configured account name, or None (no account column)."""
    value = config.get(ACCOUNT_SETTING)
    return None if value in (None, "") else str(value)


def check_account(config: t.Mapping[str, t.Any]) -> list[str]:
    """The account name fits a warehouse value, a state id and a partition key."""
    account = account_of(config)
    if account is None or ACCOUNT_PATTERN.match(account):
        return []
    return [
        f"{ACCOUNT_SETTING} must be 1 to 63 letters, digits, '_', '.' or '-' (starting with a "
        f"letter or digit), got {account!r}"
    ]


def with_account_field(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """A copy of `schema` whose first property is the account column (required)."""
    properties = {ACCOUNT_FIELD: {"type": ["string"]}}
    properties.update((k, v) for k, v in schema.get("properties", {}).items() if k != ACCOUNT_FIELD)
    required = [ACCOUNT_FIELD, *(r for r in schema.get("required", ()) if r != ACCOUNT_FIELD)]
    return {**schema, "properties": properties, "required": required}


def keyed_by_account(keys: t.Sequence[str] | None) -> list[str]:
    """The stream's key properties, led by the account column."""
    return [ACCOUNT_FIELD, *(key for key in keys or () if key != ACCOUNT_FIELD)]


def add_account(streams: t.Iterable[Stream], account: str) -> None:
    """Give each stream the account column in its schema and at the head of its key.

    The schema is replaced on the instance, never changed in place: a stream class's schema
    is shared by every tap instance of the process.
    """
    for stream in streams:
        stream.schema = with_account_field(stream.schema)  # type: ignore[misc]
        stream.primary_keys = keyed_by_account(stream.primary_keys)


def tag_record(row: dict[str, t.Any], account: str | None) -> dict[str, t.Any]:
    """The row with the account's name in the account column (unchanged without account)."""
    if account is not None:
        row[ACCOUNT_FIELD] = account
    return row
