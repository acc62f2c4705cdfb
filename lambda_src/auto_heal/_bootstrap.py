"""Make the Lambda asset folder the package ``auto_heal`` (PEP 366).

The asset of the auto-healing functions is this folder itself, so the Lambda runtime imports an
entry module (``handler.py``, ``detector.py``) as a *top-level* module, where relative imports
do not work. An entry module calls :func:`as_package_module` first: it registers the folder as
the package ``auto_heal`` and returns the ``__spec__`` and ``__package__`` that make the entry
module a member of it. Imported as ``lambda_src.auto_heal`` (tests, tools), nothing of this runs.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path

PACKAGE = "auto_heal"


def as_package_module(file: str) -> tuple[ModuleSpec, str]:
    folder = Path(file).resolve().parent
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {folder} as the package {PACKAGE}")
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    module_spec = importlib.util.spec_from_file_location(f"{PACKAGE}.{Path(file).stem}", file)
    if module_spec is None:
        raise ImportError(f"cannot make {file} a module of {PACKAGE}")
    return module_spec, PACKAGE
