"""The verdict the authorizer writes and the guard reads: only exactly what the authorizer would
write authenticates; REST-style string numbers are read; anything else fails closed."""

import pytest

from trackline.models.authorization import AuthorizerVerdict, MalformedVerdict


def test_a_verdict_survives_the_round_trip_without_nulls():
    verdict = AuthorizerVerdict(authenticated=True, key_id="k", key_name="n", signature="rsa", credential="arn:x",
                                rate_limit=10, rate_remaining=3, rate_reset=1_711_972_801)
    context = verdict.context()
    assert None not in context.values() and "refusal" not in context
    read = AuthorizerVerdict.from_context(context)
    assert read.context() == context
    status = read.rate_limit_status()
    assert (status.limit, status.remaining, status.reset, status.limited) == (10, 3, 1_711_972_801, False)
    assert status.headers() == {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1711972801"}


@pytest.mark.parametrize("authenticated", ["true", 1, "True", None, {}])
def test_only_true_authenticates(authenticated):
    assert AuthorizerVerdict.from_context({"authenticated": authenticated}).authenticated is False


def test_string_numbers_are_read_and_a_partial_window_is_no_window():
    verdict = AuthorizerVerdict.from_context({"rate_limit": "10", "rate_remaining": "0", "rate_reset": "5", "rate_limited": "true"})
    assert (verdict.rate_limit, verdict.rate_remaining, verdict.rate_limited) == (10, 0, True)
    assert AuthorizerVerdict.from_context({"rate_limit": 10}).rate_limit_status() is None


@pytest.mark.parametrize(
    "context",
    [{"rate_limit": 0}, {"rate_remaining": -1}, {"rate_limit": "many"}, {"rate_limit": 2.5}, {"rate_limit": True},
     {"signature": "md5"}, {"key_id": 7}, {"credential": "x" * 5000}],
)
def test_what_the_authorizer_never_writes_is_malformed(context):
    with pytest.raises(MalformedVerdict):
        AuthorizerVerdict.from_context(context)
