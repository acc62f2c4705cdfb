def wait_until_endpoint_healthy(events: dict, context: object) -> dict:
    """Poll a Route 53 health check until at least half of its checkers report success."""
    import time

    import boto3

    route53 = boto3.client("route53")
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        observations = route53.get_health_check_status(HealthCheckId=events["HealthCheckId"])[
            "HealthCheckObservations"
        ]
        healthy = sum(
            1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")
        )
        if observations and healthy * 2 >= len(observations):
            return {"HealthyObservations": healthy, "Observations": len(observations)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"only {healthy} of {len(observations)} Route 53 checkers see the endpoint healthy after "
                f"{int(timeout)} s."
            )
        time.sleep(poll)
