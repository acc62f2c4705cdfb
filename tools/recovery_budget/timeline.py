"""Run a runbook's step graph on a clock, against the resources it acts on: the critical path.

Each step takes its own time (an API call, an ``aws:sleep`` of its ``Duration``, a script) and may
start an operation that completes later on its own (a replica promotion, a restore, launching the
instances of a scale-out, a Route 53 switch flip). A wait step (``aws:waitForAwsResourceProperty`` or
a script that polls) ends when what it waits for is done, plus up to one poll, or fails when that
takes longer than its ``timeoutSeconds x maxAttempts``; the run then follows ``onFailure``. So the
order of the steps, their sleeps and timeouts, and which step starts what, all move the figures: a
scale-out issued before the promotion's wait runs beside it, one issued after it runs after it.

Everything runs twice at once: with typical and with worst values (:class:`Span`). Branches whose
choice the templates decide (a parameter default, whether the standby database is a replica) follow
that choice; others are explored and the worst one counts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.cloud_assembly import Attr, ResourceId, Stage

from . import references
from .facts import AutoScalingGroup, HealthCheck, RecordSet, Runbook
from .latencies import Latencies
from .latencies import cite as const
from .model import Step
from .runbook import WAIT_DEFAULT_TIMEOUT_SECONDS, RunbookGraph, RunbookStep, iso_duration_seconds

_MAX_VISITS = 3


@dataclass(frozen=True)
class Span:
    """A moment or a duration, typical and worst."""

    typical: float
    worst: float

    def __add__(self, other: Span) -> Span:
        return Span(self.typical + other.typical, self.worst + other.worst)

    def __sub__(self, other: Span) -> Span:
        return Span(self.typical - other.typical, self.worst - other.worst)

    def later(self, other: Span) -> Span:
        return Span(max(self.typical, other.typical), max(self.worst, other.worst))

    @classmethod
    def of(cls, step: Step) -> Span:
        return cls(step.typical_seconds, step.seconds)

    @classmethod
    def named(cls, latencies: Latencies, name: str) -> Span:
        return cls(latencies.typ(name), latencies.s(name))


ZERO = Span(0.0, 0.0)


@dataclass(frozen=True)
class DatabaseFact:
    identifier: str
    is_replica: bool
    keeps_backups: bool
    where: str


@dataclass(frozen=True)
class GroupFact:
    """A group the runbook may scale: what serves now and how long a new instance takes."""

    name: str
    group: AutoScalingGroup
    initial: int
    ready: Step  # launch -> the app answers
    in_service: Step  # launch -> InService (what a runbook polling the group sees)
    healthy: Step | None  # the new target passes the ALB check

    def serving(self) -> Span:
        return Span.of(self.ready) + (Span.of(self.healthy) if self.healthy else ZERO)


@dataclass
class World:
    """What a runbook acts on, read from the templates of the stage."""

    stage: Stage
    stack: str  # the document's stack (its inputs are resolved there)
    region: str  # the document's region
    latencies: Latencies
    databases: dict[str, DatabaseFact] = field(default_factory=dict)
    groups: dict[str, GroupFact] = field(default_factory=dict)
    checks: dict[ResourceId, HealthCheck] = field(default_factory=dict)
    records: list[RecordSet] = field(default_factory=list)  # failover records
    lost_region: str | None = None


@dataclass(frozen=True)
class TimedStep:
    name: str
    action: str
    start: Span
    end: Span
    what: str
    source: str


@dataclass
class Execution:
    """One run of a document: every step with its start and end, and what it started."""

    runbook: Runbook
    clock: Span = ZERO
    log: list[TimedStep] = field(default_factory=list)
    db_done: dict[str, Span] = field(default_factory=dict)
    db_ops: dict[str, str] = field(default_factory=dict)
    scale: dict[str, tuple[Span, int]] = field(default_factory=dict)
    inverted: dict[ResourceId, bool] = field(default_factory=dict)
    dns_at: Span | None = None
    dns_step: str | None = None
    failed: str | None = None
    ended: bool = False
    notes: list[str] = field(default_factory=list)
    visits: dict[str, int] = field(default_factory=dict)

    def capacity_at(self, world: World, name: str, count: int, *, in_service: bool = False) -> Span | None:
        """When ``count`` instances of group ``name`` are InService (or serving): ``None`` if never."""
        fact = world.groups.get(name)
        if fact is None:
            return None
        if fact.initial >= count:
            return ZERO
        started = self.scale.get(name)
        if started is None or started[1] < count:
            return None
        delay = Span.of(fact.in_service) if in_service else fact.serving()
        return started[0] + delay


def _healthy(world: World, run: Execution, check_id: ResourceId | None, depth: int = 0) -> bool:
    """Whether Route 53 sees ``check_id`` healthy after the region is lost (no check: healthy)."""
    check = world.checks.get(check_id) if check_id else None
    if check is None or depth > 4:
        return True
    inverted = run.inverted.get(check.resource.id, check.inverted)
    if check.kind.upper() == "CALCULATED":
        children = [_healthy(world, run, child, depth + 1) for child in check.children]
        threshold = check.health_threshold if check.health_threshold is not None else len(children)
        base = sum(children) >= threshold
    elif check.watches_endpoint:
        base = check.target_region is None or check.target_region != world.lost_region
    else:
        base = True
    return base != inverted


def dns_moved(world: World, run: Execution) -> bool:
    """Route 53 answers the SECONDARY record: the PRIMARY's check is unhealthy and the SECONDARY's
    healthy (a SECONDARY without a check counts as healthy); "Configuring DNS failover" and the
    ResourceRecordSet ``Failover`` element in the Route 53 API Reference."""
    primaries = [r for r in world.records if r.failover == "PRIMARY"]
    secondaries = [r for r in world.records if r.failover == "SECONDARY"]
    if not primaries or not secondaries:
        return False
    primary_down = all(not _healthy(world, run, r.health_check) for r in primaries if r.health_check)
    primary_down = primary_down and all(r.health_check for r in primaries)
    return primary_down and any(_healthy(world, run, r.health_check) for r in secondaries)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Runner:
    def __init__(self, graph: RunbookGraph, world: World, score: Callable[[Execution], float]) -> None:
        self.graph, self.world, self.score = graph, world, score
        self.lat = world.latencies

    # --- what a step does --------------------------------------------------------------------
    def _value(self, step: RunbookStep, key: str) -> Any:
        return self.graph.resolve(step.value(key))

    def _effects(self, step: RunbookStep, at: Span, run: Execution) -> str:
        calls = _calls(step, "aws:executeAwsApi")
        if step.payload.get("Region") not in (None, self.world.region):
            return "acts on another region"
        done: list[str] = []
        identifier = self._value(step, "DBInstanceIdentifier")
        if "promotereadreplica" in calls and isinstance(identifier, str):
            fact = self.world.databases.get(identifier)
            duration = Span.named(self.lat, "RDS_REPLICA_PROMOTION_SECONDS")
            what = f"promotes {identifier} ({const(self.lat, 'RDS_REPLICA_PROMOTION_SECONDS')}"
            if fact is not None and not fact.keeps_backups:
                duration = duration + Span.named(self.lat, "RDS_PROMOTION_FIRST_BACKUP_SECONDS")
                what += (
                    f"; {fact.where}: no backup retention, so the promotion takes the first backup: "
                    f"{const(self.lat, 'RDS_PROMOTION_FIRST_BACKUP_SECONDS')}"
                )
            run.db_done[identifier] = at + duration
            run.db_ops[identifier] = what + ")"
            done.append(what + ")")
        for api, key, name in (
            ("restoredbinstancetopointintime", "TargetDBInstanceIdentifier", "RDS_PITR_RESTORE_SECONDS"),
            ("restoredbinstancefromdbsnapshot", "DBInstanceIdentifier", "RDS_SNAPSHOT_RESTORE_SECONDS"),
        ):
            target = self._value(step, key)
            if api in calls:
                target = target if isinstance(target, str) else f"<{step.name}>"
                run.db_done[target] = at + Span.named(self.lat, name)
                run.db_ops[target] = f"restores {target} ({const(self.lat, name)})"
                done.append(run.db_ops[target])
        if "rebootdbinstance" in calls and self._value(step, "ForceFailover") in (True, "true", "True"):
            target = identifier if isinstance(identifier, str) else f"<{step.name}>"
            run.db_done[target] = at + Span.named(self.lat, "RDS_MULTI_AZ_FAILOVER_SECONDS")
            run.db_ops[target] = f"fails {target} over ({const(self.lat, 'RDS_MULTI_AZ_FAILOVER_SECONDS')})"
            done.append(run.db_ops[target])
        if calls & {"updateautoscalinggroup", "setdesiredcapacity"}:
            name = self._value(step, "AutoScalingGroupName")
            sizes = [_int(self._value(step, key)) for key in ("DesiredCapacity", "MinSize")]
            capacity = max((size for size in sizes if size is not None), default=None)
            if isinstance(name, str) and name in self.world.groups and capacity is not None:
                previous = run.scale.get(name)
                if previous is None or previous[1] < capacity:
                    run.scale[name] = (at, capacity)
                done.append(f"scales {name} to {capacity}")
        if "updatehealthcheck" in calls:
            check = references.resolve(self.world.stage, step.value("HealthCheckId"), self.world.stack)
            inverted = self._value(step, "Inverted")
            if isinstance(check, Attr) and isinstance(inverted, bool | str):
                run.inverted[check.resource] = inverted in (True, "true", "True")
                done.append(f"sets {check.resource} Inverted={inverted}")
        return "; ".join(done)

    def _awaited(self, step: RunbookStep, run: Execution) -> tuple[str, Span | None] | None:
        """(what the step waits for, when it is done) or ``None`` when the budget cannot tell."""
        calls = _calls(step, "aws:waitForAwsResourceProperty")
        if "describedbinstances" in calls:
            identifier = self._value(step, "DBInstanceIdentifier")
            if not isinstance(identifier, str) or identifier not in run.db_done:
                identifier = next(reversed(run.db_done), identifier) if run.db_done else identifier
            if isinstance(identifier, str) and identifier in run.db_done:
                return f"{identifier}: {run.db_ops[identifier]}", run.db_done[identifier]
            return f"{identifier}: nothing started on it (already available)", ZERO
        if "describeautoscalinggroups" in calls:
            name = self._value(step, "AutoScalingGroupName")
            count = _int(self._value(step, "MinimumInService")) or 1
            if isinstance(name, str) and name in self.world.groups:
                at = run.capacity_at(self.world, name, count, in_service=True)
                return f"{count} InService instance(s) in {name}", at
            return None
        if "gethealthcheckstatus" in calls:
            check = references.resolve(self.world.stage, step.value("HealthCheckId"), self.world.stack)
            hc = self.world.checks.get(check.resource) if isinstance(check, Attr) else None
            if hc is None:
                return None
            group = next(
                (g for g in self.world.groups.values() if g.group.resource.region == hc.target_region), None
            )
            if group is None:
                return f"{hc.resource.id} healthy (no group behind it)", None
            serving = run.capacity_at(self.world, group.name, 1)
            if serving is None:
                return f"{hc.resource.id} healthy: nothing serves in {hc.target_region}", None
            if serving == ZERO:
                return f"{hc.resource.id} already healthy ({group.name} serves)", ZERO
            # Route 53 needs FailureThreshold consecutive passing checks to call the endpoint healthy
            # ("How Route 53 determines whether a health check is healthy").
            passing = Span(
                hc.request_interval / 2 + (hc.failure_threshold - 1) * hc.request_interval,
                float(hc.request_interval * hc.failure_threshold),
            )
            return f"{hc.resource.id} healthy after {group.name} serves", serving + passing
        return None

    def _wait(self, step: RunbookStep, run: Execution) -> tuple[Span, str, str, bool]:
        """(duration, what, source, failed) of a wait step."""
        start = run.clock
        window = step.window_seconds(WAIT_DEFAULT_TIMEOUT_SECONDS)
        poll_seconds = step.payload.get("PollSeconds")
        poll = (
            Span(float(poll_seconds) / 2, float(poll_seconds))
            if isinstance(poll_seconds, int | float) and not isinstance(poll_seconds, bool)
            else Span.named(self.lat, "AUTOMATION_WAIT_POLL_SECONDS")
        )
        overhead = Span.named(self.lat, "AUTOMATION_STEP_SECONDS")
        source = f"timeoutSeconds x maxAttempts = {window:g}s; poll up to {poll.worst:g}s"
        awaited = self._awaited(step, run)
        if awaited is None:
            run.notes.append(f"{step.name}: the budget cannot tell what it waits for: its full window counts")
            return Span(overhead.typical, window), "an unmodelled condition", source, False
        what, at = awaited
        if at is None:
            return Span(window, window), f"{what}: never happens", source, True
        end = Span(
            start.typical + overhead.typical if at.typical <= start.typical else at.typical + poll.typical,
            start.worst + overhead.worst if at.worst <= start.worst else at.worst + poll.worst,
        )
        duration = end - start
        if duration.worst > window:
            return (
                Span(min(duration.typical, window), window),
                f"{what}: longer than the window",
                source,
                True,
            )
        return duration, what, source, False

    def _duration(self, step: RunbookStep, run: Execution) -> tuple[Span, str, str, bool]:
        action = step.action
        if action == "aws:sleep":
            seconds = iso_duration_seconds(step.inputs.get("Duration"))
            if seconds is None:
                run.notes.append(f"{step.name}: aws:sleep without a Duration the budget can read")
                seconds = 0.0
            window = step.window_seconds(int(seconds) + 1) if step.timeout_seconds else seconds
            source = f"Duration={step.inputs.get('Duration')}"
            if seconds > window:  # timeoutSeconds is shared by all actions, aws:sleep too
                return (
                    Span(window, window),
                    f"sleeps longer than timeoutSeconds x maxAttempts ({window:g}s)",
                    source,
                    True,
                )
            return Span(seconds, seconds), "sleeps", source, False
        if action == "aws:branch":
            return ZERO, "branches", "", False
        if action == "aws:waitForAwsResourceProperty" or (
            action == "aws:executeScript" and step.script_polls
        ):
            return self._wait(step, run)
        if action == "aws:executeScript":
            return Span.named(self.lat, "AUTOMATION_SCRIPT_SECONDS"), "runs a script", "", False
        if action in ("aws:executeAwsApi", "aws:assertAwsResourceProperty"):
            return Span.named(self.lat, "AUTOMATION_STEP_SECONDS"), f"calls {step.api}", "", False
        if action == "aws:runCommand":
            rounds = self._restart_rounds(step)
            if not rounds:
                return Span.named(self.lat, "SSM_RUN_COMMAND_SECONDS"), "runs a command", "", False
            probing = Span(0.0, rounds * self.lat.s("COMMAND_RESTART_ROUND_SECONDS"))
            return (
                Span.named(self.lat, "SSM_RUN_COMMAND_SECONDS") + probing,
                f"restarts the app (up to {rounds} round(s) of probes)",
                f"RetryCount={rounds - 1}",
                False,
            )
        window = step.window_seconds(WAIT_DEFAULT_TIMEOUT_SECONDS)
        run.notes.append(f"{step.name}: {action} is not modelled: its full window ({window:g}s) counts")
        return Span(self.lat.typ("AUTOMATION_STEP_SECONDS"), window), f"{action} (not modelled)", "", False

    # --- the walk ------------------------------------------------------------------------------
    def _predict(self, reference: tuple[str, str]) -> Any:
        step = self.graph.step(reference[0])
        if step is None:
            return None
        if reference[1] == "IsReplica":
            identifier = self._value(step, "DBInstanceIdentifier")
            fact = self.world.databases.get(identifier) if isinstance(identifier, str) else None
            return None if fact is None else fact.is_replica
        return None

    def _choices(self, step: RunbookStep) -> list[str]:
        targets = self.graph.branch_targets(step)
        for choice, target in targets:
            if choice is None:
                return [target]
            variable = choice.get("Variable")
            value = self.graph.resolve(variable)
            if value == variable:
                reference = self.graph.reference(variable)
                value = self._predict(reference) if reference else None
            if value is None:
                return [t for _, t in targets]  # undecidable: explore every way
            if _matches(choice, value):
                return [target]
        return []

    def walk(self, name: str | None, run: Execution) -> Execution:
        while name is not None and not run.ended:
            step = self.graph.step(name)
            if step is None:
                run.failed = f"step {name} does not exist"
                break
            run.visits[name] = run.visits.get(name, 0) + 1
            if run.visits[name] > _MAX_VISITS:
                run.failed = f"{name}: the run loops"
                break
            start = run.clock
            duration, what, source, failed = self._duration(step, run)
            end = start + duration
            if not failed and step.action != "aws:waitForAwsResourceProperty":
                effects = self._effects(step, start, run)
                what = f"{what}; {effects}" if effects else what
            run.clock = end
            run.log.append(TimedStep(step.name, step.action, start, end, what, source))
            if not failed and run.dns_at is None and dns_moved(self.world, run):
                run.dns_at, run.dns_step = end, step.name
            if failed:
                run.failed = f"{step.name} fails: {what} ({source})"
                break
            if step.action == "aws:branch":
                options = self._choices(step)
                if len(options) > 1:
                    runs = [self.walk(option, copy.deepcopy(run)) for option in options]
                    return max(runs, key=self.score)
                name = options[0] if options else None
            else:
                name = self.graph.next_of(step)
        run.ended = True
        return run

    def _restart_rounds(self, step: RunbookStep) -> int | None:
        """Rounds of probes an ``aws:runCommand`` of the Command document's ``RestartService`` may take:
        ``RetryCount + 1``, from the step's parameters or else the document's own default (its
        template). ``None`` for any other command, or a count that cannot be read."""
        params = step.inputs.get("Parameters") or {}
        if not isinstance(params, dict) or params.get("Action") != "RestartService":
            return None
        retries = params.get("RetryCount")
        if retries is None:
            retries = self._document_default(step.inputs.get("DocumentName"), "RetryCount")
        retries = self.graph.resolve(retries)
        try:
            return int(retries) + 1
        except (TypeError, ValueError):
            return None

    def _document_default(self, name: Any, parameter: str) -> Any:
        target = self.world.stage.resolve(name, self.world.stack)
        if not isinstance(target, Attr):
            return None
        resource = self.world.stage.resource(target.resource)
        content = (resource.properties.get("Content") if resource is not None else None) or {}
        spec = (content.get("parameters") or {}).get(parameter) if isinstance(content, dict) else None
        return spec.get("default") if isinstance(spec, dict) else None


def _key(call: str) -> str:
    """``promote_read_replica`` and ``PromoteReadReplica`` -> ``promotereadreplica``."""
    return call.replace("_", "").lower()


def _calls(step: RunbookStep, action: str) -> set[str]:
    """The API calls of an ``action`` step's inputs and of its script, as :func:`_key` s."""
    calls = {_key(step.api)} if step.action == action and step.api else set()
    return calls | {_key(call) for call in step.script_calls()}


def _matches(choice: Any, value: Any) -> bool:
    for key, expected in choice.items():
        if key in ("NextStep", "Variable"):
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if key == "BooleanEquals":
            return str(expected).lower() == text.lower()
        if key in ("StringEquals", "NumericEquals"):
            return str(expected) == text
        if key == "EqualsIgnoreCase":
            return str(expected).lower() == text.lower()
        if key == "Contains":
            return str(expected) in text
        if key == "StartsWith":
            return text.startswith(str(expected))
        if key == "EndsWith":
            return text.endswith(str(expected))
    return False


def run_runbook(
    runbook: Runbook, world: World, start: Span, score: Callable[[Execution], float] | None = None
) -> Execution:
    """Run ``runbook`` from ``start`` (its first step begins then); the worst explored branch counts.

    ``score`` ranks the runs of undecidable branches (default: a failed run, then the latest end).
    """
    graph = RunbookGraph.from_document(runbook.document)
    rank = score or (lambda run: float("inf") if run.failed else run.clock.worst)
    runner = _Runner(graph, world, rank)
    run = Execution(runbook, clock=start)
    if dns_moved(world, run):
        run.dns_at, run.dns_step = start, None
    first = graph.first
    return runner.walk(first.name if first else None, run)
