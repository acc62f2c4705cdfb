"""Run a deployed Lambda function's code in this process, against the emulator.

moto cannot run Lambda functions without docker (its ``Invoke`` answers 200 with the docker error
as the payload). The game day does what the Lambda runtime would do instead, with what the
emulator holds about the function:

- the code is the zip the deploy published and the function was created from, downloaded from the
  emulator's S3 and checked against the function's ``CodeSha256``, then unpacked (``/var/task``);
- the handler string (``handler.handler``) comes from the function's configuration: the folder
  goes first on ``sys.path`` and the module is imported by name, as the Python runtime does;
- the environment variables are the function's, plus the runtime's own (``AWS_REGION``,
  ``AWS_LAMBDA_FUNCTION_NAME``...) and the emulator's endpoint and fake credentials;
- one import serves all invocations of one deployment (a warm execution environment); a new
  deployment gets a fresh import (a cold start).

What differs from Lambda, and is said in the README: layers are not downloaded (the public
Powertools layer is the one installed in this virtualenv), the function's role is not enforced
(moto does not enforce IAM), and the timeout is only passed to the handler through the context.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import io
import os
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.gameday.emulator import Emulator

__all__ = ["DeployedFunction", "Invocation", "LambdaContext", "load_function"]


@dataclass(frozen=True, slots=True)
class LambdaContext:
    """The parts of the Lambda context object handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "gameday"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000), 0)


@dataclass(frozen=True, slots=True)
class Invocation:
    """One run of the handler: what it returned, or the exception it raised, and its log lines."""

    request_id: str
    response: Any
    error: BaseException | None
    logs: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


class _LogTap(io.TextIOBase):
    """A stdout stand-in whose writes go to the current capture buffer.

    Loggers keep the stream they were created with (Powertools binds ``sys.stdout`` once per
    logger name), so one tap serves every import and every invocation in this process.
    """

    def __init__(self) -> None:
        self.buffer_: io.StringIO | None = None

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.buffer_ is not None:
            self.buffer_.write(text)
        return len(text)

    @contextlib.contextmanager
    def capture(self) -> Iterator[io.StringIO]:
        previous_buffer, previous_stdout = self.buffer_, sys.stdout
        self.buffer_ = io.StringIO()
        sys.stdout = self  # type: ignore[assignment]
        try:
            yield self.buffer_
        finally:
            sys.stdout = previous_stdout
            self.buffer_ = previous_buffer


_TAP = _LogTap()


@dataclass
class DeployedFunction:
    """A function as deployed in the emulator, runnable in this process."""

    name: str
    arn: str
    region: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]
    code_dir: Path
    code_sha256: str
    layers: tuple[str, ...] = ()
    _entry: Any = field(default=None, repr=False)
    _roots: tuple[str, ...] | None = field(default=None, repr=False)

    def invoke(self, event: Mapping[str, Any], emulator: Emulator) -> Invocation:
        """Run the handler on ``event`` with the function's environment, against ``emulator``."""
        context = LambdaContext(
            function_name=self.name,
            invoked_function_arn=self.arn,
            memory_limit_in_mb=self.memory_mb,
            timeout_seconds=self.timeout_seconds,
            log_group_name=f"/aws/lambda/{self.name}",
        )
        started = time.perf_counter()
        response: Any = None
        error: BaseException | None = None
        with emulator.environment(self.region, self._runtime_variables()), _TAP.capture() as logs:
            _reset_default_boto3_session()
            try:
                entry = self._load()
                response = entry(dict(event), context)
            except Exception as raised:  # the runtime reports any exception as a function error
                error = raised
        return Invocation(
            context.aws_request_id, response, error, logs.getvalue(), time.perf_counter() - started
        )

    def load(self, emulator: Emulator) -> list[Any]:
        """Import the code as a cold start does (once per deployment); returns the function's modules.

        A tool that runs the code on another clock (the simulation's virtual clock) uses the modules
        to give the code that clock before the first invocation.
        """
        with emulator.environment(self.region, self._runtime_variables()), _TAP.capture():
            self._load()
        return [module for module in list(sys.modules.values()) if self._is_ours(module)]

    @property
    def loaded(self) -> bool:
        """Whether the code is imported (the next invocation is warm)."""
        return self._entry is not None

    def unload(self) -> None:
        """Forget the imported code (the execution environment goes away)."""
        for name, module in list(sys.modules.items()):
            if self._is_ours(module):
                del sys.modules[name]
        with contextlib.suppress(ValueError):
            sys.path.remove(str(self.code_dir))
        self._entry = None

    def _load(self) -> Any:
        if self._entry is None:
            module_name, _, function_name = self.handler.rpartition(".")
            if not module_name:
                raise ValueError(f"handler {self.handler!r} must be '<module>.<function>'")
            sys.path.insert(0, str(self.code_dir))
            importlib.invalidate_caches()
            module = importlib.import_module(module_name.replace("/", "."))
            if not self._is_ours(module):
                raise ImportError(
                    f"module {module.__name__!r} is already imported from "
                    f"{getattr(module, '__file__', '?')}: the code of {self.name} "
                    f"in {self.code_dir} would not run."
                )
            self._entry = getattr(module, function_name)
        return self._entry

    def _is_ours(self, module: Any) -> bool:
        if self._roots is None:  # resolving the folder once, not once per module of the process
            self._roots = tuple(
                f"{root}{os.sep}" for root in {str(self.code_dir), str(self.code_dir.resolve())}
            )
        return (getattr(module, "__file__", None) or "").startswith(self._roots)

    def _runtime_variables(self) -> dict[str, str]:
        return {
            **self.environment,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "_HANDLER": self.handler,
        }


def load_function(
    emulator: Emulator, *, name: str, region: str, code_bucket: str, code_key: str, workdir: Path
) -> DeployedFunction:
    """Read function ``name``'s configuration from the emulator and unpack its code into ``workdir``.

    :param code_bucket: Bucket the template's ``Code.S3Bucket`` names.
    :param code_key: Key the template's ``Code.S3Key`` names.
    :raises ValueError: the downloaded zip is not the code the function was created from.
    """
    configuration = emulator.client("lambda", region).get_function_configuration(FunctionName=name)
    body = emulator.client("s3", region).get_object(Bucket=code_bucket, Key=code_key)["Body"].read()
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    if digest != configuration.get("CodeSha256"):
        raise ValueError(
            f"s3://{code_bucket}/{code_key} (sha256 {digest}) is not the code of {name} "
            f"(CodeSha256 {configuration.get('CodeSha256')}): the deploy and the download disagree."
        )
    code_dir = workdir / f"{name}-{digest[:8].replace('/', '_').replace('+', '-')}"
    code_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        archive.extractall(code_dir)
    return DeployedFunction(
        name=name,
        arn=configuration["FunctionArn"],
        region=region,
        handler=configuration["Handler"],
        runtime=configuration.get("Runtime", ""),
        timeout_seconds=int(configuration.get("Timeout", 3)),
        memory_mb=int(configuration.get("MemorySize", 128)),
        environment=dict(configuration.get("Environment", {}).get("Variables", {})),
        code_dir=code_dir,
        code_sha256=digest,
        layers=tuple(layer["Arn"] for layer in configuration.get("Layers", [])),
    )


def _reset_default_boto3_session() -> None:
    """boto3's default session caches credentials and region: start each run from the environment."""
    if "boto3" in sys.modules:
        sys.modules["boto3"].DEFAULT_SESSION = None
