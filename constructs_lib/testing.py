"""A testing kit for apps built with this library: snapshot, cdk-nag and cfn-lint in three calls.

    from constructs_lib.testing import (
        assert_cfn_lint_clean, assert_no_nag_findings, assert_template_matches_snapshot,
    )

    def test_stack_matches_snapshot(snapshot):
        app = cdk.App(outdir=str(tmp_path))
        stack = MyStack(app, "My")
        assert_no_nag_findings(app)                       # synthesizes with cdk-nag's AWS Solutions pack
        template = Template.from_stack(stack).to_json()
        assert_template_matches_snapshot(template, snapshot)  # the template and readable side files
        assert_cfn_lint_clean(tmp_path)                   # every template of the assembly, its own region

Snapshots: a template's asset hashes change with the handler code and the CDK version, not with the
infrastructure. :func:`mask_template` replaces them (and the machine-dependent asset paths CDK writes
into metadata when the CLI asks for them) by fixed placeholders; :class:`CdkTemplateSnapshotExtension`
is syrupy's JSON extension with that mask applied, one readable ``.json`` file per snapshot.
:func:`assert_template_matches_snapshot` also moves the long strings a template embeds (dashboards, SSM
documents and their scripts, state machine definitions, user data) into side files of their own
(:func:`split_template`), each compared with a readable diff. :func:`resource_type_counts` sums up a
template's structure in a few lines, for environments that do not need a full snapshot.

cdk-nag 3 is a CDK *validation plugin* (``Validations.of(app).add_plugins(...)``): it reaches stacks
inside ``cdk.Stage`` s, and its findings land in the assembly's ``validation-report.json``.
:func:`nag_findings` synthesizes with the pack attached and returns every finding;
:func:`assert_no_nag_findings` fails listing each unacknowledged one with its construct path.

The kit needs the ``testing`` extra (``pip install "self-healing-web[testing]"``: syrupy, cfn-lint,
cdk-nag). Only this module imports them: the rest of the library never needs them.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

try:
    from syrupy.assertion import SnapshotAssertion
    from syrupy.extensions.json import JSONSnapshotExtension
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
except ImportError as _error:  # pragma: no cover - only without the extra
    raise ImportError(
        'constructs_lib.testing needs the testing extra: pip install "self-healing-web[testing]"'
    ) from _error

__all__ = [
    "ASSET_HASH_PLACEHOLDER",
    "DEFAULT_CFN_LINT_IGNORES",
    "SIDE_FILE_PLACEHOLDER",
    "CdkTemplateSnapshotExtension",
    "NagFinding",
    "SideFileSnapshotExtension",
    "SplitTemplate",
    "assert_cfn_lint_clean",
    "assert_no_nag_findings",
    "assert_template_matches_snapshot",
    "cfn_lint_assembly",
    "cfn_lint_template",
    "join_template",
    "mask_template",
    "nag_findings",
    "resource_type_counts",
    "side_file_extension",
    "split_template",
]

ASSET_HASH_PLACEHOLDER = "<asset-hash>"
# With the feature flag @aws-cdk/core:annotationsInValidationReport, CDK also writes the constructs'
# annotations (warnings, errors) into validation-report.json under this plugin name: they are not
# rule-pack findings (read them with aws_cdk.assertions.Annotations).
CONSTRUCT_ANNOTATIONS_REPORT = "Construct Annotations"
ASSET_PATH_PLACEHOLDER = "<asset-path>"
# CDK asset hashes are SHA-256 hex digests: in S3 keys ("<hash>.zip"), image tags, asset parameters.
_ASSET_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
# cdk-assets destination ids in CDK Pipelines' publishing buildspecs: "<hash>:<account>-<region>-<8 hex>",
# the suffix a digest that changes with the asset as the hash does.
_DESTINATION_SUFFIX = re.compile(r"(<asset-hash>:\d{12}-[a-z0-9-]+?-)[0-9a-f]{8}(?![0-9a-f])")
# Resource metadata CDK writes when the CLI enables asset metadata: absolute, machine-dependent paths.
_ASSET_PATH_METADATA = ("aws:asset:path", "aws:asset:original-path")
# cfn-lint rules CDK output trips by design: W3005 (CDK adds DependsOn next to Ref/GetAtt) and W3010
# (availability zones pinned on purpose, so that synthesis never looks them up).
DEFAULT_CFN_LINT_IGNORES: tuple[str, ...] = ("W3005", "W3010")


def mask_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with asset hashes and machine-dependent asset paths replaced.

    Everything else is kept as synthesized, so a snapshot diff shows every real change.
    """
    text = _ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(template))
    masked = json.loads(_DESTINATION_SUFFIX.sub(r"\1<destination>", text))
    for resource in masked.get("Resources", {}).values():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict):
            for key in _ASSET_PATH_METADATA:
                if key in metadata:
                    metadata[key] = ASSET_PATH_PLACEHOLDER
    return masked


