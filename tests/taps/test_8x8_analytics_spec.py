"""tap-8x8's Analytics streams held to what 8x8 publishes, and the emulator to the OpenAPI file.

Source: 8x8's public developer docs, GitHub `8x8Cloud/public-developer-docs`, commit
859e59a3afa3d40d41ac7ed8f3e33edbe4196baa ("Sync from 8x8/developer-docs@94c4cd98"):
- `docs_oas/analytics/8x8_analytics_for_contact_center_historical_metrics_api.json` (OpenAPI 3,
  Historical Metrics API v8): the components transcribed below (`OPENAPI`), field for field;
- `docs/analytics/docs/cc-historical-analytics-detailed-report.md` (3.1, 3.2 and
  "includeParticipants") and `cc-historical-analytics-summary-report.md` (8.1.3, 8.2.1,
  8.3.4), and `customer-experience-post-call-survey.md` ("Detail metrics"): the item keys of
  each report, which the OpenAPI file does not list (its rows are `{key, label, value}` items).

Each stream declares exactly its report's keys; each body the emulator serves and each
request body the tap sends validates against the transcribed component. When the vendor's
files sit in `<repo>/../shared/vendor-docs/8x8-analytics/` the transcription is compared with
them too (skipped otherwise: the files are not part of the repository).

Where the OpenAPI file and the guides differ (the OpenAPI file wins): `POST /detailed-reports`
answers an array of `ResourceOfStatusResponse` (the guide shows one object), and
`DetailedRowItem.value` is declared `type: object` (example `{"value", "ongoing"}`) while the
guide's sample responses also send strings, arrays and null there; the tap accepts both, and
the emulator serves the guide's forms, so that check below allows them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import typing as t
from pathlib import Path

import jsonschema
import pytest

import tests.tap_cases  # noqa: F401  (the cases registry first)
from emulators.eight_by_eight_analytics import HISTORICAL, REALTIME_PATH
from emulators.framework import Request
from tap_8x8.analytics_streams import (
    AgentIntervalsStream,
    AgentStatusChangesStream,
    AgentTimeOnStatusStream,
    InteractionsStream,
    QueueIntervalsStream,
    SurveyResponsesStream,
)
from tap_8x8.realtime_metrics import (
    AgentMetricsStream,
    GroupMetricsStream,
    QueueMetricsStream,
    column,
)
from tap_8x8.tap import Tap8x8
from tapkit.window_plan import DateWindow
from tests.cases.eight_by_eight_analytics import ANALYTICS_KEY, ANALYTICS_SECRET, make_analytics

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "vendor-docs" / "8x8-analytics"
OPENAPI_FILE = "8x8_analytics_for_contact_center_historical_metrics_api.json"

# -- the OpenAPI components, transcribed (`$ref` written as the component's name) ------------

OPENAPI: dict[str, dict[str, t.Any]] = {
    "DateRange": {
        "type": "object",
        "required": ["start", "end"],
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
        },
    },
    "IntraDayTimeRange": {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "time"},
            "end": {"type": "string", "format": "time"},
        },
    },
    "ReportSettings": {
        "type": "object",
        "properties": {
            "showOngoingInteractions": {"type": "boolean"},
            "showInteractionsStateInTime": {"type": "boolean"},
        },
    },
    "Filter": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "values": {"type": "array", "items": {"type": "string"}},
        },
    },
    "GroupBy": {
        "type": "object",
        "required": ["name"],
        "properties": {"filters": {"type": "array", "items": "Filter"}, "name": {"type": "string"}},
    },
    "SearchQuery": {
        "type": "object",
        "properties": {
            "field": {"type": "string"},
            "operator": {"type": "string"},
            "value": {"type": "string"},
        },
    },
    "ReportDefinitionRequest": {
        "type": "object",
        "required": ["type", "granularity", "title"],
        "properties": {
            "dateRange": "DateRange",
            "intraDayTimeRange": "IntraDayTimeRange",
            "granularity": {"type": "string"},
            "groupBy": "GroupBy",
            "metrics": {"type": "array", "items": {"type": "string"}},
            "timezone": {"type": "string"},
            "includeSubTotal": {"type": "boolean"},
            "includeGrandTotal": {"type": "boolean"},
            "title": {"type": "string"},
            "type": {"type": "string"},
        },
    },
    "DetailedReportDefinitionRequest": {
        "type": "object",
        "required": ["type", "title"],
        "properties": {
            "dateRange": "DateRange",
            "intraDayTimeRange": "IntraDayTimeRange",
            "metrics": {"type": "array", "items": {"type": "string"}},
            "timezone": {"type": "string"},
            "title": {"type": "string"},
            "type": {"type": "string"},
            "searchQuery": {"type": "array", "items": "SearchQuery"},
            "includeParticipants": {"type": "boolean"},
            "reportSettings": "ReportSettings",
        },
    },
    "ResourceOfStatusResponse": {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "format": "int64"},
            "reason": {"type": "string"},
            "status": {"type": "string"},
        },
    },
    "TotalItem": {
        "properties": {
            "type": {"type": "string"},
            "startIndex": {"type": "integer"},
            "endIndex": {"type": "integer"},
        },
    },
    "RowItem": {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "value": {"type": "string"},
        },
    },
    "Row": {
        "type": "object",
        "properties": {"totals": "TotalItem", "items": {"type": "array", "items": "RowItem"}},
    },
    "ResourceOfApiReportResponse": {"type": "array", "items": "Row"},
    "DetailedRowItem": {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "value": {"type": "object"},
        },
    },
    "DetailedRow": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": "DetailedRowItem"}},
    },
    "ResourceOfDetailedApiReportResponse": {"type": "array", "items": "DetailedRow"},
}
#: `ResourceOfReportDefinitionResponse` enums: the statuses and granularities
STATUS_ENUM = ["QUEUED", "IN_PROGRESS", "DONE", "FAILED"]
GRANULARITY_ENUM = ["15m", "30m", "hour", "day", "week", "month", "year", "none"]

# -- the guides' glossaries: the keys of each report ----------------------------------------

INTERACTION_DETAILS = frozenset(
    {
        "agentNotes",
        "blindTransferToAgent",
        "blindTransferToQueue",
        "campaignId",
        "campaignName",
        "caseFollowUp",
        "caseNumber",
        "channelId",
        "channelName",
        "chatType",
        "conferencesEstablished",
        "consultationsEstablished",
        "creationTime",
        "customerEmail",
        "customerJourneyDuration",
        "customerName",
        "customerPhone",
        "destination",
        "destinationQueueId",
        "destinationQueueName",
        "direction",
        "dispositionAction",
        "externalTransactionData",
        "facebookId",
        "finishedTime",
        "interactionDuration",
        "interactionId",
        "interactionLabels",
        "interactionType",
        "ivrTreatmentDuration",
        "journeyId",
        "mediaType",
        "originalInteractionId",
        "originalTransactionId",
        "origination",
        "outboundPhoneCode",
        "outboundPhoneCodeId",
        "outboundPhoneCodeList",
        "outboundPhoneCodeListId",
        "outboundPhoneCodeText",
        "outboundPhoneShortCode",
        "outcome",
        "participantAssignNumber",
        "participantAssignReason",
        "participantAssignTime",
        "participantBusyDuration",
        "participantComments",
        "participantFocus",
        "participantFocusDuration",
        "participantGroupId",
        "participantGroupName",
        "participantHandlingDuration",
        "participantHandlingEndTime",
        "participantHandlingOutcome",
        "participantHold",
        "participantHoldDuration",
        "participantId",
        "participantLongestHoldDuration",
        "participantLongestFocusDuration",
        "participantLongestMuteDuration",
        "participantMute",
        "participantMuteDuration",
        "participantName",
        "participantOfferAction",
        "participantOfferActionTime",
        "participantOfferDuration",
        "participantOfferTime",
        "participantParkDuration",
        "participantPark",
        "participantProcessingDuration",
        "participantType",
        "participantWrapUpDuration",
        "participantWrapUpEndTime",
        "queueId",
        "queueName",
        "queueTime",
        "queueWaitDuration",
        "recordId",
        "recordingFileNames",
        "scheduleHours",
        "state",
        "subject",
        "terminatedBy",
        "time",
        "timeToAbandon",
        "transactionId",
        "transfers",
        "twitterId",
        "warmTransfersCompleted",
        "wrapUpCode",
        "wrapUpCodeId",
        "wrapUpCodeList",
        "wrapUpCodeListId",
        "wrapUpCodeText",
        "wrapUpShortCode",
    }
)

AGENT_STATUS_CHANGE = frozenset(
    {
        "agent",
        "agentGroup",
        "agentGroupId",
        "agentId",
        "interactionId",
        "status",
        "statusCode",
        "statusCodeId",
        "statusCodeList",
        "statusCodeListId",
        "statusCodeShortCode",
        "statusCodeText",
        "time",
        "transactionId",
    }
)

#: customer-experience-post-call-survey.md, "Detail metrics" (report detailed-reports-survey)
SURVEY_DETAIL = frozenset(
    {
        "AgentIds",
        "AgentNames",
        "AnswerDigit",
        "AnswerType",
        "CallerName",
        "CallerNumber",
        "EndTime",
        "InteractionIds",
        "QuestionId",
        "QuestionTitle",
        "QuestionType",
        "QueueIds",
        "QueueNames",
        "ScaleMax",
        "ScaleMin",
        "StartTime",
        "SurveyDuration",
        "SurveyId",
        "SurveyName",
        "SurveyScorePercentage",
        "SurveyType",
        "TransactionIds",
        "achievableScore",
        "actualScore",
        "agentGroupIds",
        "agentGroupNames",
        "channelId",
        "surveyIsDeleted",
        "voiceRecordingUuid",
    }
)

INCLUDE_PARTICIPANTS = frozenset(
    {
        "blindTransferToAgent",
        "blindTransferToQueue",
        "conferencesEstablished",
        "consultationsEstablished",
        "participantAssignNumber",
        "participantBusyDuration",
        "participantFocus",
        "participantFocusDuration",
        "participantHandlingDuration",
        "participantHandlingEndTime",
        "participantHold",
        "participantHoldDuration",
        "participantId",
        "participantLongestFocusDuration",
        "participantLongestHoldDuration",
        "participantName",
        "participantOfferAction",
        "participantOfferActionTime",
        "participantOfferDuration",
        "participantOfferTime",
        "participantProcessingDuration",
        "participantType",
        "participantWrapUpDuration",
        "participantWrapUpEndTime",
        "warmTransfersCompleted",
        "wrapUpCode",
        "wrapUpCodeId",
        "wrapUpCodeList",
        "wrapUpCodeListId",
        "wrapUpCodeText",
        "wrapUpShortCode",
    }
)

TIME_ON_STATUS = frozenset(
    {
        "availableTime",
        "availableTimePercentage",
        "busyTime",
        "busyTimePercentage",
        "handlingTime",
        "handlingTimePercentage",
        "loggedInTime",
        "offeringTime",
        "offeringTimePercent",
        "onBreakTime",
        "onBreakTimePercentage",
        "workingOfflineTime",
        "workingOfflineTimePercentage",
        "wrapUpTime",
        "wrapUpTimePercentage",
    }
)

QUEUE_INTERACTIONS_SUMMARY = frozenset(
    {
        "accepted",
        "acceptedInSla",
        "acceptedInSlaPercentage",
        "acceptedPercentage",
        "avgAbandonTime",
        "avgBusyTime",
        "avgHandlingTime",
        "avgProcessingTime",
        "avgWaitBeforeAcceptedTime",
        "avgWaitTime",
        "avgWrapUpTime",
        "busyTime",
        "diverted",
        "entered",
        "handlingTime",
        "longestAbandonTime",
        "longestWaitBeforeAcceptTime",
        "longestWaitTime",
        "newInQueue",
        "parked",
        "processingTime",
        "slaPercentage",
        "totalAbandonTime",
        "totalAbandoned",
        "totalAbandonedPercentage",
        "voicemailsLeft",
        "waitingInQueue",
        "waitingInQueueTime",
        "wrapUpTime",
    }
)

AGENT_INTERACTIONS_SUMMARY = frozenset(
    {
        "abandoned",
        "abandonedPercentage",
        "accepted",
        "acceptedPercentage",
        "alerting",
        "assignedInteractions",
        "avgBusyTime",
        "avgFocusTime",
        "avgHandlingTime",
        "avgHoldTime",
        "avgSpeedToAnswer",
        "avgWrapUpTime",
        "blindTransferToAgent",
        "blindTransferToQueue",
        "blindTransfersInitiated",
        "blindTransfersReceived",
        "busyTime",
        "focusTime",
        "handlingTime",
        "hold",
        "holdTime",
        "longestHoldTime",
        "longestOfferingTime",
        "offeringTime",
        "parked",
        "presented",
        "processingTime",
        "rejectTimeout",
        "rejected",
        "rejectedPercentage",
        "transfersInitiated",
        "transfersInitiatedPercentage",
        "transfersReceived",
        "warmTransfersCompleted",
        "warmTransfersReceived",
        "wrapUpTime",
    }
)
# The Real-time Metrics API v5 (`..._real-time_metrics_api.json`) and its guide's glossaries
# (`cc-realtime-statistics.md` 5.1 queues, 5.2 groups, 5.5 all agents).
REALTIME_OPENAPI_FILE = "8x8_analytics_for_contact_center_real-time_metrics_api.json"
REALTIME_OPENAPI: dict[str, dict[str, t.Any]] = {
    "MetricItem": {
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "number"}},
    },
    "SingleQueueResponse": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "metrics": {"type": "array", "items": "MetricItem"},
        },
    },
    "SingleGroupResponse": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "metrics": {"type": "array", "items": "MetricItem"},
        },
    },
    "SingleAgentWithMetricsResponse": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "groupId": {"type": "string"},
            "groupName": {"type": "string"},
            "metrics": {"type": "array", "items": "MetricItem"},
        },
    },
}
REALTIME_QUEUE = frozenset(
    {
        "abandoned.int-15m",
        "abandoned.int-30m",
        "abandoned.today",
        "abandonedPercentage.int-15m",
        "abandonedPercentage.int-30m",
        "abandonedPercentage.today",
        "accepted.int-15m",
        "accepted.int-30m",
        "accepted.today",
        "acceptedInSla.int-12h",
        "acceptedInSla.int-15m",
        "acceptedInSla.int-1h",
        "acceptedInSla.int-30m",
        "acceptedInSla.int-4h",
        "acceptedInSla.int-8h",
        "acceptedInSla.today",
        "acceptedInSlaPercentage.int-12h",
        "acceptedInSlaPercentage.int-15m",
        "acceptedInSlaPercentage.int-1h",
        "acceptedInSlaPercentage.int-30m",
        "acceptedInSlaPercentage.int-4h",
        "acceptedInSlaPercentage.int-8h",
        "acceptedInSlaPercentage.today",
        "acceptedPercentage.int-15m",
        "acceptedPercentage.int-30m",
        "acceptedPercentage.today",
        "availableIdle.rt",
        "avgDivertedTime.int-15m",
        "avgDivertedTime.int-30m",
        "avgDivertedTime.today",
        "avgHandlingTime.int-15m",
        "avgHandlingTime.int-30m",
        "avgHandlingTime.today",
        "avgOfferingTime.int-15m",
        "avgOfferingTime.int-30m",
        "avgOfferingTime.today",
        "avgProcessingTime.int-15m",
        "avgProcessingTime.int-30m",
        "avgProcessingTime.today",
        "avgWorkTime.int-15m",
        "avgWorkTime.int-30m",
        "avgWorkTime.today",
        "avgWrapUpTime.int-15m",
        "avgWrapUpTime.int-30m",
        "avgWrapUpTime.today",
        "busy.rt",
        "busyExternal.rt",
        "busyOther.rt",
        "diverted.int-15m",
        "diverted.int-30m",
        "diverted.today",
        "divertedPercentage.int-15m",
        "divertedPercentage.int-30m",
        "divertedPercentage.today",
        "eligible.rt",
        "enabled.rt",
        "entered.int-15m",
        "entered.int-30m",
        "entered.today",
        "handling.rt",
        "interactionsAvgWaitTime.int-15m",
        "interactionsAvgWaitTime.int-30m",
        "interactionsAvgWaitTime.today",
        "interactionsHandling.rt",
        "interactionsLongestWaitInQueue.int-15m",
        "interactionsLongestWaitInQueue.int-30m",
        "interactionsLongestWaitInQueue.rt",
        "interactionsLongestWaitInQueue.today",
        "interactionsWaitInQueue.rt",
        "interactionsWrapUp.rt",
        "longestOfferingTimeInQueue.int-15m",
        "longestOfferingTimeInQueue.int-30m",
        "longestOfferingTimeInQueue.today",
        "newInQueue.int-15m",
        "newInQueue.int-30m",
        "newInQueue.today",
        "offering.rt",
        "onBreak.rt",
        "shortAbandoned.int-15m",
        "shortAbandoned.int-30m",
        "shortAbandoned.today",
        "shortAbandonedPercentage.int-15m",
        "shortAbandonedPercentage.int-30m",
        "shortAbandonedPercentage.today",
        "slaPercentage.int-12h",
        "slaPercentage.int-15m",
        "slaPercentage.int-1h",
        "slaPercentage.int-30m",
        "slaPercentage.int-4h",
        "slaPercentage.int-8h",
        "slaPercentage.today",
        "slaPercentageTarget.today",
        "slaTimeThreshold.today",
        "totalAbandoned.int-15m",
        "totalAbandoned.int-30m",
        "totalAbandoned.today",
        "totalAbandonedPercentage.int-15m",
        "totalAbandonedPercentage.int-30m",
        "totalAbandonedPercentage.today",
        "workingOffline.rt",
        "wrapUp.rt",
    }
)

REALTIME_GROUP = frozenset(
    {
        "availableIdle.rt",
        "eligible.rt",
        "enabled.rt",
        "handling.rt",
        "onBreak.rt",
        "workingOffline.rt",
        "wrapUp.rt",
    }
)

REALTIME_AGENT = frozenset(
    {
        "accepted.int-15m",
        "accepted.int-30m",
        "accepted.today",
        "activeChannels.rt",
        "activeDirections.rt",
        "activeInteractionsCount.rt",
        "activeQueues.rt",
        "alerting.rt",
        "availableTime.int-15m",
        "availableTime.int-30m",
        "availableTime.today",
        "availableTimePercentage.int-15m",
        "availableTimePercentage.int-30m",
        "availableTimePercentage.today",
        "averageHandlingTime.int-15m",
        "averageHandlingTime.int-30m",
        "averageHandlingTime.today",
        "averageHoldTime.int-15m",
        "averageHoldTime.int-30m",
        "averageHoldTime.today",
        "averageOfferingTime.int-15m",
        "averageOfferingTime.int-30m",
        "averageOfferingTime.today",
        "averageWrapUpTime.int-15m",
        "averageWrapUpTime.int-30m",
        "averageWrapUpTime.today",
        "blindTransfers.int-15m",
        "blindTransfers.int-30m",
        "blindTransfers.today",
        "busyTime.int-15m",
        "busyTime.int-30m",
        "busyTime.today",
        "busyTimePercentage.int-15m",
        "busyTimePercentage.int-30m",
        "busyTimePercentage.today",
        "conferenceTime.int-15m",
        "conferenceTime.int-30m",
        "conferenceTime.today",
        "conferences.int-15m",
        "conferences.int-30m",
        "conferences.today",
        "consultations.int-15m",
        "consultations.int-30m",
        "consultations.today",
        "directInboundTime.int-15m",
        "directInboundTime.int-30m",
        "directInboundTime.today",
        "directInbounds.int-15m",
        "directInbounds.int-30m",
        "directInbounds.today",
        "directOutboundTime.int-15m",
        "directOutboundTime.int-30m",
        "directOutboundTime.today",
        "directOutbounds.int-15m",
        "directOutbounds.int-30m",
        "directOutbounds.today",
        "handlingTime.int-15m",
        "handlingTime.int-30m",
        "handlingTime.today",
        "handlingTimePercentage.int-15m",
        "handlingTimePercentage.int-30m",
        "handlingTimePercentage.today",
        "hold.int-15m",
        "hold.int-30m",
        "hold.today",
        "internalCalls.int-15m",
        "internalCalls.int-30m",
        "internalCalls.today",
        "internalCallsInitiated.int-15m",
        "internalCallsInitiated.int-30m",
        "internalCallsInitiated.today",
        "internalCallsReceived.int-15m",
        "internalCallsReceived.int-30m",
        "internalCallsReceived.today",
        "internalCallsTime.int-15m",
        "internalCallsTime.int-30m",
        "internalCallsTime.today",
        "lastLogin.rt",
        "lastLogout.rt",
        "lastStatusChange.rt",
        "lastStatusCodeChange.rt",
        "line1Status.rt",
        "line1TimeOnStatus.rt",
        "line2Status.rt",
        "line2TimeOnStatus.rt",
        "loggedInTime.int-15m",
        "loggedInTime.int-30m",
        "loggedInTime.rt",
        "loggedInTime.today",
        "longestHold.int-15m",
        "longestHold.int-30m",
        "longestHold.today",
        "longestOffering.int-15m",
        "longestOffering.int-30m",
        "longestOffering.today",
        "offered.int-15m",
        "offered.int-30m",
        "offered.today",
        "offeringTime.int-15m",
        "offeringTime.int-30m",
        "offeringTime.today",
        "onBreakTime.int-15m",
        "onBreakTime.int-30m",
        "onBreakTime.today",
        "onBreakTimePercentage.int-15m",
        "onBreakTimePercentage.int-30m",
        "onBreakTimePercentage.today",
        "onHoldTime.int-15m",
        "onHoldTime.int-30m",
        "onHoldTime.today",
        "rejectTimeout.int-15m",
        "rejectTimeout.int-30m",
        "rejectTimeout.today",
        "rejected.int-15m",
        "rejected.int-30m",
        "rejected.today",
        "status.rt",
        "statusCode.rt",
        "timeOnStatus.rt",
        "timeOnStatusCode.rt",
        "transfersInitiated.int-15m",
        "transfersInitiated.int-30m",
        "transfersInitiated.today",
        "transfersInitiatedPercentage.int-15m",
        "transfersInitiatedPercentage.int-30m",
        "transfersInitiatedPercentage.today",
        "transfersReceived.int-15m",
        "transfersReceived.int-30m",
        "transfersReceived.today",
        "warmTransfers.int-15m",
        "warmTransfers.int-30m",
        "warmTransfers.today",
        "workingOfflineTime.int-15m",
        "workingOfflineTime.int-30m",
        "workingOfflineTime.today",
        "workingOfflineTimePercentage.int-15m",
        "workingOfflineTimePercentage.int-30m",
        "workingOfflineTimePercentage.today",
        "wrapUpTime.int-15m",
        "wrapUpTime.int-30m",
        "wrapUpTime.today",
        "wrapUpTimePercentage.int-15m",
        "wrapUpTimePercentage.int-30m",
        "wrapUpTimePercentage.today",
    }
)

#: the interval and group dimensions of the summaries (the summary guide's subtotal example
#: shows startTime, endTime, queue, queueId; agent and agentId are assumed by analogy)
QUEUE_DIMENSIONS = frozenset({"startTime", "endTime", "queue", "queueId"})
AGENT_DIMENSIONS = frozenset({"startTime", "endTime", "agent", "agentId"})
#: fields the tap adds: undeclared keys kept, and whether any value was still ongoing
TAP_FIELDS = frozenset({"_extra", "ongoing", "participants"})
#: fields a stream derives from the report's (survey_responses: the call, one id to key on)
DERIVED = {"survey_responses": frozenset({"interactionId"})}

STREAMS = {
    "interactions": (InteractionsStream, INTERACTION_DETAILS),
    "agent_status_changes": (AgentStatusChangesStream, AGENT_STATUS_CHANGE),
    "survey_responses": (SurveyResponsesStream, SURVEY_DETAIL),
    "queue_intervals": (QueueIntervalsStream, QUEUE_INTERACTIONS_SUMMARY | QUEUE_DIMENSIONS),
    "agent_intervals": (AgentIntervalsStream, AGENT_INTERACTIONS_SUMMARY | AGENT_DIMENSIONS),
    "agent_time_on_status": (AgentTimeOnStatusStream, TIME_ON_STATUS | AGENT_DIMENSIONS),
}


def resolved(component: t.Any) -> dict[str, t.Any]:
    """A transcribed component as a JSON schema (names of components inlined)."""
    if isinstance(component, str):
        return resolved(OPENAPI[component])
    if isinstance(component, list):
        return [resolved(item) for item in component]  # type: ignore[return-value]
    if not isinstance(component, dict):
        return component
    schema = {k: resolved(v) if k == "items" else v for k, v in component.items()}
    if "properties" in component:
        schema["properties"] = {k: resolved(v) for k, v in component["properties"].items()}
    return schema


@pytest.mark.parametrize("stream", STREAMS)
def test_the_stream_declares_exactly_its_report_s_keys(stream):
    stream_class, keys = STREAMS[stream]
    derived = DERIVED.get(stream, frozenset())
    declared = set(stream_class.schema["properties"]) - TAP_FIELDS - derived
    assert derived <= set(stream_class.schema["properties"])
    assert declared == set(keys), (
        f"not in 8x8's glossary: {sorted(declared - keys)}; missing: {sorted(keys - declared)}"
    )
    assert "_extra" in stream_class.schema["properties"], "undeclared keys are kept"


def test_participants_declare_the_participant_metrics():
    participant = InteractionsStream.schema["properties"]["participants"]["items"]
    names = set(participant["properties"])
    assert names >= INCLUDE_PARTICIPANTS
    assert names <= INTERACTION_DETAILS
    assert participant.get("additionalProperties") is True


@pytest.mark.parametrize("stream", STREAMS)
def test_the_report_definition_the_tap_sends_fits_the_openapi_request(stream):
    tap = Tap8x8(
        config={"analytics_api_key": "k" * 8, "analytics_api_secret": "s" * 8},
        setup_mapper=False,
    )
    instance = tap.streams[stream]
    day = dt.date(2026, 11, 3)
    body = instance.report_definition(DateWindow(day, day))
    component = (
        "DetailedReportDefinitionRequest" if instance.detailed else "ReportDefinitionRequest"
    )
    jsonschema.validate(body, resolved(component))
    assert set(body) <= set(OPENAPI[component]["properties"])
    assert re.fullmatch(r"[A-Za-z0-9 !\-_.*'()]+", body["title"]), "the guide's title characters"
    if not instance.detailed:
        assert body["granularity"] in GRANULARITY_ENUM


def _served(app, method: str, path: str, body: t.Any = None, **query: str):
    request = Request(
        method,
        path,
        {k: str(v) for k, v in query.items()},
        {"authorization": "Bearer spec-token"},
        json.dumps(body).encode() if body is not None else b"",
        0,
    )
    return app.handle(request)


@pytest.mark.parametrize("stream", STREAMS)
def test_every_body_the_emulator_serves_fits_the_openapi_component(stream):
    keys = STREAMS[stream][1]
    app = make_analytics(polls_before_done=1)
    app.tokens["spec-token"] = dt.datetime.max.replace(tzinfo=dt.UTC)
    tap = Tap8x8(
        config={"analytics_api_key": ANALYTICS_KEY, "analytics_api_secret": ANALYTICS_SECRET},
        setup_mapper=False,
    )
    instance = tap.streams[stream]
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    while not app.data.interactions_on(day):
        day -= dt.timedelta(days=1)
    definition = instance.report_definition(DateWindow(day, day))
    if instance.detailed:
        created = json.loads(
            _served(app, "POST", f"{HISTORICAL}/detailed-reports", definition).body_bytes()
        )
        jsonschema.validate(
            created, {"type": "array", "items": resolved("ResourceOfStatusResponse")}
        )
        report_id = created[0]["id"]
        data = json.loads(
            _served(app, "GET", f"{HISTORICAL}/detailed-reports/{report_id}/data").body_bytes()
        )
        relaxed = resolved("ResourceOfDetailedApiReportResponse")
        relaxed["items"]["properties"]["items"]["items"]["properties"]["value"] = {}
        jsonschema.validate(data, relaxed)
        for row in data:
            for item in row["items"]:
                if isinstance(item["value"], dict):
                    assert set(item["value"]) == {"value", "ongoing"}, item
    else:
        created = json.loads(_served(app, "POST", f"{HISTORICAL}/", definition).body_bytes())
        jsonschema.validate(created, resolved("ResourceOfStatusResponse"))
        report_id = created["id"]
        status = json.loads(_served(app, "GET", f"{HISTORICAL}/{report_id}/status").body_bytes())
        status = json.loads(_served(app, "GET", f"{HISTORICAL}/{report_id}/status").body_bytes())
        jsonschema.validate(status, resolved("ResourceOfStatusResponse"))
        assert status["status"] in STATUS_ENUM
        data = json.loads(_served(app, "GET", f"{HISTORICAL}/{report_id}/data").body_bytes())
        jsonschema.validate(data, resolved("ResourceOfApiReportResponse"))
    assert data, "the emulator's day holds rows"
    for row in data:
        # participants: the key `includeParticipants` adds (the detailed guide)
        assert {item["key"] for item in row["items"]} - {"participants"} == set(keys)


def _openapi_component(document: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    """A component of the vendor's file, `$ref`s written as names, examples and XML dropped."""

    def simplify(node: t.Any) -> t.Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return node["$ref"].rsplit("/", 1)[-1]
            return {
                k: (
                    {name: simplify(p) for name, p in v.items()}
                    if k == "properties"
                    else simplify(v)
                )
                for k, v in node.items()
                if k not in {"example", "xml", "title", "description", "enum"}
            }
        if isinstance(node, list):
            return [simplify(item) for item in node]
        return node

    return simplify(document["components"]["schemas"][name])


