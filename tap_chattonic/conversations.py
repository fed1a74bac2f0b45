"""Chat-Tonic's conversations (the developer wiki's "Queries": `GET /api/v1/{codename}/query`).

What the wiki publishes: `skip` (default 0) and `limit` (default and maximum 100), an optional
`query={"status": …}` (pending, progress, resolved), a sort on `createdAt` (-1 or 1), and the
answer `{"limit", "skip", "objects": [...]}`; each object holds `_id`, `app`, `messageUser`,
`message`, `account`, `origins`, `status`, the per-status `dates`, `search`, `createdAt`,
`updatedAt`. What it does not publish, and this stream assumes (docs/settings.md, tap-chattonic;
docs/chattonic-conversations.md):
- the sort is sent as `sort={"createdAt":-1}` (JSON, as `query` is); a list that is not
  newest first is refused with an error rather than read with a wrong stop rule;
- there is no total and no time filter: the list is read newest first, page by page, and
  the walk stops at the first conversation created before its stop instant;
- `dates` maps a status to the instant it was reached (`pending`, `progress`, `resolved`:
  the wiki's example shows `pending` only); other statuses are kept as sent.

The stop instant is `lookback_days` before the bookmark (the newest `createdAt` read), and
further back, to the oldest conversation that was still open (pending or in progress) at the
previous run, but never more than `open_conversation_days` before now: conversations
resolved within that reach get their final status on the next run. A conversation resolved
later than that keeps the last status read until a full refresh (see the docs).
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from collections import deque
from urllib.parse import quote

from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tap_chattonic.client import VENDOR, ChattonicStream
from tapkit.datetimes import parse_datetime_setting
from tapkit.paging import Page, PagePaginator
from tapkit.records import extra_property
from tapkit.sanity import parse_bookmark

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

#: the wiki's maximum (and default) `limit`
PAGE_LIMIT = 100
OPEN_STATUSES = frozenset({"pending", "progress"})
NEWEST_FIRST = json.dumps({"createdAt": -1}, separators=(",", ":"))
#: the state member remembering the oldest conversation still open at the end of a run
OPEN_SINCE = "open_since"
DEFAULT_HISTORY_DAYS = 30
#: ids remembered to drop a conversation listed again. Newer conversations push older ones
#: down the list, so one read again is always among the last ones read: ten pages cover a
#: thousand new conversations between two page requests, and the memory stays flat however
#: long the list is (a set of every id grew by about 100 bytes a conversation)
REMEMBERED_IDS = 10 * PAGE_LIMIT

#: `dates`: the instant each status was reached (the wiki shows `pending`; the other two
#: statuses are the wiki's valid `status` values)
STATUS_DATES = th.ObjectType(
    th.Property("pending", th.DateTimeType, description="Created, waiting for an operator."),
    th.Property("progress", th.DateTimeType, description="Taken by an operator."),
    th.Property("resolved", th.DateTimeType, description="Resolved."),
    additional_properties=True,
)
#: `messageUser`: "..." on the Queries page; the fields are those of its POST example
MESSAGE_USER = th.ObjectType(
    th.Property("_id", th.StringType),
    th.Property("firstName", th.StringType),
    th.Property("lastName", th.StringType),
    th.Property("profilePictureURL", th.StringType),
    th.Property("platform", th.StringType),
    th.Property("pausedBot", th.BooleanType),
    th.Property("blocked", th.BooleanType),
    th.Property("profile", th.ObjectType(additional_properties=True)),
    additional_properties=True,
)


def created_at(row: t.Mapping[str, t.Any]) -> dt.datetime | None:
    """A conversation's `createdAt` as an aware instant, or None when it cannot be read."""
    value = row.get("createdAt")
    if not isinstance(value, str):
        return None
    try:  # RFC 3339, designators in either case
        parsed = dt.datetime.fromisoformat(value.upper())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class NewestFirst:
    """Checks that the list comes newest first: a stop rule applied to a list in another
    order would silently skip conversations.
    """

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.previous: dt.datetime | None = None

    def check(self, created: dt.datetime) -> None:
        """Raise if `created` is newer than the conversation listed before it."""
        if self.previous is not None and created > self.previous:
            raise FatalAPIError(
                f"{VENDOR} listed conversations out of order (createdAt {created.isoformat()} "
                f"after {self.previous.isoformat()}): the sort sort={NEWEST_FIRST} was not "
                f"applied, so stream '{self.stream}' cannot tell where to stop"
            )
        self.previous = created


