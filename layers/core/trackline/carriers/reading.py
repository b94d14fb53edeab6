"""Reading carrier JSON defensively: carriers' bodies drift from their documentation, and a
shape we do not expect must become a retryable error, never a KeyError in the worker."""

from typing import Any


class MalformedAnswer(ValueError):
    """A carrier answer whose shape is not what its documentation shows."""


def required_dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedAnswer(f"{what} is {type(value).__name__}, not an object")
    return value


def required_list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise MalformedAnswer(f"{what} is {type(value).__name__}, not a list")
    return value


def dict_or_empty(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def list_or_empty(value: Any) -> list:
    return value if isinstance(value, list) else []


def dicts_in(value: Any) -> list[dict]:
    return [item for item in list_or_empty(value) if isinstance(item, dict)]


def as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number else None  # not NaN
