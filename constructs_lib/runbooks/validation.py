"""Static checks for SSM Automation runbooks (schema 0.3), for the tests of every runbook.

Nothing in AWS or in the CDK toolchain checks an Automation document's step graph before it runs:
cfn-lint only looks at ``schemaVersion``, and a ``nextStep`` pointing at a missing step is found
by the first execution that takes that branch, usually during an incident. These functions check
a document given as a plain ``dict`` (the ``Content`` of an ``AWS::SSM::Document``, or the value
passed to ``aws_ssm.CfnDocument(content=...)``) without AWS:

- :func:`validate_automation_document` returns the problems it finds, as readable sentences
  (an empty list means none found);
- :func:`required_iam_actions` returns the IAM actions the automation role needs for the steps;
- :func:`granted_iam_actions` and :func:`missing_iam_actions` read a synthesized template's IAM
  policies, so a test can assert that the runbook's role grants everything its steps call::

      granted = granted_iam_actions(template, role_logical_id)
      assert missing_iam_actions(required_iam_actions(content), granted) == set()

Limits, by design: the checks are static. ``aws:executeScript`` steps contribute no IAM actions (a
script's API calls cannot be read from the document; declare them in the role and test them with
the script). Resource scoping and conditions are not compared, only action names.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "KNOWN_ACTIONS",
    "granted_iam_actions",
    "missing_iam_actions",
    "required_iam_actions",
    "validate_automation_document",
]

#: Every Automation action AWS documents for schema 0.3.
KNOWN_ACTIONS: frozenset[str] = frozenset(
    {
        "aws:approve",
        "aws:assertAwsResourceProperty",
        "aws:branch",
        "aws:changeInstanceState",
        "aws:copyImage",
        "aws:createImage",
        "aws:createStack",
        "aws:createTags",
        "aws:deleteImage",
        "aws:deleteStack",
        "aws:executeAutomation",
        "aws:executeAwsApi",
        "aws:executeScript",
        "aws:executeStateMachine",
        "aws:invokeLambdaFunction",
        "aws:invokeWebhook",
        "aws:loop",
        "aws:pause",
        "aws:runCommand",
        "aws:runInstances",
        "aws:sleep",
        "aws:updateVariable",
        "aws:waitForAwsResourceProperty",
    }
)

_PARAMETER_TYPES = frozenset(
    {
        "String",
        "StringList",
        "Integer",
        "Boolean",
        "MapList",
        "StringMap",
        "AWS::EC2::Image::Id",
        "List<AWS::EC2::Image::Id>",
        "AWS::EC2::Instance::Id",
        "List<AWS::EC2::Instance::Id>",
        "AWS::IAM::Role::Arn",
        "AWS::S3::Bucket::Name",
        "List<AWS::S3::Bucket::Name>",
        "AWS::SSM::Automation::ExecutionId",
        "AWS::SSM::MaintenanceWindow::Id",
    }
)

# Outputs an action produces without an ``outputs`` declaration (AWS Systems Manager User Guide,
# "Systems Manager Automation actions reference").
_PREDEFINED_OUTPUTS: Mapping[str, frozenset[str]] = {
    "aws:approve": frozenset({"ApprovalStatus", "ApproverDecisions", "Approvers"}),
    "aws:copyImage": frozenset({"ImageId", "ImageState"}),
    "aws:createImage": frozenset({"ImageId", "ImageState"}),
    "aws:createStack": frozenset({"StackId", "StackStatus", "StackStatusReason"}),
    "aws:executeAutomation": frozenset({"ExecutionId", "Status", "Output"}),
    "aws:executeScript": frozenset({"OutputPayload"}),
    "aws:executeStateMachine": frozenset({"ExecutionArn", "ExecutionStatus"}),
    "aws:invokeLambdaFunction": frozenset({"StatusCode", "FunctionError", "Payload", "LogResult"}),
    "aws:invokeWebhook": frozenset({"Response", "ResponseCode"}),
    "aws:loop": frozenset({"CurrentIteratorValue", "CurrentIteration"}),
    "aws:runCommand": frozenset({"CommandId", "Status", "ResponseCode", "Output"}),
    "aws:runInstances": frozenset({"InstanceIds"}),
}

# Variables Automation resolves itself.
_BUILTIN_VARIABLES = frozenset(
    {
        "automation:EXECUTION_ID",
        "automation:DOCUMENT_NAME",
        "global:ACCOUNT_ID",
        "global:REGION",
        "global:AWS_PARTITION",
        "global:DATE",
        "global:DATE_TIME",
        "global:AWS_URL_SUFFIX",
    }
)

# boto3 client name (what ``Service`` holds) -> IAM service prefix, where they differ.
_IAM_PREFIX = {
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "stepfunctions": "states",
    "efs": "elasticfilesystem",
    "sesv2": "ses",
    "cloudwatch-logs": "logs",
    "application-autoscaling": "application-autoscaling",
    "route53-recovery-cluster": "route53-recovery-cluster",
}

# (IAM prefix, API) -> IAM action, where the action is not named after the API.
_IAM_ACTION_OVERRIDES = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
}

_REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_FAILURE_KEYWORDS = frozenset({"Abort", "Continue"})
_CANCEL_KEYWORDS = frozenset({"Abort", "Continue"})
_CHOICE_OPERATORS = frozenset(
    {
        "StringEquals",
        "EqualsIgnoreCase",
        "StartsWith",
        "EndsWith",
        "Contains",
        "NumericEquals",
        "NumericGreater",
        "NumericLesser",
        "NumericGreaterOrEquals",
        "NumericLesserOrEquals",
        "BooleanEquals",
    }
)


# --------------------------------------------------------------------------------------------
# Walking the document
# --------------------------------------------------------------------------------------------
def _steps_in(steps: Any) -> Iterator[dict[str, Any]]:
    """Every step dict, in document order, including the steps nested in ``aws:loop``."""
    if not isinstance(steps, list):
        return
    for step in steps:
        if not isinstance(step, dict):
            continue
        yield step
        if step.get("action") == "aws:loop":
            yield from _steps_in((step.get("inputs") or {}).get("Steps"))


def _strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _strings_in(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _strings_in(value)


def _references(node: Any) -> Iterator[str]:
    for text in _strings_in(node):
        yield from _REFERENCE.findall(text)


def _step_target(value: Any) -> str | None:
    """The step named by an ``onFailure``/``onCancel`` value such as ``step:Notify``."""
    if isinstance(value, str) and value.startswith("step:"):
        return value[len("step:") :]
    return None


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def validate_automation_document(content: Mapping[str, Any]) -> list[str]:
    """Return the problems found in an Automation document; an empty list means none found.

    Checks: ``schemaVersion`` is ``"0.3"``; ``mainSteps`` is a non-empty list; every step has a
    unique ``name`` and a known ``action``; every ``nextStep``, ``onFailure``/``onCancel``
    ``step:`` target and ``aws:branch`` ``NextStep``/``Default`` names an existing step (steps in
    an ``aws:loop`` may only jump within the loop); ``isEnd`` and ``nextStep`` do not contradict
    each other; every ``{{ Name }}`` names a declared parameter or a built-in variable and every
    ``{{ Step.Output }}`` names an output the step declares (or its action predefines); parameter
    types are valid and defaults of ``allowedValues`` parameters are allowed; a ``String``
    parameter pasted into an ``aws:runCommand`` shell command has an ``allowedPattern`` (else any
    caller can inject shell); every top-level step is reachable from the first.
    """
    problems: list[str] = []
    if not isinstance(content, Mapping):
        return [f"document must be a mapping, got {type(content).__name__}"]
    if str(content.get("schemaVersion")) != "0.3":
        problems.append(f"schemaVersion is {content.get('schemaVersion')!r}; Automation runbooks need '0.3'")
    main_steps = content.get("mainSteps")
    if not isinstance(main_steps, list) or not main_steps:
        problems.append("mainSteps must be a non-empty list of steps")
        return problems

    parameters = content.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        problems.append("parameters must be a mapping of name -> definition")
        parameters = {}
    problems.extend(_check_parameters(parameters))

    # names -------------------------------------------------------------------------------
    steps = list(_steps_in(main_steps))
    by_name: dict[str, dict[str, Any]] = {}
    for index, step in enumerate(steps):
        name = step.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"step #{index + 1} (action {step.get('action')!r}) has no name")
            continue
        if name in by_name:
            problems.append(f"duplicate step name {name!r}: step names must be unique")
        by_name.setdefault(name, step)
        action = step.get("action")
        if not isinstance(action, str) or action not in KNOWN_ACTIONS:
            problems.append(f"step {name!r} uses unknown action {action!r}")
    for step in main_steps:
        if not isinstance(step, dict):
            problems.append(f"mainSteps holds a {type(step).__name__}, not a step mapping")

    # transitions -------------------------------------------------------------------------
    problems.extend(_check_transitions(main_steps, scope_name="mainSteps"))
    for step in steps:
        if step.get("action") == "aws:loop":
            inner = (step.get("inputs") or {}).get("Steps")
            if not isinstance(inner, list) or not inner:
                problems.append(f"aws:loop step {step.get('name')!r} has no inputs.Steps")
            else:
                problems.extend(_check_transitions(inner, scope_name=f"loop {step.get('name')!r}"))

    # references --------------------------------------------------------------------------
    outputs = {name: _declared_outputs(step) for name, step in by_name.items()}
    for step in steps:
        name = step.get("name", "?")
        scanned = {k: v for k, v in step.items() if k not in ("name", "description")}
        if step.get("action") == "aws:loop":  # nested steps are checked on their own
            scanned["inputs"] = {k: v for k, v in (step.get("inputs") or {}).items() if k != "Steps"}
        for ref in _references(scanned):
            problem = _check_reference(ref, parameters, outputs)
            if problem:
                problems.append(f"step {name!r}: {problem}")
    for ref in _references({"assumeRole": content.get("assumeRole")}):
        problem = _check_reference(ref, parameters, outputs)
        if problem:
            problems.append(f"assumeRole: {problem}")
    for declared in content.get("outputs") or []:
        if not isinstance(declared, str) or "." not in declared:
            problems.append(f"document output {declared!r} must be 'StepName.OutputName'")
            continue
        problem = _check_reference(declared, parameters, outputs)
        if problem:
            problems.append(f"document outputs: {problem}")

    problems.extend(_check_shell_injection(steps, parameters))
    problems.extend(_check_reachability(main_steps))
    return problems


def _check_parameters(parameters: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, spec in parameters.items():
        if not isinstance(spec, Mapping):
            problems.append(f"parameter {name!r} must be a mapping with at least 'type'")
            continue
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in _PARAMETER_TYPES:
            problems.append(f"parameter {name!r} has unknown type {kind!r}")
        allowed = spec.get("allowedValues")
        if allowed is not None and "default" in spec and spec["default"] not in allowed:
            problems.append(
                f"parameter {name!r}: default {spec['default']!r} is not in allowedValues {allowed!r}"
            )
        pattern = spec.get("allowedPattern")
        if pattern is not None:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                problems.append(f"parameter {name!r}: allowedPattern {pattern!r} is invalid ({error})")
            else:
                default = spec.get("default")
                if isinstance(default, str) and "{{" not in default and not compiled.search(default):
                    problems.append(
                        f"parameter {name!r}: default {default!r} does not match allowedPattern {pattern!r}"
                    )
    return problems


def _check_transitions(steps: Sequence[Any], *, scope_name: str) -> list[str]:
    """Jumps must land on a step of the same list (main steps, or one loop's steps)."""
    problems: list[str] = []
    names = {s.get("name") for s in steps if isinstance(s, dict) and isinstance(s.get("name"), str)}

    def check(source: str, what: str, target: Any) -> None:
        if not isinstance(target, str) or target not in names:
            problems.append(
                f"step {source!r}: {what} targets {target!r}, which is not a step of {scope_name}"
            )

    for step in steps:
        if not isinstance(step, dict):
            continue
        name = step.get("name", "?")
        if "nextStep" in step:
            check(name, "nextStep", step["nextStep"])
            if _is_true(step.get("isEnd")):
                problems.append(f"step {name!r} sets both isEnd: true and nextStep")
        for key, keywords in (("onFailure", _FAILURE_KEYWORDS), ("onCancel", _CANCEL_KEYWORDS)):
            if key not in step:
                continue
            value = step[key]
            target = _step_target(value)
            if target is not None:
                check(name, key, target)
            elif not isinstance(value, str) or value not in keywords:
                problems.append(
                    f"step {name!r}: {key} is {value!r}; use 'Abort', 'Continue' or 'step:<name>'"
                )
        if step.get("action") == "aws:branch":
            inputs = step.get("inputs") or {}
            choices = inputs.get("Choices")
            if not isinstance(choices, list) or not choices:
                problems.append(f"branch step {name!r} has no inputs.Choices")
                choices = []
            for number, choice in enumerate(choices, start=1):
                if not isinstance(choice, Mapping):
                    problems.append(f"branch step {name!r}: choice #{number} is not a mapping")
                    continue
                check(name, f"choice #{number} NextStep", choice.get("NextStep"))
                if "Variable" not in choice and not any(k in choice for k in ("And", "Or", "Not")):
                    problems.append(f"branch step {name!r}: choice #{number} has no Variable")
                elif "Variable" in choice and not any(op in choice for op in _CHOICE_OPERATORS):
                    problems.append(
                        f"branch step {name!r}: choice #{number} has no operator "
                        f"(one of {', '.join(sorted(_CHOICE_OPERATORS))})"
                    )
            if "Default" in inputs:
                check(name, "Default", inputs["Default"])
    return problems


def _declared_outputs(step: Mapping[str, Any]) -> frozenset[str]:
    declared = {o.get("Name") for o in step.get("outputs") or [] if isinstance(o, Mapping)}
    action = step.get("action")
    predefined = _PREDEFINED_OUTPUTS.get(action, frozenset()) if isinstance(action, str) else frozenset()
    return frozenset(declared) | predefined


def _check_reference(
    ref: str, parameters: Mapping[str, Any], outputs: Mapping[str, frozenset[str]]
) -> str | None:
    if ref in _BUILTIN_VARIABLES or ref.startswith(("ssm:", "ssm-secure:", "variable:")):
        return None
    if "." in ref:
        step_name, _, output = ref.partition(".")
        if step_name not in outputs:
            if step_name in parameters:
                return None  # a StringMap parameter's key, e.g. {{ Tags.Name }}
            return f"'{{{{ {ref} }}}}' references step {step_name!r}, which does not exist"
        if output not in outputs[step_name]:
            declared = ", ".join(sorted(outputs[step_name])) or "none"
            return (
                f"'{{{{ {ref} }}}}' references output {output!r} that step {step_name!r} does not "
                f"declare (declared: {declared})"
            )
        return None
    if ref not in parameters:
        return f"'{{{{ {ref} }}}}' references parameter {ref!r}, which is not declared"
    return None


def _check_shell_injection(steps: Iterable[Mapping[str, Any]], parameters: Mapping[str, Any]) -> list[str]:
    problems = []
    for step in steps:
        if step.get("action") != "aws:runCommand":
            continue
        commands = ((step.get("inputs") or {}).get("Parameters") or {}).get("commands")
        for ref in set(_references(commands)):
            spec = parameters.get(ref)
            if (
                isinstance(spec, Mapping)
                and spec.get("type") in ("String", "StringList")
                and not spec.get("allowedPattern")
                and not spec.get("allowedValues")
            ):
                problems.append(
                    f"step {step.get('name')!r}: String parameter {ref!r} is pasted into a shell "
                    "command without allowedPattern or allowedValues; restrict it so no caller "
                    "can inject commands"
                )
    return problems


def _check_reachability(main_steps: Sequence[Any]) -> list[str]:
    steps = [s for s in main_steps if isinstance(s, dict) and isinstance(s.get("name"), str)]
    if not steps:
        return []
    index = {s["name"]: i for i, s in enumerate(steps)}
    seen: set[str] = set()
    pending = [steps[0]["name"]]
    while pending:
        name = pending.pop()
        if name in seen or name not in index:
            continue
        seen.add(name)
        step = steps[index[name]]
        successors: list[Any] = []
        if step.get("action") == "aws:branch":
            inputs = step.get("inputs") or {}
            successors += [c.get("NextStep") for c in inputs.get("Choices") or [] if isinstance(c, Mapping)]
            successors.append(inputs.get("Default"))
        elif "nextStep" in step:
            successors.append(step["nextStep"])
        elif not _is_true(step.get("isEnd")) and index[name] + 1 < len(steps):
            successors.append(steps[index[name] + 1]["name"])
        successors += [_step_target(step.get("onFailure")), _step_target(step.get("onCancel"))]
        pending.extend(s for s in successors if isinstance(s, str))
    return [
        f"step {s['name']!r} is unreachable from the first step {steps[0]['name']!r}"
        for s in steps
        if s["name"] not in seen
    ]


# --------------------------------------------------------------------------------------------
# IAM
# --------------------------------------------------------------------------------------------
def _api_action(service: Any, api: Any) -> str | None:
    if not isinstance(service, str) or not isinstance(api, str) or "{{" in service or "{{" in api:
        return None
    prefix = _IAM_PREFIX.get(service.lower(), service.lower())
    operation = "".join(part[:1].upper() + part[1:] for part in api.split("_")) if "_" in api else api
    operation = operation[:1].upper() + operation[1:]
    return _IAM_ACTION_OVERRIDES.get((prefix, operation), f"{prefix}:{operation}")


def _step_actions(step: Mapping[str, Any]) -> set[str]:
    action = step.get("action")
    inputs = step.get("inputs") or {}
    if action in ("aws:executeAwsApi", "aws:waitForAwsResourceProperty", "aws:assertAwsResourceProperty"):
        api_action = _api_action(inputs.get("Service"), inputs.get("Api"))
        return {api_action} if api_action else set()
    if action == "aws:runCommand":
        return {"ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations"}
    if action == "aws:changeInstanceState":
        desired = inputs.get("DesiredState")
        by_state = {
            "running": "ec2:StartInstances",
            "stopped": "ec2:StopInstances",
            "terminated": "ec2:TerminateInstances",
        }
        needed = {"ec2:DescribeInstanceStatus", "ec2:DescribeInstances"}
        if _is_true(inputs.get("CheckStateOnly")):
            return needed
        if desired in by_state:
            return needed | {by_state[desired]}
        return needed | set(by_state.values())  # a parameter: any state
    if action == "aws:executeAutomation":
        return {"ssm:StartAutomationExecution", "ssm:GetAutomationExecution"}
    if action == "aws:invokeLambdaFunction":
        return {"lambda:InvokeFunction"}
    if action == "aws:executeStateMachine":
        return {"states:StartExecution", "states:DescribeExecution"}
    if action == "aws:createImage":
        return {"ec2:CreateImage", "ec2:DescribeImages"}
    if action == "aws:copyImage":
        return {"ec2:CopyImage", "ec2:DescribeImages"}
    if action == "aws:deleteImage":
        return {"ec2:DeregisterImage", "ec2:DescribeImages", "ec2:DeleteSnapshot"}
    if action == "aws:runInstances":
        needed = {"ec2:RunInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus"}
        if inputs.get("IamInstanceProfileArn") or inputs.get("IamInstanceProfileName"):
            needed.add("iam:PassRole")
        return needed
    if action == "aws:createStack":
        return {"cloudformation:CreateStack", "cloudformation:DescribeStacks"}
    if action == "aws:deleteStack":
        return {"cloudformation:DeleteStack", "cloudformation:DescribeStacks"}
    if action == "aws:createTags":
        kind = inputs.get("ResourceType", "EC2")
        return {"ec2:CreateTags"} if kind == "EC2" else {"ssm:AddTagsToResource"}
    return set()  # aws:branch, aws:sleep, aws:pause, aws:approve, aws:loop, aws:executeScript...


def required_iam_actions(content: Mapping[str, Any]) -> set[str]:
    """The IAM actions the automation role needs to run every step of ``content``.

    ``aws:executeAwsApi``, ``aws:waitForAwsResourceProperty`` and ``aws:assertAwsResourceProperty``
    map ``Service`` + ``Api`` to ``<iam prefix>:<Api>`` (``autoscaling`` + ``SetInstanceHealth`` ->
    ``autoscaling:SetInstanceHealth``; ``elbv2`` -> ``elasticloadbalancing``). ``aws:runCommand``
    needs ``ssm:SendCommand`` and the two calls Automation makes to follow the command;
    ``aws:changeInstanceState`` the Start/Stop/Terminate call for its ``DesiredState`` plus the
    Describe calls it polls with. Flow-control steps (``aws:branch``, ``aws:sleep``, ``aws:pause``,
    ``aws:loop`` itself) need nothing; ``aws:executeScript`` is not analysed.
    """
    return {action for step in _steps_in(content.get("mainSteps")) for action in _step_actions(step)}


def granted_iam_actions(template: Mapping[str, Any], role_logical_id: str) -> set[str]:
    """Actions that ``Allow`` statements grant to a role in a synthesized CloudFormation template.

    Reads the role's inline ``Policies`` and every ``AWS::IAM::Policy`` /
    ``AWS::IAM::ManagedPolicy`` of the template attached to it (``{"Ref": role_logical_id}``).
    Wildcards (``ec2:Describe*``) are returned as written; compare with :func:`missing_iam_actions`.
    AWS managed policies attached by ARN are not resolved.
    """
    resources = template.get("Resources", {})
    role = resources.get(role_logical_id)
    if role is None or role.get("Type") != "AWS::IAM::Role":
        raise KeyError(f"{role_logical_id!r} is not an AWS::IAM::Role of the template")
    documents = [p.get("PolicyDocument", {}) for p in role.get("Properties", {}).get("Policies", [])]
    reference = {"Ref": role_logical_id}
    for resource in resources.values():
        properties = resource.get("Properties", {})
        policy_types = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        if resource.get("Type") in policy_types and reference in properties.get("Roles", []):
            documents.append(properties.get("PolicyDocument", {}))
    granted: set[str] = set()
    for document in documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, Mapping) else statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            granted.update([actions] if isinstance(actions, str) else actions)
    return granted


def missing_iam_actions(required: Iterable[str], granted: Iterable[str]) -> set[str]:
    """The ``required`` actions no ``granted`` action covers (IAM wildcards, case-insensitive)."""
    patterns = [g.lower() for g in granted]
    return {
        action
        for action in required
        if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in patterns)
    }
