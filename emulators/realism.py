"""The shape of a contact center's traffic, shared by the chat emulators (Oct8ne, CoBrowser).

Without it the demo's KPIs meant nothing: waits spread evenly over 0-89 s put the service
level near 20 %, conversations spread evenly over 24 hours, and whole days were empty every
week. Everything is deterministic (a seed in, the same value out), so an emulator's day always
holds the same rows. The figures are plausible for a web-chat team, not any vendor's data:
- volume: weekdays full, Saturday 70 %, Sunday 50 %; by hour, quiet nights and busy late
  mornings and afternoons (`HOUR_WEIGHTS`);
- queue wait of an answered chat: exponential, mean 8 s, 20 s in the busy hours (so about
  four in five are answered within 20 s, fewer at peaks);
- an abandon: a quarter leave within 5 s (short abandons), the rest after 8 s to 3 minutes;
- a rating of 1-5 leaning to 4-5 (about three in four satisfied).
"""

from __future__ import annotations

import hashlib
import math
import typing as t

if t.TYPE_CHECKING:
    import datetime as dt

#: relative traffic per hour of the day, 00:00 to 23:00
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 14, 15, 14, 12, 12, 13, 14, 13, 11, 9, 7, 5, 3, 2)
#: Monday..Sunday
WEEKDAY_FACTORS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5)
#: hours whose waits are longer (the team is short for the traffic)
BUSY_HOURS = frozenset({10, 11, 12, 15, 16, 17})
#: rating 1..5, cumulative out of 100
RATING_CUMULATIVE = (5, 12, 25, 55, 100)


def unit(seed: int, purpose: str) -> float:
    """A deterministic value in [0, 1) from a seed, independent for each purpose (a linear
    hash of seed + k would tie, say, whether a chat is abandoned to how long it waited)."""
    digest = hashlib.blake2b(f"{purpose}:{seed}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) / 4294967296


def daily_volume(per_day: int, day: dt.date) -> int:
    """Conversations on a day: `per_day` on average over a weekday, varying day to day."""
    ordinal = day.toordinal()
    base = per_day // 2 + (ordinal * 7919) % max(1, per_day)
    return max(1, round(base * WEEKDAY_FACTORS[day.weekday()]))


def second_of_day(seed: int, i: int, count: int) -> int:
    """When the i-th of `count` conversations of a day starts, in seconds after midnight.

    The i-th quantile of the hourly curve, so the day's conversations stay in order.
    """
    total = sum(HOUR_WEIGHTS)
    target = (i + 0.5) / count * total
    seen = 0.0
    for hour, weight in enumerate(HOUR_WEIGHTS):
        if seen + weight >= target:
            within = (target - seen) / weight
            return min(86399, hour * 3600 + int(within * 3600) + seed % 30)
        seen += weight
    return 86399


def answer_wait_seconds(seed: int, hour: int) -> int:
    """The queue wait of an answered conversation that started at `hour`."""
    mean = 20.0 if hour in BUSY_HOURS else 8.0
    return int(-mean * math.log(1.0 - unit(seed, "answer")))


def abandon_wait_seconds(seed: int) -> int:
    """How long a visitor waited before giving up: a quarter within 5 s (short abandons)."""
    share = unit(seed, "abandon")
    if share < 0.25:
        return int(share * 20)
    return 8 + int((share - 0.25) * 240)


def rating(seed: int) -> int:
    """A 1-5 rating, leaning to satisfied."""
    point = int(unit(seed, "rating") * 100)
    return next(score for score, top in enumerate(RATING_CUMULATIVE, 1) if point < top)
