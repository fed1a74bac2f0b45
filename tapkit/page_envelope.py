"""A page whose body wraps its records in an envelope that also states the list's total or
the next page's cursor: `{"paging": {"totalCount": n}, "sessions": [...]}`,
`{"data": [...], "total": n}`, `{"chats": [...], "next_page_id": "…"}`.

A stream declares where its envelope holds those (`PageEnvelope`) and reads each page with
it from `parse_page`: the records come as the body is decoded (`page_records`: a page is
held whole, a huge one streamed), and once the body is read the total lands on `page.total`
and the cursor on `page.cursor`, where the stream's paging hook (`next_page_in_window`, or a
`PagePaginator`) reads them. The envelope rides on the `Page`, never on the response.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from tapkit.converters import to_int
from tapkit.jsonenvelope import page_records

if t.TYPE_CHECKING:
    import logging

    import requests

    from tapkit.paging import Page

#: how much of a body is handed to the parser at a time
CHUNK_BYTES = 64 * 1024


def member_at(members: t.Mapping[str, t.Any], path: tuple[str, ...]) -> t.Any:
    """The value at `path` (`("paging", "totalCount")`) in an envelope, or None."""
    value: t.Any = members
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass(frozen=True)
class PageEnvelope:
    """Where one vendor's page body holds its records, the total and the next cursor."""

    #: the member holding the records (None: the first array of objects)
    array_key: str | None = None
    #: the path of the list's total, if the body states one (`("paging", "totalCount")`)
    total_at: tuple[str, ...] = ()
    #: the path of the next page's cursor, if the body states one (`("next_page_id",)`)
    cursor_at: tuple[str, ...] = ()

    def read(
        self, response: requests.Response, page: Page, *, stream: str, logger: logging.Logger
    ) -> t.Iterable[dict[str, t.Any]]:
        """The page's records; `page.total` and `page.cursor` once the body is read.

        A page held whole is read here, and its records come as a list (`page_records`),
        its envelope already told; a page streamed is read as its records are taken.
        """
        members: dict[str, t.Any] = {}
        chunks = response.iter_content(chunk_size=CHUNK_BYTES)
        records = page_records(chunks, members=members, array_key=self.array_key)
        if isinstance(records, list):
            self._tell(members, page, stream=stream, logger=logger)
            return records
        return self._streamed(records, members, page, stream=stream, logger=logger)

    def _streamed(
        self,
        records: t.Iterable[dict[str, t.Any]],
        members: dict[str, t.Any],
        page: Page,
        *,
        stream: str,
        logger: logging.Logger,
    ) -> t.Iterator[dict[str, t.Any]]:
        yield from records
        self._tell(members, page, stream=stream, logger=logger)

    def _tell(
        self, members: dict[str, t.Any], page: Page, *, stream: str, logger: logging.Logger
    ) -> None:
        """What the envelope states (`members`, the body read) onto `page`."""
        if self.total_at:
            page.total = self.stated_total(members, stream=stream, logger=logger)
        if self.cursor_at:
            cursor = member_at(members, self.cursor_at)
            page.cursor = None if cursor in (None, "") else cursor

    def stated_total(
        self, members: t.Mapping[str, t.Any], *, stream: str, logger: logging.Logger
    ) -> int | None:
        """The total the envelope states; None (paging then ends on a short page) when it
        states none or one that is not a whole number (said once per page).
        """
        value = member_at(members, self.total_at)
        try:
            return to_int(value)
        except (TypeError, ValueError):
            logger.warning(
                "%s: %s is not a whole number (%r); ignored", stream, ".".join(self.total_at), value
            )
            return None
