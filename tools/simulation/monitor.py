"""CloudWatch and EventBridge on the virtual clock: alarms evaluated from the drill's data, their
state written to the emulator, their events routed through the deployed rules to the deployed code.

- :class:`Delivery`: an event reaches the rules after ``EVENTBRIDGE_DELIVERY_SECONDS``; a Lambda
  target's code runs in this process against the emulator (the game day's
  :meth:`tools.gameday.drills.Stage.deliver`) after its cold start (``LAMBDA_COLD_START_SECONDS``,
  first invocation of a deployment only) and ``HEALING_ACTION_SECONDS``, so its API calls land at
  the time the budget says the function acts. The function's clock is the virtual clock (its
  modules' ``datetime.now`` read it) and the metric samples visible by then are in the emulator.
- :class:`AlarmMonitor`: every ``ALARM_EVALUATION_INTERVAL_SECONDS`` it evaluates the deployed
  metric alarms whose metrics the drill feeds (definitions read back with ``DescribeAlarms``),
  writes each transition with ``SetAlarmState``, delivers the alarm's state-change event, performs
  SNS alarm actions, and drives the composite alarms (rule from the emulator, actions suppressor
  from the template) including their wait and extension periods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from tools.gameday import aws_events
from tools.gameday.drills import Run, Stage
from tools.recovery_budget.latencies import Latencies
from tools.simulation.alarms import ALARM, AlarmSpec, MetricAlarm, Transition
from tools.simulation.clock import VirtualClock
from tools.simulation.composite import CompositeAlarm
from tools.simulation.metrics import MetricStore
from tools.simulation.runbook_actions import virtual_datetime_module
from tools.simulation.timeline import SimTimeline

__all__ = ["AlarmMonitor", "Delivery"]

EVALUATION_PHASE_SECONDS = -2.0
"""Alarm evaluations run this long before each minute boundary of the virtual clock (which itself
starts 1 s after a wall-clock minute): just before the latest datapoint becomes visible, the
budget's worst case ("the last datapoint ... is seen at the next evaluation")."""


