"""The app's stacks: thin wiring of constructs_lib from the validated environment config."""
