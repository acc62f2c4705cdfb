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
cdk-nag). Only this package imports them: the rest of the library never needs them.

One module per concept, this ``__init__`` only re-exports: :mod:`.masking` (asset hashes and paths),
:mod:`.side_files` (long strings as readable files), :mod:`.snapshots` (the snapshot assertion and
its syrupy extensions), :mod:`.nag_report` (cdk-nag findings), :mod:`.cfn_lint` (cfn-lint).
"""

try:
    import syrupy  # noqa: F401
except ImportError as _error:  # pragma: no cover - only without the extra
    raise ImportError(
        'constructs_lib.testing needs the testing extra: pip install "self-healing-web[testing]"'
    ) from _error

from constructs_lib.testing.cfn_lint import (
    DEFAULT_CFN_LINT_IGNORES,
    assert_cfn_lint_clean,
    cfn_lint_assembly,
    cfn_lint_template,
)
from constructs_lib.testing.masking import (
    ASSET_HASH_PLACEHOLDER,
    ASSET_PATH_PLACEHOLDER,
    CdkTemplateSnapshotExtension,
    mask_template,
)
from constructs_lib.testing.nag_report import (
    CONSTRUCT_ANNOTATIONS_REPORT,
    NagFinding,
    assert_no_nag_findings,
    nag_findings,
)
from constructs_lib.testing.side_files import (
    SIDE_FILE_PLACEHOLDER,
    SplitTemplate,
    join_template,
    split_template,
)
from constructs_lib.testing.snapshots import (
    SideFileSnapshotExtension,
    assert_template_matches_snapshot,
    resource_type_counts,
    side_file_extension,
)

__all__ = [
    "ASSET_HASH_PLACEHOLDER",
    "ASSET_PATH_PLACEHOLDER",
    "CONSTRUCT_ANNOTATIONS_REPORT",
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
