"""A virtual clock that never sleeps: a discrete-event scheduler in seconds since the injected failure.

Every periodic process of a drill (an ALB health checker, an alarm evaluation, a metric sample, a
Route 53 checker round, a runbook's poll) and every delayed effect (an instance finishing its boot,
a database finishing its failover) is an event at a virtual time. :meth:`VirtualClock.run_until`
jumps from one event to the next, so an hour of AWS time takes milliseconds of wall time.

Time ``0`` is the moment the failure is injected; a drill starts earlier (negative times) so that
health checks and alarms have a steady state to leave. :attr:`VirtualClock.epoch` is the wall-clock
datetime of time ``0``: timestamps sent to the emulator (metric datapoints, event times) and the
clock the deployed code reads are ``epoch + t``.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["Periodic", "VirtualClock", "minute_aligned_epoch"]


def minute_aligned_epoch(now: datetime | None = None, *, offset_seconds: float = 1.0) -> datetime:
    """A time ``0`` just after a minute boundary (CloudWatch periods start on the minute).

    ``offset_seconds`` past the boundary puts the failure just after a metric period began, the
    budget's worst case ("the partial datapoint may not breach").
    """
    now = now or datetime.now(UTC)
    return now.replace(second=0, microsecond=0) + timedelta(seconds=offset_seconds)


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)


class Periodic:
    """A process that runs every ``interval`` seconds until :meth:`stop` (or ``action`` returns False)."""

    def __init__(
        self, clock: VirtualClock, interval: float, action: Callable[[], bool | None], label: str
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval ({interval}) must be > 0 seconds")
        self.clock = clock
        self.interval = interval
        self.action = action
        self.label = label
        self.stopped = False
        self._event: _Event | None = None

    def start(self, first_at: float) -> Periodic:
        self._event = self.clock.schedule(first_at, self._tick, label=self.label)
        return self

    def _tick(self) -> None:
        if self.stopped:
            return
        if self.action() is False:
            self.stopped = True
            return
        if not self.stopped:
            self._event = self.clock.schedule(self.clock.now + self.interval, self._tick, label=self.label)

    def stop(self) -> None:
        self.stopped = True
        if self._event is not None:
            self._event.cancelled = True


class VirtualClock:
    """Seconds since the injected failure, advanced only by processing scheduled events.

    :param epoch: Wall-clock datetime of virtual time 0 (timezone-aware).
    :param start: Virtual time the drill starts at. Default: 0.
    """

    def __init__(self, epoch: datetime, *, start: float = 0.0) -> None:
        if epoch.tzinfo is None:
            raise ValueError(f"epoch ({epoch!r}) must be timezone-aware, e.g. datetime.now(UTC)")
        self.epoch = epoch
        self.now = float(start)
        self._queue: list[_Event] = []
        self._seq = itertools.count()

    # --- time -----------------------------------------------------------------------------------
    def datetime(self, at: float | None = None) -> datetime:
        """The wall-clock datetime of virtual time ``at`` (default: now)."""
        return self.epoch + timedelta(seconds=self.now if at is None else at)

    def seconds(self, moment: datetime) -> float:
        """The virtual time of a wall-clock datetime."""
        return (moment - self.epoch).total_seconds()

    def absolute(self, at: float | None = None) -> float:
        """UNIX seconds of virtual time ``at`` (default: now)."""
        return self.epoch.timestamp() + (self.now if at is None else at)

    def virtual(self, absolute: float) -> float:
        """Virtual time of UNIX seconds ``absolute``."""
        return absolute - self.epoch.timestamp()

    def period_end(self, period: float, at: float | None = None) -> float:
        """Virtual time at which the (clock-aligned) period of ``period`` seconds holding ``at`` ends."""
        absolute = self.absolute(at)
        return self.virtual((absolute // period + 1) * period)

    # --- scheduling -----------------------------------------------------------------------------
    def schedule(self, at: float, action: Callable[[], None], *, label: str = "") -> _Event:
        """Run ``action`` at virtual time ``at`` (not before now)."""
        if at < self.now - 1e-9:
            raise ValueError(
                f"cannot schedule {label or action} at {at:.1f} s: the clock is at {self.now:.1f} s"
            )
        event = _Event(max(at, self.now), next(self._seq), action, label)
        heapq.heappush(self._queue, event)
        return event

    def after(self, delay: float, action: Callable[[], None], *, label: str = "") -> _Event:
        return self.schedule(self.now + delay, action, label=label)

    def every(
        self, interval: float, action: Callable[[], bool | None], *, first_at: float, label: str = ""
    ) -> Periodic:
        """Run ``action`` at ``first_at`` and every ``interval`` seconds after; returns its handle."""
        return Periodic(self, interval, action, label).start(first_at)

    @property
    def next_event_at(self) -> float | None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0].at if self._queue else None

    # --- running --------------------------------------------------------------------------------
    def _run_next(self) -> None:
        event = heapq.heappop(self._queue)
        if event.cancelled:
            return
        self.now = event.at
        event.action()

    def advance_to(self, at: float) -> None:
        """Process every event up to ``at`` (inclusive), then stand at ``at``."""
        if at < self.now:
            raise ValueError(f"cannot go back in time from {self.now:.1f} s to {at:.1f} s")
        while (upcoming := self.next_event_at) is not None and upcoming <= at:
            self._run_next()
        self.now = at

    def advance(self, seconds: float) -> None:
        self.advance_to(self.now + seconds)

    def run_until(self, done: Callable[[], bool], *, limit: float) -> bool:
        """Process events in order until ``done()`` holds (checked after each) or ``limit`` passes.

        :returns: whether ``done()`` held before the clock passed ``limit``.
        """
        if done():
            return True
        while (upcoming := self.next_event_at) is not None and upcoming <= limit:
            self._run_next()
            if done():
                return True
        self.now = max(self.now, limit)
        return done()
