"""Render a budget: a terminal table, a JSON file for tools, a PNG chart per environment."""

from __future__ import annotations

import json
from pathlib import Path

from .model import (
    MET,
    MISSED,
    NO_TARGET,
    NOT_COVERED,
    Budget,
    EnvironmentBudget,
    ScenarioResult,
    fmt_duration,
)

_STATUS_TEXT = {MET: "met", MISSED: "MISSED", NOT_COVERED: "not covered", NO_TARGET: "no target"}


def _automated(path_seconds: float | None, human: float | None) -> float | None:
    return None if path_seconds is None else path_seconds - (human or 0)


def _row(s: ScenarioResult) -> list[str]:
    target = s.target
    detection_human = s.detection.human_seconds if s.detection else None
    recovery_human = s.recovery.human_seconds if s.recovery else None
    return [
        s.key,
        fmt_duration(_automated(s.detection_seconds, detection_human)),
        fmt_duration(s.decision_seconds) if s.decision_seconds else "-",
        fmt_duration(_automated(s.recovery_seconds, recovery_human)),
        fmt_duration(s.typical_total_seconds),
        fmt_duration(s.total_seconds),
        fmt_duration(target.rto_seconds) if target else "-",
        fmt_duration(s.data_loss_typical_seconds),
        fmt_duration(s.data_loss_seconds),
        fmt_duration(target.rpo_seconds) if target else "-",
        _STATUS_TEXT[s.status],
    ]


HEADER = [
    "scenario",
    "detect",
    "on-call",
    "recover",
    "typical",
    "worst",
    "RTO",
    "loss typ",
    "loss worst",
    "RPO",
    "status",
]


def _milestone_line(s: ScenarioResult) -> str | None:
    shown = [m for key, m in s.milestones.items() if key in ("first_success", "full_capacity")]
    if not shown:
        return None
    return "      " + "; ".join(
        f"{m.label}: typical {fmt_duration(m.typical)}, worst {fmt_duration(m.seconds)}"
        if m.seconds is not None
        else f"{m.label}: never"
        for m in shown
    )


def _verbose(s: ScenarioResult) -> list[str]:
    lines = []
    for label, p in (("detect", s.detection), ("recover", s.recovery)):
        for step in p.steps if p else ():
            formula = f" = {step.formula}" if step.formula else ""
            who = " [on-call]" if step.human else ""
            lines.append(
                f"      {label:7} {fmt_duration(step.typical_seconds):>7} {fmt_duration(step.seconds):>7}  "
                f"{step.label}{who}{formula}  <- {step.source}"
            )
    for mode, path in s.modes.items():
        lines.append(f"      mode {mode}: {fmt_duration(path.seconds)} via {path.name}")
    for path in s.alternatives:
        lines.append(f"      also: {fmt_duration(path.seconds)} via {path.name}")
    lines.extend(f"      warning: {warning}" for warning in s.warnings)
    return lines


