"""The template's SES identities, verified in the embedded moto so that its SES accepts mail from
them (moto, like SES in the sandbox, refuses a sender that is not a verified identity).

Public interface:
    ensure_email_identities(ses_client, template, names=None, *, resolver=None) -> list[str]
        every AWS::SES::EmailIdentity whose Condition holds: an address is verified with
        VerifyEmailIdentity, a domain with VerifyDomainIdentity. Returns the identities.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from .template import Resolver, Template, resources_to_create


def ensure_email_identities(
    ses_client: Any,
    template: "Template | str | os.PathLike[str]",
    names: Mapping[str, str] | None = None,
    *,
    resolver: Resolver | None = None,
) -> list[str]:
    resolver, resources = resources_to_create(template, "AWS::SES::EmailIdentity", names, resolver)
    verified = []
    for lid, resource in resources.items():
        identity = str(resolver.resolve((resource.get("Properties") or {})
                                        .get("EmailIdentity") or "")).strip()
        if not identity:
            raise ValueError(f"{lid}: EmailIdentity is empty")
        if "@" in identity:
            ses_client.verify_email_identity(EmailAddress=identity)
        else:
            ses_client.verify_domain_identity(Domain=identity)
        resolver.refs[lid] = identity  # !Ref of an email identity is the identity itself
        verified.append(identity)
    return verified
