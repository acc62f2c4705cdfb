"""Auto-healing: turns EC2, AWS Health, CloudWatch alarm, Auto Scaling and RDS events into safe,
idempotent, rate-limited repairs, and finds on a schedule what no event reported.

Entry points (the Lambda asset is this folder):

- ``handler.handler``: the event-driven healing function (EventBridge rules, SNS alarm topics).
- ``detector.handler``: the scheduled incident detector (same environment, ledger and rules).

The environment-variable contract is documented in :mod:`config`, the ledger item layout in
:mod:`ledger`, the decision rules in :mod:`decisions`.
"""