def render_table(budget: Budget, *, verbose: bool = False) -> str:
    """The terminal table: one block per environment, one row per scenario, then the paths and reasons.

    ``detect`` and ``recover`` are the automated parts (worst case), ``on-call`` the person's part;
    ``typical`` and ``worst`` are the totals, the worst is checked against the RTO.
    """
    lines: list[str] = []
    for env in budget.environments.values():
        rows = [HEADER, *(_row(s) for s in env)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
        dr = env.dr_region or "none"
        lines.append(f"== {env.stage} (primary {env.primary_region}, DR {dr}): {_STATUS_TEXT[env.status]}")
        for i, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("  " + "  ".join(cells).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        for s in env:
            path = s.detection.name if s.detection else ""
            if s.recovery:
                path += f" => {s.recovery.name}"
            reason = s.reason
            if path or reason:
                lines.append(f"  - {s.key}: {path}" + (f"  [{reason}]" if reason else ""))
            if (milestones := _milestone_line(s)) is not None:
                lines.append(milestones)
            if verbose:
                lines.extend(_verbose(s))
        lines.append("")
    missed = budget.missed
    lines.append(
        f"{len(missed)} scenario(s) miss their target or lack a piece: "
        + ", ".join(f"{env}/{s.key}" for env, s in missed)
        if missed
        else "every scenario meets its target (or is not covered by design)"
    )
    return "\n".join(lines)


def write_json(budget: Budget, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(budget.as_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def write_chart(env: EnvironmentBudget, path: Path) -> Path:
    """Stacked detection + recovery bars per scenario, as a share of each scenario's RTO.

    Targets range from minutes to hours, so each bar is drawn relative to its own RTO and the target is
    one line at 100 %; labels give the absolute times.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(env)
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(scenarios) + 1.8), dpi=110)
    limit = 150.0
    for y, s in enumerate(reversed(scenarios)):
        rto = s.target.rto_seconds if s.target else None
        if s.total_seconds is None or not rto:
            edge = "#c0392b" if s.fails else "#bbbbbb"
            ax.barh(y, limit, color="#f4f4f4", hatch="//", edgecolor=edge)
            label = _STATUS_TEXT[s.status] + (f": {s.reason}" if s.reason else "")
            ax.text(
                2,
                y,
                label[:110],
                va="center",
                fontsize=8,
                color="#333333",
                bbox={"fc": "white", "lw": 0},
                clip_on=True,
            )
            continue
        human = 100 * (s.decision_seconds or 0) / rto
        detect = (
            100 * (s.detection_seconds or 0) / rto
            - 100 * (s.detection.human_seconds if s.detection else 0) / rto
        )
        recover = (
            100 * (s.recovery_seconds or 0) / rto
            - 100 * (s.recovery.human_seconds if s.recovery else 0) / rto
        )
        colour = "#c0392b" if s.fails else "#2e86c1"
        left = 0.0
        for width, part_colour, label in (
            (detect, "#f5b041", "detection"),
            (human, "#8e44ad", "on-call decides"),
            (recover, colour, "recovery"),
        ):
            shown = min(width, max(limit - left, 0))
            ax.barh(y, shown, left=left, color=part_colour, label=label)
            left += shown
        share = detect + human + recover
        typical = 100 * (s.typical_total_seconds or 0) / rto
        if typical < limit:
            ax.plot([typical, typical], [y - 0.4, y + 0.4], color="black", linewidth=1.5, label="typical")
        text = (
            f"{fmt_duration(s.typical_total_seconds)} typical, {fmt_duration(s.total_seconds)} worst "
            f"of {fmt_duration(rto)}" + (f" ({share:.0f} %)" if share > limit else "")
        )
        if s.data_loss_seconds:
            text += f", data loss {fmt_duration(s.data_loss_seconds)}"
        if s.status == MISSED:
            over = [
                name
                for name, limit_s, value in (
                    ("RTO", rto, s.total_seconds),
                    ("RPO", s.target.rpo_seconds if s.target else 0, s.data_loss_seconds or 0),
                )
                if value > limit_s
            ]
            text += f" - MISSED ({', '.join(over)})"
        elif s.status == NOT_COVERED:
            text += " - NOT COVERED"
        x = share + 1
        box = {"fc": "white", "lw": 0, "alpha": 0.85, "pad": 1.5}
        if x > limit - 60:  # no room right of the bar: write on it
            ax.text(2, y, text, va="center", fontsize=8, fontweight="bold", bbox=box, clip_on=True)
        else:
            ax.text(x, y, text, va="center", fontsize=8, bbox=box, clip_on=True)
    ax.axvline(100, color="black", linestyle="--", linewidth=1.2, label="target (RTO)")
    ax.set_yticks(range(len(scenarios)), [s.key for s in reversed(scenarios)])
    ax.set_xlim(0, limit)
    ax.set_xlabel("share of the scenario's RTO (%)")
    ax.set_title(
        f"{env.stage}: detection, on-call, recovery (worst; tick: typical), primary {env.primary_region}"
    )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one legend entry per label
    ax.legend(
        unique.values(), unique.keys(), loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=5, fontsize=8
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_outputs(budget: Budget, out_dir: Path, *, charts: bool = True) -> list[Path]:
    """``budget.json`` and ``budget-<env>.png`` per environment in ``out_dir``."""
    written = [write_json(budget, out_dir / "budget.json")]
    if charts:
        written.extend(
            write_chart(env, out_dir / f"budget-{env.name}.png") for env in budget.environments.values()
        )
    return written
