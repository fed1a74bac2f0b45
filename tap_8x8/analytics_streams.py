"""The Analytics for Contact Center streams and where each schema comes from.

Sources (8x8Cloud/public-developer-docs, commit 859e59a3afa3d40d41ac7ed8f3e33edbe4196baa):
- `docs_oas/analytics/8x8_analytics_for_contact_center_historical_metrics_api.json`, the
  Historical Metrics API v8 OpenAPI file: the envelope of every row. Detailed report data is
  `ResourceOfDetailedApiReportResponse` = array of `DetailedRow` {items: [`DetailedRowItem`
  {key, label, value (object)}]}; summary report data is `ResourceOfApiReportResponse` = array
  of `Row` {totals: `TotalItem`, items: [`RowItem` {key, label, value (string)}]}. The OpenAPI
  file does not list the keys: each stream pivots the items into one record whose fields are
  the item keys, named as 8x8 names them.
- The keys and their meaning: `cc-historical-analytics-detailed-report.md` (3.1 Interaction
  Details Report Metrics Glossary, 95 metrics; 3.2 Agent Status Change glossary, 14 metrics;
  "includeParticipants" for the participants' fields; the `{value, ongoing}` form of
  `finishedTime` and of the listed duration metrics, in milliseconds) and
  `cc-historical-analytics-summary-report.md` (8.1.3 agent-status-time-on-status, 8.2.1
  queue-interactions-summary, 8.3.4 agent-interactions-summary; dimension items `startTime`,
  `endTime`, `queue`, `queueId` from the guide's subtotal example).
- `customer-experience-post-call-survey.md` ("Detail metrics", report `detailed-reports-survey`):
  the keys of the post-call survey rows (see `SurveyResponsesStream` for what it leaves open).

Types: the glossaries give meanings, not JSON types, so: counts are integers, percentages
numbers, durations whole seconds (converted from 8x8's milliseconds, as the contract asks),
times date-times in UTC, and every identifier and label a string (the detailed example sends
counts as strings: "0"). Assumed (not published): the agent dimension items of the agent
summaries are `agent` and `agentId` (as in the agent status change report); summary duration
values are milliseconds like the detailed ones ("hh:mm:ss" is read as well).
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_8x8.analytics import AnalyticsStream, Pivot
from tapkit.records import extra_property

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tapkit.window_plan import DateWindow

EXTRA = extra_property("8x8", spelling="item keys as 8x8 sends them")

# -- interaction details (detailed guide 3.1; participants: "includeParticipants") ---------

INTERACTION_DURATIONS = (
    "customerJourneyDuration",
    "interactionDuration",
    "ivrTreatmentDuration",
    "queueWaitDuration",
    "timeToAbandon",
)
PARTICIPANT_DURATIONS = (
    "participantBusyDuration",
    "participantFocusDuration",
    "participantHandlingDuration",
    "participantHoldDuration",
    "participantLongestFocusDuration",
    "participantLongestHoldDuration",
    "participantLongestMuteDuration",
    "participantMuteDuration",
    "participantOfferDuration",
    "participantParkDuration",
    "participantProcessingDuration",
    "participantWrapUpDuration",
)
INTERACTION_TIMES = ("creationTime", "finishedTime", "queueTime", "time")
PARTICIPANT_TIMES = (
    "participantAssignTime",
    "participantHandlingEndTime",
    "participantOfferActionTime",
    "participantOfferTime",
    "participantWrapUpEndTime",
)
TRANSFER_COUNTS = (
    "blindTransferToAgent",
    "blindTransferToQueue",
    "conferencesEstablished",
    "consultationsEstablished",
    "warmTransfersCompleted",
)
PARTICIPANT_COUNTS = (
    "participantAssignNumber",
    "participantFocus",
    "participantHold",
    "participantMute",
    "participantPark",
)
WRAP_UP_LISTS = (
    "wrapUpCode",
    "wrapUpCodeId",
    "wrapUpCodeList",
    "wrapUpCodeListId",
    "wrapUpCodeText",
    "wrapUpShortCode",
)
PARTICIPANT_TEXTS = (
    "participantAssignReason",
    "participantGroupId",
    "participantGroupName",
    "participantHandlingOutcome",
    "participantId",
    "participantName",
    "participantOfferAction",
    "participantType",
)
INTERACTION_TEXTS = (
    "agentNotes",
    "campaignId",
    "campaignName",
    "caseFollowUp",
    "caseNumber",
    "channelId",
    "channelName",
    "chatType",
    "customerEmail",
    "customerName",
    "customerPhone",
    "destination",
    "destinationQueueId",
    "destinationQueueName",
    "direction",
    "dispositionAction",
    "externalTransactionData",
    "facebookId",
    "interactionId",
    "interactionType",
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
    "queueId",
    "queueName",
    "recordId",
    "recordingFileNames",
    "scheduleHours",
    "state",
    "subject",
    "terminatedBy",
    "transactionId",
    "transfers",
    "twitterId",
)


def _texts(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.StringType) for name in names]


def _counts(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.IntegerType) for name in names]


def _seconds(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.IntegerType, description="Seconds.") for name in names]


def _times(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.DateTimeType, description="UTC.") for name in names]


def _numbers(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.NumberType, description="Percent.") for name in names]


def _lists(names: t.Iterable[str]) -> list[th.Property[t.Any]]:
    return [th.Property(name, th.ArrayType(th.StringType)) for name in names]


PARTICIPANT_COMMENT = th.ObjectType(
    th.Property("timestamp", th.DateTimeType),
    th.Property("participantId", th.StringType),
    th.Property("participantName", th.StringType),
    th.Property("comment", th.StringType),
)
PARTICIPANT_FIELDS = [
    *_texts(PARTICIPANT_TEXTS),
    *_counts(PARTICIPANT_COUNTS + TRANSFER_COUNTS),
    *_seconds(PARTICIPANT_DURATIONS),
    *_times(PARTICIPANT_TIMES),
    *_lists(WRAP_UP_LISTS),
    th.Property("participantComments", th.ArrayType(PARTICIPANT_COMMENT)),
]
PARTICIPANT = th.ObjectType(*PARTICIPANT_FIELDS, additional_properties=True)


class InteractionsStream(AnalyticsStream):
    """Every interaction (detailed-reports-interaction-details, participants included), one
    row per interaction; an interaction still ongoing is re-read within `lookback_days` and
    its final values replace the partial row (key `interactionId`).
    """

    name = "interactions"
    report_type = "detailed-reports-interaction-details"
    detailed = True
    primary_keys = ("interactionId",)
    replication_key = "time"
    pivot = Pivot(
        durations=frozenset(INTERACTION_DURATIONS + PARTICIPANT_DURATIONS),
        times=frozenset(INTERACTION_TIMES + PARTICIPANT_TIMES),
        nested=frozenset({"participants"}),
        track_ongoing=True,
    )
    schema = th.PropertiesList(
        th.Property("interactionId", th.StringType, required=True),
        th.Property("time", th.DateTimeType, description="Creation of the interaction (UTC)."),
        *_texts(name for name in INTERACTION_TEXTS if name != "interactionId"),
        *_times(name for name in INTERACTION_TIMES if name != "time"),
        *_seconds(INTERACTION_DURATIONS),
        *_counts(TRANSFER_COUNTS),
        *_lists(("interactionLabels",)),
        # the participant metrics also appear at the row's level in 8x8's glossary
        *[prop for prop in PARTICIPANT_FIELDS if prop.name not in TRANSFER_COUNTS],
        th.Property(
            "participants",
            th.ArrayType(PARTICIPANT),
            description="The interaction's participants (includeParticipants).",
        ),
        th.Property(
            "ongoing",
            th.BooleanType,
            description=(
                "Derived by the tap: true while any value 8x8 sent was marked ongoing (the "
                "interaction is not final; a later run replaces this row)."
            ),
        ),
        EXTRA,
    ).to_dict()

    @override
    def report_definition(self, window: DateWindow) -> dict[str, t.Any]:
        """With participants, and with the interactions still ongoing (partial)."""
        return {
            **super().report_definition(window),
            "includeParticipants": True,
            "reportSettings": {"showOngoingInteractions": True},
        }


class AgentStatusChangesStream(AnalyticsStream):
    """Every agent status change (detailed-reports-agent-status-change)."""

    name = "agent_status_changes"
    report_type = "detailed-reports-agent-status-change"
    detailed = True
    # no event id is published: an agent's change at one instant to one status is one row
    primary_keys = ("agentId", "time", "status")
    replication_key = "time"
    pivot = Pivot(times=frozenset({"time"}))
    schema = th.PropertiesList(
        th.Property("agentId", th.StringType, required=True),
        th.Property("time", th.DateTimeType, required=True, description="UTC."),
        th.Property("status", th.StringType, required=True),
        *_texts(
            (
                "agent",
                "agentGroup",
                "agentGroupId",
                "interactionId",
                "statusCode",
                "statusCodeId",
                "statusCodeList",
                "statusCodeListId",
                "statusCodeShortCode",
                "statusCodeText",
                "transactionId",
            )
        ),
        EXTRA,
    ).to_dict()


# -- post-call surveys (customer-experience-post-call-survey.md, "Detail metrics") -----------

SURVEY_TEXTS = (
    "AnswerDigit",
    "AnswerType",
    "CallerName",
    "CallerNumber",
    "QuestionTitle",
    "QuestionType",
    "SurveyName",
    "SurveyType",
    "channelId",
    "voiceRecordingUuid",
)
SURVEY_LISTS = (
    "AgentIds",
    "AgentNames",
    "InteractionIds",
    "QueueIds",
    "QueueNames",
    "TransactionIds",
    "agentGroupIds",
    "agentGroupNames",
)
SURVEY_SCORES = ("achievableScore", "actualScore")


def first_listed(value: t.Any) -> t.Any:
    """The first id of a list of ids (one id sent alone is itself); None when empty."""
    if isinstance(value, list):
        value = next((item for item in value if item not in (None, "")), None)
    return None if value in (None, "") else str(value)


class SurveyResponsesStream(AnalyticsStream):
    """Every answer to a post-call survey (detailed-reports-survey): one row per question of
    each survey a caller took, with the survey's own score repeated on each row.

    Follows the post-call survey guide's "Detail metrics" table (8x8 names the fields with a
    capital first letter, the last seven not: kept as spelled there); the OpenAPI file does
    not list the keys (`DetailedRow` items). Types are assumed from the meanings: lists of ids
    and names are arrays of strings, ids strings (AnswerDigit too: a keypad key such as `#`),
    ScaleMin/ScaleMax integers, scores and SurveyScorePercentage numbers (the percentage as
    8x8 sends it), SurveyDuration whole seconds from milliseconds like the other detailed
    durations. The per-question score is AnswerDigit when AnswerType is "Valid" and
    QuestionType "scale" (no other per-question score is published).

    Key (assumed: 8x8 publishes no response id): `SurveyId`, `interactionId`, `QuestionId`,
    `StartTime`. A row is one question of one survey taken after one call; SurveyId and
    StartTime name the survey taken, but two callers may start the same survey in the same
    millisecond, so the call is part of the key. Its ids come as a list (`InteractionIds`),
    which a warehouse cannot key on: the tap adds `interactionId`, the first of them (the
    first transaction id when 8x8 lists no interaction).
    """

    name = "survey_responses"
    report_type = "detailed-reports-survey"
    detailed = True
    primary_keys = ("SurveyId", "interactionId", "QuestionId", "StartTime")
    replication_key = "StartTime"
    pivot = Pivot(
        durations=frozenset({"SurveyDuration"}), times=frozenset({"StartTime", "EndTime"})
    )
    schema = th.PropertiesList(
        th.Property("SurveyId", th.StringType, required=True),
        th.Property(
            "interactionId",
            th.StringType,
            required=True,
            description=(
                "Derived by the tap: the first of InteractionIds (the call the survey followed; "
                "the first of TransactionIds when no interaction is listed)."
            ),
        ),
        th.Property("QuestionId", th.StringType, required=True),
        th.Property("StartTime", th.DateTimeType, required=True, description="Survey start, UTC."),
        th.Property("EndTime", th.DateTimeType, description="Survey end, UTC."),
        *_texts(SURVEY_TEXTS),
        *_lists(SURVEY_LISTS),
        *_counts(("ScaleMin", "ScaleMax")),
        *_seconds(("SurveyDuration",)),
        *[th.Property(name, th.NumberType) for name in SURVEY_SCORES],
        th.Property(
            "SurveyScorePercentage",
            th.NumberType,
            description="actualScore over achievableScore, as 8x8 sends it (percent).",
        ),
        th.Property("surveyIsDeleted", th.BooleanType),
        EXTRA,
    ).to_dict()

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """The call the survey followed, as one id a warehouse can key on."""
        call = first_listed(row.get("InteractionIds")) or first_listed(row.get("TransactionIds"))
        return super().post_process({**row, "interactionId": call}, context)


# -- summaries (summary guide 8.1.3, 8.2.1, 8.3.4) -----------------------------------------

QUEUE_COUNTS = (
    "accepted",
    "acceptedInSla",
    "diverted",
    "entered",
    "newInQueue",
    "parked",
    "totalAbandoned",
    "voicemailsLeft",
    "waitingInQueue",
)
QUEUE_PERCENTAGES = (
    "acceptedInSlaPercentage",
    "acceptedPercentage",
    "slaPercentage",
    "totalAbandonedPercentage",
)
QUEUE_DURATIONS = (
    "avgAbandonTime",
    "avgBusyTime",
    "avgHandlingTime",
    "avgProcessingTime",
    "avgWaitBeforeAcceptedTime",
    "avgWaitTime",
    "avgWrapUpTime",
    "busyTime",
    "handlingTime",
    "longestAbandonTime",
    "longestWaitBeforeAcceptTime",
    "longestWaitTime",
    "processingTime",
    "totalAbandonTime",
    "waitingInQueueTime",
    "wrapUpTime",
)
AGENT_COUNTS = (
    "abandoned",
    "accepted",
    "alerting",
    "assignedInteractions",
    "blindTransferToAgent",
    "blindTransferToQueue",
    "blindTransfersInitiated",
    "blindTransfersReceived",
    "hold",
    "parked",
    "presented",
    "rejectTimeout",
    "rejected",
    "transfersInitiated",
    "transfersReceived",
    "warmTransfersCompleted",
    "warmTransfersReceived",
)
AGENT_PERCENTAGES = (
    "abandonedPercentage",
    "acceptedPercentage",
    "rejectedPercentage",
    "transfersInitiatedPercentage",
)
AGENT_DURATIONS = (
    "avgBusyTime",
    "avgFocusTime",
    "avgHandlingTime",
    "avgHoldTime",
    "avgSpeedToAnswer",
    "avgWrapUpTime",
    "busyTime",
    "focusTime",
    "handlingTime",
    "holdTime",
    "longestHoldTime",
    "longestOfferingTime",
    "offeringTime",
    "processingTime",
    "wrapUpTime",
)
STATUS_DURATIONS = (
    "availableTime",
    "busyTime",
    "handlingTime",
    "loggedInTime",
    "offeringTime",
    "onBreakTime",
    "workingOfflineTime",
    "wrapUpTime",
)
STATUS_PERCENTAGES = (
    "availableTimePercentage",
    "busyTimePercentage",
    "handlingTimePercentage",
    "offeringTimePercent",
    "onBreakTimePercentage",
    "workingOfflineTimePercentage",
    "wrapUpTimePercentage",
)
INTERVAL = (
    th.Property("startTime", th.DateTimeType, required=True, description="Interval start, UTC."),
    th.Property("endTime", th.DateTimeType, description="Interval end, UTC."),
)


class SummaryStream(AnalyticsStream):
    """A summary report at 30-minute granularity, grouped by one dimension."""

    detailed = False
    replication_key = "startTime"
    granularity = "30m"
    group_by: str = ""

    @override
    def report_definition(self, window: DateWindow) -> dict[str, t.Any]:
        """Grouped, at 30 minutes, without subtotals (they are sums a warehouse can make)."""
        return {
            **super().report_definition(window),
            "granularity": self.granularity,
            "groupBy": {"name": self.group_by},
            "includeSubTotal": False,
            "includeGrandTotal": False,
        }


def _summary_pivot(durations: tuple[str, ...]) -> Pivot:
    return Pivot(durations=frozenset(durations), times=frozenset({"startTime", "endTime"}))


class QueueIntervalsStream(SummaryStream):
    """Each queue's figures per 30 minutes (queue-interactions-summary, grouped by queue)."""

    name = "queue_intervals"
    report_type = "queue-interactions-summary"
    group_by = "queue"
    primary_keys = ("queueId", "startTime")
    pivot = _summary_pivot(QUEUE_DURATIONS)
    schema = th.PropertiesList(
        th.Property("queueId", th.StringType, required=True),
        *INTERVAL,
        th.Property("queue", th.StringType, description="The queue's name."),
        *_counts(QUEUE_COUNTS),
        *_numbers(QUEUE_PERCENTAGES),
        *_seconds(QUEUE_DURATIONS),
        EXTRA,
    ).to_dict()


