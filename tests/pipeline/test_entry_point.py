"""app.py synthesizes the environments by default and the pipeline with ``pipeline=true``."""

from __future__ import annotations

import sys

import pytest

import app as entry_point


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def builder(self, name: str, result_length: int):
        recorder = self

        class _App:
            def synth(self) -> None:
                recorder.calls.append((f"{name}.synth", {}))

        def build(context, **kwargs):
            recorder.calls.append((name, dict(context)))
            return (_App(), *([None] * (result_length - 1)))

        return build


@pytest.fixture
def recorder(monkeypatch) -> _Recorder:
    recorder = _Recorder()
    monkeypatch.delenv("CDK_OUTDIR", raising=False)
    monkeypatch.setattr(entry_point, "build_app", recorder.builder("build_app", 3))
    monkeypatch.setattr(entry_point, "build_pipeline_app", recorder.builder("build_pipeline_app", 4))
    return recorder


@pytest.mark.parametrize(
    ("argv", "builder"),
    [
        ([], "build_app"),
        (["env=prod"], "build_app"),
        (["pipeline=true"], "build_pipeline_app"),
        (["pipeline=false"], "build_app"),
    ],
)
def test_the_pipeline_flag_chooses_what_app_py_synthesizes(recorder, monkeypatch, argv, builder):
    monkeypatch.setattr(sys, "argv", ["app.py", *argv])

    assert entry_point.main() == 0

    assert [name for name, _ in recorder.calls] == [builder, f"{builder}.synth"]
    assert "delivery" in recorder.calls[0][1] and "environments" in recorder.calls[0][1]


def test_a_bad_pipeline_flag_is_a_configuration_error(recorder, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["app.py", "pipeline=maybe"])

    assert entry_point.main() == 2

    expected = "configuration error: pipeline is 'maybe': use true or false (e.g. -c pipeline=true)."
    assert expected in capsys.readouterr().err
    assert recorder.calls == []
