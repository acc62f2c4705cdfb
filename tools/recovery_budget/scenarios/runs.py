"""Which runbook runs for a scenario, the world it acts on, and its run as a path of steps."""

from __future__ import annotations

from ..facts import Runbook
from ..latencies import cite as const
from ..model import Step
from ..runbook import RunbookGraph
from ..timeline import DatabaseFact, Execution, GroupFact, Span, World
from ..timing import in_service, lat_step, launch, target_healthy
from . import Context


def steps_calling(runbook: Runbook, *apis: str) -> list[str]:
    """Names of the main steps that call one of ``apis`` (an ``aws:executeAwsApi`` Api, or a script's
    boto3 call: ``PromoteReadReplica`` / ``promote_read_replica``)."""
    wanted = {api.lower().replace("_", "") for api in apis}
    found = []
    for step in RunbookGraph.from_document(runbook.document).steps:
        calls = {step.api} | step.script_calls()
        if (
            step.action != "aws:waitForAwsResourceProperty"
            and {c.lower().replace("_", "") for c in calls} & wanted
        ):
            found.append(step.name)
    return found


# A drill restores a database and deletes it again: never the runbook that recovers the service.
DRILL_APIS = ("DeleteDBInstance",)


def find_runbook(ctx: Context, region: str, *apis: str, also: tuple[str, ...] = ()) -> Runbook | None:
    """The document in ``region`` with a step calling one of ``apis`` (preferring one that also calls
    ``also``, then the one with fewer steps): the runbook an operator starts for the scenario. Drills
    (documents that delete the database they restore) are left out."""
    candidates = [
        rb
        for rb in ctx.inv.in_region(ctx.inv.runbooks, region)
        if steps_calling(rb, *apis) and not steps_calling(rb, *DRILL_APIS)
    ]
    if not candidates:
        return None

    def rank(rb: Runbook) -> tuple[int, int]:
        return (-len([a for a in also if steps_calling(rb, a)]), len(rb.document.get("mainSteps") or []))

    return min(candidates, key=rank)


def world_for(ctx: Context, runbook: Runbook, *, lost_region: str | None) -> World:
    """The databases, groups, health checks and failover records ``runbook`` may act on."""
    region = runbook.resource.region
    world = World(
        stage=ctx.inv.stage,
        stack=runbook.resource.id.stack,
        region=region,
        latencies=ctx.latencies,
        checks={hc.resource.id: hc for hc in ctx.inv.health_checks},
        records=[r for r in ctx.inv.records if r.failover],
        lost_region=lost_region,
    )
    for db in ctx.inv.in_region(ctx.inv.databases, region):
        if db.identifier:
            world.databases[db.identifier] = DatabaseFact(
                db.identifier, db.is_replica, db.backup_retention_days > 0, str(db.resource.id)
            )
    for group in ctx.groups(region):
        if group.name is None:
            continue
        pool, template, tg = ctx.pool(group), ctx.template(group), ctx.target_group(group)
        world.groups[group.name] = GroupFact(
            group.name,
            group,
            group.running_capacity,
            launch(group, pool, ctx.latencies, template),
            in_service(group, pool, ctx.latencies, template),
            target_healthy(tg) if tg else None,
        )
    return world


def start_step(ctx: Context, runbook: Runbook) -> Step:
    return lat_step(
        ctx.latencies,
        f"start runbook {runbook.name or runbook.resource.id}",
        "RUNBOOK_START_SECONDS",
        where=str(runbook.resource.id),
    )


def run_steps(run: Execution, until: Span | None = None) -> list[Step]:
    """The run's steps as path steps (each its own duration), up to the step ending at ``until``."""
    steps = []
    for timed in run.log:
        duration = timed.end - timed.start
        source = f"{run.runbook.resource.id}.{timed.name} ({timed.action})"
        steps.append(
            Step(
                f"runbook step {timed.name}: {timed.what}",
                duration.worst,
                f"{source}; {timed.source}" if timed.source else source,
                typical=duration.typical,
            )
        )
        if until is not None and timed.end.worst >= until.worst and timed.end.typical >= until.typical:
            break
    return steps


def gap(label: str, seconds: Span, source: str) -> Step | None:
    """A waiting step between two moments (``None`` when there is nothing to wait for)."""
    if seconds.worst <= 0 and seconds.typical <= 0:
        return None
    return Step(label, max(seconds.worst, 0.0), source, typical=max(seconds.typical, 0.0))


def manual_step(ctx: Context, label: str) -> Step:
    return Step(
        label,
        ctx.latencies.s("MANUAL_PROCEDURE_SECONDS"),
        const(ctx.latencies, "MANUAL_PROCEDURE_SECONDS"),
        typical=ctx.latencies.typ("MANUAL_PROCEDURE_SECONDS"),
        human=True,
    )
