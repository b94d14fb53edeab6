"""What each recipient has been told about a tracking, so a late message never overtakes a newer one.

One item per tracking and audience (a channel plus a hash of the address, so no address is
stored here): the newest tracking version announced to it. Queues deliver out of order; a
message about an older version than one already announced is superseded and never sent.
"""

import hashlib
import time

from trackline.repository.dynamodb import TableRepository


def audience_key(channel: str, address: str) -> str:
    return f"{channel}#{hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]}"


class AnnouncementLedger(TableRepository):
    def __init__(self, table_name: str, retention_days: int, client=None) -> None:
        super().__init__(table_name, client)
        self._retention_seconds = retention_days * 86400

    def claim(self, tracking_id: str, audience: str, version: int) -> bool:
        """Record that `version` is being announced to `audience`; False when a newer version
        already was. The same version may be claimed again (a retry of the same message)."""
        try:
            self.client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"ANNOUNCED#{tracking_id}"}, "sk": {"S": audience}},
                UpdateExpression="SET announced_version = :version, expire_at = :expire",
                ConditionExpression="attribute_not_exists(announced_version) OR announced_version <= :version",
                ExpressionAttributeValues={
                    ":version": {"N": str(version)},
                    ":expire": {"N": str(int(time.time()) + self._retention_seconds)},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