def test_the_transcription_matches_8x8_s_openapi_file():
    path = SHARED / OPENAPI_FILE
    if not path.exists():
        pytest.skip(f"8x8's OpenAPI file is not beside the repository ({path})")
    document = json.loads(path.read_text())
    for name, component in OPENAPI.items():
        assert _openapi_component(document, name) == component, name
    schemas = document["components"]["schemas"]
    assert (
        schemas["ResourceOfReportDefinitionResponse"]["properties"]["status"]["enum"] == STATUS_ENUM
    )
    granularity = schemas["ResourceOfReportDefinitionResponse"]["properties"]["granularity"]
    assert granularity["enum"] == GRANULARITY_ENUM
    detailed = document["paths"]["/detailed-reports"]["post"]["responses"]["200"]["content"]
    shape = next(iter(detailed.values()))["schema"]
    assert shape["type"] == "array", "POST /detailed-reports answers an array"


def _glossary(text: str, heading: str) -> set[str]:
    section = text.split(heading, 1)[1].split("</details>", 1)[0]
    return set(re.findall(r"^\|\s*`([^`]+)`", section, re.MULTILINE))


def test_the_glossaries_match_8x8_s_guides():
    detailed, summary = (
        SHARED / f"cc-historical-analytics-{kind}-report.md" for kind in ("detailed", "summary")
    )
    if not detailed.exists() or not summary.exists():
        pytest.skip(f"8x8's guides are not beside the repository ({SHARED})")
    detailed_text, summary_text = detailed.read_text(), summary.read_text()
    assert _glossary(detailed_text, "## 3.1.") == INTERACTION_DETAILS
    assert _glossary(detailed_text, "## 3.2.") == AGENT_STATUS_CHANGE
    assert _glossary(summary_text, "#### 8.1.3.") == TIME_ON_STATUS
    assert _glossary(summary_text, "#### 8.2.1.") == QUEUE_INTERACTIONS_SUMMARY
    assert _glossary(summary_text, "#### 8.3.4.") == AGENT_INTERACTIONS_SUMMARY
    participants = detailed_text.split("#### includeParticipants", 1)[1].split("Sample", 1)[0]
    assert set(re.findall(r"^\* `([^`']+)", participants, re.MULTILINE)) == INCLUDE_PARTICIPANTS


