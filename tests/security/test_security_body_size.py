"""Bodies over 1 MB get 413 in the AfterShip envelope, on every route that takes a body, however
they are encoded; a body of exactly the limit is read."""

import json

MIB = 1_048_576
ROUTES_WITH_BODIES = [
    ("POST", "/tracking/2024-04/trackings"),
    ("PUT", "/tracking/2024-04/trackings/abcdefghijklmnopqrstuvwx"),
    ("PUT", "/tracking/2024-04/trackings/ups/1Z5R89390357567127"),
    ("POST", "/tracking/2024-04/trackings/abcdefghijklmnopqrstuvwx/mark-as-completed"),
    ("POST", "/tracking/2024-04/notifications/abcdefghijklmnopqrstuvwx/add"),
    ("POST", "/tracking/2024-04/couriers/detect"),
]


def json_body(size: int) -> bytes:
    """A well-formed create body of exactly `size` bytes."""
    head = json.dumps({"tracking": {"tracking_number": "TLBODYSIZE0001", "note": ""}}).encode()
    return head.replace(b'"note": ""', b'"note": "' + b"x" * (size - len(head)) + b'"')


def assert_too_large(reply) -> None:
    assert reply.status == 413, reply.body
    assert reply.body == {"meta": {"code": 413, "message": reply.meta["message"], "type": "BadRequest"}, "data": {}}
    assert "1 MB" in reply.meta["message"]
    assert reply.headers["x-ratelimit-limit"]


def test_a_body_over_one_megabyte_is_413_on_every_route_that_takes_one(chain, api_key):
    oversized = json_body(MIB + 1)
    assert len(oversized) == MIB + 1
    for method, path in ROUTES_WITH_BODIES:
        assert_too_large(chain.request(method, path, key=api_key, body=oversized))


def test_a_binary_body_over_the_limit_is_measured_decoded(chain, api_key):
    # The gateway hands a non-text body base64 encoded (a third larger): what counts is its size.
    reply = chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body=b"\x00" * (MIB + 1),
                          headers={"content-type": "application/octet-stream"})
    assert_too_large(reply)
    small = chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body=b"\x00" * (MIB * 3 // 4),
                          headers={"content-type": "application/octet-stream"})
    assert small.status == 400 and small.meta["code"] == 4001


def test_a_body_of_exactly_the_limit_is_read(chain, api_key):
    reply = chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body=json_body(MIB))
    # Read and validated: the note is too long for the contract, which says so by name.
    assert reply.status == 400 and reply.meta["code"] == 4008 and "note" in reply.meta["message"]


def test_without_a_key_a_large_body_is_refused_as_unauthenticated(chain):
    reply = chain.request("POST", "/tracking/2024-04/trackings", body=json_body(MIB + 1))
    assert reply.status == 401 and reply.meta["type"] == "Unauthorized"
