"""One synthesis for the package: everything on (stack Full) and only the required props (Minimal)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from constructs_lib._core import AppProbe, Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.healing import AutoHealing
from constructs_lib.runbooks import InstanceRecoveryRunbook
from tests.constructs_lib.healing.support import ENV, make_topics
from tests.unit.quality import synth_with_nag


@pytest.fixture(scope="package")
def synthesized(tmp_path_factory):
    """One app, two stacks: everything on (Full) and only the required props (Minimal)."""
    outdir = tmp_path_factory.mktemp("healing")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)

    full_stack = cdk.Stack(app, "Full", env=ENV)
    topics = make_topics(full_stack)
    runbook = InstanceRecoveryRunbook(
        full_stack, "Recovery", environment_name="prod", notification_topics=topics
    )
    full = AutoHealing(
        full_stack,
        "Healing",
        naming=Naming(app="webapp", environment="prod"),
        notification_topics=topics,
        pause_switch=PauseSwitch.from_parameter_name(full_stack, "Pause", "/webapp/prod/pause"),
        dry_run=True,
        max_actions_per_resource_per_hour=4,
        incident_window=cdk.Duration.minutes(20),
        app_probe=AppProbe(port=80, service_unit="nginx.service", health_path="/healthz"),
        recovery_runbook=runbook,
        alarm_topics_to_subscribe=[topics["high"], topics["critical"]],
        tracing=True,
        log_level="DEBUG",
    )

    minimal_stack = cdk.Stack(app, "Minimal", env=ENV)
    minimal_topics = make_topics(minimal_stack)
    minimal = AutoHealing(
        minimal_stack,
        "Healing",
        naming=Naming(app="webapp", environment="dev"),
        notification_topics=minimal_topics,
        pause_switch=PauseSwitch.from_parameter_name(minimal_stack, "Pause", "/webapp/dev/pause"),
        reserved_concurrency=None,
    )
    all_templates, violations = synth_with_nag(app, outdir)
    templates = {name: all_templates[name] for name in ("Full", "Minimal")}
    return {
        "full": full,
        "minimal": minimal,
        "runbook": runbook,
        "topics": topics,
        "stacks": {"Full": full_stack, "Minimal": minimal_stack},
        "templates": templates,
        "violations": violations,
    }


@pytest.fixture(scope="package")
def full(synthesized) -> Template:
    return Template.from_json(synthesized["templates"]["Full"])


@pytest.fixture(scope="package")
def minimal(synthesized) -> Template:
    return Template.from_json(synthesized["templates"]["Minimal"])
