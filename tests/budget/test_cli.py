"""The command: exit codes, the JSON file's shape, the PNG chart, overrides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from budget_templates import TOKYO, web_tier, write_assembly

from tools.recovery_budget import SCENARIO_KEYS, compute_budget
from tools.recovery_budget.cli import EXIT_MISSED, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]
# Scenarios this web-tier-only assembly cannot meet (no memory alarm, no scaling, no DR region).
UNMET = ("memory_pressure", "cpu_saturation", "region_loss")


@pytest.fixture
def assembly_dir(tmp_path):
    return write_assembly(
        tmp_path / "cdk.out",
        {
            "Prod": {"Tokyo-Compute": (TOKYO, {"Resources": web_tier()})},
            "Dev": {"Tokyo-Compute": (TOKYO, {"Resources": web_tier(interval=30)})},
        },
    )


def _run(assembly_dir, out, *extra):
    return main(["--assembly", str(assembly_dir), "--out", str(out), *extra])


def test_exits_non_zero_when_a_scenario_misses_its_target(assembly_dir, tmp_path, capsys):
    code = _run(assembly_dir, tmp_path / "out", "--env", "prod", "--no-chart")

    assert code == EXIT_MISSED
    printed = capsys.readouterr().out
    assert "prod/memory_pressure" in printed
    assert "== Prod (primary ap-northeast-1, DR none): MISSED" in printed


def test_exits_zero_when_every_remaining_target_is_met(assembly_dir, tmp_path, capsys):
    targets = [arg for key in UNMET for arg in ("--target", f"{key}=none")]
    code = _run(assembly_dir, tmp_path / "out", "--env", "prod", "--no-chart", *targets)

    assert code == EXIT_OK
    assert "every scenario meets its target" in capsys.readouterr().out


def test_json_file_has_every_environment_and_scenario_with_sources(assembly_dir, tmp_path):
    _run(assembly_dir, tmp_path / "out", "--no-chart")

    data = json.loads((tmp_path / "out" / "budget.json").read_text())
    assert data["schema_version"] == 1
    assert data["status"] == "missed"
    assert set(data["environments"]) == {"dev", "prod"}
    prod = data["environments"]["prod"]
    assert prod["primary_region"] == "ap-northeast-1" and prod["dr_region"] is None
    assert list(prod["scenarios"]) == list(SCENARIO_KEYS)
    hung = prod["scenarios"]["process_hung"]
    assert hung["status"] == "met"
    assert hung["target"] == {"rto_seconds": 300, "rpo_seconds": 0}
    assert (hung["detection_seconds"], hung["recovery_seconds"], hung["total_seconds"]) == (85, 140, 225)
    first = hung["detection"]["steps"][0]
    assert first["formula"] == "10 x 2 + 5"
    assert "Prod/Tokyo-Compute/WebTg" in first["source"]
    assert prod["scenarios"]["db_primary_failure"]["status"] == "not_covered"
    boot = data["latencies"]["INSTANCE_BOOT_SECONDS"]
    assert boot["value"] == 120 and boot["url"].startswith("https://docs.aws.amazon.com/")
    assert all(item["title"] for item in data["latencies"].values())


def test_a_png_chart_is_written_per_environment(assembly_dir, tmp_path):
    _run(assembly_dir, tmp_path / "out")

    for env in ("dev", "prod"):
        png = tmp_path / "out" / f"budget-{env}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000


def test_latency_and_target_overrides_move_the_numbers(assembly_dir, tmp_path):
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps(
            {
                "latencies": {"INSTANCE_BOOT_SECONDS": 90},
                "targets": {"prod": {"process_hung": {"rto_seconds": 200, "rpo_seconds": 0}}},
                "reasons": {"prod.process_hung": "a stricter target for the test"},
            }
        )
    )
    _run(
        assembly_dir,
        tmp_path / "out",
        "--no-chart",
        "--overrides",
        str(overrides),
        "--latency",
        "ASG_HEALTH_CHECK_POLL_SECONDS=30",
    )

    data = json.loads((tmp_path / "out" / "budget.json").read_text())
    hung = data["environments"]["prod"]["scenarios"]["process_hung"]
    assert hung["total_seconds"] == 25 + 30 + 90 + 20
    assert hung["target"]["rto_seconds"] == 200 and hung["status"] == "met"
    assert data["latencies"]["INSTANCE_BOOT_SECONDS"]["overridden"] is True
    # the same file leaves dev's target at the default
    assert data["environments"]["dev"]["scenarios"]["process_hung"]["target"]["rto_seconds"] == 300


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "stg"], "no stage for environment 'stg'"),
        (["--latency", "BOOT=90"], "unknown latency 'BOOT'"),
        (["--latency", "INSTANCE_BOOT_SECONDS=-1"], "must be a number of seconds >= 0"),
        (["--latency", "INSTANCE_BOOT_SECONDS"], "--latency expects NAME=SECONDS"),
        (["--target", "meteor_strike=60"], "--target expects SCENARIO=RTO_SECONDS"),
        (["--target", "process_hung=fast"], "is not RTO_SECONDS[/RPO_SECONDS]"),
        (["--overrides", "/nonexistent.json"], "no such file"),
    ],
)
def test_bad_input_exits_2_and_names_the_bad_value(assembly_dir, tmp_path, capsys, args, message):
    assert _run(assembly_dir, tmp_path / "out", "--no-chart", *args) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_fails_when_a_target_is_overridden_without_a_reason(tmp_path, assembly_dir, capsys):
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"targets": {"prod": {"process_hung": None}}}))
    code = _run(assembly_dir, tmp_path / "out", "--overrides", str(overrides), "--no-chart")
    assert code == 2
    assert "targets.prod.process_hung is overridden without a reason" in capsys.readouterr().err


def test_fails_when_the_overrides_file_has_an_unknown_scenario(assembly_dir, tmp_path, capsys):
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({"targets": {"*": {"meteor": None}}, "reasons": {"*.meteor": "test"}}))
    assert _run(assembly_dir, tmp_path / "out", "--no-chart", "--overrides", str(overrides)) == EXIT_USAGE
    assert "unknown scenario 'meteor'" in capsys.readouterr().err


def test_missing_assembly_exits_2(tmp_path, capsys):
    assert main(["--assembly", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    assert "synthesize first" in capsys.readouterr().err


def test_library_api_addresses_scenarios_by_key(assembly_dir):
    budget = compute_budget(assembly_dir, env="dev")
    assert budget.scenario("process_hung").detection_seconds == 30 * 2 + 5 + 60
    assert budget["dev"]["process_hung"] is budget.scenario("process_hung")
    with pytest.raises(KeyError, match="2 environments"):
        compute_budget(assembly_dir).scenario("process_hung")


def test_runs_as_a_module(assembly_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.recovery_budget",
            "--assembly",
            str(assembly_dir),
            "--out",
            str(tmp_path / "o"),
            "--env",
            "dev",
            "--no-chart",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == EXIT_MISSED, proc.stderr
    assert "wrote" in proc.stdout