class RecentIds:
    """The last `capacity` conversation ids read, to drop one listed again by `skip` paging."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._order: deque[str] = deque()
        self._ids: set[str] = set()

    def first_sight(self, identifier: str) -> bool:
        """Whether `identifier` is not among the last ones read; it is remembered now."""
        if identifier in self._ids:
            return False
        self._ids.add(identifier)
        self._order.append(identifier)
        if len(self._order) > self.capacity:
            self._ids.discard(self._order.popleft())
        return True


class SkipLimitPaginator(PagePaginator[int]):
    """`skip` 0, 100, 200… until a page holds fewer than `limit` objects."""

    def __init__(self, limit: int) -> None:
        super().__init__(0)
        self.limit = limit

    @override
    def next_token(self, response: requests.Response, page: Page) -> int | None:
        """The next `skip`, or None after a short page."""
        if page.records < self.limit:
            return None
        return (self.current_value or 0) + self.limit


class ConversationsStream(ChattonicStream):
    """Every conversation ("query") of the account, newest first down to a stop instant."""

    name = "conversations"
    primary_keys = ("_id",)
    replication_key = "createdAt"
    records_array_key = "objects"
    schema = th.PropertiesList(
        th.Property("_id", th.StringType, required=True, description="The conversation."),
        th.Property("app", th.StringType),
        th.Property("messageUser", MESSAGE_USER, description="The end user."),
        th.Property("message", th.ObjectType(additional_properties=True)),
        th.Property("account", th.ObjectType(th.Property("_id", th.StringType))),
        th.Property("origins", th.ArrayType(th.StringType)),
        th.Property("status", th.StringType, description="pending, progress or resolved."),
        th.Property("dates", STATUS_DATES, description="When each status was reached."),
        th.Property("search", th.StringType, description="Search text (name, e-mail...)."),
        th.Property("createdAt", th.DateTimeType, required=True),
        th.Property("updatedAt", th.DateTimeType),
        extra_property(VENDOR),
    ).to_dict()

    @property
    @override
    def path(self) -> str:  # type: ignore[override]
        """The account's conversation list."""
        return f"/api/v1/{quote(str(self.config['codename']), safe='')}/query"

    @override
    def records_move_bookmark(self) -> bool:
        """No: the walk bookmarks once it has read down to its stop instant."""
        return False

    @override
    def get_new_paginator(self) -> SkipLimitPaginator:
        """`skip` by the wiki's maximum `limit`."""
        return SkipLimitPaginator(PAGE_LIMIT)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """A page of the newest-first list."""
        return {"skip": next_page_token or 0, "limit": PAGE_LIMIT, "sort": NEWEST_FIRST}

    def stop_instant(self, state: t.Mapping[str, t.Any]) -> dt.datetime:
        """The walk reads conversations created at or after this instant."""
        now = self.run_clock
        start = parse_datetime_setting(self.config.get("start_date"))
        bookmark = parse_bookmark(state.get("replication_key_value"), stream=self.name)
        if bookmark is None:
            return start or now - dt.timedelta(days=DEFAULT_HISTORY_DAYS)
        stop = bookmark - dt.timedelta(days=int(self.config.get("lookback_days", 1)))
        if start is not None:
            stop = max(stop, start)
        open_since = parse_bookmark(state.get(OPEN_SINCE), stream=self.name)
        if open_since is not None:
            reach = now - dt.timedelta(days=int(self.config.get("open_conversation_days", 7)))
            stop = min(stop, max(open_since, reach))
        return stop

    @override
    def request_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """The conversations created since the stop instant; then the bookmark and the
        oldest one still open are saved in the state, for the next run's stop instant.
        """
        state = self.get_context_state(context)
        stop = self.stop_instant(state)
        end = parse_datetime_setting(self.config.get("end_date"))
        self.logger.info("%s: reading newest first down to %s", self.name, stop.isoformat())
        newest: dt.datetime | None = None
        oldest_open: dt.datetime | None = None
        order = NewestFirst(self.name)
        recent = RecentIds(REMEMBERED_IDS)
        unplaced = 0
        rows = iter(super().request_records(context))
        for position, row in enumerate(rows):
            identifier = str(row.get("_id"))
            if not recent.first_sight(identifier):  # a page re-read, or pushed by a newer one
                continue
            created = created_at(row)
            if created is None:
                unplaced += 1  # kept (its key is `_id`), but it cannot place the walk
                yield row
                continue
            order.check(created)
            if created < stop:
                # the rest of this page (already read) still shows whether the sort held
                for _ in range(PAGE_LIMIT - 1 - position % PAGE_LIMIT):
                    following = created_at(next(rows, {}))
                    if following is not None:
                        order.check(following)
                break
            if end is not None and created > end:
                continue
            newest = created if newest is None else max(newest, created)
            if row.get("status") in OPEN_STATUSES:
                oldest_open = created if oldest_open is None else min(oldest_open, created)
            yield row
        if unplaced:
            self.logger.warning(
                "%s: %d conversation(s) without a readable createdAt were emitted as sent",
                self.name,
                unplaced,
            )
        self._save_walk(state, newest, oldest_open)

    def _save_walk(
        self,
        state: dict[str, t.Any],
        newest: dt.datetime | None,
        oldest_open: dt.datetime | None,
    ) -> None:
        """Bookmark the newest conversation read and the oldest one still open, for the
        STATE the SDK writes when the stream ends (never before the walk is complete).
        """
        if newest is not None:
            previous = parse_bookmark(state.get("replication_key_value"), stream=self.name)
            if previous is None or newest > previous:
                state["replication_key"] = self.replication_key
                state["replication_key_value"] = newest.isoformat()
        if oldest_open is None:
            state.pop(OPEN_SINCE, None)
        else:
            state[OPEN_SINCE] = oldest_open.isoformat()
        state.pop("progress_markers", None)
