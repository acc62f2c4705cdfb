"""Rehearse the whole recovery chain on a virtual clock.

The game day (:mod:`tools.gameday`) deploys the synthesized stacks into moto and runs the deployed
code; this package adds what no emulator does: alarms evaluated from metric data
(:mod:`.alarms`, :mod:`.metric_math`, :mod:`.composite`), health checks and metric traces
(:mod:`.traces`, :mod:`.health`), Automation runbooks stepped against the emulator
(:mod:`.runbooks`), and drills from an injected failure to the recovered state, all on a virtual
clock (:mod:`.clock`) whose timeline labels every line INJECTED, EMULATOR or SIMULATED.
"""
