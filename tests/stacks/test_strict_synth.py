"""`cdk synth --strict` turns every warning into a failure: the app gives only the warnings it means to.

Each expected warning is listed with where it belongs; any other warning, or an expected one in
the wrong place, fails here before it fails a user's strict CI.
"""

from __future__ import annotations

from stacks.config.schema import PLACEHOLDER_CERTIFICATE_MARK

#: Warning id of the web service without a certificate (plain HTTP only).
HTTP_ONLY = "constructs-lib:web-service-http-only"
#: Warning id of a region whose certificate is cdk.json's shipped placeholder (synthesizes, cannot deploy).
PLACEHOLDER = "webapp:placeholder-certificate"


def _warnings(synthesized_app) -> set[tuple[str, str, str]]:
    """(stack path, construct path, message) of every warning of every stack, from the assembly."""
    return {(m.stack, m.construct, m.text) for m in synthesized_app.find_messages("warning")}


def _expected(synthesized_app) -> set[tuple[str, str, str]]:
    """Where the app means to warn: each region whose load balancer has no certificate (plain HTTP)."""
    expected = set()
    for env in synthesized_app.config.environments.values():
        for rc in env.regions:
            stack = f"{env.stage_name}/{rc.label}-Compute"
            if rc.certificate_arn is None:
                expected.add((stack, f"/{stack}/Web", HTTP_ONLY))
    return expected


def _placeholder_regions(synthesized_app) -> set[str]:
    return {
        f"{env.stage_name}/{rc.label}-Compute"
        for env in synthesized_app.config.environments.values()
        for rc in env.regions
        if rc.certificate_arn and PLACEHOLDER_CERTIFICATE_MARK in rc.certificate_arn
    }


def test_a_placeholder_certificate_is_an_info_where_cdk_json_ships_one(synthesized_app):
    # Not a warning: `cdk synth --strict` must pass on the shipped cdk.json; the deploy fails instead.
    told = {m.stack for m in synthesized_app.find_messages("info") if f"[{PLACEHOLDER}]" in m.text}
    assert told == _placeholder_regions(synthesized_app) != set()


def _warning_id(message: str) -> str:
    for warning_id in (HTTP_ONLY,):
        if f"[ack: {warning_id}]" in message:
            return warning_id
    return message


def test_every_stack_warns_only_where_the_app_means_to(synthesized_app):
    found = {
        (stack, construct, _warning_id(message)) for stack, construct, message in _warnings(synthesized_app)
    }
    expected = _expected(synthesized_app)
    assert sorted(found - expected) == [], "unexpected warnings (they fail `cdk synth --strict`)"
    assert sorted(expected - found) == [], "expected warnings missing"


def test_no_metric_math_period_is_overridden(synthesized_app):
    # CDK warns "Periods of metrics in 'usingMetrics' ... have been overridden" when an input's period
    # differs from its expression's; the library builds inputs at the expression's period.
    overridden = [w for w in _warnings(synthesized_app) if "have been overridden" in w[2]]
    assert overridden == []
