"""Side files: the long strings a template embeds, as readable files next to its snapshot.

Dashboards, SSM documents and their scripts, state machine definitions and user data move out of the
template (:func:`split_template`), which keeps a placeholder; :func:`join_template` puts them back.
Tokens inside them read `${Ref X}`, `${GetAtt X.Attr}`, `${ImportValue name}`, or for any other
intrinsic `${Fn::Name arg}` (arg: an integer, a 'string', a [list, ...] or another token).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SIDE_FILE_PLACEHOLDER", "SplitTemplate", "join_template", "split_template"]

SIDE_FILE_PLACEHOLDER = "<side file: {name}>"
_SIDE_FILE_REFERENCE = re.compile(r"<side file: ([^<>\n]+)>")
_SHORT_TOKENS = {"${Ref ": "Ref", "${GetAtt ": "Fn::GetAtt", "${ImportValue ": "Fn::ImportValue"}
_TOKEN_HEADS = (*_SHORT_TOKENS, "${Fn::")
_BARE = re.compile(r"[A-Za-z0-9:._/-]+")
_INTRINSIC = re.compile(r"Fn::[A-Za-z0-9]+")
_INTEGER = re.compile(r"-?[0-9]+")
_LOGICAL_ID_HASH = re.compile(r"[0-9A-F]{8}$")  # CDK appends 8 hex digits to a construct path
_JSON_LINE = 110  # a JSON value that fits in this width is written on one line


def _token_text(token: Any) -> str:
    """An intrinsic function as inline text; ValueError when it has none."""
    if not (isinstance(token, dict) and len(token) == 1):
        raise ValueError(f"not an intrinsic function: {token!r:.80}")
    ((key, arg),) = token.items()
    if key in ("Ref", "Fn::ImportValue") and isinstance(arg, str) and _BARE.fullmatch(arg):
        return f"${{{key.removeprefix('Fn::')} {arg}}}"
    if (
        key == "Fn::GetAtt"
        and isinstance(arg, list)
        and len(arg) == 2
        and "." not in str(arg[0])
        and all(isinstance(a, str) and _BARE.fullmatch(a) for a in arg)
    ):
        return f"${{GetAtt {arg[0]}.{arg[1]}}}"
    if not _INTRINSIC.fullmatch(key):
        raise ValueError(f"not an intrinsic function: {token!r:.80}")
    return f"${{{key} {_token_argument(arg)}}}"


def _token_argument(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and "'" not in value:
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ", ".join(_token_argument(item) for item in value) + "]"
    return _token_text(value)


def _parse_token(text: str, pos: int) -> tuple[Any, int]:
    """The token (or token argument) starting at ``pos`` and the position after it."""
    head = next((h for h in _SHORT_TOKENS if text.startswith(h, pos)), None)
    if head is not None:
        bare = _BARE.match(text, pos + len(head))
        if bare and text.startswith("}", bare.end()):
            arg: Any = bare.group()
            if head == "${GetAtt ":
                arg = list(arg.partition(".")[::2])
            return {_SHORT_TOKENS[head]: arg}, bare.end() + 1
    elif text.startswith("${", pos):
        name = _INTRINSIC.match(text, pos + 2)
        if name and text.startswith(" ", name.end()):
            arg, end = _parse_token(text, name.end() + 1)
            if text.startswith("}", end):
                return {name.group(): arg}, end + 1
    elif text.startswith("'", pos):
        end = text.index("'", pos + 1)
        return text[pos + 1 : end], end + 1
    elif text.startswith("[", pos):
        items: list[Any] = []
        pos += 1
        while not text.startswith("]", pos):
            if items and not text.startswith(", ", pos):
                raise ValueError(f"malformed token list at {text[pos : pos + 60]!r}")
            item, pos = _parse_token(text, pos + 2 if items else pos)
            items.append(item)
        return items, pos + 1
    elif number := _INTEGER.match(text, pos):
        return int(number.group()), number.end()
    raise ValueError(f"malformed token at {text[pos : pos + 60]!r}")


def _render_text(value: Any) -> str:
    """A string, or an ``Fn::Join`` on "" of strings and intrinsics, as text with inline tokens."""
    parts: Any = [value]
    if isinstance(value, dict) and list(value) == ["Fn::Join"] and value["Fn::Join"][0] == "":
        parts = value["Fn::Join"][1]
    text = []
    for part in parts:
        if isinstance(part, str) and any(head in part for head in _TOKEN_HEADS):
            raise ValueError("the text itself reads like a token")
        text.append(part if isinstance(part, str) else _token_text(part))
    return "".join(text)


def _parse_text(text: str) -> Any:
    parts: list[Any] = []
    pos = 0
    while pos < len(text):
        start = min((i for i in (text.find(h, pos) for h in _TOKEN_HEADS) if i >= 0), default=len(text))
        if start > pos:
            parts.append(text[pos:start])
        if start < len(text):
            token, pos = _parse_token(text, start)
            parts.append(token)
        else:
            pos = start
    if all(isinstance(part, str) for part in parts):
        return "".join(parts)
    return {"Fn::Join": ["", parts]}


def _json_text(value: Any, level: int = 0) -> str:
    """Indented JSON in which any value that fits on its line stays on it (intrinsics, short lists)."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + 2 * level <= _JSON_LINE or not value or not isinstance(value, (dict, list)):
        return flat
    pad = "  " * (level + 1)
    if isinstance(value, dict):
        lines = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {_json_text(v, level + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(lines) + "\n" + "  " * level + "}"
    return "[\n" + ",\n".join(pad + _json_text(v, level + 1) for v in value) + "\n" + "  " * level + "]"


def _render_lines(value: Any) -> str:
    if not (isinstance(value, list) and value and all(isinstance(v, str) and "\n" not in v for v in value)):
        raise ValueError("not a list of one-line strings")
    return "\n".join(value) + "\n"


def _render_yaml(value: Any) -> str:
    import yaml  # a dependency of cfn-lint, so of the testing extra

    class Dumper(yaml.SafeDumper):
        pass

    def block_strings(dumper: yaml.SafeDumper, data: str) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, block_strings)
    if not isinstance(value, dict):
        raise ValueError("not a mapping")
    return yaml.dump(value, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def _parse_yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from error


@dataclass(frozen=True)
class _Form:
    """How a value is written as a file: ``render`` (ValueError if it cannot be) and ``parse``."""

    render: Callable[[Any], str]
    parse: Callable[[str], Any]


_TEXT = _Form(_render_text, _parse_text)
_JSON = _Form(
    lambda value: _json_text(json.loads(_render_text(value))) + "\n",
    lambda text: _parse_text(json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)),
)
_LINES = _Form(_render_lines, lambda text: text.removesuffix("\n").split("\n"))
_BASE64 = _Form(
    lambda value: _render_text(value["Fn::Base64"]), lambda text: {"Fn::Base64": _parse_text(text)}
)
_YAML = _Form(_render_yaml, _parse_yaml)
# Resource type -> (property path, side-file suffix, form); SSM documents' steps are handled below.
_SITES: dict[str, tuple[tuple[str, ...], str, _Form]] = {
    "AWS::CloudWatch::Dashboard": (("DashboardBody",), "dashboard.json", _JSON),
    "AWS::StepFunctions::StateMachine": (("DefinitionString",), "definition.json", _JSON),
    "AWS::EC2::LaunchTemplate": (("LaunchTemplateData", "UserData"), "user-data.sh", _BASE64),
    "AWS::EC2::Instance": (("UserData",), "user-data.sh", _BASE64),
    "AWS::SSM::Document": (("Content",), "document.yaml", _YAML),
}
# Scripts inside SSM document steps: aws:executeScript, aws:runShellScript, aws:runCommand.
_STEP_SITES: tuple[tuple[tuple[str, ...], _Form], ...] = (
    (("inputs", "Script"), _TEXT),
    (("inputs", "runCommand"), _LINES),
    (("inputs", "Parameters", "commands"), _LINES),
)


def _get(mapping: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return mapping


def _set(mapping: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        mapping = mapping[key]
    mapping[path[-1]] = value


def _steps(content: Any) -> list[dict[str, Any]]:
    steps = _get(content, ("mainSteps",))
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


def _script_suffix(step: dict[str, Any], path: tuple[str, ...]) -> str:
    inputs = step.get("inputs", {})
    if path[-1] == "Script":
        runtime = str(inputs.get("Runtime", ""))
        return "py" if runtime.startswith("python") else "ps1" if runtime.startswith("PowerShell") else "txt"
    return "ps1" if "PowerShell" in f"{step.get('action')} {inputs.get('DocumentName')}" else "sh"


def _file_stem(logical_id: str, logical_ids: Iterable[str]) -> str:
    """The logical id without CDK's hash, unless that makes it ambiguous in the template."""
    stem = _LOGICAL_ID_HASH.sub("", logical_id)
    clashes = [other for other in logical_ids if _LOGICAL_ID_HASH.sub("", other) == stem]
    return stem if stem and clashes == [logical_id] else logical_id


@dataclass(frozen=True)
class SplitTemplate:
    """A template whose long embedded strings live in ``side_files`` (file name -> text)."""

    template: dict[str, Any]
    side_files: dict[str, str]


def split_template(template: Mapping[str, Any]) -> SplitTemplate:
    """Move the long strings of ``template`` into readable side files; :func:`join_template` undoes it.

    Each becomes ``"<side file: NAME>"`` in the template: CloudWatch dashboard bodies and Step Functions
    definitions (JSON), EC2 user data (text), SSM document contents (YAML) and their steps' scripts
    (``aws:executeScript`` as ``.py``/``.ps1``, shell commands one per line as ``.sh``). Files are named
    after the logical id without CDK's hash: ``RegionFailover.document.yaml``,
    ``RegionFailover.VerifyPromoted.py``. A value that would not parse back to itself stays inline.
    """
    original = json.loads(json.dumps(template))
    result = json.loads(json.dumps(template))
    side_files: dict[str, str] = {}

    def move_out(container: dict[str, Any], path: tuple[str, ...], form: _Form, name: str) -> None:
        value = _get(container, path)
        try:
            text = form.render(value)
            if json.dumps(form.parse(text)) != json.dumps(value):
                return
        except (ValueError, TypeError, KeyError, IndexError):
            return
        while name in side_files:
            name = f"_{name}"
        side_files[name] = text
        _set(container, path, SIDE_FILE_PLACEHOLDER.format(name=name))

    resources = result.get("Resources", {})
    for logical_id, resource in resources.items():
        path, suffix, form = _SITES.get(resource.get("Type"), ((), "", _TEXT))
        if not path or _get(resource, ("Properties", *path)) is None:
            continue
        stem = _file_stem(logical_id, resources)
        for index, step in enumerate(_steps(_get(resource, ("Properties", *path)))):
            step_name = re.sub(r"[^A-Za-z0-9_-]", "_", str(step.get("name", f"Step{index}")))
            for step_path, step_form in _STEP_SITES:
                if _get(step, step_path) is not None:
                    move_out(
                        step, step_path, step_form, f"{stem}.{step_name}.{_script_suffix(step, step_path)}"
                    )
        move_out(resource["Properties"], path, form, f"{stem}.{suffix}")
    split = SplitTemplate(template=result, side_files=side_files)
    try:
        joined = join_template(split.template, split.side_files)
    except ValueError:
        joined = None
    if joined != original:
        raise ValueError("the template holds a string that reads like '<side file: ...>': it cannot be split")
    return split


def join_template(template: Mapping[str, Any], side_files: Mapping[str, str]) -> dict[str, Any]:
    """The template :func:`split_template` split: each placeholder replaced by its side file's value."""
    result: dict[str, Any] = json.loads(json.dumps(template))

    def move_in(container: dict[str, Any], path: tuple[str, ...], form: _Form) -> None:
        value = _get(container, path)
        reference = _SIDE_FILE_REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if reference and reference.group(1) not in side_files:
            raise ValueError(f"the side file {reference.group(1)!r} is missing: update the snapshots")
        if reference:
            _set(container, path, form.parse(side_files[reference.group(1)]))

    for resource in result.get("Resources", {}).values():
        path, _, form = _SITES.get(resource.get("Type"), ((), "", _TEXT))
        if path and _get(resource, ("Properties", *path)) is not None:
            move_in(resource["Properties"], path, form)
            for step in _steps(_get(resource, ("Properties", *path))):
                for step_path, step_form in _STEP_SITES:
                    move_in(step, step_path, step_form)
    return result
