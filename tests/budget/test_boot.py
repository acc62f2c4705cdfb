"""A cold boot derived from the launch template's user data; the warm pool only with a launch hook."""

from __future__ import annotations

import base64

import pytest
from budget_templates import TOKYO, group, launch_hook, launch_template, merge, stage, target_group, warm_pool

from tools.recovery_budget.boot import cold_boot, read_user_data
from tools.recovery_budget.inventory import build_inventory
from tools.recovery_budget.timing import in_service, launch

SCRIPT = """#!/bin/bash
set -euxo pipefail
dnf install -y amazon-cloudwatch-agent
cat > /etc/systemd/system/webapp.service <<'UNIT'
[Service]
ExecStart=/usr/bin/python3 /opt/webapp/app.py
# dnf install -y not-a-command-this-is-a-file-body
UNIT
systemctl daemon-reload
systemctl enable --now webapp.service
dnf install -y something-after-the-app
systemctl enable --now amazon-ssm-agent
"""


def _inventory(*parts):
    return build_inventory(stage("Prod", {"Tokyo-Compute": (TOKYO, merge(*parts))}))


def test_the_user_data_shows_the_installs_before_the_app_starts():
    plan = read_user_data(SCRIPT)
    assert [line for _, line in plan.installs] == ["dnf install -y amazon-cloudwatch-agent"]
    assert plan.app_unit == "webapp"
    assert plan.app_start == (10, "systemctl enable --now webapp.service")


@pytest.mark.parametrize(
    "script",
    ["#cloud-config\nruncmd: [echo hi]\n", "#!/bin/bash\nsystemctl enable --now amazon-ssm-agent\n", None],
)
def test_no_app_start_in_the_user_data_leaves_the_boot_an_assumption(script, latencies):
    inv = _inventory(launch_template(user_data=script) if script else launch_template())
    step = cold_boot(inv.launch_templates[0], latencies)
    assert step.seconds == latencies.s("INSTANCE_BOOT_SECONDS")
    assert "INSTANCE_BOOT_SECONDS" in step.source


def test_a_cold_boot_adds_each_install_to_launch_boot_and_app_start(latencies):
    # CDK renders user data as Fn::Base64 of a Fn::Join when the script holds tokens
    joined = {
        "Fn::Join": ["", ["#!/bin/bash\n", "dnf install -y ", {"Ref": "Package"}, "\n", "pip3 install x\n"]]
    }
    joined["Fn::Join"][1].append("systemctl start webapp\n")
    inv = _inventory(launch_template(user_data=joined))
    step = cold_boot(inv.launch_templates[0], latencies)
    # launch 45 + boot 40 + 2 installs x 60 + app 10; typical 15 + 20 + 2 x 20 + 2
    assert step.seconds == 45 + 40 + 2 * 60 + 10
    assert step.typical_seconds == 15 + 20 + 2 * 20 + 2
    assert "line 2: dnf install -y <Ref>" in step.source


def test_a_literal_base64_user_data_is_decoded(latencies):
    encoded = base64.b64encode(b"#!/bin/bash\nsystemctl enable --now webapp\n").decode()
    template = launch_template()
    template["WebLt"]["Properties"]["LaunchTemplateData"]["UserData"] = encoded
    step = cold_boot(_inventory(template).launch_templates[0], latencies)
    assert step.seconds == 45 + 40 + 10


def test_launch_counts_the_warm_pool_only_with_a_launch_hook(latencies):
    parts = [target_group(), group(), launch_template(user_data=SCRIPT), warm_pool("Stopped", 1)]
    cold = _inventory(*parts)
    assert launch(cold.groups[0], cold.warm_pools[0], latencies, cold.launch_templates[0]).seconds == 155
    warm = _inventory(*parts, launch_hook())
    assert launch(warm.groups[0], warm.warm_pools[0], latencies, warm.launch_templates[0]).seconds == 60


def test_in_service_waits_for_the_app_only_with_a_launch_hook(latencies):
    parts = [target_group(), group(), launch_template(user_data=SCRIPT)]
    plain = _inventory(*parts)
    assert in_service(plain.groups[0], None, latencies, plain.launch_templates[0]).seconds == 45
    hooked = _inventory(*parts, launch_hook())
    assert in_service(hooked.groups[0], None, latencies, hooked.launch_templates[0]).seconds == 155
