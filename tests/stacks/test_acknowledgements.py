"""Every cdk-nag finding the prod app acknowledges, per construct, with its reason, as a reviewed snapshot.

A new acknowledgement, a removed one or a changed reason changes the snapshot, so it shows up in
review next to the code that needs it (`make snapshot-update`, then read the diff).
"""

from __future__ import annotations

from tests.constructs_lib.runbooks.test_acknowledgements import acknowledged


def test_acknowledged_rules_of_every_prod_stack(synthesized_app, snapshot):
    listed = {
        path: acknowledged(stack)
        for path, stack in sorted(synthesized_app.stacks.items())
        if path.startswith("Prod/")
    }
    assert all(
        len(reason) >= 20 for rules in listed.values() for r in rules.values() for reason in r.values()
    )
    assert sum(len(r) for rules in listed.values() for r in rules.values()) > 20
    assert listed == snapshot
