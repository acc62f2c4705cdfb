"""Developer tools that work on the synthesized app (run with ``python -m tools.<name>``)."""
