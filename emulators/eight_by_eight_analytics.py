"""8x8's "Analytics for Contact Center" Historical Metrics API v8 on loopback.

Built from 8x8's published files (8x8Cloud/public-developer-docs, commit
859e59a3afa3d40d41ac7ed8f3e33edbe4196baa; see docs/8x8-analytics.md): the OpenAPI description
`docs_oas/analytics/8x8_analytics_for_contact_center_historical_metrics_api.json` ("the
OpenAPI file" below) for every served shape, the detailed- and summary-report guides for the
flow and the metric names, and `oauth-authentication-for-8x8-xcaas-apis.md` for the token.
Where the files disagree the OpenAPI file wins (e.g. `POST /detailed-reports` answers an
*array* of `ResourceOfStatusResponse`, the guide shows one object).

Served:
- `POST /oauth/v2/token`: basic auth `key:secret`, form `grant_type=client_credentials` →
  the guide's token body (`expires_in` as a string of seconds). Tokens expire on the
  emulator's clock; an unknown or expired token gets 401.
- `[/eu|/au|/ca]/analytics/cc/v8/historical-metrics/...` for the tenant's region only (another
  region's prefix: 404, as a tenant unknown there);
- `X-Tenant-Info` required (400 with the guide's messages) when `tenant_ids` is set;
- a `timezone` not configured on the tenant: 400 (the message is assumed: none is published);
- `POST /` (summary, `ReportDefinitionRequest`) → `ResourceOfStatusResponse` IN_PROGRESS;
  `GET /{id}/status` answers IN_PROGRESS `polls_before_done` times, then DONE (or FAILED /
  never DONE when injected); `GET /{id}/data?page&size` → `ResourceOfApiReportResponse`
  (`Row` of `RowItem`, values always strings) with `X-Page`, `X-Page-Size`,
  `X-Total-Pages`, `X-Total-Elements`, `Link rel="next"`; a report's JSON data stops at
  `json_cap` (10,000) records, silently, as the guide warns;
- the summary guide's granularity rules (≤ a week: 15m/30m/hour/day/none; ≤ a month:
  none/hour/day/week; longer: none/month/year): another granularity is a 400;
- `POST /detailed-reports` (`DetailedReportDefinitionRequest`) → `[ResourceOfStatusResponse]`
  DONE (FAILED when injected); `GET /detailed-reports/{id}/data?size&lastDocumentId` →
  `ResourceOfDetailedApiReportResponse` (`DetailedRow` of `DetailedRowItem`), paged by the
  `Last-Document-Id` header (absent on the last page, with `Link`).

Synthetic data: interactions over the queues, deterministic per UTC day (every fifth day
empty), with realistic outcomes (about 8% short abandons under 5 s, 10% longer abandons, the
rest answered, a third of those after the 20 s SLA threshold), agent status changes, and
post-call surveys (`detailed-reports-survey`, one row per question answered) after about
half of the answered phone calls: scale questions 1-5 leaning high (lower after a long wait),
a yes/no and a voice comment, some answers Skipped or keyed out of range (Invalid).
An interaction whose finish lies after the emulator's "now" is served partial with
`ongoing: true` (only with `reportSettings.showOngoingInteractions`); `advance()` moves "now"
so a later run sees it finished.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import random
import threading
import typing as t
from dataclasses import dataclass, field
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulators.framework import EmulatorApp, Reply, Request

TOKEN_PATH = "/oauth/v2/token"
HISTORICAL = "/analytics/cc/v8/historical-metrics"
REALTIME_PATH = "/analytics/cc/v5/realtime-metrics"
REGION_PREFIX = {"us": "", "eu": "/eu", "au": "/au", "ca": "/ca"}
SLA_SECONDS = 20
SHORT_ABANDON_SECONDS = 5
JSON_CAP = 10_000

QUEUES = (
    ("116", "Tech Support", "Phone"),
    ("117", "Sales Line", "Phone"),
    ("118", "Web Chat", "Chat"),
    ("119", "Billing Mail", "Email"),
)
AGENTS = (
    ("ag1001", "Marie Sanders", "108", "Support"),
    ("ag1002", "Tomás Herrera", "108", "Support"),
    ("ag1003", "Aiko Tanaka", "109", "Sales"),
    ("ag1004", "Peter O'Neil", "109", "Sales"),
)
#: the glossary's duration metrics served as `{"value": ms, "ongoing": bool}` (detailed guide)
DURATION_OBJECTS = (
    "queueWaitDuration",
    "ivrTreatmentDuration",
    "interactionDuration",
    "customerJourneyDuration",
)
# The keys each report sends (the guides' glossaries: detailed 3.1 with the participants'
# metrics of "includeParticipants"; summary 8.2.1, 8.3.4, 8.1.3). A key the synthetic data
# does not fill is sent with a null value (detailed) or "0" (summary).
INTERACTION_KEYS = (
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
    "participantLongestFocusDuration",
    "participantLongestHoldDuration",
    "participantLongestMuteDuration",
    "participantMute",
    "participantMuteDuration",
    "participantName",
    "participantOfferAction",
    "participantOfferActionTime",
    "participantOfferDuration",
    "participantOfferTime",
    "participantPark",
    "participantParkDuration",
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
)
PARTICIPANT_KEYS = (
    "blindTransferToAgent",
    "blindTransferToQueue",
    "conferencesEstablished",
    "consultationsEstablished",
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
    "participantLongestFocusDuration",
    "participantLongestHoldDuration",
    "participantLongestMuteDuration",
    "participantMute",
    "participantMuteDuration",
    "participantName",
    "participantOfferAction",
    "participantOfferActionTime",
    "participantOfferDuration",
    "participantOfferTime",
    "participantPark",
    "participantParkDuration",
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
)
QUEUE_SUMMARY_METRICS = (
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
)
AGENT_SUMMARY_METRICS = (
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
)
TIME_ON_STATUS_METRICS = (
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
)
# The real-time guide's glossaries (cc-realtime-statistics.md 5.1, 5.2, 5.5).
QUEUE_REALTIME_METRICS = (
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
)

GROUP_REALTIME_METRICS = (
    "availableIdle.rt",
    "eligible.rt",
    "enabled.rt",
    "handling.rt",
    "onBreak.rt",
    "workingOffline.rt",
    "wrapUp.rt",
)

AGENT_REALTIME_METRICS = (
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
)

#: the post-call survey the emulated tenant offers after answered phone calls
#: (customer-experience-post-call-survey.md: report `detailed-reports-survey`, "Detail
#: metrics"): survey id, name, type; its questions (id, title, QuestionType, scale)
SURVEY = ("5012", "Post-call CSAT", "stayOnCall")
SURVEY_QUESTIONS: tuple[tuple[str, str, str, tuple[int, int] | None], ...] = (
    ("50121", "How satisfied were you with this call", "scale", (1, 5)),
    ("50122", "How helpful was the agent", "scale", (1, 5)),
    ("50123", "Was your issue resolved", "yesNo", None),
    ("50124", "Leave a comment after the tone", "voiceComment", None),
)
#: the "Detail metrics" table's fields, spelled as the guide spells them
SURVEY_KEYS = (
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
)
#: how often a caller takes the survey after an answered phone call
SURVEY_TAKE_RATE = 0.55

DETAILED_TYPES = ("detailed-reports-interaction-details", "detailed-reports-agent-status-change",
                  "detailed-reports-survey")  # fmt: skip
SUMMARY_TYPES = ("queue-interactions-summary", "agent-interactions-summary",
                 "agent-status-time-on-status")  # fmt: skip
GRANULARITY_RULES = (
    (dt.timedelta(days=7), {"15m", "30m", "hour", "day", "none"}),
    (dt.timedelta(days=31), {"none", "hour", "day", "week"}),
    (dt.timedelta.max, {"none", "month", "year"}),
)
GRANULARITY_MINUTES = {"15m": 15, "30m": 30, "hour": 60}


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _iso(instant: dt.datetime, tz: dt.tzinfo) -> str:
    """An instant as the API writes it: local time with its offset and milliseconds."""
    return instant.astimezone(tz).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Interaction:
    """One synthetic interaction (ground truth), times in UTC."""

    interaction_id: str
    created: dt.datetime
    queue_id: str
    queue_name: str
    media: str
    wait: float
    outcome: str  # "answered", "abandoned", "short_abandoned"
    handle: float
    hold: float
    wrap_up: float
    agent: tuple[str, str, str, str] | None

    @property
    def queued_until(self) -> dt.datetime:
        return self.created + dt.timedelta(seconds=self.wait)

    @property
    def finished(self) -> dt.datetime:
        """When the interaction ends (the customer leaves or the agent ends handling)."""
        return self.queued_until + dt.timedelta(seconds=self.handle)

    @property
    def wrapped_up(self) -> dt.datetime:
        return self.finished + dt.timedelta(seconds=self.wrap_up)


@dataclass(frozen=True)
class StatusChange:
    """One synthetic agent status change (ground truth), in UTC."""

    agent: tuple[str, str, str, str]
    at: dt.datetime
    status: str
    code: tuple[str, str] | None = None


@dataclass(frozen=True)
class SurveyAnswer:
    """One question of a survey response: how it was answered, and the digit pressed."""

    question: tuple[str, str, str, tuple[int, int] | None]
    answer_type: str  # "Valid", "Invalid", "Skipped", "Recorded"
    digit: str | None
    seconds: float

    @property
    def score(self) -> int | None:
        """The score a valid answer to a scale question gives (None otherwise)."""
        scale = self.question[3]
        if scale is None or self.answer_type != "Valid" or self.digit is None:
            return None
        return int(self.digit)


@dataclass(frozen=True)
class SurveyResponse:
    """One caller's post-call survey after an answered call (ground truth), in UTC."""

    interaction: Interaction
    start: dt.datetime
    answers: tuple[SurveyAnswer, ...]

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=sum(a.seconds for a in self.answers))

    @property
    def actual_score(self) -> int:
        return sum(a.score or 0 for a in self.answers)

    @property
    def achievable_score(self) -> int:
        """The maximum of every validly answered numeric question (the guide's words)."""
        return sum(a.question[3][1] for a in self.answers if a.score is not None and a.question[3])


