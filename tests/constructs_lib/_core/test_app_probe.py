"""AppProbe: the port, unit and health path the web service, healing and runbooks share."""

from __future__ import annotations

import pytest

from constructs_lib._core import AppProbe


def test_defaults_are_documented_values():
    assert AppProbe() == AppProbe(port=8080, service_unit="webapp", health_path="/health")


@pytest.mark.parametrize("unit", ["webapp", "my-app@1", "api_v2.worker", "shop:front"])
def test_plain_unit_names_are_accepted(unit):
    assert AppProbe(service_unit=unit).service_unit == unit


@pytest.mark.parametrize(
    "unit", ["-webapp", "--now", "web app", "web;reboot", "$(id)", "", "a" * 101, "web\napp"]
)
def test_fails_when_the_unit_could_reach_systemctl_as_an_option_or_shell(unit):
    with pytest.raises(ValueError, match=r"service_unit .* must be a plain systemd unit name"):
        AppProbe(service_unit=unit)


@pytest.mark.parametrize("port", [0, 65536, -1, True, "8080"])
def test_fails_when_the_port_is_not_a_tcp_port(port):
    with pytest.raises(ValueError, match=r"port .* must be a TCP port number, 1-65535"):
        AppProbe(port=port)


@pytest.mark.parametrize("path", ["health", "/health check", "/" + "a" * 1024, ""])
def test_fails_when_the_health_path_is_not_an_absolute_path(path):
    with pytest.raises(ValueError, match=r"health_path .* must be an absolute URL path"):
        AppProbe(health_path=path)


def test_the_deep_path_defaults_to_the_demo_server_s_and_may_be_none():
    assert AppProbe().deep_health_path == "/health/deep"
    assert AppProbe(deep_health_path=None).deep_health_path is None
    assert AppProbe(deep_health_path="/ready/db").deep_health_path == "/ready/db"


def test_fails_when_the_deep_path_is_the_load_balancer_s_own():
    with pytest.raises(ValueError, match=r"deep_health_path \('/health'\) must differ from health_path"):
        AppProbe(deep_health_path="/health")


@pytest.mark.parametrize("path", ["deep", "/deep check", ""])
def test_fails_when_the_deep_path_is_not_an_absolute_path(path):
    with pytest.raises(ValueError, match=r"deep_health_path .* must be an absolute URL path"):
        AppProbe(deep_health_path=path)