class Delivery:
    """EventBridge and Lambda for one region's deployment."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        timeline: SimTimeline,
        latencies: Latencies,
        stage: Stage,
        store: MetricStore,
        after_run: Callable[[], None] = lambda: None,
    ) -> None:
        self.clock, self.timeline, self.latencies = clock, timeline, latencies
        self.stage, self.store, self.after_run = stage, store, after_run
        self.runs: list[tuple[float, Run]] = []
        self.listeners: list[Callable[[Run], None]] = []
        """Called with every run of a deployed function, after it ran."""

    def deliver(self, event: Mapping[str, Any], *, why: str) -> None:
        """Route ``event`` after the delivery latency; run each Lambda target at its action time."""
        delay = self.latencies.s("EVENTBRIDGE_DELIVERY_SECONDS")
        self.timeline.simulated(
            f"EventBridge delivers '{event['detail-type']}' ({why}) in {delay:g} s "
            "(EVENTBRIDGE_DELIVERY_SECONDS)"
        )
        self.clock.after(delay, lambda: self._route(event), label="EventBridge delivery")

    def _route(self, event: Mapping[str, Any]) -> None:
        from tools.gameday.routing import route

        matched = route(self.stage.emulator, event, region=self.stage.region)
        if not matched:
            self.timeline.emulator(f"EventBridge: no deployed rule matches '{event['detail-type']}'")
        for target in matched:
            rule = target.rule_name
            if ":function:" not in target.target_arn:
                self.timeline.emulator(
                    f"EventBridge rule {rule} -> {target.target_arn.rsplit(':', 1)[-1]} (not a "
                    "Lambda function: not run)"
                )
                continue
            function = self.stage.function(target.target_arn)
            cold = not function.loaded
            if cold:
                for module in function.load(self.stage.emulator):
                    if getattr(module, "datetime", None) is not None and isinstance(module.datetime, type):
                        module.datetime = virtual_datetime_module(self.clock).datetime
            seconds = (self.latencies.s("LAMBDA_COLD_START_SECONDS") if cold else 0.0) + self.latencies.s(
                "HEALING_ACTION_SECONDS"
            )
            self.timeline.emulator(
                f"EventBridge rule {rule} (its EventPattern, read from the emulator) -> "
                f"{function.name}; its code "
                f"acts after {seconds:g} s "
                f"({'LAMBDA_COLD_START_SECONDS + ' if cold else 'warm: '}HEALING_ACTION_SECONDS)"
            )
            self.clock.after(seconds, lambda e=event, t=target: self._run(e, t), label=f"run {function.name}")

    def _run(self, event: Mapping[str, Any], target: Any) -> None:
        self.store.publish(self.stage.client("cloudwatch"), visible_at=self.clock.now)
        function = self.stage.function(target.target_arn)
        invocation = function.invoke(target.payload, self.stage.emulator)
        run = Run(target, function, invocation)
        self.runs.append((self.clock.now, run))
        results = invocation.response.get("results", []) if isinstance(invocation.response, Mapping) else []
        details = []
        for result in results:
            details.append(
                f"{result.get('status')}: {result.get('resource', '')} {result.get('reason', '')}".strip()
            )
            details += [
                f"action {a.get('action')}: {a.get('outcome')} ({a.get('detail', '')})"
                for a in result.get("actions", [])
            ]
        status = (
            invocation.response.get("status")
            if isinstance(invocation.response, Mapping)
            else invocation.error
        )
        self.timeline.emulator(
            f"deployed code of {function.name} ran against the emulator: {status}", details[:8]
        )
        self.after_run()
        for listener in self.listeners:
            listener(run)


class AlarmMonitor:
    """The deployed alarms of one region, evaluated from the drill's metric store."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        timeline: SimTimeline,
        latencies: Latencies,
        stage: Stage,
        store: MetricStore,
        delivery: Delivery | None,
        composite_settings: Mapping[str, Mapping[str, Any]],
        bands: Mapping[str, Mapping[str, Callable[[float, float], tuple[float, float]]]] | None = None,
        on_change: Callable[[], None] = lambda: None,
        evaluate_from: float | None = None,
    ) -> None:
        self.clock, self.timeline, self.latencies = clock, timeline, latencies
        self.stage, self.store, self.delivery = stage, store, delivery
        self.on_change = on_change
        self.evaluate_from = evaluate_from
        cloudwatch = stage.client("cloudwatch")
        described = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        self.described = {a["AlarmName"]: a for a in described["MetricAlarms"] + described["CompositeAlarms"]}
        self.alarms = {
            a["AlarmName"]: MetricAlarm(
                AlarmSpec.from_description(a),
                store,
                bands=(bands or {}).get(a["AlarmName"]),
                state=a["StateValue"],
            )
            for a in described["MetricAlarms"]
        }
        self.composites = [
            CompositeAlarm.from_description({**a, **composite_settings.get(a["AlarmName"], {})})
            for a in described["CompositeAlarms"]
        ]
        for composite in self.composites:
            composite.update(clock.now, self.states())
        self.evaluated: set[str] = set()

    def states(self) -> dict[str, str]:
        states = {name: a.get("StateValue", "OK") for name, a in self.described.items()}
        states.update({name: alarm.state for name, alarm in self.alarms.items()})
        return states

    def start(self) -> None:
        interval = self.latencies.s("ALARM_EVALUATION_INTERVAL_SECONDS")
        first = self.clock.period_end(interval) + EVALUATION_PHASE_SECONDS
        while first <= self.clock.now or (self.evaluate_from is not None and first < self.evaluate_from):
            first += interval
        self.clock.every(interval, self._round, first_at=first, label=f"alarm evaluation {self.stage.region}")

    def _round(self) -> None:
        fed = {key for key in self.store.keys() if self.store.samples(key)}  # noqa: SIM118 - not a dict
        for name, alarm in self.alarms.items():
            if not any(key in fed for key in alarm.spec.metric_keys()):
                continue
            if name not in self.evaluated:
                self.evaluated.add(name)
            transition = alarm.evaluate(self.clock.now, self.clock.epoch.timestamp())
            if transition is not None:
                self._apply(name, alarm, transition)

    def _apply(self, name: str, alarm: MetricAlarm, transition: Transition) -> None:
        values = ", ".join("-" if v is None else f"{v:.4g}" for v in alarm.last_values)
        self.timeline.simulated(
            f"alarm {name} {transition.previous} -> {transition.state}: {transition.reason} "
            f"(evaluation range [{values}], {alarm.spec.datapoints_to_alarm} of "
            f"{alarm.spec.evaluation_periods}, "
            f"missing data: {alarm.spec.treat_missing_data})"
        )
        cloudwatch = self.stage.client("cloudwatch")
        previous = self.described[name]
        cloudwatch.set_alarm_state(
            AlarmName=name, StateValue=transition.state, StateReason=transition.reason[:1000]
        )
        now_described = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        self.described[name] = now_described
        self.timeline.emulator(
            f"SetAlarmState {name} -> {transition.state} (the emulator now holds the evaluated state)"
        )
        self.on_change()
        self._event(now_described, previous, why=f"{name} -> {transition.state}")
        if transition.state == ALARM:
            self._actions(name, alarm.spec.alarm_actions, f"alarm {name} in ALARM")
        for composite in self.composites:
            for event in composite.update(self.clock.now, self.states()):
                self._composite_event(composite, event)

    def _recheck(self, composite: CompositeAlarm) -> None:
        for event in composite.update(self.clock.now, self.states()):
            self._composite_event(composite, event)

    def _composite_event(self, composite: CompositeAlarm, event: Any) -> None:
        self.timeline.simulated(f"composite {composite.name}: {event.detail} (state {event.state})")
        if event.kind == "state":
            cloudwatch = self.stage.client("cloudwatch")
            previous = self.described.get(composite.name, {"StateValue": "OK", "StateReason": ""})
            cloudwatch.set_alarm_state(
                AlarmName=composite.name, StateValue=event.state, StateReason=event.detail
            )
            described = cloudwatch.describe_alarms(AlarmNames=[composite.name], AlarmTypes=["CompositeAlarm"])
            if described["CompositeAlarms"]:
                self.described[composite.name] = described["CompositeAlarms"][0]
                self._event(
                    self.described[composite.name],
                    previous,
                    why=f"composite {composite.name} -> {event.state}",
                )
        if event.kind == "actions":
            self._actions(composite.name, event.actions, event.detail)
        if composite.deadline is not None:
            deadline = composite.deadline
            self.clock.schedule(
                deadline, lambda c=composite: self._recheck(c), label=f"composite {composite.name}"
            )

    def _event(self, alarm: Mapping[str, Any], previous: Mapping[str, Any], *, why: str) -> None:
        if self.delivery is None:
            return
        event = aws_events.alarm_state_change(
            account=self.stage.account,
            region=self.stage.region,
            alarm={**alarm, "StateUpdatedTimestamp": self.clock.datetime()},
            previous_value=str(previous.get("StateValue", "OK")),
            previous_reason=str(previous.get("StateReason", "")),
            previous_at=self.clock.datetime() - timedelta(minutes=10),
        )
        self.delivery.deliver(event, why=why)

    def _actions(self, name: str, actions: tuple[str, ...], why: str) -> None:
        sns = self.stage.client("sns")
        for action in actions:
            if ":sns:" not in action:
                continue
            sns.publish(
                TopicArn=action,
                Subject=f"ALARM: {name}"[:100],
                Message=f"{why} at {self.clock.datetime().isoformat()}",
            )
            self.timeline.emulator(
                f"SNS {action.rsplit(':', 1)[-1]}: notification for {name} (the alarm's action)"
            )
            self.on_change()
