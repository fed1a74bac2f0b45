"""tap-jaicp's schemas held against the vendor's published OpenAPI, field for field.

Source: JAICP's Reporter API description `reporter-api.yml` ("Reporter API", openapi 3.0.1),
published at https://app.jaicp.com/api/api-gateway/static/specs/reporter-api.yml; the copy
read is GitHub `CryLeech/jaicp-mcp`, path `vendor/specs/reporter-api.yml`, commit
c67424d3ed385b0c0f42e6054649c050d5fa4043 (its NOTICE says it matches the vendor's file byte
for byte). Below, each component's properties as the spec declares them: a JSON type, a
date-time, a nested component, or an array of one. A schema that drifts from the vendor
fails the test named after its stream.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from tap_jaicp.streams import (
    ClientsStream,
    MessageLabelsStream,
    MessagesBySessionStream,
    MessagesByTimeStream,
    SessionLabelStatsStream,
    SessionsStream,
    SwitchedSessionsDailyStream,
)

DATE_TIME = "date-time"
#: `ObjectNode` / `JsonNode`: `type: object`, no properties
FREE_FORM: dict[str, t.Any] = {}

CLIENT_INFO = {"id": "string", "firstName": "string", "lastName": "string", "username": "string"}
SESSION_LABEL_DTO = {"id": "integer", "name": "string", "priority": "integer"}
MESSAGE_LABEL_GROUP_DTO = {"id": "integer", "name": "string", "priority": "integer"}
MESSAGE_LABEL_DTO = {
    "id": "integer",
    "name": "string",
    "priority": "integer",
    "group": MESSAGE_LABEL_GROUP_DTO,
}
OPERATOR_INFO = {
    "id": "string",
    "firstName": "string",
    "lastName": "string",
    "photoUrl": "string",
    "channelType": "string",
}
NLP_INFO = {
    "nlpState": "string",
    "nlpClass": "string",
    "fromState": "string",
    "pattern": "string",
    "effectivePattern": "string",
    "confidence": "number",
    "rule": "string",
    "ruleType": "string",
}
SESSION_INFO = {
    "sessionId": "string",
    "projectShortName": "string",
    "channelType": "string",
    "botId": "string",
    "client": CLIENT_INFO,
    "startTime": DATE_TIME,
    "firstQuestion": "string",
    "lastQuestion": "string",
    "questionCount": "integer",
    "duration": "integer",
    "callTaskId": "integer",
    "isCallIncoming": "boolean",
    "sessionResult": "string",
    "audioFileUrl": "string",
    "responseData": FREE_FORM,
    "customFields": FREE_FORM,
    "sessionData": FREE_FORM,  # `type: object`, additionalProperties: string
    "isLivechat": "boolean",
    "labels": [SESSION_LABEL_DTO],
}
MESSAGE = {
    "timestamp": DATE_TIME,
    "questionId": "string",
    "isLivechat": "boolean",
    "question": "string",
    "textAnswer": "string",
    "event": "string",
    "operatorInfo": OPERATOR_INFO,
    "nlpInfo": NLP_INFO,
    "pageName": "string",
    "previousPageName": "string",
    "requestData": FREE_FORM,
    "data": FREE_FORM,
    "responseData": FREE_FORM,
    "utterancesJson": FREE_FORM,
    "exception": "string",
    "processingTime": "integer",
    "labels": [MESSAGE_LABEL_DTO],
    "cleaned": "boolean",
    "comment": "string",
    "status": "string",  # `MessageStatus`: an enum of strings
    "sessionId": "string",
}
EXTENDED_MESSAGE = {
    "sessionId": "string",
    "projectShortName": "string",
    "channelType": "string",
    "botId": "string",
    "client": CLIENT_INFO,
    "sessionStartTime": DATE_TIME,
    "timestamp": DATE_TIME,
    "questionId": "string",
    "isLivechat": "boolean",
    "question": "string",
    "textAnswer": "string",
    "event": "string",
    "operatorInfo": OPERATOR_INFO,
    "nlpInfo": NLP_INFO,
    "pageName": "string",
    "previousPageName": "string",
    "callTaskId": "integer",
    "isCallIncoming": "boolean",
    "requestData": FREE_FORM,
    "data": FREE_FORM,
    "responseData": FREE_FORM,
    "utterancesJson": FREE_FORM,
    "exception": "string",
    "processingTime": "integer",
    "labels": [MESSAGE_LABEL_DTO],
    "sessionLabels": [SESSION_LABEL_DTO],
    "cleaned": "boolean",
    "comment": "string",
}
CLIENT_EXTENDED_INFO = {
    "id": "string",
    "firstName": "string",
    "lastName": "string",
    "username": "string",
    "accountId": "integer",
    "projectShortName": "string",
    "channelType": "string",
    "botId": "string",
    "lastSessionId": "string",
    "joinDate": DATE_TIME,
    "lastVisitDate": DATE_TIME,
    "isBlocked": "boolean",
    "blockReason": "string",
    "blockedBy": "integer",
    "blockDate": DATE_TIME,
}

#: `TimestampToValue` (required `ts`, `value`): `ts` int64, `value` a double
TIMESTAMP_TO_VALUE = {"ts": "integer", "value": "number"}
#: `SessionLabelStats` (one per label in `SessionLabelStatsDto.stats`): `label` a
#: `SessionLabelDto`, `tsToValues` an array of `TimestampToValue`, `totalCount` int64
SESSION_LABEL_STATS = {
    "label": SESSION_LABEL_DTO,
    "tsToValues": [TIMESTAMP_TO_VALUE],
    "totalCount": "integer",
}

#: The statistics streams hold one row per interval: the row is the component flattened
#: (what `tsToValues` holds, beside what it belongs to) plus the tap's own columns named
#: here, which are not the vendor's (keys and readable dates derived from `ts`).
SESSION_LABEL_STATS_ROW = {
    "label": SESSION_LABEL_STATS["label"],
    **TIMESTAMP_TO_VALUE,
    # the tap's: the key, `ts` as a date-time, the interval asked
    "labelId": "integer",
    "intervalStart": DATE_TIME,
    "intervalType": "string",
}
SWITCHED_SESSIONS_ROW = {
    **TIMESTAMP_TO_VALUE,
    # the tap's: the `transferToOperatorMethod` asked (a required query parameter whose
    # enum is SWITCH, TEXT) and the UTC day of `ts`
    "transferToOperatorMethod": "string",
    "date": "date",
}

#: stream → the fields it must declare: messages are `ExtendedMessage` (by time) and
#: `Message` (by session) in one schema, the union of both (`Message` adds only `status`),
#: so the warehouse's columns do not depend on `messages_mode`
STREAMS = {
    "sessions": (SessionsStream, SESSION_INFO),
    "messages by time": (MessagesByTimeStream, EXTENDED_MESSAGE | MESSAGE),
    "messages by session": (MessagesBySessionStream, EXTENDED_MESSAGE | MESSAGE),
    "clients": (ClientsStream, CLIENT_EXTENDED_INFO),
    "message_labels": (MessageLabelsStream, MESSAGE_LABEL_DTO),
    "session_label_stats": (SessionLabelStatsStream, SESSION_LABEL_STATS_ROW),
    "switched_sessions_daily": (SwitchedSessionsDailyStream, SWITCHED_SESSIONS_ROW),
}


def spec_shape(prop: dict) -> t.Any:
    """A declared JSON-schema property in the notation of the field lists above."""
    types = prop.get("type", [])
    types = {types} if isinstance(types, str) else set(types)
    types -= {"null"}
    if types == {"array"}:
        return [spec_shape(prop["items"])]
    if types == {"object"}:
        return {name: spec_shape(inner) for name, inner in prop.get("properties", {}).items()}
    if types == {"string"} and prop.get("format") == "date-time":
        return DATE_TIME
    if types == {"string"} and prop.get("format") == "date":
        return "date"
    (single,) = types
    return single


@pytest.mark.parametrize("stream", STREAMS)
def test_the_stream_declares_the_spec_s_fields_with_the_spec_s_types(stream):
    stream_class, component = STREAMS[stream]
    properties = dict(stream_class.schema["properties"])
    assert "_extra" in properties, "undeclared fields are kept"
    properties.pop("_extra")
    declared = {name: spec_shape(prop) for name, prop in properties.items()}
    assert set(declared) == set(component), (
        f"not in the spec: {sorted(set(declared) - set(component))}; "
        f"missing: {sorted(set(component) - set(declared))}"
    )
    for name, shape in component.items():
        assert declared[name] == shape, f"{stream}.{name}"


def test_nested_objects_keep_undeclared_fields():
    client = SessionsStream.schema["properties"]["client"]
    assert client.get("additionalProperties") is True


#: the spec's file in the shared vendor folder, when a folder above this checkout has it
SHARED_SPEC = next(
    (
        folder / "shared/vendor-docs/jaicp/reporter-api.yml"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared/vendor-docs/jaicp/reporter-api.yml").exists()
    ),
    Path("shared/vendor-docs/jaicp/reporter-api.yml"),
)


def published_component(spec: dict[str, t.Any], name: str) -> t.Any:
    """A component of the published file in the notation above."""
    return _shape(spec, spec["components"]["schemas"][name])


def _shape(spec: dict[str, t.Any], node: dict[str, t.Any]) -> t.Any:
    if "$ref" in node:
        target = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        if target.get("type") == "object" and "properties" not in target:
            return FREE_FORM
        return _shape(spec, target)
    if node.get("type") == "array":
        return [_shape(spec, node["items"])]
    if "properties" in node:
        return {k: _shape(spec, v) for k, v in node["properties"].items()}
    if node.get("type") == "object":
        return FREE_FORM
    if node.get("type") == "string" and node.get("format") in ("date-time", "date"):
        return DATE_TIME if node["format"] == "date-time" else "date"
    return node.get("type", "string")


@pytest.mark.parametrize(
    ("component", "transcribed"),
    [
        ("MessageLabelDto", MESSAGE_LABEL_DTO),
        ("SessionLabelDto", SESSION_LABEL_DTO),
        ("TimestampToValue", TIMESTAMP_TO_VALUE),
        ("SessionLabelStats", SESSION_LABEL_STATS),
    ],
)
def test_the_transcribed_components_match_the_shared_copy_of_the_spec(component, transcribed):
    if not SHARED_SPEC.exists():
        pytest.skip(f"no shared copy of the spec at {SHARED_SPEC}")
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(SHARED_SPEC.read_text())
    assert published_component(spec, component) == transcribed
