"""The value CloudFormation gives an AWS::SecretsManager::Secret: its SecretString, or a random
password made from its GenerateSecretString.

GenerateSecretString follows Secrets Manager's GetRandomPassword: PasswordLength (32),
ExcludeCharacters, ExcludeLowercase / ExcludeUppercase / ExcludeNumbers / ExcludePunctuation,
IncludeSpace, RequireEachIncludedType (true); with SecretStringTemplate and GenerateStringKey the
password goes into that JSON object under that key.

Public interface:
    secret_string(properties) -> str     what the secret is created with ("{}" when neither)
    random_password(spec) -> str
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any, Mapping

DEFAULT_PASSWORD_LENGTH = 32
# Secrets Manager's punctuation set, the same as ASCII's.
PUNCTUATION = string.punctuation


def secret_string(properties: Mapping[str, Any]) -> str:
    generate = properties.get("GenerateSecretString")
    if not generate:
        value = properties.get("SecretString", "{}")
        return "{}" if value is None else str(value)
    password = random_password(generate)
    template = generate.get("SecretStringTemplate")
    key = generate.get("GenerateStringKey")
    if template is None and key is None:
        return password
    if template is None or key is None:
        raise ValueError("GenerateSecretString needs both SecretStringTemplate and "
                         "GenerateStringKey, or neither")
    document = json.loads(template)
    if not isinstance(document, dict):
        raise ValueError("SecretStringTemplate must be a JSON object")
    document[str(key)] = password
    return json.dumps(document)


def random_password(spec: Mapping[str, Any]) -> str:
    length = int(spec.get("PasswordLength", DEFAULT_PASSWORD_LENGTH))
    if not 1 <= length <= 4096:
        raise ValueError(f"PasswordLength must be 1..4096, got {length}")
    excluded = set(str(spec.get("ExcludeCharacters") or ""))
    groups = [
        "" if _flag(spec, "ExcludeLowercase") else string.ascii_lowercase,
        "" if _flag(spec, "ExcludeUppercase") else string.ascii_uppercase,
        "" if _flag(spec, "ExcludeNumbers") else string.digits,
        "" if _flag(spec, "ExcludePunctuation") else PUNCTUATION,
        " " if _flag(spec, "IncludeSpace") else "",
    ]
    groups = ["".join(c for c in group if c not in excluded) for group in groups]
    groups = [group for group in groups if group]
    alphabet = "".join(groups)
    if not alphabet:
        raise ValueError("GenerateSecretString excludes every character")
    require_each = spec.get("RequireEachIncludedType", True) not in (False, "false", "False")
    if require_each and length < len(groups):
        raise ValueError("PasswordLength is shorter than the number of required character types")
    while True:  # a few draws at most: each type is likely at these lengths
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if not require_each or all(any(c in group for c in password) for group in groups):
            return password


def _flag(spec: Mapping[str, Any], name: str) -> bool:
    return spec.get(name) in (True, "true", "True")