def test_the_survey_fields_match_8x8_s_post_call_survey_guide():
    guide = SHARED / "customer-experience-post-call-survey.md"
    if not guide.exists():
        pytest.skip(f"8x8's post-call survey guide is not beside the repository ({SHARED})")
    text = guide.read_text()
    assert "| detailed-reports-survey | Detailed |" in text
    assert SurveyResponsesStream.report_type == "detailed-reports-survey"
    table = text.split("### Detail metrics", 1)[1].split("###", 1)[0]
    fields = set(re.findall(r"^\|\s*\**([A-Za-z]+)\**\s*\|", table, re.MULTILINE))
    assert fields - {"Field"} == SURVEY_DETAIL


REALTIME_STREAMS = {
    "queue_metrics": (QueueMetricsStream, "SingleQueueResponse", REALTIME_QUEUE, "queues"),
    "agent_metrics": (
        AgentMetricsStream,
        "SingleAgentWithMetricsResponse",
        REALTIME_AGENT,
        "agents",
    ),
    "group_metrics": (GroupMetricsStream, "SingleGroupResponse", REALTIME_GROUP, "groups"),
}


def realtime_resolved(name: t.Any) -> t.Any:
    if isinstance(name, str):
        return realtime_resolved(REALTIME_OPENAPI[name])
    schema = dict(name)
    if "properties" in schema:
        schema["properties"] = {
            k: ({**v, "items": realtime_resolved(v["items"])} if "items" in v else v)
            for k, v in schema["properties"].items()
        }
    return schema


