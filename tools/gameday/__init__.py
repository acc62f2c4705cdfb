"""Local game day: rehearse the healing path of one environment against moto, with no AWS account.

``python -m tools.gameday --env dev`` (``make gameday``) synthesizes the environment, deploys its
Tokyo Network, Compute and Monitoring stacks into moto in server mode through CloudFormation,
injects failures as AWS would see them, routes the events through the deployed rules, runs the
deployed healing function's code, and checks the outcome in the emulator. See README.md here.

Modules: :mod:`.assembly` (one environment of cdk.out, read by :mod:`tools.cloud_assembly`),
:mod:`.emulator` (moto server), :mod:`.moto_gaps` (what moto lacks, filled), :mod:`.deploy`
(bootstrap, assets, CreateStack), :mod:`.aws_events` (events AWS emits), :mod:`.routing`
(EventBridge patterns), :mod:`.function` (run deployed Lambda code), :mod:`.drills`,
:mod:`.timeline`, :mod:`.runner`, :mod:`.cli`.
"""
