"""Auto-healing function: turns EC2, AWS Health, CloudWatch alarm, Auto Scaling and RDS events into
safe, idempotent, rate-limited repairs.

Entry point: ``lambda_src.auto_heal.handler.handler`` (in the Lambda asset: ``handler.handler``).
The environment-variable contract is documented in :mod:`config`, the ledger item layout in
:mod:`ledger`.
"""
