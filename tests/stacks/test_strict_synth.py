"""`cdk synth --strict` turns every warning into a failure: the app gives only the warnings it means to.

Each expected warning is listed with where it belongs; any other warning, or an expected one in
the wrong place, fails here before it fails a user's strict CI.
"""

from __future__ import annotations

from aws_cdk.assertions import Annotations, Match

#: Warning id of the web service without a certificate (plain HTTP only).
HTTP_ONLY = "constructs-lib:web-service-http-only"


def _warnings(synthesized_app) -> set[tuple[str, str, str]]:
    """(stack path, construct path, message) of every warning of every stack."""
    found = set()
    for path, stack in synthesized_app.stacks.items():
        for message in Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*")):
            found.add((path, message.id, str(message.entry.data)))
    return found


def _expected(synthesized_app) -> set[tuple[str, str, str]]:
    """Where the app means to warn: each region whose load balancer has no certificate (plain HTTP)."""
    expected = set()
    for env in synthesized_app.config.environments.values():
        for rc in env.regions:
            if rc.certificate_arn is None:
                stack = f"{env.stage_name}/{rc.label}-Compute"
                expected.add((stack, f"/{stack}/Web", HTTP_ONLY))
    return expected


def test_every_stack_warns_only_where_the_app_means_to(synthesized_app):
    found = {
        (stack, construct, HTTP_ONLY if f"[ack: {HTTP_ONLY}]" in message else message)
        for stack, construct, message in _warnings(synthesized_app)
    }
    expected = _expected(synthesized_app)
    assert sorted(found - expected) == [], "unexpected warnings (they fail `cdk synth --strict`)"
    assert sorted(expected - found) == [], "expected warnings missing"


def test_no_metric_math_period_is_overridden(synthesized_app):
    # CDK warns "Periods of metrics in 'usingMetrics' ... have been overridden" when an input's period
    # differs from its expression's; the library builds inputs at the expression's period.
    overridden = [w for w in _warnings(synthesized_app) if "have been overridden" in w[2]]
    assert overridden == []