class CdkTemplateSnapshotExtension(JSONSnapshotExtension):
    """Use with syrupy: ``assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)``.

    One ``.json`` file per snapshot (``__snapshots__/<test module>/<test name>.json``), with asset
    hashes and asset paths masked by :func:`mask_template`. Other data is serialized unchanged.
    """

    def serialize(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and "Resources" in data:
            data = mask_template(data)
        return super().serialize(data, **kwargs)


# Side files: the long strings a template embeds (dashboards, SSM documents and their scripts, state
# machine definitions, user data) as readable files next to its snapshot; the template keeps a
# placeholder. Tokens inside them read `${Ref X}`, `${GetAtt X.Attr}`, `${ImportValue name}`, or for any
# other intrinsic `${Fn::Name arg}` (arg: an integer, a 'string', a [list, ...] or another token).
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


def resource_type_counts(template: Mapping[str, Any]) -> dict[str, int]:
    """``{resource type: how many}`` of a template, sorted by type: its structure in a few lines."""
    types = [resource.get("Type", "?") for resource in template.get("Resources", {}).values()]
    return {kind: types.count(kind) for kind in sorted(set(types))}


class SideFileSnapshotExtension(SingleFileSnapshotExtension):
    """A text snapshot in a file of its own, ``<test>[<name>].<file_extension>`` for ``snapshot(name=...)``.

    Subclasses set ``file_extension``; :func:`side_file_extension` makes (and caches) one per extension.
    """

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


_SIDE_FILE_EXTENSIONS: dict[str, type[SideFileSnapshotExtension]] = {}


def side_file_extension(file_extension: str) -> type[SideFileSnapshotExtension]:
    """The syrupy extension for text snapshots ending in ``.<file_extension>`` (one class each)."""
    if file_extension not in _SIDE_FILE_EXTENSIONS:
        _SIDE_FILE_EXTENSIONS[file_extension] = type(
            f"SideFileSnapshotExtension_{file_extension}",
            (SideFileSnapshotExtension,),
            {"file_extension": file_extension},
        )
    return _SIDE_FILE_EXTENSIONS[file_extension]


def assert_template_matches_snapshot(template: Mapping[str, Any], snapshot: SnapshotAssertion) -> None:
    """Compare a template with its snapshot files: the template and each of its side files.

    ``snapshot`` is syrupy's fixture. The template, masked (:func:`mask_template`) and split
    (:func:`split_template`), is stored as ``<test>.json`` in its synthesized key order (``Type`` first;
    a value that fits on a line stays on it), each side file as ``<test>[<side file stem>].<extension>``
    (``test_x[RegionFailover.document].yaml``: syrupy's own naming, ``snapshot(name=...)``). Every file
    is compared, every difference reported with its diff; ``pytest --snapshot-update`` rewrites them.
    Side files include ``.py`` scripts: keep pytest (``norecursedirs = ["__snapshots__", ...]``) and
    linters out of the snapshot folder.
    """
    split = split_template(mask_template(template))
    files = {"template.json": _json_text(split.template) + "\n", **split.side_files}
    differences = []
    for name, text in files.items():
        stem, _, file_extension = name.rpartition(".")
        assertion = snapshot.use_extension(side_file_extension(file_extension))
        if (assertion if name == "template.json" else assertion(name=stem)) == text:
            continue
        snapshot_text = assertion.executions[assertion.num_executions - 1].recalled_data
        old_lines = [] if snapshot_text is None else str(snapshot_text).splitlines()
        diff = difflib.unified_diff(old_lines, text.splitlines(), f"{name} (snapshot)", "synthesized")
        differences.append("\n".join(line.rstrip("\n") for line in diff))
    if differences:
        raise AssertionError(
            f"{len(differences)} of {len(files)} snapshot files differ (after an intended change: "
            "pytest --snapshot-update, then review the diff):\n" + "\n".join(differences)
        )


@dataclass(frozen=True)
class NagFinding:
    """One cdk-nag finding: the rule, its severity, the construct path and what the rule says."""

    rule: str
    severity: str
    construct_path: str
    description: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.severity}) at {self.construct_path}: {self.description}"


def _aws_solutions_pack(app: cdk.App) -> Any:
    try:
        from cdk_nag import AwsSolutionsChecks
    except ImportError as error:
        raise ImportError(
            'cdk-nag is not installed: pip install "self-healing-web[nag]" (or the [testing] extra)'
        ) from error
    return AwsSolutionsChecks(app)


