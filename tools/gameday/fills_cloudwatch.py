"""Fills for CloudWatch (see :mod:`tools.gameday.moto_gaps`): CloudFormation models for metric and
composite alarms, and the ``PutCompositeAlarm`` API, which moto's backend stores but does not route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["install"]


def install(patch: Callable[[Any, str, Any], None], models: list[type], base: type) -> None:
    """Apply the CloudWatch fills: ``patch`` records each change for undo, ``models`` receives the
    CloudFormation models, ``base`` is their base class."""
    _cloudwatch_models(models, base)
    _put_composite_alarm_api(patch)


def _tags_list(tags: Any) -> list[dict[str, str]]:
    """CloudFormation tags (a Key/Value list, or a key -> value object) as a Key/Value list."""
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags or []]


def _alarm_arn(account_id: str, region_name: str, name: str) -> str:
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(region_name)}:cloudwatch:{region_name}:{account_id}:alarm:{name}"


def _metric_data_queries(metrics: list[Mapping[str, Any]] | None) -> list[Any] | None:
    """CloudFormation ``Metrics`` (metric math) as moto's ``MetricDataQuery`` objects."""
    if not metrics:
        return None
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat.get("Metric", {})
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric.get("MetricName"),
                    namespace=metric.get("Namespace"),
                    dimensions=[
                        Dimension(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions", [])
                    ],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query.get("Id"),
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData", True),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def _cloudwatch_models(models: list[type], base: type) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    class _AlarmResource(base):  # type: ignore[misc]
        """A CloudFormation-created alarm: a handle on the alarm stored in the CloudWatch backend."""

        def __init__(self, name: str, arn: str) -> None:
            self.name = name
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[misc]
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    class MetricAlarmModel(_AlarmResource):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> MetricAlarmModel:
            p = cloudformation_json["Properties"]
            name = p.get("AlarmName") or resource_name
            cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                metric_data_queries=_metric_data_queries(p.get("Metrics")),
                comparison_operator=p.get("ComparisonOperator"),
                evaluation_periods=p.get("EvaluationPeriods"),
                datapoints_to_alarm=p.get("DatapointsToAlarm"),
                period=p.get("Period"),
                threshold=p.get("Threshold"),
                statistic=p.get("Statistic"),
                extended_statistic=p.get("ExtendedStatistic"),
                description=p.get("AlarmDescription"),
                dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                unit=p.get("Unit"),
                actions_enabled=p.get("ActionsEnabled", True),
                treat_missing_data=p.get("TreatMissingData"),
                evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
                threshold_metric_id=p.get("ThresholdMetricId"),
                tags=_tags_list(p.get("Tags")),
            )
            return cls(name, _alarm_arn(account_id, region_name, name))

    class CompositeAlarmModel(_AlarmResource):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::CompositeAlarm"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> CompositeAlarmModel:
            p = cloudformation_json["Properties"]
            name = p.get("AlarmName") or resource_name
            cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=name,
                namespace=None,  # type: ignore[arg-type]
                metric_name=None,  # type: ignore[arg-type]
                comparison_operator=None,  # type: ignore[arg-type]
                evaluation_periods=None,  # type: ignore[arg-type]
                period=None,  # type: ignore[arg-type]
                threshold=None,  # type: ignore[arg-type]
                statistic=None,  # type: ignore[arg-type]
                description=p.get("AlarmDescription"),
                dimensions=[],
                alarm_actions=p.get("AlarmActions", []),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                actions_enabled=p.get("ActionsEnabled", True),
                rule=p["AlarmRule"],
                tags=_tags_list(p.get("Tags")),
            )
            return cls(name, _alarm_arn(account_id, region_name, name))

    models.extend([MetricAlarmModel, CompositeAlarmModel])


def _put_composite_alarm_api(patch: Callable[[Any, str, Any], None]) -> None:
    from moto.cloudwatch.responses import CloudWatchResponse

    patch(CloudWatchResponse, "put_composite_alarm", CloudWatchResponse.put_metric_alarm)
