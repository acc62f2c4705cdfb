"""The web tier as each environment deploys it: warm pool, network routes, zone loss, HTTPS, egress."""

from __future__ import annotations


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _group(synthesized_app, path: str) -> dict:
    (group,) = _resources(synthesized_app.template(path), "AWS::AutoScaling::AutoScalingGroup")
    return group


def test_prod_warm_pool_is_warm_and_sized_exactly(synthesized_app):
    # Tokyo (active) keeps one stopped instance whose launch waits for its app; Osaka has no pool.
    tokyo = synthesized_app.template("Prod/Tokyo-Compute")
    (pool,) = _resources(tokyo, "AWS::AutoScaling::WarmPool")
    assert (pool["Properties"]["MinSize"], pool["Properties"]["MaxGroupPreparedCapacity"]) == (1, 1)
    (hook,) = _group(synthesized_app, "Prod/Tokyo-Compute")["Properties"]["LifecycleHookSpecificationList"]
    assert hook["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_LAUNCHING"
    assert hook["DefaultResult"] == "ABANDON"
    # the heartbeat covers a cold boot plus passing the ALB check, with the grace period to spare
    grace = int(_group(synthesized_app, "Prod/Tokyo-Compute")["Properties"]["HealthCheckGracePeriod"])
    assert hook["HeartbeatTimeout"] >= grace
    osaka = synthesized_app.template("Prod/Osaka-Compute")
    assert _resources(osaka, "AWS::AutoScaling::WarmPool") == []
    assert "LifecycleHookSpecificationList" not in _group(synthesized_app, "Prod/Osaka-Compute")["Properties"]


def test_instances_without_nat_reach_the_auto_scaling_api_through_an_endpoint(synthesized_app):
    # dev has no NAT gateway: the lifecycle call needs the autoscaling interface endpoint.
    for region_label, region in (("Tokyo", "ap-northeast-1"), ("Osaka", "ap-northeast-3")):
        network = synthesized_app.template(f"Dev/{region_label}-Network")
        services = {str(r["Properties"]["ServiceName"]) for r in _resources(network, "AWS::EC2::VPCEndpoint")}
        assert f"com.amazonaws.{region}.autoscaling" in services
    # prod routes through NAT and pays for no such endpoint
    prod = synthesized_app.template("Prod/Tokyo-Network")
    assert _resources(prod, "AWS::EC2::VPCEndpoint") and not any(
        "autoscaling" in str(r["Properties"]["ServiceName"])
        for r in _resources(prod, "AWS::EC2::VPCEndpoint")
    )
