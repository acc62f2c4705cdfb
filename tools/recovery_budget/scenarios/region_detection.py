"""Region loss, detection: every Route 53 check that watches the primary, the fastest that pages.

A check watches the primary when a PRIMARY failover record uses it (directly or as a child of its
switch), when its host is the primary region's load balancer (read through cross-region references),
or when its host is the failover records' name (the public name answers from the primary until the
switch flips). A check is *deep* when its path differs from the health path the primary's target
group uses: the app answers it only when its dependencies (the database) answer too; the shallow
``/health`` keeps the load balancer from replacing every instance on a database blip.

Modes: the whole region is down (every check fails) and the database is lost while the web tier still
answers (only a deep check fails). Each mode's fastest path to a person (or to an automatic start of
the failover) counts; the scenario takes the slower mode.
"""

from __future__ import annotations

from tools.cloud_assembly import Attr

from ..facts import SIGNAL_ROUTE53, HealthCheck, RecordSet
from ..latencies import cite as const
from ..model import Path, ScenarioResult, Step
from ..timing import alarm_fires, lat_step, operator
from . import Context, pick_fastest

REGION_DOWN, DATABASE_LOST = "region down", "database lost, web tier up"


def failover_records(ctx: Context, role: str) -> list[RecordSet]:
    return [r for r in ctx.inv.records if r.failover == role]


def _record_names(ctx: Context) -> set[str]:
    return {r.name.rstrip(".") for r in ctx.inv.records if r.failover and r.name}


def primary_checks(ctx: Context) -> list[HealthCheck]:
    """The endpoint checks that watch the primary region (see the module docstring)."""
    inv = ctx.inv
    found: list[HealthCheck] = []

    def add(hc: HealthCheck | None) -> None:
        if (
            hc is not None
            and hc.watches_endpoint
            and hc not in found
            and hc.target_region in (None, ctx.primary)
        ):
            found.append(hc)

    for record in failover_records(ctx, "PRIMARY"):
        hc = inv.health_check(record.health_check)
        if hc is not None:
            add(hc)
            for child in hc.children:
                add(inv.health_check(child))
    names = _record_names(ctx)
    for hc in inv.health_checks:
        if hc.target_region == ctx.primary or (hc.fqdn is not None and hc.fqdn in names):
            add(hc)
    return found


def is_deep(ctx: Context, hc: HealthCheck) -> bool:
    """The check asks a path the primary's load balancer does not use for its own health checks."""
    shallow = {tg.path for tg in ctx.inv.in_region(ctx.inv.target_groups, ctx.primary) if tg.path}
    return hc.path is not None and bool(shallow) and hc.path not in shallow


def _check_step(ctx: Context, hc: HealthCheck) -> Step:
    lat = ctx.latencies
    timeout = lat.s("ROUTE53_CHECK_TIMEOUT_SECONDS")
    return Step(
        f"Route 53 health checkers see {hc.fqdn or hc.target_region or 'the endpoint'}{hc.path or ''} fail",
        hc.request_interval * hc.failure_threshold + timeout,
        f"{hc.resource.id}: Type={hc.kind}, RequestInterval={hc.request_interval}, "
        f"FailureThreshold={hc.failure_threshold}; {const(lat, 'ROUTE53_CHECK_TIMEOUT_SECONDS')}",
        f"{hc.request_interval} x {hc.failure_threshold} + {timeout:g}",
        typical=hc.request_interval / 2
        + (hc.failure_threshold - 1) * hc.request_interval
        + lat.typ("ROUTE53_CHECK_TIMEOUT_SECONDS"),
    )


def _alarms_on(ctx: Context, hc: HealthCheck) -> list:
    return [
        a
        for a in ctx.inv.alarms
        if a.signal == SIGNAL_ROUTE53
        and a.resource.region != ctx.primary  # an alarm in the lost region cannot fire
        and (
            not isinstance(a.dimensions.get("HealthCheckId"), Attr)
            or a.dimensions["HealthCheckId"].resource == hc.resource.id
        )
    ]


