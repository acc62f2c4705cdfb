"""Package layout of the wheel (the metadata is in ``pyproject.toml``).

The handler folders live in the repository's top-level ``lambda_src/`` (each one is a Lambda asset
as it is) and ship inside the library's namespace, ``constructs_lib/_handlers/<folder>/``, so the
wheel installs only ``constructs_lib``. ``pyproject.toml`` cannot express that mapping next to
package discovery, hence this file.
"""

from setuptools import find_packages, setup

HANDLERS = "constructs_lib._handlers"
handler_packages = find_packages(where="lambda_src")  # auto_heal, ...

setup(
    packages=[
        *find_packages(include=["constructs_lib", "constructs_lib.*"]),
        *(f"{HANDLERS}.{name}" for name in handler_packages),
    ],
    package_dir={f"{HANDLERS}.{name}": f"lambda_src/{name.replace('.', '/')}" for name in handler_packages},
    package_data={
        "constructs_lib": ["py.typed"],
        **{f"{HANDLERS}.{name}": ["*.json"] for name in handler_packages},
    },
)
