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

import pytest

from tap_jaicp.streams import (
    ClientsStream,
    MessagesBySessionStream,
    MessagesByTimeStream,
    SessionsStream,
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

#: stream → the fields it must declare: messages are `ExtendedMessage` (by time) and
#: `Message` (by session) in one schema, the union of both (`Message` adds only `status`),
#: so the warehouse's columns do not depend on `messages_mode`
STREAMS = {
    "sessions": (SessionsStream, SESSION_INFO),
    "messages by time": (MessagesByTimeStream, EXTENDED_MESSAGE | MESSAGE),
    "messages by session": (MessagesBySessionStream, EXTENDED_MESSAGE | MESSAGE),
    "clients": (ClientsStream, CLIENT_EXTENDED_INFO),
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
