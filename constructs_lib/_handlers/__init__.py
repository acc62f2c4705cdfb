"""The Lambda handler code the library deploys: one package per handler folder (``auto_heal``).

Two layouts, one import name (``constructs_lib._handlers.auto_heal``):

- Installed wheel: each handler folder is a subpackage here, built from the repository's top-level
  ``lambda_src/`` (``setup.py`` maps it), so the wheel installs no top-level ``lambda_src`` that
  could shadow, or be shadowed by, an application's own package of that name.
- Source checkout: the folders stay in ``lambda_src/`` next to ``constructs_lib/``; this package's
  ``__path__`` reaches that folder, so the constructs import the same modules (e.g. the handler's
  ``contract``) and deploy the same files.

A handler folder is a Lambda asset as it is: it imports only the standard library, Powertools and
boto3, never ``constructs_lib``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SEARCH_PATH", "handler_folder"]

_PACKAGED = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGED.parents[1]
_DISTRIBUTION = 'name = "self-healing-web"'


def _source_checkout() -> Path | None:
    """``<checkout>/lambda_src`` when this package runs from this repository's source checkout."""
    pyproject = _CHECKOUT / "pyproject.toml"
    if pyproject.is_file() and _DISTRIBUTION in pyproject.read_text(encoding="utf-8"):
        return _CHECKOUT / "lambda_src"
    return None


SEARCH_PATH: tuple[Path, ...] = tuple(p for p in (_PACKAGED, _source_checkout()) if p is not None)
"""Where handler folders are looked for, in order: inside the installed package, then the source
checkout's ``lambda_src/`` (only when the folder above ``constructs_lib`` is this repository)."""

__path__ = [str(p) for p in SEARCH_PATH]  # a regular package spanning both layouts


def handler_folder(name: str) -> Path:
    """The folder of handler package ``name`` (the Lambda asset), from the first layout that has it.

    :raises FileNotFoundError: naming every place looked in and the fix, when no layout has it.
    """
    for base in SEARCH_PATH:
        folder = base / name
        if (folder / "__init__.py").is_file():
            return folder
    looked = ", ".join(str(base / name) for base in SEARCH_PATH)
    raise FileNotFoundError(
        f"the handler code folder {name!r} is missing (looked in {looked}): reinstall the package "
        '(pip install --force-reinstall "self-healing-web"), or in a source checkout restore '
        f"lambda_src/{name}."
    )