class AgentIntervalsStream(SummaryStream):
    """Each agent's figures per 30 minutes (agent-interactions-summary, grouped by agent)."""

    name = "agent_intervals"
    report_type = "agent-interactions-summary"
    group_by = "agent"
    primary_keys = ("agentId", "startTime")
    pivot = _summary_pivot(AGENT_DURATIONS)
    schema = th.PropertiesList(
        th.Property("agentId", th.StringType, required=True),
        *INTERVAL,
        th.Property("agent", th.StringType, description="The agent's name."),
        *_counts(AGENT_COUNTS),
        *_numbers(AGENT_PERCENTAGES),
        *_seconds(AGENT_DURATIONS),
        EXTRA,
    ).to_dict()


class AgentTimeOnStatusStream(SummaryStream):
    """Each agent's time per status per 30 minutes (agent-status-time-on-status)."""

    name = "agent_time_on_status"
    report_type = "agent-status-time-on-status"
    group_by = "agent"
    primary_keys = ("agentId", "startTime")
    pivot = _summary_pivot(STATUS_DURATIONS)
    schema = th.PropertiesList(
        th.Property("agentId", th.StringType, required=True),
        *INTERVAL,
        th.Property("agent", th.StringType, description="The agent's name."),
        *_seconds(STATUS_DURATIONS),
        *_numbers(STATUS_PERCENTAGES),
        EXTRA,
    ).to_dict()


ANALYTICS_STREAMS: tuple[type[AnalyticsStream], ...] = (
    InteractionsStream,
    AgentStatusChangesStream,
    SurveyResponsesStream,
    QueueIntervalsStream,
    AgentIntervalsStream,
    AgentTimeOnStatusStream,
)
