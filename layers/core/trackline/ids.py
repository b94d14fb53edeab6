"""Tracking ids: 24 lowercase alphanumerics, the 2024-04 shape."""

import re
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
_ID_PATTERN = re.compile(r"[a-z0-9]{24}")


def new_tracking_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(24))


def is_tracking_id(value: str) -> bool:
    return _ID_PATTERN.fullmatch(value) is not None
