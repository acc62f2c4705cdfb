"""Auto-healing: turns EC2, AWS Health, CloudWatch alarm, Auto Scaling and RDS events into safe,
idempotent, rate-limited repairs, and finds on a schedule what no event reported.

Entry points (the Lambda asset is this folder):

- ``handler.handler``: the event-driven healing function (EventBridge rules, SNS alarm topics).
- ``detector.handler``: the scheduled incident detector (same environment, ledger and rules).

The environment-variable contract is documented in :mod:`config`, the ledger item layout in
:mod:`ledger`, the decision rules in :mod:`triage` and :mod:`decisions` (with :mod:`group_plans`
for a group's alarms and :mod:`findings` for the detector's). Events are parsed in :mod:`events`
(their origin and age in :mod:`origin`); every AWS call is in :mod:`aws` (with :mod:`aws_scans`
and :mod:`aws_storage`); :mod:`healer` orchestrates one event and :mod:`reporting` records and
notifies.
"""
