"""What one measured level adds up to: throughput, latency percentiles, error rate, memory."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LevelResult:
    """One channel at one concurrency level."""

    channel: str
    concurrency: int
    seconds: float = 0.0
    #: Seconds of every answered turn.
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    #: Error kinds and how often they happened (e.g. "HTTP 503", "ReadTimeout").
    error_kinds: dict[str, int] = field(default_factory=dict)
    conversations_started: int = 0
    conversations_finished: int = 0
    #: Highest resident memory (bytes) of each process during the level.
    peak_rss: dict[str, int] = field(default_factory=dict)
    #: CPU seconds each process used during the level.
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    #: The machine's 1-minute load average when the level started.
    load_average: float = 0.0

    @property
    def turns(self) -> int:
        """Turns sent (answered or failed)."""
        return len(self.latencies) + self.errors

    @property
    def turns_per_second(self) -> float:
        """Answered turns per second of the level."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        """Failed turns as a share of all turns."""
        return self.errors / self.turns if self.turns else 0.0

    def cpu_per_turn(self, process: str) -> float:
        """CPU seconds `process` used per answered turn (NaN if not measured)."""
        if process not in self.cpu_seconds or not self.latencies:
            return math.nan
        return self.cpu_seconds[process] / len(self.latencies)

    def latency(self, q: float) -> float:
        """The q-th percentile of the turn latency (seconds)."""
        return percentile(self.latencies, q)

    def record_error(self, kind: str) -> None:
        """Count one failed turn."""
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def overhead(app: LevelResult, raw: LevelResult, q: float = 50) -> float:
    """App latency / raw Rasa REST latency at the same level (NaN without both)."""
    raw_latency = raw.latency(q)
    if not raw_latency or math.isnan(raw_latency):
        return math.nan
    return app.latency(q) / raw_latency
