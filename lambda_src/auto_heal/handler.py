"""Lambda entry point of the auto-healing function: parse, observe, de-duplicate, hand over.

``handler(event, context)`` parses the payload (EventBridge event or SNS records) against the
function's own account and region (its context's ARN, ``AWS_REGION``: anything else is dropped),
drops what is older than ``STALE_EVENT_SECONDS`` (AWS Health's scheduled notices: once their change
is due), sets the correlation id (the EventBridge id / SNS MessageId), and hands each event to
:class:`~healer.Healer` through Powertools idempotency keyed by that id and a hash of the parsed
content, so a redelivered event returns the stored result instead of acting twice, and another
event reusing an id is not mistaken for it. Logs are structured JSON (Powertools Logger);
counters are EMF metrics (Powertools Metrics, namespace ``POWERTOOLS_METRICS_NAMESPACE``).

Configuration is read from the environment on the first invocation (:func:`configure`); when it
is invalid the function logs the problems, emits ``ConfigInvalid`` and acts on nothing.

It raises :class:`~errors.RetryableHealingError` only for transient faults, so Lambda's
asynchronous retries and the on-failure destination keep those events; malformed or unknown
events are logged and dropped, never raised.

Import cost: boto3 and Powertools idempotency are imported on the first invocation, not here.
"""

from __future__ import annotations

if not __package__:  # pragma: no cover - the Lambda runtime; run by tests/lambda/test_auto_heal_packaging.py
    from _bootstrap import as_package_module  # a top-level module of the asset

    __spec__, __package__ = as_package_module(__file__)

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from . import contract
from .config import Config, ConfigError, load_config
from .errors import RetryableHealingError, TransientAwsError
from .events import Event, Ignored, InstanceHealthEvent, Parsed, parse_event
from .origin import Origin, age_problem

logger = Logger(service=os.environ.get(contract.POWERTOOLS_SERVICE_NAME) or "auto-heal")
metrics = Metrics(namespace=os.environ.get(contract.POWERTOOLS_METRICS_NAMESPACE) or "AutoHeal")

SAFETY_MARGIN_SECONDS = 10.0
"""Stop starting waits this long before the function's timeout."""


class EmfTelemetry:
    """Counters as EMF metrics; counters with dimensions are emitted one by one."""

    def count(self, name: str, **dimensions: str) -> None:
        if not dimensions:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
            return
        with single_metric(
            name=name,
            unit=MetricUnit.Count,
            value=1,
            namespace=metrics.namespace,
            default_dimensions={contract.SERVICE_DIMENSION: str(metrics.service or logger.service)},
        ) as metric:
            for key, value in dimensions.items():
                metric.add_dimension(name=key, value=str(value)[:250] or "none")


@dataclass(frozen=True)
class Runtime:
    """Everything built from a valid configuration, once per execution environment."""

    config: Config
    healer: Any  # healer.Healer
    process: Any  # Healer.handle wrapped by Powertools idempotency
    idempotency_config: Any


_runtime: Runtime | ConfigError | None = None


