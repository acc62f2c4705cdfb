"""Ledger storage: DynamoDB items as plain Python values, conditional writes as booleans. Part of
:class:`~aws.AwsGateway` (a mixin: it calls through the gateway's ``_call``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import contract
from .errors import PermanentAwsError


class LedgerStorage:
    """DynamoDB calls of the incident ledger (mixed into :class:`~aws.AwsGateway`)."""

    def _call(self, service: str, operation: str, **params: Any) -> Any:  # pragma: no cover - the gateway's
        raise NotImplementedError

    # --- ledger storage (DynamoDB; items as plain Python values) --------------------------------
    def ddb_put(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> tuple[bool, dict[str, Any] | None]:
        """Put ``item`` if ``condition`` holds: ``(True, None)``, else ``(False, the current item)``."""
        params: dict[str, Any] = {"TableName": table, "Item": _serialize(item)}
        if condition:
            params["ConditionExpression"] = condition
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if values:
            params["ExpressionAttributeValues"] = _serialize(values)
        try:
            self._call("dynamodb", "put_item", **params)
        except PermanentAwsError as error:
            if error.code == "ConditionalCheckFailedException":
                return False, _deserialize(error.response.get("Item") or {})
            raise
        return True, None

    def ddb_update(
        self,
        table: str,
        key: Mapping[str, str],
        *,
        update: str,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
        condition: str | None = None,
        return_new: bool = False,
    ) -> tuple[bool, dict[str, Any] | None]:
        """Update one item if ``condition`` holds: ``(True, new item or None)``, else ``(False, None)``."""
        params: dict[str, Any] = {"TableName": table, "Key": _serialize(key), "UpdateExpression": update}
        if values:
            params["ExpressionAttributeValues"] = _serialize(values)
        if names:
            params["ExpressionAttributeNames"] = dict(names)
        if condition:
            params["ConditionExpression"] = condition
        if return_new:
            params["ReturnValues"] = "ALL_NEW"
        try:
            response = self._call("dynamodb", "update_item", **params)
        except PermanentAwsError as error:
            if error.code == "ConditionalCheckFailedException":
                return False, None
            raise
        return True, _deserialize(response.get("Attributes") or {}) if return_new else None

    def ddb_delete(
        self, table: str, key: Mapping[str, str], *, condition: str, values: Mapping[str, Any]
    ) -> bool:
        """Delete one item if ``condition`` holds; ``False`` when it did not."""
        params: dict[str, Any] = {
            "TableName": table,
            "Key": _serialize(key),
            "ConditionExpression": condition,
        }
        if values:
            params["ExpressionAttributeValues"] = _serialize(values)
        try:
            self._call("dynamodb", "delete_item", **params)
        except PermanentAwsError as error:
            if error.code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def ddb_query(self, table: str, pk: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Items of one partition (at most ``limit``)."""
        response = self._call(
            "dynamodb",
            "query",
            TableName=table,
            KeyConditionExpression=f"{contract.LEDGER_PARTITION_KEY} = :pk",
            ExpressionAttributeValues=_serialize({":pk": pk}),
            Limit=limit,
            ConsistentRead=True,
        )
        return [_deserialize(item) for item in response.get("Items", [])]

    def ddb_get(self, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
        response = self._call(
            "dynamodb", "get_item", TableName=table, Key=_serialize(key), ConsistentRead=True
        )
        return _deserialize(response["Item"]) if response.get("Item") else None


def _serialize(values: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in values.items()}


def _deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in item.items()}
