"""``python -m scripts.synth_summary``: one line per stack, read through the shared assembly reader."""

from __future__ import annotations

import json

from scripts.synth_summary import main
from tests.tools.assembly_files import ACCOUNT, TOKYO, write_top


def test_prints_each_stack_with_its_stage_region_and_top_types_in_artifact_id_order(assembly_dir, capsys):
    assert main(["synth_summary", str(assembly_dir)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["stage", "stack", "region", "resources", "top", "types"]
    assert [line.split()[:4] for line in lines[1:-1]] == [
        ["Dev", "Dev-Tokyo-Network", TOKYO, "0"],
        ["Prod", "Prod-Osaka-Compute", "ap-northeast-3", "1"],
        ["Prod", "Prod-Tokyo-Compute", TOKYO, "2"],
        ["Prod", "Prod-Tokyo-Monitoring", TOKYO, "1"],
        ["Prod", "Prod-Tokyo-Network", TOKYO, "0"],
    ]
    assert lines[3].endswith("AutoScaling::AutoScalingGroup x1, ElasticLoadBalancingV2::TargetGroup x1")
    assert lines[-1] == f"2 stage(s) (Dev, Prod), 5 stacks, 4 resources in {assembly_dir}/"


def test_a_stack_outside_any_stage_has_an_empty_stage(assembly_dir, capsys):
    (assembly_dir / "Loose.template.json").write_text(json.dumps({"Resources": {}}))
    loose = {"type": "aws:cloudformation:stack", "environment": f"aws://{ACCOUNT}/{TOKYO}"}
    write_top(assembly_dir, "Prod", "Dev", extra={"Loose": loose})

    assert main(["synth_summary", str(assembly_dir)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["Loose", TOKYO, "0"]  # "Loose" sorts before "assembly-Dev"
    assert lines[-1].startswith("3 stage(s) (, Dev, Prod), 6 stacks")


def test_fails_with_the_readers_message_when_there_is_no_assembly(tmp_path, capsys):
    assert main(["synth_summary", str(tmp_path)]) == 1

    assert "is not a cloud assembly (no manifest.json): synthesize first" in capsys.readouterr().err
