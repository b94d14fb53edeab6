"""Lambda FilterCriteria matching (trackline_local.filters), on DynamoDB stream records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trackline_local.filters import load_filter_criteria, matches_pattern, passes_filters
from trackline_local.secret_values import random_password, secret_string

RECORD: dict[str, Any] = {
    "eventName": "MODIFY",
    "eventSource": "aws:dynamodb",
    "dynamodb": {
        "Keys": {"pk": {"S": "TRACKING#abc"}, "sk": {"S": "TRACKING"}},
        "NewImage": {"tag": {"S": "Delivered"}, "count": {"N": "3"}, "ok": {"BOOL": True},
                     "tags": {"SS": ["a", "b"]}, "none": {"NULL": True}},
        "OldImage": {"tag": {"S": "InTransit"}},
        "SizeBytes": 120,
    },
}


def _criteria(*patterns: dict[str, Any]) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}


@pytest.mark.parametrize("pattern, expected", [
    ({"dynamodb": {"Keys": {"sk": {"S": ["TRACKING"]}}}}, True),  # the template's own filter
    ({"dynamodb": {"Keys": {"sk": {"S": ["POLL"]}}}}, False),
    ({"eventName": ["INSERT", "MODIFY"]}, True),
    ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "TRACKING#"}]}}}}, True),
    ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "NUMBER#"}]}}}}, False),
    ({"dynamodb": {"Keys": {"pk": {"S": [{"suffix": "#abc"}]}}}}, True),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"anything-but": ["Pending", "Expired"]}]}}}},
     True),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"anything-but": "Delivered"}]}}}}, False),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"anything-but": {"prefix": "Deliv"}}]}}}},
     False),
    ({"dynamodb": {"NewImage": {"missing": {"S": [{"anything-but": ["x"]}]}}}}, False),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"exists": True}]}}}}, True),
    ({"dynamodb": {"NewImage": {"tag": [{"exists": True}]}}}, False),  # an object, not a leaf
    ({"dynamodb": {"NewImage": {"gone": {"S": [{"exists": False}]}}}}, True),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"exists": False}]}}}}, False),
    ({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}, True),  # any element of a list
    ({"dynamodb": {"NewImage": {"ok": {"BOOL": [True]}}}}, True),
    ({"dynamodb": {"NewImage": {"none": {"NULL": [True]}}}}, True),
    ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
    ({"dynamodb": {"SizeBytes": [120.0]}}, True),
    ({"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 1]}]}}}}, False),  # a string
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"equals-ignore-case": "DELIVERED"}]}}}}, True),
    ({"dynamodb": {"NewImage": {"tag": {"S": [{"wildcard": "Del*ed"}]}}}}, True),
    ({"eventName": ["REMOVE"], "dynamodb": {"Keys": {"sk": {"S": ["TRACKING"]}}}}, False),
    ({"$or": [{"eventName": ["REMOVE"]},
              {"dynamodb": {"OldImage": {"tag": {"S": ["InTransit"]}}}}]}, True),
])
def test_patterns(pattern: dict[str, Any], expected: bool) -> None:
    (loaded,) = load_filter_criteria(_criteria(pattern))
    assert matches_pattern(RECORD, loaded) is expected


def test_a_record_must_match_one_filter_and_none_means_all() -> None:
    assert passes_filters(RECORD, [])
    assert passes_filters(RECORD, load_filter_criteria(_criteria(
        {"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]})))
    assert not passes_filters(RECORD, load_filter_criteria(_criteria(
        {"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]})))


@pytest.mark.parametrize("criteria", [
    {"Filters": [{"Pattern": "not json"}]},
    {"Filters": [{"Pattern": "{}"}]},
    {"Filters": [{"Pattern": json.dumps({"eventName": "INSERT"})}]},  # a value, not a list
    {"Filters": [{"Pattern": json.dumps({"eventName": [{"bogus": 1}]})}]},
    {"Filters": [{"Pattern": json.dumps({"n": [{"numeric": ["~", 1]}]})}]},
    {"Filters": [{"Pattern": json.dumps({"eventName": ["A"]})}] * 6},
])
def test_invalid_filter_criteria_are_refused(criteria: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        load_filter_criteria(criteria)


def test_generated_secret_strings() -> None:
    assert secret_string({"SecretString": "{\"a\": 1}"}) == "{\"a\": 1}"
    assert secret_string({}) == "{}"
    only_digits = random_password({"PasswordLength": 12, "ExcludeLowercase": True,
                                   "ExcludeUppercase": True, "ExcludePunctuation": True})
    assert len(only_digits) == 12 and only_digits.isdigit()
    mixed = random_password({"PasswordLength": 8})
    assert any(not c.isalnum() for c in mixed)  # RequireEachIncludedType: punctuation too
    assert random_password({}) != random_password({})
    with pytest.raises(ValueError):
        secret_string({"GenerateSecretString": {"GenerateStringKey": "password"}})
