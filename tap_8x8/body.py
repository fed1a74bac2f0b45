"""The records of an 8x8 real-time response, whatever shape it comes in.

The documentation shows one XML item and says JSON is available; the shapes met in practice
(and assumed by the contract) vary with the number of items and the path:

- `{"agent": [...]}`, or one level deeper `{"agents": {"agent": [...]}}`;
- a single object instead of a list when there is one item (`{"agent": {...}}`, also what
  `/agent/{id}.json` answers), or the bare object;
- an empty string when there are none (`""`, `{"agent": ""}`, `{"agents": ""}`, ...);
- XML (`<agents><agent>...</agent></agents>`, `<agent>...</agent>`, `<agents/>`) when a proxy
  drops the `.json` suffix and the API falls back to its default format. XML is accepted
  rather than refused: the figures are the same, and a schedule keeps running.

Anything else (an error object, an HTML page, a cut body) raises `BodyError`, which the
stream retries: it is never taken as "no agents".

Why the whole body is parsed at once rather than streamed like the other taps' bodies: these
are real-time lists of one tenant's agents or queues (hundreds, about 1.5 KB each: a few MB
at the very most), not a history that grows with a date range; and the shape (list, object
or empty string, at one of two depths) is known only once the member holding the records has
been read. Memory is bounded by the tenant's size, not by how much history is asked for.
"""

from __future__ import annotations

import json
import re
import typing as t
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from tapkit.errors import BodyError

_SNIPPET = 200
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    """`agent-count-loggedOut` → `agent_count_logged_out`, `Agent-sub-status` → `agent_sub_status`.

    8x8 mixes hyphens, camelCase and a capitalised name; warehouses want one spelling.
    """
    return _CAMEL_BOUNDARY.sub("_", name).replace("-", "_").replace(" ", "_").lower()


def parse_records(body: bytes, *, singular: str, plural: str) -> list[dict[str, t.Any]]:
    """The items of one response (JSON or XML), as dicts with the vendor's field names."""
    text = body.lstrip(b"\xef\xbb\xbf").strip()
    if not text:
        # A zero-length 200 cannot be told from a connection that gave up: retried.
        raise BodyError("the response body is empty")
    if text[:1] == b"<":
        return _xml_records(text, singular=singular, plural=plural)
    try:
        payload = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError(
            f"the response is neither JSON nor XML ({exc}): {_snippet(text)!r}"
        ) from None
    return _json_records(payload, singular=singular, plural=plural, body=text)


def _json_records(
    payload: t.Any, *, singular: str, plural: str, body: bytes
) -> list[dict[str, t.Any]]:
    if payload == "":
        return []
    if isinstance(payload, dict):
        if singular in payload:
            return _as_items(payload[singular], singular, body)
        if plural in payload:
            inner = payload[plural]
            if inner in ("", None) or inner == {}:
                return []
            if isinstance(inner, list):
                return _as_items(inner, plural, body)
            if isinstance(inner, dict) and singular in inner:
                return _as_items(inner[singular], singular, body)
        if f"{singular}-id" in payload:  # the bare object of a single item
            return [no_value_as_null(payload)]
    if isinstance(payload, list):
        return _as_items(payload, "the top-level list", body)
    raise BodyError(f"the response holds no {singular} list: {_snippet(body)!r}")


def _as_items(value: t.Any, where: str, body: bytes) -> list[dict[str, t.Any]]:
    if value in ("", None):
        return []
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BodyError(f"expected objects under {where!r}: {_snippet(body)!r}")
    return [no_value_as_null(item) for item in items]


def _xml_records(body: bytes, *, singular: str, plural: str) -> list[dict[str, t.Any]]:
    if b"<html" in body[:1024].lower():
        raise BodyError(f"the response is not the statistics XML: {_snippet(body)!r}")
    try:
        # defusedxml refuses any DTD and any entity declaration outright, wherever it is
        # (a prefix check could be bypassed by a comment, another case, a BOM, UTF-16...)
        root = defused_fromstring(body, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise BodyError(
            f"the response declares a DTD or entities, which the statistics XML never does "
            f"({type(exc).__name__}): refused"
        ) from None
    except ET.ParseError as exc:
        raise BodyError(f"the response is cut short or malformed XML ({exc})") from None
    if root.tag == singular:
        return [_xml_item(root)]
    items = root.findall(singular) or root.findall(f"*/{singular}")
    if items:
        return [_xml_item(item) for item in items]
    if root.tag == plural and len(root) == 0:
        return []
    raise BodyError(f"the response holds no <{singular}> elements: {_snippet(body)!r}")


def _xml_item(element: ET.Element) -> dict[str, t.Any]:
    return no_value_as_null({child.tag: child.text for child in element})


def no_value_as_null(item: dict[str, t.Any]) -> dict[str, t.Any]:
    """8x8's "no value", read as null; any other value kept exactly as sent.

    XML has no null: an empty element (`<status-code-item-id/>`), or one holding only the
    blanks of a layout, is "no value". 8x8's JSON is the same document rendered as JSON (the
    documentation shows the XML item; the JSON answers carry `""` where the XML has an empty
    element), so an empty or blank string there is "no value" too, and both formats give the
    same records (docs/values.md).
    """
    for name, value in item.items():
        if value is None or (value.__class__ is str and not value.strip()):
            item[name] = None
    return item


def _snippet(body: bytes) -> str:
    return body[:_SNIPPET].decode("utf-8", "replace")