def configure(
    environ: Mapping[str, str] | None = None,
    *,
    session: Any | None = None,
    clock: Any = time.time,
) -> Runtime | ConfigError:
    """Build and cache the runtime from ``environ`` (default: ``os.environ``).

    Called on the first invocation. Tests and tools call it to pass a boto3 ``session`` (for
    botocore event hooks) or a ``clock``; calling it again replaces the cached runtime.
    """
    global _runtime
    try:
        config = load_config(os.environ if environ is None else environ)
    except ConfigError as error:
        _runtime = error
        return error

    from aws_lambda_powertools.utilities.idempotency import (  # lazy: imports boto3
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from .aws import AwsGateway
    from .healer import Healer
    from .ledger import IDEMPOTENCY_SECONDS, Ledger

    aws = AwsGateway(
        environment_tag_key=config.environment_tag_key,
        environment_name=config.environment_name,
        dry_run=config.dry_run,
        session=session,
    )
    ledger = Ledger(aws, config.ledger_table_name)
    healer = Healer(
        config=config,
        aws=aws,
        ledger=ledger,
        logger=logger,
        telemetry=EmfTelemetry(),
        region=os.environ.get("AWS_REGION", ""),
        clock=clock,
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=config.ledger_table_name,
        key_attr=contract.LEDGER_PARTITION_KEY,
        sort_key_attr=contract.LEDGER_SORT_KEY,
        expiry_attr=contract.LEDGER_TTL_ATTRIBUTE,
        in_progress_expiry_attr=contract.LEDGER_IN_PROGRESS_EXPIRY_ATTRIBUTE,
        boto3_client=aws.client("dynamodb"),
    )
    idempotency_config = IdempotencyConfig(
        event_key_jmespath="[event_id, content]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
        response_hook=_on_redelivery,
    )

    def process(delivery: dict[str, str], event: Any, deadline: float) -> list[dict[str, Any]]:
        return healer.handle(event, deadline=deadline)

    _runtime = Runtime(
        config=config,
        healer=healer,
        process=idempotent_function(
            process,
            data_keyword_argument="delivery",
            persistence_store=persistence,
            config=idempotency_config,
        ),
        idempotency_config=idempotency_config,
    )
    return _runtime


def _on_redelivery(response: Any, data_record: Any) -> Any:
    """Powertools calls this when an event id was already handled: report, return the old result."""
    logger.info(
        "event already handled: returning the stored result", extra={"record": data_record.idempotency_key}
    )
    metrics.add_metric(name=contract.METRIC_DUPLICATE_DELIVERY, unit=MetricUnit.Count, value=1)
    if isinstance(response, list):
        return [{**item, "delivery": "duplicate"} if isinstance(item, dict) else item for item in response]
    return response


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    runtime = _runtime if _runtime is not None else configure()
    if isinstance(runtime, ConfigError):
        logger.error("invalid configuration: acting on nothing", extra={"problems": list(runtime.problems)})
        metrics.add_metric(name=contract.METRIC_CONFIG_INVALID, unit=MetricUnit.Count, value=1)
        return {"status": "config-invalid", "problems": list(runtime.problems)}

    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
    )

    origin = Origin.of(
        str(getattr(context, "invoked_function_arn", "") or ""), os.environ.get("AWS_REGION", "")
    )
    if origin is None:
        problem = (
            "cannot tell this function's account and region (context ARN, AWS_REGION): acting on nothing"
        )
        logger.error(problem)
        metrics.add_metric(name=contract.METRIC_CONFIG_INVALID, unit=MetricUnit.Count, value=1)
        return {"status": "config-invalid", "problems": [problem]}
    runtime.idempotency_config.register_lambda_context(context)
    deadline = _deadline(context)
    results: list[dict[str, Any]] = []
    retry: list[str] = []
    for parsed in parse_event(event, origin=origin):
        logger.set_correlation_id(parsed.event_id)
        metrics.add_metric(name=contract.METRIC_EVENT_RECEIVED, unit=MetricUnit.Count, value=1)
        parsed = _unless_stale(parsed, now=runtime.healer.clock(), max_age=runtime.config.stale_event_seconds)
        if isinstance(parsed, Ignored) and parsed.category != "unsupported":
            with single_metric(
                name=contract.METRIC_EVENT_REJECTED,
                unit=MetricUnit.Count,
                value=1,
                namespace=metrics.namespace,
                default_dimensions={contract.SERVICE_DIMENSION: str(metrics.service or logger.service)},
            ) as rejected:
                rejected.add_dimension(name=contract.DIMENSION_REASON, value=parsed.category)
        try:
            if not runtime.healer.may_act(parsed):  # no ledger write for junk or other envs' events
                results.extend(runtime.healer.handle(parsed, deadline=deadline))
                continue
            delivery = {"event_id": parsed.event_id, "content": _content_hash(parsed)}
            results.extend(runtime.process(delivery=delivery, event=parsed, deadline=deadline))
        except TransientAwsError as error:
            retry.append(f"{parsed.event_id}: {error}")
        except IdempotencyAlreadyInProgressError:
            retry.append(f"{parsed.event_id}: the same event is being handled right now")
        except IdempotencyPersistenceLayerError as error:
            logger.exception("idempotency store failed", extra={"error": str(error)})
            retry.append(f"{parsed.event_id}: idempotency store: {error}")
    logger.set_correlation_id(None)
    if retry:
        metrics.add_metric(name=contract.METRIC_RETRY_REQUESTED, unit=MetricUnit.Count, value=len(retry))
        raise RetryableHealingError("; ".join(retry))
    return {"status": "done", "results": results}


def _unless_stale(parsed: Parsed, *, now: float, max_age: int) -> Parsed:
    """``parsed``, or :class:`Ignored` (``stale``) when too old to act on (:func:`~origin.age_problem`)."""
    if isinstance(parsed, Ignored):
        return parsed
    not_after = parsed.scheduled_start if isinstance(parsed, InstanceHealthEvent) else ""
    problem = age_problem(parsed.time, now=now, max_age=max_age, not_after=not_after)
    return parsed if problem is None else Ignored(problem, parsed.event_id, "stale")


def _content_hash(event: Event) -> str:
    """What the event says, as parsed (its dataclass ``repr``): part of the idempotency key."""
    return hashlib.sha256(repr(event).encode()).hexdigest()


def _deadline(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = remaining() / 1000 if callable(remaining) else 60.0
    return time.monotonic() + max(seconds - SAFETY_MARGIN_SECONDS, 1.0)
