"""The bench's floor: the fastest a bare Python program turns a vendor's answer into RECORD lines.

No SDK, no typing beyond what the contract requires: fetch each body whole over one
keep-alive connection (`http.client`), decode it (msgspec for JSON, the `csv` module for CSV),
convert the time fields to ISO 8601 with an offset, and write one Singer RECORD line per row
with msgspec. `make bench` divides each tap's records per second by this program's, on the
very same bodies, run alternately with the tap and the plain-SDK baseline.

The config (`--config FILE`, written by scripts/bench.py) says how to read:

- `url`, `method`, `params`, `body`: the request (JSON `body` for POST);
- `format`: `json` (records in `records_member`, or a bare array) or `csv` (`csv_delimiter`);
- `time_fields`: field name -> how the vendor writes it: `local` (no offset, in `utc_offset`
  hours), `rfc2822` (emitted in UTC) or `iso`;
- `paged`: pages `page`=0,1,... of `size` rows until a short page or `paging.totalCount`;
- `children`: read per parent record (`parent_key`), with the request in `children` and the
  parent's key as `child_key` in its JSON body; only the children's rows are written.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import email.utils
import http.client
import io
import sys
import typing as t
from urllib.parse import urlencode, urlsplit

import msgspec

Row = dict[str, t.Any]
encode_json = msgspec.json.Encoder().encode
decode_json = msgspec.json.Decoder().decode


class Fetcher:
    """One keep-alive HTTP/1.1 connection; each body is read whole."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def fetch(self, url: str, method: str, params: dict, body: t.Any) -> bytes:
        parts = urlsplit(url)
        target = parts.path + ("?" + urlencode(params) if params else "")
        payload = encode_json(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        self.connection.request(method, target, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            sys.exit(f"bench_floor: HTTP {response.status} for {target}")
        return data


def time_converter(kind: str, utc_offset: float) -> t.Callable[[str], str]:
    """The conversion of one time field to ISO 8601 with offset."""
    if kind == "local":
        zone = dt.timezone(dt.timedelta(hours=utc_offset))
        return lambda text: dt.datetime.fromisoformat(text).replace(tzinfo=zone).isoformat()
    if kind == "rfc2822":
        return lambda text: email.utils.parsedate_to_datetime(text).astimezone(dt.UTC).isoformat()
    if kind == "iso":
        return lambda text: dt.datetime.fromisoformat(text).isoformat()
    raise ValueError(f"unknown time kind {kind!r}")


def decode(data: bytes, config: dict) -> tuple[list[Row], dict]:
    """The rows of one body, and the JSON envelope around them (empty for CSV)."""
    if config["format"] == "csv":
        text = io.StringIO(data.decode("utf-8-sig"))
        return list(csv.DictReader(text, delimiter=config.get("csv_delimiter", ","))), {}
    payload = decode_json(data)
    member = config.get("records_member")
    if member is None:
        return payload, {}
    return payload[member], payload


def read_rows(fetcher: Fetcher, request: dict, config: dict, body: t.Any) -> t.Iterator[Row]:
    """Every row of one request, following `paged` pages."""
    params = dict(request.get("params", {}))
    page = 0
    while True:
        if config.get("paged"):
            params.update(page=page, size=config["size"])
        data = fetcher.fetch(request["url"], request.get("method", "GET"), params, body)
        rows, envelope = decode(data, config)
        yield from rows
        if not config.get("paged") or len(rows) < config["size"]:
            return
        total = envelope.get("paging", {}).get("totalCount")
        if total is not None and (page + 1) * config["size"] >= total:
            return
        page += 1


def records(fetcher: Fetcher, config: dict) -> t.Iterator[Row]:
    """The rows to write: the request's, or its children's."""
    parents = read_rows(fetcher, config, config, config.get("body"))
    child = config.get("children")
    if not child:
        yield from parents
        return
    for parent in parents:
        body = dict(child.get("body", {})) | {child["child_key"]: parent[child["parent_key"]]}
        yield from read_rows(fetcher, child, child | {"format": "json"}, body)


def main() -> None:
    """Read, convert, write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    with open(parser.parse_args().config, "rb") as config_file:
        config = decode_json(config_file.read())
    offset = float(config.get("utc_offset", 0))
    converters = [
        (name, time_converter(kind, offset)) for name, kind in config["time_fields"].items()
    ]
    stream = config["stream"]
    out = sys.stdout.buffer
    fetcher = Fetcher(config["url"])
    time_extracted = dt.datetime.now(dt.UTC).isoformat()
    for row in records(fetcher, config):
        for name, convert in converters:
            value = row.get(name)
            if value:
                row[name] = convert(value)
        out.write(
            encode_json(
                {
                    "type": "RECORD",
                    "stream": stream,
                    "record": row,
                    "time_extracted": time_extracted,
                }
            )
        )
        out.write(b"\n")
    out.flush()


if __name__ == "__main__":
    main()
