"""Every response, success or error, is a JSON envelope with `as-api-version: 2024-04`."""

import pytest

pytestmark = pytest.mark.api


def test_every_response_is_json_with_the_api_version(http, stack, create, new_number):
    created = create(tracking_number=new_number(), emails=["a@example.com"])
    key = {"as-api-key": stack.api_key}
    base = "/tracking/2024-04"
    requests = [
        ("POST", f"{base}/trackings", {"tracking": {"tracking_number": new_number()}}, key, 201),
        ("GET", f"{base}/trackings?limit=1", None, key, 200),
        ("GET", f"{base}/trackings/{created.id}", None, key, 200),
        ("GET", f"{base}/trackings/unrecognized/{created.tracking_number}", None, key, 200),
        ("PUT", f"{base}/trackings/{created.id}", {"tracking": {"title": "t"}}, key, 200),
        ("POST", f"{base}/trackings/{created.id}/retrack", None, key, 400),
        ("GET", f"{base}/last_checkpoint/{created.id}", None, key, 200),
        ("GET", f"{base}/notifications/{created.id}", None, key, 200),
        ("POST", f"{base}/notifications/{created.id}/add",
         {"notification": {"emails": ["b@example.com"]}}, key, 200),
        ("POST", f"{base}/notifications/{created.id}/remove",
         {"notification": {"emails": ["b@example.com"]}}, key, 200),
        ("POST", f"{base}/trackings/{created.id}/mark-as-completed", {"reason": "DELIVERED"}, key, 200),
        ("DELETE", f"{base}/trackings/{created.id}", None, key, 200),
        ("GET", f"{base}/trackings/{created.id}", None, key, 404),
        ("GET", f"{base}/trackings/NOT-AN-ID", None, key, 400),
        ("GET", f"{base}/trackings", None, {"as-api-key": "tl_wrong-key-0123456789abcdef"}, 401),
        ("GET", f"{base}/trackings", None, {}, 401),
        ("GET", f"{base}/nothing-here", None, key, 404),
    ]
    for method, path, body, headers, status in requests:
        reply = http.request(method, path, json=body, headers=headers)
        assert reply.status_code == status, (method, path, reply.text)
        assert reply.headers["content-type"].split(";")[0].strip() == "application/json", (method, path)
        assert reply.headers["as-api-version"] == "2024-04", (method, path)
        envelope = reply.json()
        assert set(envelope) == {"meta", "data"} and envelope["meta"]["code"] in (status, *range(4000, 4100))
        assert isinstance(envelope["data"], dict), (method, path)
        if status < 300:
            assert envelope["meta"] == {"code": status}, (method, path)
        else:
            assert isinstance(envelope["meta"]["type"], str) and isinstance(envelope["meta"]["message"], str)


def test_a_body_less_post_is_accepted_like_the_sdk_sends_it(http, stack, create, new_number):
    """Retrack is sent with Content-Length: 0 and no content-type."""
    created = create(tracking_number=new_number())
    key = {"as-api-key": stack.api_key}
    http.post(f"/tracking/2024-04/trackings/{created.id}/mark-as-completed", json={"reason": "LOST"}, headers=key)

    reply = http.post(f"/tracking/2024-04/trackings/{created.id}/retrack", headers={**key, "content-length": "0"})

    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["tracking"]["active"] is True
    assert reply.headers["as-api-version"] == "2024-04"