class AnalyticsData:
    """Deterministic interactions and status changes per UTC day."""

    def __init__(
        self, per_day: int = 12, queues: tuple[tuple[str, str, str], ...] = QUEUES
    ) -> None:
        self.per_day = per_day
        self.queues = queues

    @classmethod
    def many_queues(cls, queues: int, per_day: int) -> AnalyticsData:
        """A large tenant: `queues` phone queues and `per_day` interactions a day."""
        return cls(per_day, tuple((str(1000 + n), f"Queue {n}", "Phone") for n in range(queues)))

    @staticmethod
    def _rng(*parts: t.Any) -> random.Random:
        seed = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
        return random.Random(int(seed[:16], 16))

    def interactions_on(self, day: dt.date) -> list[Interaction]:
        """The interactions created on UTC `day` (every fifth day has none)."""
        if day.toordinal() % 5 == 2:
            return []
        rng = self._rng("interactions", day.isoformat())
        count = self.per_day + day.toordinal() % 5
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        rows = []
        for n in range(count):
            queue_id, queue_name, media = self.queues[rng.randrange(len(self.queues))]
            created = midnight + dt.timedelta(seconds=rng.randrange(6 * 3600, 22 * 3600))
            roll = rng.random()
            agent = AGENTS[rng.randrange(len(AGENTS))]
            if roll < 0.08:
                outcome, wait, handle, agent_or_none = (
                    "short_abandoned",
                    rng.uniform(1, 4.5),
                    0,
                    None,
                )
            elif roll < 0.18:
                outcome, wait, handle, agent_or_none = "abandoned", rng.uniform(8, 150), 0, None
            else:
                fast = rng.random() < 0.66
                wait = rng.uniform(2, SLA_SECONDS - 1) if fast else rng.uniform(25, 240)
                handle = (
                    rng.uniform(3 * 3600, 20 * 3600) if media == "Email" else rng.uniform(60, 900)
                )
                outcome, agent_or_none = "answered", agent
            answered = outcome == "answered"
            rows.append(
                Interaction(
                    interaction_id=f"int-{day:%Y%m%d}-{n:04d}-{media.lower()}-01-emulator",
                    created=created.replace(microsecond=rng.randrange(1000) * 1000),
                    queue_id=queue_id,
                    queue_name=queue_name,
                    media=media,
                    wait=wait,
                    outcome=outcome,
                    handle=handle,
                    hold=rng.uniform(0, 60) if answered and media == "Phone" else 0.0,
                    wrap_up=rng.uniform(10, 90) if answered else 0.0,
                    agent=agent_or_none,
                )
            )
        return sorted(rows, key=lambda row: row.created)

    def status_changes_on(self, day: dt.date) -> list[StatusChange]:
        """Each agent's shift on UTC `day`: log in, available, a break, log out."""
        if day.toordinal() % 5 == 2:
            return []
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        rows = []
        for index, agent in enumerate(AGENTS):
            start = midnight + dt.timedelta(hours=7 + index, minutes=day.day % 30)
            rows += [
                StatusChange(agent, start, "loggedIn"),
                StatusChange(agent, start + dt.timedelta(seconds=5), "available"),
                StatusChange(agent, start + dt.timedelta(hours=3), "onBreak", ("12", "Lunch")),
                StatusChange(agent, start + dt.timedelta(hours=3, minutes=40), "available"),
                StatusChange(agent, start + dt.timedelta(hours=8), "loggedOut"),
            ]
        return sorted(rows, key=lambda row: (row.at, row.agent[0]))

    def interactions_between(self, start: dt.datetime, end: dt.datetime) -> list[Interaction]:
        """Interactions created in [start, end] (UTC)."""
        days = _utc_days(start, end)
        return [i for d in days for i in self.interactions_on(d) if start <= i.created <= end]

    def status_changes_between(self, start: dt.datetime, end: dt.datetime) -> list[StatusChange]:
        """Status changes in [start, end] (UTC)."""
        days = _utc_days(start, end)
        return [c for d in days for c in self.status_changes_on(d) if start <= c.at <= end]

    def survey_of(self, interaction: Interaction) -> SurveyResponse | None:
        """The survey the caller of an answered phone call took, if any: scale answers lean
        high and drop after a long wait; some questions skipped, some keyed out of range.
        """
        if interaction.outcome != "answered" or interaction.media != "Phone":
            return None
        rng = self._rng("survey", interaction.interaction_id)
        if rng.random() >= SURVEY_TAKE_RATE:
            return None
        start = interaction.finished + dt.timedelta(seconds=2)
        start = start.replace(microsecond=start.microsecond // 1000 * 1000)
        weights = (7, 6, 12, 30, 45) if interaction.wait <= SLA_SECONDS else (15, 14, 22, 27, 22)
        answers = []
        for question in SURVEY_QUESTIONS:
            kind, roll = question[2], rng.random()
            if kind == "voiceComment":
                answer = ("Recorded", None) if roll < 0.35 else ("Skipped", None)
            elif roll < 0.07:
                answer = ("Skipped", None)
            elif kind == "scale" and roll < 0.11:
                answer = ("Invalid", rng.choice(("0", "9", "#")))
            elif kind == "scale":
                answer = ("Valid", str(rng.choices(range(1, 6), weights)[0]))
            else:
                answer = ("Valid", "1" if roll < 0.8 else "2")
            seconds = 10.0 if answer[0] == "Skipped" else rng.uniform(3, 25)
            answers.append(SurveyAnswer(question, answer[0], answer[1], round(seconds, 3)))
        return SurveyResponse(interaction, start, tuple(answers))

    def surveys_between(self, start: dt.datetime, end: dt.datetime) -> list[SurveyResponse]:
        """Surveys started in [start, end] (UTC): calls of the day before may end after
        midnight.
        """
        calls = self.interactions_between(start - dt.timedelta(days=1), end)
        surveys = [s for s in map(self.survey_of, calls) if s is not None]
        return sorted(
            (s for s in surveys if start <= s.start <= end),
            key=lambda s: (s.start, s.interaction.interaction_id),
        )


def _utc_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    first, last = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class Report:
    """One created report: its definition, rows computed when DONE, its status polls."""

    id: int
    detailed: bool
    definition: dict[str, t.Any]
    rows: list[dict[str, t.Any]] = field(default_factory=list)
    polls: int = 0
    outcome: str = "DONE"


class AnalyticsEmulator(EmulatorApp):
    """The Historical Metrics API v8 and its OAuth token endpoint, for one tenant."""

    name = "8x8-analytics"

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        region: str = "us",
        tenant_ids: tuple[str, ...] = (),
        timezones: tuple[str, ...] = ("UTC",),
        token_lifetime: float = 1799,
        polls_before_done: int = 2,
        json_cap: int = JSON_CAP,
        data: AnalyticsData | None = None,
        revoke_after: int = 0,
        accept_tokens: bool = True,
    ) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.region = region
        self.tenant_ids = tenant_ids
        self.timezones = timezones
        self.token_lifetime = token_lifetime
        self.polls_before_done = polls_before_done
        self.json_cap = json_cap
        self.data = data or AnalyticsData()
        #: after this many accepted API requests every token issued so far is revoked, once
        self.revoke_after = revoke_after
        #: False: tokens are issued but every one is refused (a key without the product)
        self.accept_tokens = accept_tokens
        self.accepted_requests = 0
        #: added to the wall clock: `advance()` lets ongoing interactions finish
        self.offset = dt.timedelta()
        #: outcome of the next reports created: "FAILED" or "NEVER" (status stays IN_PROGRESS)
        self.next_outcomes: list[str] = []
        self.tokens: dict[str, dt.datetime] = {}
        self.reports: dict[int, Report] = {}
        self._ids = itertools.count(2_710_192)
        self._lock = threading.Lock()

    # -- controls ------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The emulator's "now" (UTC)."""
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, seconds: float) -> None:
        """Move "now" forward: interactions ongoing before may have finished."""
        self.offset += dt.timedelta(seconds=seconds)

    def fail_next_reports(self, outcome: str, count: int = 1) -> None:
        """The next `count` reports end FAILED, or never finish ("NEVER")."""
        self.next_outcomes += [outcome] * count

    def expire_tokens(self) -> None:
        """Every issued token expires now."""
        with self._lock:
            self.tokens = dict.fromkeys(self.tokens, self.now() - dt.timedelta(seconds=1))

    # -- ground truth --------------------------------------------------------------------

    def interaction_ids(self, first: dt.date, last: dt.date, tz: dt.tzinfo) -> set[str]:
        """Interactions created on local days first..last that exist by now."""
        start, end = _local_range(first, last, tz)
        now = self.now()
        return {
            i.interaction_id
            for i in self.data.interactions_between(start, min(end, now))
            if i.created <= now
        }

    def survey_keys(
        self, first: dt.date, last: dt.date, tz: dt.tzinfo
    ) -> set[tuple[str, str, str, str]]:
        """(SurveyId, interaction id, QuestionId, UTC StartTime) of every answer of the
        surveys started on local days first..last and finished by now.
        """
        start, end = _local_range(first, last, tz)
        now = self.now()
        return {
            (SURVEY[0], s.interaction.interaction_id, a.question[0], s.start.isoformat())
            for s in self.data.surveys_between(start, end)
            if s.end <= now
            for a in s.answers
        }

    def interval_keys(
        self, report_type: str, first: dt.date, last: dt.date, tz: dt.tzinfo
    ) -> set[tuple[str, str]]:
        """(queue or agent id, UTC interval start) of a 30-minute summary over local days
        first..last, as a report created now would hold them.
        """
        start, end = _local_range(first, last, tz)
        body = {
            "type": report_type,
            "granularity": "30m",
            "timezone": getattr(tz, "key", "UTC"),
            "dateRange": {"start": start.isoformat(), "end": end.isoformat()},
        }
        id_key = "queueId" if report_type.startswith("queue") else "agentId"
        keys = set()
        for row in self._rows(body, detailed=False):
            items = {item["key"]: item["value"] for item in row["items"]}
            interval = dt.datetime.fromisoformat(items["startTime"]).astimezone(dt.UTC)
            keys.add((items[id_key], interval.isoformat()))
        return keys

    # -- dispatch ------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one request."""
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        realtime = REGION_PREFIX[self.region] + REALTIME_PATH
        if request.path.startswith(realtime) and request.method == "GET":
            if not self._authorised(request):
                return _error(401, "Unauthorized: invalid or expired access token")
            problem = self._tenant_problem(request)
            return _error(400, problem) if problem else self._realtime(request, realtime)
        prefix = REGION_PREFIX[self.region] + HISTORICAL
        if not request.path.startswith(prefix):
            if any(request.path.startswith(p + HISTORICAL) for p in REGION_PREFIX.values()):
                return _error(404, "Not Found: the tenant is not served in this region")
            return _error(404, "Not Found")
        if not self._authorised(request):
            return _error(401, "Unauthorized: invalid or expired access token")
        problem = self._tenant_problem(request)
        if problem:
            return _error(400, problem)
        rest = request.path[len(prefix) :].rstrip("/")
        parts = rest.strip("/").split("/") if rest else []
        if request.method == "POST" and parts == []:
            return self._create(request, detailed=False)
        if request.method == "POST" and parts == ["detailed-reports"]:
            return self._create(request, detailed=True)
        if len(parts) == 2 and parts[1] == "status":
            return self._status(parts[0])
        if len(parts) == 2 and parts[1] == "data":
            return self._summary_data(request, parts[0], prefix)
        if len(parts) == 3 and parts[0] == "detailed-reports" and parts[2] == "data":
            return self._detailed_data(request, parts[1], prefix)
        return _error(404, "Not Found")

    # -- Real-time Metrics API v5 --------------------------------------------------------

    def _realtime(self, request: Request, prefix: str) -> Reply:
        """`GET /queues`, `/agents`, `/groups` of the Real-time Metrics API v5: arrays of
        `SingleQueueResponse` / `SingleAgentWithMetricsResponse` / `SingleGroupResponse`
        (the v5 OpenAPI file), paged as the real-time guide describes.
        """
        resource = request.path[len(prefix) :].strip("/")
        try:
            page = int(request.query.get("page", 0))
            size = int(request.query.get("size", 100))
        except ValueError:
            return _error(400, "Bad request: page and size are integers")
        if size > 1000:
            return _error(400, "Bad request: Field 'size' must be less than or equal to 1000")
        tick = int(self.now().timestamp()) // 10  # 8x8 refreshes real-time data every 10 s
        if resource == "queues":
            items = [
                _metric_item(q_id, name, QUEUE_REALTIME_METRICS, tick)
                for q_id, name, _ in self.data.queues
            ]
        elif resource == "agents":
            items = [
                {
                    **_metric_item(a_id, name, AGENT_REALTIME_METRICS, tick),
                    "groupId": g_id,
                    "groupName": group,
                }
                for a_id, name, g_id, group in AGENTS
            ]
        elif resource == "groups":
            groups = sorted({(g_id, group) for _, _, g_id, group in AGENTS})
            items = [
                _metric_item(g_id, name, GROUP_REALTIME_METRICS, tick) for g_id, name in groups
            ]
        else:
            return _error(404, "Not Found")
        pages = max(1, -(-len(items) // size))
        if page >= pages:
            return _error(
                400,
                "Bad request: Field 'page' must be greater than or equal to 0 and less than the "
                f"total number of pages, which is {pages} for this request",
            )
        headers = {
            "X-Page": str(page),
            "X-Page-Size": str(size),
            "X-Total-Pages": str(pages),
            "X-Total-Elements": str(len(items)),
        }
        return Reply.json(items[page * size : (page + 1) * size], **headers)

    # -- OAuth ---------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        # Follows oauth-authentication-for-8x8-xcaas-apis.md ("Authentication Response").
        expected = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        if request.headers.get("authorization") != f"Basic {expected}":
            return _error(401, "Invalid client credentials")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "grant_type must be client_credentials")
        now = self.now()
        token = (
            "emu8x8tok-"
            + hashlib.sha256(f"{now.timestamp()}{len(self.tokens)}".encode()).hexdigest()[:24]
        )
        with self._lock:
            self.tokens[token] = now + dt.timedelta(seconds=self.token_lifetime)
        return Reply.json(
            {
                "access_token": token,
                "token_type": "BearerToken",
                "status": "approved",
                "scope": "",
                "refresh_token_expires_in": "0",
                "expires_in": str(int(self.token_lifetime)),
                "refresh_count": "0",
                "issued_at": str(int(now.timestamp() * 1000)),
                "api_product_list_json": ["analytics realtime-api"],
            }
        )

    def _authorised(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            expires = self.tokens.get(token)
            valid = scheme == "Bearer" and expires is not None and self.now() < expires
            if not valid or not self.accept_tokens:
                return False
            self.accepted_requests += 1
            if self.revoke_after and self.accepted_requests == self.revoke_after:
                self.tokens.clear()
        return True

    def _tenant_problem(self, request: Request) -> str:
        # The guides' "Multitenancy support" section, messages verbatim.
        if not self.tenant_ids:
            return ""
        tenant = request.headers.get("x-tenant-info")
        if tenant is None:
            return "Bad request: X-Tenant-Info header is missing."
        if tenant not in self.tenant_ids:
            return "Bad request: Invalid value for X-Tenant-Info header."
        return ""

    # -- creating a report -----------------------------------------------------------------

    def _create(self, request: Request, *, detailed: bool) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "Bad request: malformed JSON")
        problem = self._definition_problem(body, detailed=detailed)
        if problem:
            return _error(400, f"Bad request: {problem}")
        with self._lock:
            report = Report(next(self._ids), detailed, body)
            if self.next_outcomes:
                report.outcome = self.next_outcomes.pop(0)
            if report.outcome == "DONE":
                report.rows = self._rows(body, detailed)
            self.reports[report.id] = report
        if detailed:
            # OpenAPI: POST /detailed-reports → array of ResourceOfStatusResponse; the guide:
            # "Successful Creation always results in DONE".
            status = "FAILED" if report.outcome == "FAILED" else "DONE"
            if report.outcome == "NEVER":
                status = "IN_PROGRESS"
            return Reply.json([{"id": report.id, "status": status}])
        # OpenAPI: POST / → ResourceOfStatusResponse
        return Reply.json(
            {"id": report.id, "status": "IN_PROGRESS"},
            Link=f'<{HISTORICAL}/{report.id}/status>; rel="status"',
        )

    def _definition_problem(self, body: t.Any, *, detailed: bool) -> str:
        if not isinstance(body, dict):
            return "the body must be a report definition"
        known = DETAILED_TYPES if detailed else SUMMARY_TYPES
        required = ("type", "title") if detailed else ("type", "granularity", "title")
        missing = [name for name in required if not body.get(name)]
        if missing:
            return f"missing {', '.join(missing)}"
        if body["type"] not in known:
            return f"unknown report type {body['type']!r}"
        zone = body.get("timezone") or "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"invalid timezone {zone!r}"
        if zone not in self.timezones:
            return f"timezone {zone!r} is not configured for the tenant"
        try:
            start, end = _date_range(body)
        except (KeyError, TypeError, ValueError):
            return "dateRange.start and dateRange.end must be ISO 8601 date-times"
        if end < start:
            return "dateRange.end is before dateRange.start"
        if not detailed:
            allowed = next(g for limit, g in GRANULARITY_RULES if end - start <= limit)
            if body["granularity"] not in allowed:
                return (
                    f"granularity {body['granularity']!r} is not accepted for this date range; "
                    f"accepted: {', '.join(sorted(allowed))}"
                )
        return ""

    def _rows(self, body: dict[str, t.Any], detailed: bool) -> list[dict[str, t.Any]]:
        start, end = _date_range(body)
        tz = ZoneInfo(body.get("timezone") or "UTC")
        now = self.now()
        end = min(end, now)
        kind = body["type"]
        if kind == "detailed-reports-interaction-details":
            ongoing = bool((body.get("reportSettings") or {}).get("showOngoingInteractions"))
            participants = bool(body.get("includeParticipants"))
            rows = []
            for interaction in self.data.interactions_between(start, end):
                if interaction.wrapped_up > now and not ongoing:
                    continue
                rows.append(_interaction_row(interaction, now, tz, participants=participants))
            return rows
        if kind == "detailed-reports-agent-status-change":
            return [
                _status_row(change, tz) for change in self.data.status_changes_between(start, end)
            ]
        if kind == "detailed-reports-survey":
            finished = (s for s in self.data.surveys_between(start, end) if s.end <= now)
            return [row for survey in finished for row in _survey_rows(survey, tz)]
        minutes = GRANULARITY_MINUTES.get(body["granularity"], 30)
        if kind == "queue-interactions-summary":
            return _queue_rows(self.data.interactions_between(start, end), now, tz, minutes)
        if kind == "agent-interactions-summary":
            return _agent_rows(self.data.interactions_between(start, end), now, tz, minutes)
        return _time_on_status_rows(self.data.status_changes_between(start, end), tz, minutes)

    # -- status and data -----------------------------------------------------------------

    def _report(self, report_id: str) -> Report | None:
        try:
            return self.reports.get(int(report_id))
        except ValueError:
            return None

    def _status(self, report_id: str) -> Reply:
        report = self._report(report_id)
        if report is None:
            return _error(404, f"Report {report_id} not found")
        with self._lock:
            report.polls += 1
            if report.outcome == "NEVER" or (
                report.outcome == "DONE" and report.polls <= self.polls_before_done
            ):
                status = "IN_PROGRESS"
            else:
                status = report.outcome
        # OpenAPI: GET /{id}/status → ResourceOfStatusResponse
        payload: dict[str, t.Any] = {"id": report.id, "status": status}
        headers = {}
        if status == "FAILED":
            payload["reason"] = "Report generation failed"
        if status == "DONE":
            headers["Link"] = f'<{HISTORICAL}/{report.id}/data?page=0&size=100>; rel="data"'
        return Reply.json(payload, **headers)

    def _summary_data(self, request: Request, report_id: str, prefix: str) -> Reply:
        report = self._report(report_id)
        if report is None or report.detailed:
            return _error(404, f"Report {report_id} not found")
        if report.outcome != "DONE" or report.polls <= self.polls_before_done:
            return _error(400, "Bad request: the report is not DONE")
        try:
            page = int(request.query.get("page", 0))
            size = min(int(request.query.get("size", 100)), 1000)
        except ValueError:
            return _error(400, "Bad request: page and size are integers")
        rows = report.rows[: self.json_cap]  # the guide: JSON data is capped at 10,000 records
        pages = max(1, -(-len(rows) // size))
        body = rows[page * size : (page + 1) * size]
        headers = {
            "X-Page": str(page),
            "X-Page-Size": str(size),
            "X-Total-Pages": str(pages),
            "X-Total-Elements": str(len(rows)),
        }
        if page + 1 < pages:
            headers["Link"] = f'<{prefix}/{report.id}/data?page={page + 1}&size={size}>; rel="next"'
        # OpenAPI: ResourceOfApiReportResponse = [Row]; Row = {totals: TotalItem, items: [RowItem]}
        return Reply.json(body, **headers)

    def _detailed_data(self, request: Request, report_id: str, prefix: str) -> Reply:
        report = self._report(report_id)
        if report is None or not report.detailed:
            return _error(404, f"Report {report_id} not found")
        if report.outcome != "DONE":
            return _error(400, "Bad request: the report is not DONE")
        try:
            size = min(int(request.query.get("size", 100)), 1000)
        except ValueError:
            return _error(400, "Bad request: size is an integer")
        start = 0
        cursor = request.query.get("lastDocumentId")
        if cursor is not None:
            try:
                start = json.loads(base64.urlsafe_b64decode(cursor.encode()))["searchAfter"]
            except (ValueError, KeyError, TypeError):
                return _error(400, "Bad request: invalid lastDocumentId")
        body = report.rows[start : start + size]
        headers = {
            "X-Page-Size": str(size),
            "X-Total-Pages": str(max(1, -(-len(report.rows) // size))),
            "X-Total-Elements": str(len(report.rows)),
        }
        if start + size < len(report.rows):
            token = base64.urlsafe_b64encode(
                json.dumps({"searchAfter": start + size}).encode()
            ).decode()
            headers["Last-Document-Id"] = token
            headers["Link"] = (
                f"<{prefix}/detailed-reports/{report.id}/data?size={size}&lastDocumentId={token}>; "
                'rel="next"'
            )
        # OpenAPI: ResourceOfDetailedApiReportResponse = [DetailedRow]; DetailedRow = {items:
        # [DetailedRowItem]}; the guide adds "total": null
        return Reply.json(body, **headers)


# -- rows ----------------------------------------------------------------------------------


def _item(key: str, value: t.Any) -> dict[str, t.Any]:
    """A `RowItem` / `DetailedRowItem`: key, a human label, value."""
    label = "".join(" " + c if c.isupper() else c for c in key).strip().title()
    return {"key": key, "label": label, "value": value}


def _progress(value_ms: float, ongoing: bool) -> dict[str, t.Any]:
    """The detailed guide's `{"value": ms, "ongoing": bool}` duration form."""
    return {"value": round(value_ms), "ongoing": ongoing}


def _interaction_row(
    i: Interaction, now: dt.datetime, tz: dt.tzinfo, *, participants: bool
) -> dict[str, t.Any]:
    """One `DetailedRow` of detailed-reports-interaction-details, as it stands at `now`."""
    ongoing = i.wrapped_up > now
    elapsed = (min(now, i.finished) - i.created).total_seconds()
    waited = min(now, i.queued_until) - i.created
    answered = i.outcome == "answered"
    labels = ["Queued"] + (["Handled"] if answered and now >= i.queued_until else [])
    if i.outcome != "answered" and now >= i.queued_until:
        labels.append("Abandoned")
    finished = i.finished if now >= i.finished else None
    items = [
        _item("time", _iso(i.created, tz)),
        _item("agentNotes", None),
        _item("blindTransferToAgent", "0"),
        _item("blindTransferToQueue", "0"),
        _item("campaignId", None),
        _item("channelId", f"ch-{i.queue_id}"),
        _item("channelName", f"{i.queue_name} line"),
        _item("creationTime", _iso(i.created, tz)),
        _item("customerName", None if i.media == "Phone" else "Jane Customer"),
        _item("destination", f"+1555010{i.queue_id}"),
        _item("direction", "InboundDir"),
        _item(
            "finishedTime", {"value": _iso(finished, tz) if finished else None, "ongoing": ongoing}
        ),
        _item("interactionDuration", _progress(elapsed * 1000, ongoing)),
        _item("customerJourneyDuration", _progress(elapsed * 1000 + 4000, ongoing)),
        _item("interactionId", i.interaction_id),
        _item("interactionLabels", labels),
        _item("ivrTreatmentDuration", _progress(4000, False)),
        _item("mediaType", i.media),
        _item("origination", "+15550199999" if i.media == "Phone" else "web"),
        _item(
            "outcome",
            {"answered": "Handled", "abandoned": "Abandoned", "short_abandoned": "Abandoned"}[
                i.outcome
            ]
            if not ongoing
            else None,
        ),
        _item("queueId", i.queue_id),
        _item("queueName", i.queue_name),
        _item("queueTime", _iso(i.created + dt.timedelta(seconds=4), tz)),
        _item("queueWaitDuration", _progress(waited.total_seconds() * 1000, now < i.queued_until)),
        _item("scheduleHours", "Open"),
        _item("state", "Finished" if not ongoing else "Handling"),
        _item("terminatedBy", ("Agent" if answered else "Customer") if finished else None),
        _item("timeToAbandon", None if answered or now < i.queued_until else str(_ms(i.wait))),
        _item("transactionId", _transaction_id(i)),
        _item("warmTransfersCompleted", "0"),
    ]
    if participants:
        items.insert(0, _item("participants", _participants(i, now, tz)))
    return {"total": None, "items": _complete(items, INTERACTION_KEYS, None)}


def _transaction_id(i: Interaction) -> str:
    return str(10_000_000 + int(i.created.timestamp()) % 9_000_000)


def _complete(
    items: list[dict[str, t.Any]], keys: tuple[str, ...], default: t.Any
) -> list[dict[str, t.Any]]:
    """The items, plus every key of the report that the synthetic data left out."""
    present = {item["key"] for item in items}
    return items + [_item(key, default) for key in keys if key not in present]


def _participants(i: Interaction, now: dt.datetime, tz: dt.tzinfo) -> list[dict[str, t.Any]]:
    if i.agent is None or now < i.queued_until:
        return []
    agent_id, name, group_id, group = i.agent
    offer = i.queued_until - dt.timedelta(seconds=2)
    handled = (min(now, i.finished) - i.queued_until).total_seconds()
    wrapped = max(0.0, (min(now, i.wrapped_up) - i.finished).total_seconds())
    ongoing = now < i.wrapped_up
    participants: list[dict[str, t.Any]] = [
        {
            "participantAssignNumber": 1,
            "participantType": "Agent",
            "participantId": agent_id,
            "participantName": name,
            "participantGroupId": group_id,
            "participantGroupName": group,
            "participantOfferTime": _iso(offer, tz),
            "participantOfferAction": "Accepted",
            "participantOfferActionTime": _iso(i.queued_until, tz),
            "participantOfferDuration": _progress(2000, False),
            "participantHandlingEndTime": _iso(i.finished, tz) if now >= i.finished else None,
            "participantHandlingDuration": _progress(handled * 1000, now < i.finished),
            "participantWrapUpEndTime": _iso(i.wrapped_up, tz) if not ongoing else None,
            "participantWrapUpDuration": _progress(wrapped * 1000, ongoing),
            "participantProcessingDuration": _progress((handled + wrapped) * 1000, ongoing),
            "participantBusyDuration": _progress((handled + wrapped + 2) * 1000, ongoing),
            "warmTransfersCompleted": 0,
            "blindTransferToAgent": 0,
            "blindTransferToQueue": 0,
            "consultationsEstablished": 0,
            "conferencesEstablished": 0,
            "participantHold": 1 if i.hold else 0,
            "participantHoldDuration": _ms(i.hold),
            "participantLongestHoldDuration": _ms(i.hold),
            "wrapUpCode": ["Resolved"] if not ongoing else [],
            "wrapUpCodeId": ["301"] if not ongoing else [],
            "wrapUpCodeList": ["Outcomes"] if not ongoing else [],
            "wrapUpCodeListId": ["30"] if not ongoing else [],
            "wrapUpCodeText": ["Resolved on first contact"] if not ongoing else [],
            "wrapUpShortCode": ["RES"] if not ongoing else [],
        }
    ]
    for participant in participants:
        for key in PARTICIPANT_KEYS:
            participant.setdefault(key, None)
    return participants


def _status_row(change: StatusChange, tz: dt.tzinfo) -> dict[str, t.Any]:
    """One `DetailedRow` of detailed-reports-agent-status-change."""
    agent_id, name, group_id, group = change.agent
    code_id, code = change.code or (None, None)
    return {
        "total": None,
        "items": [
            _item("time", _iso(change.at, tz)),
            _item("agent", name),
            _item("agentGroup", group),
            _item("agentGroupId", group_id),
            _item("agentId", agent_id),
            _item("interactionId", None),
            _item("status", change.status),
            _item("statusCode", code),
            _item("statusCodeId", code_id),
            _item("statusCodeList", "Breaks" if code else None),
            _item("statusCodeListId", "801" if code else None),
            _item("statusCodeShortCode", code.upper()[:5] if code else None),
            _item("statusCodeText", code),
            _item("transactionId", None),
        ],
    }


def _survey_rows(survey: SurveyResponse, tz: dt.tzinfo) -> list[dict[str, t.Any]]:
    """The `DetailedRow`s of detailed-reports-survey for one response: one per question,
    the survey's own figures repeated on each (the guide's "Detail metrics").
    """
    call = survey.interaction
    assert call.agent is not None
    agent_id, agent_name, group_id, group = call.agent
    achievable = survey.achievable_score
    rows = []
    for answer in survey.answers:
        question_id, title, kind, scale = answer.question
        recording = None
        if answer.answer_type == "Recorded":
            digest = hashlib.sha256(f"{call.interaction_id}|{question_id}".encode()).hexdigest()
            recording = (
                f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            )
        items = [
            _item("AgentIds", [agent_id]),
            _item("AgentNames", [agent_name]),
            _item("AnswerDigit", answer.digit),
            _item("AnswerType", answer.answer_type),
            _item("CallerName", None),
            _item("CallerNumber", "+15550199999"),
            _item("EndTime", _iso(survey.end, tz)),
            _item("InteractionIds", [call.interaction_id]),
            _item("QuestionId", question_id),
            _item("QuestionTitle", title),
            _item("QuestionType", kind),
            _item("QueueIds", [call.queue_id]),
            _item("QueueNames", [call.queue_name]),
            _item("ScaleMax", scale[1] if scale else None),
            _item("ScaleMin", scale[0] if scale else None),
            _item("StartTime", _iso(survey.start, tz)),
            _item("SurveyDuration", _ms((survey.end - survey.start).total_seconds())),
            _item("SurveyId", SURVEY[0]),
            _item("SurveyName", SURVEY[1]),
            _item(
                "SurveyScorePercentage",
                round(100 * survey.actual_score / achievable, 2) if achievable else None,
            ),
            _item("SurveyType", SURVEY[2]),
            _item("TransactionIds", [_transaction_id(call)]),
            _item("achievableScore", achievable),
            _item("actualScore", survey.actual_score),
            _item("agentGroupIds", [group_id]),
            _item("agentGroupNames", [group]),
            _item("channelId", f"ch-{call.queue_id}"),
            _item("surveyIsDeleted", False),
            _item("voiceRecordingUuid", recording),
        ]
        rows.append({"total": None, "items": items})
    return rows


def _slot(instant: dt.datetime, tz: dt.tzinfo, minutes: int) -> dt.datetime:
    local = instant.astimezone(tz)
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


def _slot_items(start: dt.datetime, minutes: int) -> list[dict[str, t.Any]]:
    end = start + dt.timedelta(minutes=minutes)
    return [_item("startTime", start.isoformat(timespec="minutes")),
            _item("endTime", end.isoformat(timespec="minutes"))]  # fmt: skip


def _avg(values: list[float]) -> str:
    return str(round(sum(values) / len(values) * 1000)) if values else "0"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}" if whole else "0.00"


def _queue_rows(
    interactions: list[Interaction], now: dt.datetime, tz: dt.tzinfo, minutes: int
) -> list[dict[str, t.Any]]:
    """queue-interactions-summary grouped by queue: one `Row` per queue and interval."""
    groups: dict[tuple[str, dt.datetime], list[Interaction]] = {}
    for i in interactions:
        groups.setdefault((i.queue_id, _slot(i.created, tz, minutes)), []).append(i)
    rows = []
    for (queue_id, start), members in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        done = [i for i in members if now >= i.queued_until]
        accepted = [i for i in done if i.outcome == "answered"]
        abandoned = [i for i in done if i.outcome != "answered"]
        in_sla = [i for i in accepted if i.wait <= SLA_SECONDS]
        short = [i for i in abandoned if i.wait < SHORT_ABANDON_SECONDS]
        handled = [i for i in accepted if now >= i.finished]
        entered = len(members)
        name = members[0].queue_name
        metrics = {
            "accepted": str(len(accepted)),
            "acceptedInSla": str(len(in_sla)),
            "acceptedInSlaPercentage": _pct(len(in_sla), len(accepted)),
            "acceptedPercentage": _pct(len(accepted), entered),
            "avgAbandonTime": _avg([i.wait for i in abandoned]),
            "avgBusyTime": _avg([i.handle + i.wrap_up + 2 for i in handled]),
            "avgHandlingTime": _avg([i.handle for i in handled]),
            "avgProcessingTime": _avg([i.handle + i.wrap_up for i in handled]),
            "avgWaitBeforeAcceptedTime": _avg([i.wait for i in accepted]),
            "avgWaitTime": _avg([i.wait for i in done]),
            "avgWrapUpTime": _avg([i.wrap_up for i in handled]),
            "busyTime": str(sum(_ms(i.handle + i.wrap_up + 2) for i in handled)),
            "diverted": "0",
            "entered": str(entered),
            "handlingTime": str(sum(_ms(i.handle) for i in handled)),
            "longestAbandonTime": str(max((_ms(i.wait) for i in abandoned), default=0)),
            "longestWaitBeforeAcceptTime": str(max((_ms(i.wait) for i in accepted), default=0)),
            "longestWaitTime": str(max((_ms(i.wait) for i in done), default=0)),
            "newInQueue": str(entered),
            "parked": "0",
            "processingTime": str(sum(_ms(i.handle + i.wrap_up) for i in handled)),
            "slaPercentage": _pct(len(in_sla), entered - len(short)),
            "totalAbandonTime": str(sum(_ms(i.wait) for i in abandoned)),
            "totalAbandoned": str(len(abandoned)),
            "totalAbandonedPercentage": _pct(len(abandoned), entered),
            "voicemailsLeft": "0",
            "waitingInQueue": str(entered - len(done)),
            "waitingInQueueTime": str(sum(_ms(i.wait) for i in done)),
            "wrapUpTime": str(sum(_ms(i.wrap_up) for i in handled)),
        }
        items = [*_slot_items(start, minutes), _item("queue", name), _item("queueId", queue_id)]
        metric_items = [_item(k, v) for k, v in metrics.items()]
        rows.append(
            {"totals": None, "items": _complete(items + metric_items, QUEUE_SUMMARY_METRICS, "0")}
        )
    return rows


def _agent_rows(
    interactions: list[Interaction], now: dt.datetime, tz: dt.tzinfo, minutes: int
) -> list[dict[str, t.Any]]:
    """agent-interactions-summary grouped by agent: one `Row` per agent and interval."""
    groups: dict[tuple[str, dt.datetime], list[Interaction]] = {}
    names = {}
    for i in interactions:
        if i.agent is not None and now >= i.queued_until:
            groups.setdefault((i.agent[0], _slot(i.queued_until, tz, minutes)), []).append(i)
            names[i.agent[0]] = i.agent[1]
    rows = []
    for (agent_id, start), members in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        handled = [i for i in members if now >= i.finished]
        holds = [i for i in members if i.hold]
        metrics = {
            "abandoned": "0",
            "abandonedPercentage": "0.00",
            "accepted": str(len(members)),
            "acceptedPercentage": "100.00",
            "alerting": "0",
            "avgBusyTime": _avg([i.handle + i.wrap_up + 2 for i in handled]),
            "avgHandlingTime": _avg([i.handle for i in handled]),
            "avgHoldTime": _avg([i.hold for i in holds]),
            "avgSpeedToAnswer": "2000",
            "avgWrapUpTime": _avg([i.wrap_up for i in handled]),
            "busyTime": str(sum(_ms(i.handle + i.wrap_up + 2) for i in handled)),
            "handlingTime": str(sum(_ms(i.handle) for i in handled)),
            "hold": str(len(holds)),
            "holdTime": str(sum(_ms(i.hold) for i in holds)),
            "longestHoldTime": str(max((_ms(i.hold) for i in holds), default=0)),
            "offeringTime": str(2000 * len(members)),
            "presented": str(len(members)),
            "rejected": "0",
            "rejectTimeout": "0",
            "transfersInitiated": "0",
            "wrapUpTime": str(sum(_ms(i.wrap_up) for i in handled)),
        }
        agent = [_item("agent", names[agent_id]), _item("agentId", agent_id)]
        items = [*_slot_items(start, minutes), *agent]
        metric_items = [_item(k, v) for k, v in metrics.items()]
        rows.append(
            {"totals": None, "items": _complete(items + metric_items, AGENT_SUMMARY_METRICS, "0")}
        )
    return rows


def _time_on_status_rows(
    changes: list[StatusChange], tz: dt.tzinfo, minutes: int
) -> list[dict[str, t.Any]]:
    """agent-status-time-on-status grouped by agent: one `Row` per agent and interval."""
    rows = []
    seen: dict[tuple[str, dt.datetime], str] = {}
    for change in changes:
        key = (change.agent[0], _slot(change.at, tz, minutes))
        if key in seen:
            continue
        seen[key] = change.agent[1]
        slot_ms = minutes * 60 * 1000
        available = slot_ms if change.status == "available" else 0
        on_break = slot_ms if change.status == "onBreak" else 0
        metrics = {
            "availableTime": str(available),
            "availableTimePercentage": _pct(available, slot_ms),
            "busyTime": "0",
            "handlingTime": "0",
            "loggedInTime": str(slot_ms if change.status != "loggedOut" else 0),
            "onBreakTime": str(on_break),
            "onBreakTimePercentage": _pct(on_break, slot_ms),
            "workingOfflineTime": "0",
            "wrapUpTime": "0",
        }
        items = [*_slot_items(key[1], minutes), _item("agent", seen[key]), _item("agentId", key[0])]
        metric_items = [_item(k, v) for k, v in metrics.items()]
        rows.append(
            {"totals": None, "items": _complete(items + metric_items, TIME_ON_STATUS_METRICS, "0")}
        )
    return rows


def _metric_item(item_id: str, name: str, metrics: tuple[str, ...], tick: int) -> dict[str, t.Any]:
    """An item with its `MetricItem`s; percentages sent as strings now and then, as in 8x8's
    own examples.
    """
    rng = random.Random(f"{item_id}|{tick}")
    values: list[dict[str, t.Any]] = []
    for key in metrics:
        value: t.Any = round(rng.uniform(0, 100), 2) if "Percentage" in key else rng.randrange(50)
        if "Percentage" in key and rng.random() < 0.3:
            value = str(value)
        values.append({"key": key, "value": value})
    return {"id": item_id, "name": name, "metrics": values}


# -- helpers -------------------------------------------------------------------------------


def _date_range(body: dict[str, t.Any]) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.fromisoformat(str(body["dateRange"]["start"]))
    end = dt.datetime.fromisoformat(str(body["dateRange"]["end"]))
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("an offset is required")
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _local_range(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end - dt.timedelta(milliseconds=1)


def _error(status: int, message: str) -> Reply:
    return Reply.json({"status": status, "message": message}, status=status)
