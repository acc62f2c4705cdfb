"""Synthetic metric traces, sampled at each metric's resolution on the virtual clock (INJECTED data).

A :class:`MetricSource` closes one interval of its metric's resolution at a time (aligned to the
clock, as CloudWatch aligns periods), asks its value function for the interval's value(s) and stores
the sample with the time it becomes visible: the interval's end plus ``METRIC_INGESTION_DELAY_SECONDS``
(the recovery budget's named latency). The value functions read the drill's models (the instances
the emulator runs, which answer, which leak memory), so a trace follows what happens: CPU per
instance falls when new capacity starts serving, memory drops when the service restarts.

The shapes (all in :class:`Shape`): a climb from a baseline to a plateau that starts at the failure
(CPU saturation, a memory leak past its threshold), and their averages over an interval, which is
what a CloudWatch datapoint of that interval holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tools.simulation.clock import VirtualClock
from tools.simulation.metrics import MetricKey, MetricStore
from tools.simulation.timeline import SimTimeline

__all__ = ["MetricSource", "Shape", "announce", "interval_average"]

AVERAGING_STEP_SECONDS = 1.0


def interval_average(signal: Callable[[float], float], start: float, end: float) -> float:
    """The mean of ``signal`` over [start, end), sampled every second (what a 1-minute average holds)."""
    steps = max(1, int((end - start) / AVERAGING_STEP_SECONDS))
    return sum(signal(start + (i + 0.5) * (end - start) / steps) for i in range(steps)) / steps


@dataclass(frozen=True, slots=True)
class Shape:
    """``baseline`` until ``start``, a linear climb to ``peak`` over ``climb_seconds``, then ``peak``
    rising by ``drift_per_minute`` (a leak keeps leaking; CPU under load stays flat with 0)."""

    baseline: float
    peak: float
    start: float = 0.0
    climb_seconds: float = 60.0
    drift_per_minute: float = 0.0
    ceiling: float = 100.0

    def __call__(self, t: float) -> float:
        if t < self.start:
            return self.baseline
        if t < self.start + self.climb_seconds:
            return self.baseline + (self.peak - self.baseline) * (t - self.start) / self.climb_seconds
        drifted = self.peak + self.drift_per_minute * (t - self.start - self.climb_seconds) / 60.0
        return min(self.ceiling, drifted)

    def describe(self, unit: str) -> str:
        text = (
            f"{self.baseline:g}{unit} climbing to {self.peak:g}{unit} over {self.climb_seconds:g} s "
            f"from t={self.start:g} s"
        )
        return text + (f", then +{self.drift_per_minute:g}{unit}/min" if self.drift_per_minute else "")


class MetricSource:
    """One metric's samples, produced at its resolution by ``value(start, end)`` (absolute-free: the
    arguments are virtual times). ``value`` returns one number, several (one sample each, e.g. one
    per instance for a group-level metric), or None (no datapoint: the source publishes nothing)."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        store: MetricStore,
        key: MetricKey,
        resolution: float,
        value: Callable[[float, float], float | Sequence[float] | None],
        ingestion_delay: float,
    ) -> None:
        self.clock, self.store, self.key = clock, store, key
        self.resolution, self.value, self.ingestion_delay = resolution, value, ingestion_delay

    def start(self, *, backfill_from: float | None = None) -> MetricSource:
        """Produce samples from the next interval boundary on (and, with ``backfill_from``, the history
        since then, as if the source had been running)."""
        first_end = self.clock.period_end(self.resolution)
        if backfill_from is not None:
            end = first_end - self.resolution
            while end - self.resolution >= backfill_from:
                self._close_at(end)
                end -= self.resolution
        self.clock.every(self.resolution, self._close, first_at=first_end, label=f"metric {self.key.name}")
        return self

    def _close(self) -> None:
        self._close_at(self.clock.now)

    def _close_at(self, end: float) -> None:
        start = end - self.resolution
        produced = self.value(start, end)
        if produced is None:
            return
        values = [produced] if isinstance(produced, int | float) else list(produced)
        for value in values:
            self.store.add(
                self.key, self.clock.absolute(start), float(value), visible_at=end + self.ingestion_delay
            )


def announce(timeline: SimTimeline, key: MetricKey, resolution: float, description: str) -> None:
    """The INJECTED line that says a synthetic trace feeds a metric."""
    timeline.injected(f"synthetic trace {key.describe()} every {resolution:g} s: {description}")
