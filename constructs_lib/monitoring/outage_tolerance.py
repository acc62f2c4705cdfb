"""Riding out a short outage: how many breaching datapoints an alarm on a Route 53 endpoint check must
see before it fires, so that an outage of a given length never does.

The regional Route 53 checks request the app's deep path, which fails while the database is
unreachable. A Multi-AZ failover makes it unreachable for a minute or two
(:data:`MULTI_AZ_FAILOVER`), and that must not page as a region loss. The arithmetic, for an outage of
``D`` seconds, checks every ``I`` seconds with failure threshold ``F``, each check taking up to ``c``
seconds (:data:`ROUTE53_CHECK_SECONDS`), and an alarm on ``HealthCheckStatus`` (Minimum) per period
``P``:

1. A check fails when the endpoint is down at some moment of its ``c`` seconds: the checks that can
   fail lie in an interval of ``D + c`` seconds, at most ``ceil((D + c) / I)`` per checker. Fewer than
   ``F`` and no checker ever calls the endpoint unhealthy.
2. Otherwise a checker turns unhealthy at its ``F``-th consecutive failure and healthy again at its
   ``F``-th consecutive pass ("Failure threshold": the number of consecutive checks that must pass or
   fail to change the status, Route 53 Developer Guide, "Values that you specify when you create or
   update health checks"). Its first failing check starts no earlier than ``c`` before the outage and
   its first passing one less than ``I`` after it: the unhealthy window lasts less than
   ``W = D + c + I``, and Route 53's verdict (healthy while more than 18 % of checkers say so, "How
   Amazon Route 53 determines whether a health check is healthy") is unhealthy only inside the union
   of the checkers' windows, which is no longer.
3. A window shorter than ``W`` touches at most ``ceil(W / P) + 1`` periods; with the Minimum
   statistic each of them may read 0 (unhealthy): that many consecutive breaching datapoints, at most.

An alarm needing one more consecutive breaching datapoint (``DatapointsToAlarm`` =
``EvaluationPeriods``) never fires on such an outage. For ``D`` = 120 s, 30-second checks with
threshold 3 and 60-second periods: 5 checks can fail (>= 3), ``W`` = 156 s, 4 periods: the alarm needs
5 of 5 (:func:`datapoints_to_ride_out`). Faster checks do not help (10-second checks: ``W`` = 136 s,
still 4 periods); only a failure threshold above the failing checks keeps the check itself green.
"""

from __future__ import annotations

import math

import aws_cdk as cdk

__all__ = [
    "MULTI_AZ_FAILOVER",
    "ROUTE53_CHECK_SECONDS",
    "datapoints_to_ride_out",
    "longest_breaching_run",
]

#: A Multi-AZ DB instance failover: "Failover times are typically 60-120 seconds" (Amazon RDS User
#: Guide, "Failing over a Multi-AZ DB instance for Amazon RDS":
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html). The top of
#: that range is what a regional deep check's alarm rides out.
MULTI_AZ_FAILOVER = cdk.Duration.seconds(120)

#: How long one HTTP(S) check may take: "the endpoint must establish a TCP connection within four
#: seconds" and "respond with an HTTP status code of 2xx or 3xx within two seconds after connecting"
#: (Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is healthy":
#: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
ROUTE53_CHECK_SECONDS = 6


def longest_breaching_run(
    outage_seconds: float,
    *,
    request_interval_seconds: int,
    failure_threshold: int,
    period_seconds: int = 60,
    check_seconds: float = ROUTE53_CHECK_SECONDS,
) -> int:
    """The most consecutive breaching ``HealthCheckStatus`` datapoints (Minimum per ``period_seconds``)
    an outage of ``outage_seconds`` can cause, whatever the phase of the checks and the periods
    (see the module docstring). 0: the check never turns unhealthy."""
    for name, value in (
        ("request_interval_seconds", request_interval_seconds),
        ("failure_threshold", failure_threshold),
        ("period_seconds", period_seconds),
    ):
        if value < 1:
            raise ValueError(f"{name} ({value}) must be at least 1.")
    if outage_seconds <= 0:
        return 0
    failing_checks = math.ceil((outage_seconds + check_seconds) / request_interval_seconds)
    if failing_checks < failure_threshold:
        return 0
    window = outage_seconds + check_seconds + request_interval_seconds
    return math.ceil(window / period_seconds) + 1


def datapoints_to_ride_out(
    outage_seconds: float,
    *,
    request_interval_seconds: int,
    failure_threshold: int,
    period_seconds: int = 60,
    check_seconds: float = ROUTE53_CHECK_SECONDS,
) -> int:
    """The smallest number of consecutive breaching datapoints (``DatapointsToAlarm`` =
    ``EvaluationPeriods``) that an outage of ``outage_seconds`` can never produce."""
    return (
        longest_breaching_run(
            outage_seconds,
            request_interval_seconds=request_interval_seconds,
            failure_threshold=failure_threshold,
            period_seconds=period_seconds,
            check_seconds=check_seconds,
        )
        + 1
    )
