"""The incident detector's scans and the shapes of what AWS describes (groups, databases, health
checks, tags): part of :class:`~aws.AwsGateway` (a mixin: it calls through the gateway's ``_call``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import PermanentAwsError
from .model import DatabaseFacts, GroupFacts, HealthCheckFacts

REFRESH_ACTIVE = frozenset({"Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"})
"""Instance refresh statuses in which the group is replacing instances itself."""


class ScanCalls:
    """Reads across the region (mixed into :class:`~aws.AwsGateway`)."""

    environment_tag_key: str
    environment_name: str

    def _call(self, service: str, operation: str, **params: Any) -> Any:  # pragma: no cover - the gateway's
        raise NotImplementedError

    # --- scans (incident detector) -----------------------------------------------------------------
    def list_groups(self) -> list[GroupFacts]:
        """Every Auto Scaling group of the region (capacity, tags, members; no policies)."""
        groups: list[GroupFacts] = []
        token: str | None = None
        while True:
            page = self._call(
                "autoscaling", "describe_auto_scaling_groups", **({"NextToken": token} if token else {})
            )
            groups += [_group_facts(raw) for raw in page.get("AutoScalingGroups", [])]
            token = page.get("NextToken")
            if not token:
                return groups

    def refresh_in_progress(self, group_name: str) -> bool:
        """Whether an instance refresh of the group is under way (it replaces instances itself)."""
        refreshes = self._call("autoscaling", "describe_instance_refreshes", AutoScalingGroupName=group_name)
        return any(r.get("Status") in REFRESH_ACTIVE for r in refreshes.get("InstanceRefreshes", []))

    def impaired_instances(self) -> dict[str, str]:
        """Running instances whose status checks report impaired: id -> ``system`` or ``instance``."""
        impaired: dict[str, str] = {}
        for check, label in (("instance-status.status", "instance"), ("system-status.status", "system")):
            token: str | None = None
            while True:
                page = self._call(
                    "ec2",
                    "describe_instance_status",
                    Filters=[{"Name": check, "Values": ["impaired"]}],
                    **({"NextToken": token} if token else {}),
                )
                for status in page.get("InstanceStatuses", []):
                    impaired[status["InstanceId"]] = label  # a host problem wins over an OS one
                token = page.get("NextToken")
                if not token:
                    break
        return impaired

    def list_databases(self) -> list[DatabaseFacts]:
        databases: list[DatabaseFacts] = []
        marker: str | None = None
        while True:
            page = self._call("rds", "describe_db_instances", **({"Marker": marker} if marker else {}))
            databases += [_database_facts(raw) for raw in page.get("DBInstances", [])]
            marker = page.get("Marker")
            if not marker:
                return databases

    def list_health_checks(self) -> list[HealthCheckFacts]:
        """Route 53 health checks tagged with this environment, with their current status."""
        ids: list[str] = []
        marker: str | None = None
        while True:
            page = self._call("route53", "list_health_checks", **({"Marker": marker} if marker else {}))
            ids += [
                c["Id"]
                for c in page.get("HealthChecks", [])
                if c.get("HealthCheckConfig", {}).get("Type") in _STATUS_CHECKABLE
            ]
            marker = page.get("NextMarker") if page.get("IsTruncated") else None
            if not marker:
                break
        checks: list[HealthCheckFacts] = []
        for start in range(0, len(ids), 10):  # ListTagsForResources takes up to 10 ids
            tagged = self._call(
                "route53",
                "list_tags_for_resources",
                ResourceType="healthcheck",
                ResourceIds=ids[start : start + 10],
            ).get("ResourceTagSets", [])
            for tag_set in tagged:
                tags = _tags(tag_set.get("Tags"))
                if tags.get(self.environment_tag_key) == self.environment_name:
                    checks.append(self._health_check_status(tag_set["ResourceId"], tags))
        return checks

    def describe_health_check(self, health_check_id: str) -> HealthCheckFacts | None:
        try:
            tags = self._call(
                "route53", "list_tags_for_resource", ResourceType="healthcheck", ResourceId=health_check_id
            )["ResourceTagSet"].get("Tags")
        except PermanentAwsError as error:
            if error.code == "NoSuchHealthCheck":
                return None
            raise
        return self._health_check_status(health_check_id, _tags(tags))

    def _health_check_status(self, health_check_id: str, tags: Mapping[str, str]) -> HealthCheckFacts:
        observations = self._call("route53", "get_health_check_status", HealthCheckId=health_check_id).get(
            "HealthCheckObservations", []
        )
        healthy = sum(
            1 for o in observations if str(o.get("StatusReport", {}).get("Status", "")).startswith("Success")
        )
        return HealthCheckFacts(health_check_id, tags.get("Name", ""), dict(tags), healthy, len(observations))


_STATUS_CHECKABLE = frozenset({"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"})
"""Health check types GetHealthCheckStatus answers for (not CALCULATED, CLOUDWATCH_METRIC...)."""


def _group_facts(
    raw: Mapping[str, Any], *, target_tracking: bool = False, refreshing: bool = False
) -> GroupFacts:
    instances = raw.get("Instances", [])
    return GroupFacts(
        name=raw["AutoScalingGroupName"],
        min_size=int(raw["MinSize"]),
        max_size=int(raw["MaxSize"]),
        desired_capacity=int(raw["DesiredCapacity"]),
        tags={t["Key"]: t.get("Value", "") for t in raw.get("Tags", [])},
        target_tracking=target_tracking,
        refresh_in_progress=refreshing,
        in_service=tuple(
            sorted(
                i["InstanceId"]
                for i in instances
                if i.get("LifecycleState") == "InService" and i.get("HealthStatus", "Healthy") == "Healthy"
            )
        ),
        pending=sum(1 for i in instances if str(i.get("LifecycleState", "")).startswith("Pending")),
        suspended_processes=tuple(
            sorted(str(p.get("ProcessName", "")) for p in raw.get("SuspendedProcesses", []) or [])
        ),
        health_check_grace_seconds=int(raw.get("HealthCheckGracePeriod") or 0),
        instance_warmup_seconds=int(raw.get("DefaultInstanceWarmup") or 0),
    )


def _database_facts(raw: Mapping[str, Any]) -> DatabaseFacts:
    return DatabaseFacts(
        identifier=raw["DBInstanceIdentifier"],
        status=raw.get("DBInstanceStatus", "unknown"),
        tags=_tags(raw.get("TagList")),
        multi_az=bool(raw.get("MultiAZ")),
    )


def _tags(raw: Any) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in raw or [] if isinstance(t, Mapping) and "Key" in t}
