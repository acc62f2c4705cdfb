"""The metric samples a drill's traces produce, as CloudWatch would hold them, and their copy in the
emulator.

A sample has a timestamp (absolute seconds), a value and the virtual time it becomes visible to
alarms (its interval's end plus the ingestion delay). :class:`MetricStore` answers "which samples
of this metric fall in this period and are visible now", which is what an alarm evaluation reads.
:meth:`MetricStore.publish` sends the visible samples to the emulator with ``PutMetricData`` so that
the deployed code (the healing function reads per-instance CPU and memory) sees the same data.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["MetricKey", "MetricStore", "Sample"]

PUT_METRIC_DATA_BATCH = 1000
"""Datapoints per PutMetricData call (the API's documented maximum)."""


@dataclass(frozen=True, slots=True)
class MetricKey:
    """A metric's identity: namespace, name and the exact set of dimensions (CloudWatch matches all)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: Mapping[str, str] | None = None) -> MetricKey:
        return cls(namespace, name, tuple(sorted((str(k), str(v)) for k, v in (dimensions or {}).items())))

    def describe(self) -> str:
        dims = ", ".join(f"{k}={v}" for k, v in self.dimensions)
        return f"{self.namespace} {self.name}" + (f" ({dims})" if dims else "")


@dataclass(frozen=True, slots=True, order=True)
class Sample:
    timestamp: float  # absolute seconds (UNIX time) of the start of the sample's interval
    value: float
    visible_at: float  # virtual time the sample reaches CloudWatch


@dataclass
class MetricStore:
    """Samples per metric, sorted by timestamp."""

    _samples: dict[MetricKey, list[Sample]] = field(default_factory=dict)
    _published: set[tuple[MetricKey, float, float]] = field(default_factory=set)

    def add(self, key: MetricKey, timestamp: float, value: float, *, visible_at: float) -> None:
        bisect.insort(self._samples.setdefault(key, []), Sample(timestamp, float(value), visible_at))

    def extend(self, key: MetricKey, samples: Iterable[tuple[float, float, float]]) -> None:
        for timestamp, value, visible_at in samples:
            self.add(key, timestamp, value, visible_at=visible_at)

    def values(self, key: MetricKey, start: float, end: float, *, visible_at: float) -> list[float]:
        """Values of samples with ``start <= timestamp < end`` that are visible at ``visible_at``."""
        samples = self._samples.get(key, [])
        low = bisect.bisect_left(samples, (start,), key=lambda s: (s.timestamp,))
        out = []
        for sample in samples[low:]:
            if sample.timestamp >= end:
                break
            if sample.visible_at <= visible_at:
                out.append(sample.value)
        return out

    def keys(self) -> list[MetricKey]:
        return list(self._samples)

    def samples(self, key: MetricKey) -> list[Sample]:
        return list(self._samples.get(key, []))

    def publish(self, cloudwatch: Any, *, visible_at: float, keys: Iterable[MetricKey] | None = None) -> int:
        """``PutMetricData`` every sample visible at ``visible_at`` not sent yet; returns how many."""
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for key in keys if keys is not None else self._samples:
            for sample in self._samples.get(key, []):
                marker = (key, sample.timestamp, sample.value)
                if sample.visible_at > visible_at or marker in self._published:
                    continue
                self._published.add(marker)
                by_namespace.setdefault(key.namespace, []).append(
                    {
                        "MetricName": key.name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in key.dimensions],
                        "Timestamp": datetime.fromtimestamp(sample.timestamp, UTC),
                        "Value": sample.value,
                    }
                )
        sent = 0
        for namespace, data in by_namespace.items():
            for index in range(0, len(data), PUT_METRIC_DATA_BATCH):
                cloudwatch.put_metric_data(
                    Namespace=namespace, MetricData=data[index : index + PUT_METRIC_DATA_BATCH]
                )
                sent += len(data[index : index + PUT_METRIC_DATA_BATCH])
        return sent