@pytest.mark.parametrize("stream", REALTIME_STREAMS)
def test_a_real_time_stream_declares_its_item_fields_and_one_column_per_metric(stream):
    stream_class, component, metrics, _ = REALTIME_STREAMS[stream]
    declared = set(stream_class.schema["properties"]) - {"_extra", "snapshot_at"}
    item_fields = set(REALTIME_OPENAPI[component]["properties"]) - {"metrics"}
    assert declared == item_fields | {column(metric) for metric in metrics}
    for metric in metrics:
        assert stream_class.schema["properties"][column(metric)]["type"] == ["number", "null"]


@pytest.mark.parametrize("stream", REALTIME_STREAMS)
def test_the_emulator_s_real_time_bodies_fit_the_openapi_component(stream):
    _, component, metrics, resource = REALTIME_STREAMS[stream]
    app = make_analytics()
    app.tokens["spec-token"] = dt.datetime.max.replace(tzinfo=dt.UTC)
    body = json.loads(_served(app, "GET", f"{REALTIME_PATH}/{resource}").body_bytes())
    assert body
    # 8x8's examples send some numbers as strings: the emulator does too, so `value` is
    # checked as a number or a numeric string
    schema = realtime_resolved(component)
    schema["properties"]["metrics"]["items"]["properties"]["value"] = {
        "type": ["number", "string"],
        "pattern": r"^-?[0-9.]+$",
    }
    jsonschema.validate(body, {"type": "array", "items": schema})
    for item in body:
        assert {metric["key"] for metric in item["metrics"]} == metrics


def test_the_real_time_transcription_matches_8x8_s_files():
    path = SHARED / REALTIME_OPENAPI_FILE
    guide = SHARED / "cc-realtime-statistics.md"
    if not path.exists() or not guide.exists():
        pytest.skip(f"8x8's real-time files are not beside the repository ({SHARED})")
    document = json.loads(path.read_text())
    for name, component in REALTIME_OPENAPI.items():
        assert _openapi_component(document, name) == component, name
    text = guide.read_text()
    assert _glossary(text, "### 5.1.") == REALTIME_QUEUE
    assert _glossary(text, "### 5.2.") == REALTIME_GROUP
    assert _glossary(text, "### 5.5.") == REALTIME_AGENT