def nag_findings(app: cdk.App, *, packs: Sequence[Any] | None = None) -> list[NagFinding]:
    """Synthesize ``app`` with cdk-nag attached and return every unacknowledged finding.

    ``packs`` are cdk-nag 3 validation plugins (default: the AWS Solutions pack). Acknowledged findings
    (``Validations.of(scope).acknowledge(...)``) are not reported by cdk-nag and so not returned.
    The app must not have been synthesized yet (plugins run during ``app.synth()``).
    """
    plugins = list(packs) if packs is not None else [_aws_solutions_pack(app)]
    cdk.Validations.of(app).add_plugins(*plugins)
    # Only the packs' own reports: the same file also holds aws-cdk-lib's built-in CloudFormation
    # validation ("CloudFormation Validate") and, with annotationsInValidationReport, the app's
    # annotations ("Construct Annotations").
    pack_names = {getattr(p, "read_pack_name", None) or getattr(p, "name", None) for p in plugins} - {None}
    try:
        assembly_dir = Path(app.synth().directory)
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        assembly_dir = Path(app.outdir)
    report = assembly_dir / "validation-report.json"
    if not report.exists():
        return []
    findings = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        name = plugin.get("pluginName")
        if name == CONSTRUCT_ANNOTATIONS_REPORT or (pack_names and name not in pack_names):
            continue
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                findings.append(
                    NagFinding(
                        rule=violation["ruleName"],
                        severity=violation.get("severity", "error"),
                        construct_path=construct.get("constructPath", "?"),
                        description=violation.get("description", ""),
                    )
                )
    return findings


def assert_no_nag_findings(app: cdk.App, *, packs: Sequence[Any] | None = None) -> None:
    """Synthesize ``app`` with cdk-nag and fail listing every unacknowledged finding, if any."""
    findings = nag_findings(app, packs=packs)
    if findings:
        lines = "\n".join(f"  - {finding}" for finding in findings)
        raise AssertionError(
            f"{len(findings)} unacknowledged cdk-nag finding(s); fix each or acknowledge it next to its "
            f"cause with Validations.of(scope).acknowledge(...) and a specific reason:\n{lines}"
        )


def cfn_lint_template(
    template: Mapping[str, Any], *, region: str, ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES
) -> list[str]:
    """cfn-lint one template for ``region``; one line per finding: ``"<rule> <message> (<path>)"``."""
    try:
        from cfnlint.api import ManualArgs, lint
    except ImportError as error:
        raise ImportError('cfn-lint is not installed: pip install "self-healing-web[testing]"') from error
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region], ignore_checks=list(ignore)))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]


def _stack_templates(assembly_dir: Path) -> Iterable[tuple[str, Path, str]]:
    """(display path, template file, region) of every stack in an assembly and its nested stages."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "aws:cloudformation:stack":
            region = artifact.get("environment", "aws://unknown-account/unknown-region").rsplit("/", 1)[-1]
            yield (
                artifact.get("displayName", artifact_id),
                assembly_dir / props["templateFile"],
                region,
            )
        elif kind == "cdk:cloud-assembly":
            yield from _stack_templates(assembly_dir / props["directoryName"])


def cfn_lint_assembly(
    assembly_dir: str | Path,
    *,
    ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES,
    default_region: str = "us-east-1",
) -> dict[str, list[str]]:
    """cfn-lint every stack of a synthesized cloud assembly (nested stages included) in its own region.

    Returns ``{stack display path: findings}`` for every stack; a clean stack maps to ``[]``.
    Environment-agnostic stacks are linted for ``default_region``.
    """
    ignore = tuple(ignore)
    results: dict[str, list[str]] = {}
    for name, template_file, region in _stack_templates(Path(assembly_dir)):
        lint_region = default_region if region in ("unknown-region", "") else region
        results[name] = cfn_lint_template(
            json.loads(template_file.read_text()), region=lint_region, ignore=ignore
        )
    return results


def assert_cfn_lint_clean(
    assembly_dir: str | Path,
    *,
    ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES,
    default_region: str = "us-east-1",
) -> None:
    """Fail listing every cfn-lint finding of every stack in the assembly, if any."""
    results = cfn_lint_assembly(assembly_dir, ignore=ignore, default_region=default_region)
    if not results:
        raise AssertionError(f"no stack templates found in the cloud assembly at {assembly_dir}")
    dirty = {name: findings for name, findings in results.items() if findings}
    if dirty:
        lines = "\n".join(
            f"  {name}:\n" + "\n".join(f"    - {f}" for f in found) for name, found in dirty.items()
        )
        raise AssertionError(f"cfn-lint findings in {len(dirty)} stack(s):\n{lines}")
