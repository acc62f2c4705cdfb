"""The metric math this project's alarms use, evaluated the way CloudWatch documents it.

Supported: numbers, metric/expression ids, ``+ - * /``, unary minus, parentheses, ``FILL(ts, S)``
and ``ANOMALY_DETECTION_BAND(ts[, S])`` (Metric math syntax and functions:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):

- "Missing values in a time series are treated as 0. If the value of a data point causes a
  function to attempt to divide by zero, the data point is dropped." Arithmetic between two time
  series therefore has a value at every timestamp where either has one.
- ``FILL`` fills the missing values of the time series over the queried range (for an alarm: the
  periods of its evaluation range) with the scalar.
- ``ANOMALY_DETECTION_BAND`` returns two time series, the band's upper and lower limits; the band
  width defaults to 2 standard deviations. CloudWatch trains the model behind it; here the band is
  an input (:class:`MathContext` ``bands``).

Anything else raises ``ValueError`` naming the unsupported part, so an alarm the simulation cannot
evaluate faithfully is never evaluated approximately.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Band", "MathContext", "Series", "evaluate_expression"]

Series = dict[float, float]
"""A time series: period start (absolute seconds) -> value; absent keys are missing datapoints."""
Value = float | Series | tuple[Series, Series]
DEFAULT_BAND_WIDTH = 2.0

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))")


@dataclass(frozen=True, slots=True)
class Band:
    """One period's anomaly band: the datapoint breaches when outside it (per the comparison)."""

    lower: float
    upper: float


@dataclass
class MathContext:
    """Series by query id over the period grid ``starts``; anomaly band models by metric id.

    A band model takes (period start, width in standard deviations) and returns (lower, upper).
    """

    starts: Sequence[float]
    period: int
    bands: Mapping[str, Callable[[float, float], tuple[float, float]]] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)

    def define(self, query_id: str, value: Value) -> None:
        self.values[query_id] = value

    def get(self, query_id: str) -> Value:
        if query_id not in self.values:
            raise ValueError(
                f"metric math: unknown id {query_id!r} (defined: {', '.join(self.values) or 'none'})"
            )
        return self.values[query_id]


def _tokens(expression: str) -> list[str]:
    tokens = []
    position = 0
    while (match := _TOKEN.match(expression, position)) is not None:
        tokens.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    if expression[position:].strip():
        raise ValueError(f"metric math {expression!r}: cannot read {expression[position:]!r}")
    return tokens


class _Parser:
    def __init__(self, expression: str, context: MathContext) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.position = 0
        self.context = context

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(
                f"metric math {self.expression!r}: expected {expected or 'more'} at token {self.position}, "
                f"found {token!r}"
            )
        self.position += 1
        return token

    def parse(self) -> Value:
        value = self.sum()
        if self.peek() is not None:
            raise ValueError(f"metric math {self.expression!r}: unexpected {self.peek()!r}")
        return value

    def sum(self) -> Value:
        value = self.product()
        while self.peek() in ("+", "-"):
            operator = self.take()
            value = _binary(operator, value, self.product())
        return value

    def product(self) -> Value:
        value = self.unary()
        while self.peek() in ("*", "/"):
            operator = self.take()
            value = _binary(operator, value, self.unary())
        return value

    def unary(self) -> Value:
        if self.peek() == "-":
            self.take()
            return _binary("*", -1.0, self.unary())
        return self.primary()

    def primary(self) -> Value:
        token = self.take()
        if token == "(":
            value = self.sum()
            self.take(")")
            return value
        if token[0].isdigit():
            return float(token)
        if self.peek() == "(":
            return self.call(token)
        return self.context.get(token)

    def call(self, function: str) -> Value:
        self.take("(")
        args: list[Value] = [self.sum()]
        names: list[str] = [self.tokens[self.position - 1]]
        while self.peek() == ",":
            self.take(",")
            args.append(self.sum())
        self.take(")")
        if function == "FILL":
            if len(args) != 2 or not isinstance(args[0], dict) or not isinstance(args[1], float):
                raise ValueError(
                    f"metric math {self.expression!r}: only FILL(time series, number) is modelled"
                )
            series, filler = args
            return {start: series.get(start, filler) for start in self.context.starts}
        if function == "ANOMALY_DETECTION_BAND":
            metric_id = names[0]
            width = args[1] if len(args) > 1 else DEFAULT_BAND_WIDTH
            if not isinstance(width, float):
                raise ValueError(f"metric math {self.expression!r}: the band width must be a number")
            model = self.context.bands.get(metric_id)
            if model is None:
                raise ValueError(
                    f"metric math {self.expression!r}: no anomaly band given for {metric_id!r}: the band "
                    "is an input of the simulation (CloudWatch trains the model)"
                )
            lower: Series = {}
            upper: Series = {}
            for start in self.context.starts:
                low, high = model(start, width)
                lower[start], upper[start] = low, high
            return (lower, upper)
        raise ValueError(f"metric math {self.expression!r}: function {function} is not modelled")


def _apply(operator: str, left: float, right: float) -> float | None:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if right == 0:
        return None  # documented: a data point that would divide by zero is dropped
    return left / right


def _binary(operator: str, left: Value, right: Value) -> Value:
    if isinstance(left, tuple) or isinstance(right, tuple):
        raise ValueError("metric math: arithmetic on an anomaly band is not modelled")
    if isinstance(left, float) and isinstance(right, float):
        result = _apply(operator, left, right)
        if result is None:
            raise ValueError("metric math: division of two numbers by zero")
        return result
    if isinstance(left, float):
        assert isinstance(right, dict)
        return {t: v for t, r in right.items() if (v := _apply(operator, left, r)) is not None}
    if isinstance(right, float):
        return {t: v for t, lv in left.items() if (v := _apply(operator, lv, right)) is not None}
    out: Series = {}
    for timestamp in sorted(set(left) | set(right)):
        value = _apply(operator, left.get(timestamp, 0.0), right.get(timestamp, 0.0))
        if value is not None:
            out[timestamp] = value
    return out


def evaluate_expression(expression: str, context: MathContext) -> Value:
    """Evaluate ``expression`` over ``context``; a time series, a band (two series) or a number."""
    return _Parser(expression, context).parse()