def check_paths(ctx: Context, result: ScenarioResult, hc: HealthCheck) -> list[Path]:
    """Check fails -> its alarm -> an automatic failover, or a page and the on-call's decision."""
    lat = ctx.latencies
    kind = "deep" if is_deep(ctx, hc) else "shallow"
    hc_step = _check_step(ctx, hc)
    alarms = _alarms_on(ctx, hc)
    paths = []
    if not alarms:
        result.warnings.append(
            f"{hc.resource.id} ({kind}) has no alarm outside {ctx.primary}: it pages nobody"
        )
    for alarm in alarms:
        fired = alarm_fires(alarm, ctx.inv, None, lat, result.warnings)
        routing = ctx.route(alarm)
        name = alarm.name or str(alarm.resource.id)
        for rule in routing.runbook_rules[:1]:
            trigger = lat_step(
                lat,
                f"rule starts the failover ({rule.describe_targets()})",
                "EVENTBRIDGE_DELIVERY_SECONDS",
                where=str(rule.resource.id),
            )
            paths.append(
                Path(
                    f"{kind} check {hc.resource.id} -> alarm {name} -> automatic failover",
                    (hc_step, *fired, trigger),
                )
            )
        page = routing.fastest_page
        if page is not None:
            decide = operator(lat, "on-call is paged and decides to fail over")
            paths.append(
                Path(
                    f"{kind} check {hc.resource.id} -> {page.route} -> on-call",
                    (hc_step, *fired, *page.steps, decide),
                )
            )
        elif not routing.runbook_rules:
            why = (
                "; ".join(routing.dead_ends)
                or "no actions, no rule to a topic or state machine, no composite"
            )
            result.warnings.append(f"alarm {name} on {hc.resource.id} pages nobody ({why})")
    return paths


def _noticed(ctx: Context, mode: str, why: str) -> Path:
    return Path(
        f"{mode}: noticed by people ({why})",
        (operator(ctx.latencies, "users report errors; on-call notices and decides to fail over"),),
    )


def region_detection(ctx: Context, result: ScenarioResult) -> Path:
    """The slower of the two modes' fastest paths.

    When nothing pages (no check, or checks whose alarms reach nobody) the scenario is not covered
    (``gap_reason``); the path is then "noticed by people", so the figures still say what it costs.
    """
    checks = primary_checks(ctx)
    if not checks:
        result.add_gap("no Route 53 health check watches the primary endpoint")
        result.modes[REGION_DOWN] = _noticed(ctx, REGION_DOWN, "no health check")
        return result.modes[REGION_DOWN]
    per_check = {hc.resource.id: check_paths(ctx, result, hc) for hc in checks}
    down = [path for paths in per_check.values() for path in paths]
    chosen_down = pick_fastest(result, [Path(f"{REGION_DOWN}: {p.name}", p.steps) for p in down])
    if chosen_down is None:
        result.add_gap(
            "nothing pages a person or starts the failover when the primary endpoint fails: "
            + ", ".join(str(hc.resource.id) for hc in checks)
            + " have no alarm with actions, rule or paging composite"
        )
        chosen_down = _noticed(ctx, REGION_DOWN, "no alarm pages")
    result.modes[REGION_DOWN] = chosen_down
    deep = [path for hc in checks if is_deep(ctx, hc) for path in per_check[hc.resource.id]]
    if deep:
        chosen_db = pick_fastest(result, [Path(f"{DATABASE_LOST}: {p.name}", p.steps) for p in deep])
    else:
        result.warnings.append(
            "no deep Route 53 check (a path other than the load balancer's) watches the primary: a database "
            "lost while the web tier answers /health is only noticed by people"
        )
        chosen_db = _noticed(ctx, DATABASE_LOST, "no deep check")
    if chosen_db is None:  # deep checks that page nobody
        chosen_db = _noticed(ctx, DATABASE_LOST, "the deep check pages nobody")
    result.modes[DATABASE_LOST] = chosen_db
    return max((chosen_down, chosen_db), key=lambda path: (path.seconds, path.typical_seconds))
