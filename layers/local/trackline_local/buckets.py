"""The template's S3 buckets, created in the embedded moto, so that `!Ref` of a bucket names a
bucket that exists and a file dropped in it is delivered as S3 delivers it in AWS.

Public interface:
    ensure_buckets(s3_client, template, names=None, *, resolver=None) -> dict[logical_id, name]
        every AWS::S3::Bucket whose Condition holds, with its default encryption, its public
        access block and, where the template turns it on, EventBridge notifications: moto then
        sends "Object Created" events to the rules of the default bus (ensure_event_rules), as S3
        does. The resolver learns each bucket's name and ARN (`!Ref`, `!GetAtt .Arn`).

Bucket names are lowercase, as S3 wants: a BucketName property, else "<stack>-<logical id>".
Lifecycle rules are not applied: nothing expires locally.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from .template import Resolver, Template, resources_to_create

log = logging.getLogger("trackline_local.buckets")


def bucket_name(resolver: Resolver, logical_id: str) -> str:
    if logical_id in resolver.names:
        return resolver.names[logical_id]
    given = ((resolver.template.resources.get(logical_id) or {}).get("Properties") or {}).get("BucketName")
    if given is not None:
        return str(resolver.resolve(given))
    return f"{resolver.stack_name}-{logical_id}".lower()[:63]


def ensure_buckets(
    s3_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> dict[str, str]:
    resolver, resources = resources_to_create(template, "AWS::S3::Bucket", names, resolver)
    buckets: dict[str, str] = {}
    for lid, resource in resources.items():
        name = bucket_name(resolver, lid)
        try:
            if resolver.region == "us-east-1":
                s3_client.create_bucket(Bucket=name)
            else:
                s3_client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": resolver.region})
        except (s3_client.exceptions.BucketAlreadyOwnedByYou, s3_client.exceptions.BucketAlreadyExists):
            log.debug("bucket %s exists; left as it is", name)
        props = resource.get("Properties") or {}
        if props.get("BucketEncryption"):
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"], "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled"))}
                for rule in resolver.resolve(props["BucketEncryption"])["ServerSideEncryptionConfiguration"]
                if "ServerSideEncryptionByDefault" in rule
            ]
            s3_client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if props.get("PublicAccessBlockConfiguration"):
            s3_client.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=resolver.resolve(props["PublicAccessBlockConfiguration"])
            )
        notifications = props.get("NotificationConfiguration") or {}
        if (notifications.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true"):
            s3_client.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})
        resolver.refs[lid] = name
        resolver.attrs[(lid, "Arn")] = f"arn:aws:s3:::{name}"
        resolver.attrs[(lid, "BucketName")] = name
        buckets[lid] = name
    return buckets
