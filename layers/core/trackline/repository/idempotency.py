"""Where Powertools idempotency keeps its records: the single table, under one partition per use.

Records are keyed by a hash of what makes a delivery unique (event, channel, recipient), so no
address is stored, and they expire through the table's TTL attribute.
"""

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from trackline.repository.dynamodb import dynamodb_client


def idempotency_store(table_name: str, use: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{use}",
        expiry_attr="expire_at",
        boto3_client=dynamodb_client(),
    )
