"""How long a new instance takes to serve: a cold boot derived from its user data, or the warm pool.

A cold boot is not one guessed number: it is the EC2 launch, the OS boot until cloud-init runs the
user data, then the user data's own lines up to the one that starts the app (each package install
counts, because it downloads through NAT or endpoints), then the app's start. Each part is a named
assumption of :mod:`.latencies`. When the user data does not show where the app starts (an image
with the app baked in, a ``#cloud-config`` document, no user data), the whole boot is the assumption
``INSTANCE_BOOT_SECONDS``.

A warm pool only counts when the group has an ``EC2_INSTANCE_LAUNCHING`` lifecycle hook: "Amazon EC2
Auto Scaling does not wait for user data to finish running" before it stops an instance entering the
pool, and "cloud-init runs user data only on the first boot", so without a hook a pooled instance can
come back without its app (Amazon EC2 Auto Scaling User Guide, "Use lifecycle hooks with a warm pool").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import AutoScalingGroup, LaunchTemplate, WarmPool
from .latencies import Latencies
from .latencies import cite as const
from .model import Step

# Units of the agents the user data starts besides the app (they do not make the app answer).
AGENT_UNITS = frozenset(
    {"amazon-ssm-agent", "amazon-cloudwatch-agent", "amazon-ecs", "cloud-init", "chronyd"}
)

_HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?")
_INSTALL = re.compile(r"\b(?:dnf|yum|apt-get|apt|zypper|pip3?|python3? -m pip)\b(?:\s+-\S+)*\s+install\b")
_START = re.compile(r"\bsystemctl\s+(?:enable\s+--now|start|restart)\s+(?:--\S+\s+)*([\w@.-]+)")


@dataclass(frozen=True)
class UserDataPlan:
    """What the user data does before the app starts."""

    installs: tuple[tuple[int, str], ...]  # (line number, line) of each package install
    app_start: tuple[int, str] | None  # the line that starts the app's unit
    app_unit: str | None


def read_user_data(script: str | None) -> UserDataPlan:
    """The package installs before the app's ``systemctl enable --now|start <unit>`` line.

    Heredoc bodies (files the script writes) are skipped; the first unit started that is not an AWS
    agent is the app. ``app_start`` is ``None`` when there is no such line (or no script).
    """
    installs: list[tuple[int, str]] = []
    if not script or script.lstrip().startswith("#cloud-config"):
        return UserDataPlan((), None, None)
    terminator: str | None = None
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.strip()
        if terminator is not None:
            if line == terminator:
                terminator = None
            continue
        if not line or line.startswith("#"):
            continue
        heredoc = _HEREDOC.search(line)
        if heredoc:
            terminator = heredoc.group(1)
        if _INSTALL.search(line):
            installs.append((number, line))
        started = _START.search(line)
        if started:
            unit = started.group(1).removesuffix(".service")
            if unit not in AGENT_UNITS:
                return UserDataPlan(tuple(installs), (number, line), unit)
    return UserDataPlan(tuple(installs), None, None)


def _short(line: str, width: int = 60) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."


def cold_boot(template: LaunchTemplate | None, latencies: Latencies) -> Step:
    """Launch -> running -> OS boot -> user data up to the app's start -> the app answers."""
    plan = read_user_data(template.user_data if template else None)
    if template is None or plan.app_start is None:
        why = (
            "no launch template"
            if template is None
            else f"{template.resource.id}: the user data does not show where the app starts"
        )
        return Step(
            "new instance boots, runs its user data and starts the app",
            latencies.s("INSTANCE_BOOT_SECONDS"),
            f"{why}; {const(latencies, 'INSTANCE_BOOT_SECONDS')}",
            typical=latencies.typ("INSTANCE_BOOT_SECONDS"),
        )
    parts = [
        ("EC2_LAUNCH_TO_RUNNING_SECONDS", 1),
        ("OS_BOOT_TO_USER_DATA_SECONDS", 1),
        ("PACKAGE_INSTALL_SECONDS", len(plan.installs)),
        ("APP_START_SECONDS", 1),
    ]
    worst = sum(latencies.s(name) * count for name, count in parts)
    typical = sum(latencies.typ(name) * count for name, count in parts)
    lines = "; ".join(f"line {n}: {_short(text)}" for n, text in plan.installs)
    start_line, start_text = plan.app_start
    return Step(
        f"cold boot: launch, OS boot, {len(plan.installs)} package install(s), start {plan.app_unit}",
        worst,
        f"{template.resource.id}: UserData {lines + '; ' if lines else ''}"
        f"line {start_line}: {_short(start_text)}; " + ", ".join(const(latencies, name) for name, _ in parts),
        " + ".join(
            f"{count} x {latencies.s(name):g}" if count != 1 else f"{latencies.s(name):g}"
            for name, count in parts
        ),
        typical=typical,
    )


def warm_pool_counts(group: AutoScalingGroup, pool: WarmPool | None) -> bool:
    """A warm pool shortens a launch only with instances in it and a launch hook holding them."""
    return pool is not None and pool.min_size >= 1 and group.launch_hook is not None


def launch(
    group: AutoScalingGroup,
    pool: WarmPool | None,
    latencies: Latencies,
    template: LaunchTemplate | None = None,
) -> Step:
    """A new instance becomes ready to answer /health: from the warm pool, or a cold boot.

    A warm pool counts only when its MinSize >= 1 (with 0 it can be empty when needed) and a launch
    lifecycle hook exists (see the module docstring); otherwise the launch is a cold boot.
    """
    if pool is not None and warm_pool_counts(group, pool):
        name = "WARM_POOL_RUNNING_SECONDS" if pool.pool_state == "Running" else "WARM_POOL_STOPPED_SECONDS"
        hook = group.launch_hook
        return Step(
            f"instance from the warm pool ({pool.pool_state}) is ready",
            latencies.s(name),
            f"{pool.resource.id}: PoolState={pool.pool_state}, MinSize={pool.min_size}; "
            f"{group.resource.id}: launch hook {hook.transition if hook else ''}; {const(latencies, name)}",
            typical=latencies.typ(name),
        )
    boot = cold_boot(template, latencies)
    if pool is None:
        return boot
    why = (
        f"warm pool {pool.resource.id} has MinSize=0 (may be empty)"
        if pool.min_size < 1
        else f"warm pool {pool.resource.id} not counted: no EC2_INSTANCE_LAUNCHING hook on "
        f"{group.resource.id}, "
        "so a pooled instance may have stopped before its user data finished"
    )
    return Step(boot.label, boot.seconds, f"{boot.source}; {why}", boot.formula, boot.typical)


def in_service(
    group: AutoScalingGroup,
    pool: WarmPool | None,
    latencies: Latencies,
    template: LaunchTemplate | None = None,
) -> Step:
    """A new instance is ``InService`` in its group (what a runbook polling the group sees).

    With a launch hook the instance stays in ``Pending:Wait`` until the hook is completed, so
    InService means ready; without one it is InService once running, before its app answers.
    """
    if group.launch_hook is not None:
        return launch(group, pool, latencies, template)
    return Step(
        "new instance is InService (running; no launch hook waits for its app)",
        latencies.s("EC2_LAUNCH_TO_RUNNING_SECONDS"),
        f"{group.resource.id}: no EC2_INSTANCE_LAUNCHING hook; "
        f"{const(latencies, 'EC2_LAUNCH_TO_RUNNING_SECONDS')}",
        typical=latencies.typ("EC2_LAUNCH_TO_RUNNING_SECONDS"),
    )
