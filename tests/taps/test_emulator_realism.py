"""The chat emulators' traffic makes the KPIs mean something (emulators/realism.py).

Over two months of the demo's data: no empty day, abandons and short abandons among them at
the rates a web-chat team sees, service level neither perfect nor hopeless, busy afternoons
and quiet nights, and CoBrowser's agent report counting the chats its conversations assign.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from emulators.cobrowser import AGENTS, CoBrowserData
from emulators.oct8ne import Oct8neData

FIRST = dt.date(2026, 9, 1)
DAYS = [FIRST + dt.timedelta(days=n) for n in range(61)]


def queue_figures(entries: list[tuple[bool, int]]) -> dict[str, float]:
    """(answered, wait) of the requests → abandonment, short share, service level (20 s)."""
    abandoned = [wait for answered, wait in entries if not answered]
    answered = [wait for was_answered, wait in entries if was_answered]
    short = sum(1 for wait in abandoned if wait < 5)
    return {
        "abandonment": len(abandoned) / len(entries),
        "short_share": short / len(abandoned),
        "service_level": sum(1 for w in answered if w <= 20) / (len(entries) - short),
    }


def test_oct8ne_has_traffic_every_day_and_realistic_queue_rates():
    data = Oct8neData()
    days = [data.sessions_on_utc_day(day) for day in DAYS]
    assert all(days), "no day without sessions"
    sessions = [s for day in days for s in day]
    # the human queue: asked for help, not taken by the bot
    entries = [
        (s["attended"], s["waitingTime"])
        for s in sessions
        if s["assistanceRequested"] and not (s["attended"] and s["agentType"] == "Bot")
    ]
    figures = queue_figures(entries)
    assert 0.05 <= figures["abandonment"] <= 0.20, figures
    assert 0.1 <= figures["short_share"] <= 0.5, figures
    assert 0.6 <= figures["service_level"] <= 0.95, figures
    night = sum(1 for s in sessions if s["startUtc"].hour < 6)
    afternoon = sum(1 for s in sessions if 14 <= s["startUtc"].hour < 20)
    assert afternoon > 4 * night
    ratings = [s["rating"] for s in sessions if s["rating"] is not None]
    assert 0.6 <= sum(1 for r in ratings if r >= 4) / len(ratings) <= 0.9


def test_cobrowser_has_traffic_every_day_and_numchats_counts_assigned_chats():
    data = CoBrowserData(ZoneInfo("Europe/Amsterdam"), per_day=48)
    conversations = [list(data.rows("conversations", day, day)) for day in DAYS]
    assert all(conversations), "no day without conversations"
    requests = [c for day in conversations for c in day if c["requestType"] == "ask_reactive"]
    figures = queue_figures([(c["assigned_agent_id"] != "", c["decisionTime"]) for c in requests])
    assert 0.03 <= figures["abandonment"] <= 0.20, figures
    assert 0.1 <= figures["short_share"] <= 0.5, figures
    assert 0.6 <= figures["service_level"] <= 0.95, figures
    day = DAYS[10]
    assigned = [c["assigned_agent_id"] for c in data.rows("conversations", day, day)]
    for agent in AGENTS[:4]:
        chats = sum(
            r["numChats"]
            for r in data.rows("agentperformance", day, day)
            if r["agent_id"] == agent["id"]
        )
        assert chats == assigned.count(agent["id"]), agent["id"]
