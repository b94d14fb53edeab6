"""Key layout of the single table. Every access pattern names its key here.

| item            | pk                         | sk                      |
|-----------------|----------------------------|-------------------------|
| tracking        | TRACKING#<id>              | TRACKING                |
| poll state      | TRACKING#<id>              | POLL (while polled)     |
| number key      | NUMBER#<slug>#<number>     | ADDL#<additional fields>|
| API key         | APIKEYS                    | APIKEY#<sha256 of key>  |
| active courier  | COURIERS                   | ACTIVE#<slug>           |
| carrier budget  | BUDGET#<slug>              | MINUTE#<utc minute> / DAY#<utc day> |
| import          | IMPORT#<import id>         | IMPORT (summary), ROWS#<chunk> (row report) |
| carrier name    | COURIERMAP                 | NAME#<normalised carrier name> |
| rate counter    | RATELIMIT#<key id>         | SECOND#<epoch second>   |

GSI ByCreatedAt: list_pk = TRACKINGS, list_sk = <created_at>#<id> (every tracking); list_pk =
IMPORTS, list_sk = <created_at>#<import id> (every import summary).
GSI DueForPoll (sparse): poll_pk = POLL#<shard>, poll_at = <next poll time>, on poll items only.
"""

from urllib.parse import quote

TRACKING_SK = "TRACKING"
POLL_SK = "POLL"
LIST_PK = "TRACKINGS"
API_KEYS_PK = "APIKEYS"
COURIERS_PK = "COURIERS"


def tracking_key(tracking_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"TRACKING#{tracking_id}"}, "sk": {"S": TRACKING_SK}}


def poll_item_key_values(tracking_id: str) -> dict[str, str]:
    return {"pk": f"TRACKING#{tracking_id}", "sk": POLL_SK}


def poll_item_key(tracking_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"TRACKING#{tracking_id}"}, "sk": {"S": POLL_SK}}


def number_pk(slug: str, tracking_number: str) -> str:
    return f"NUMBER#{slug}#{tracking_number}"


def additional_fields_sk(additional_fields: dict[str, str]) -> str:
    canonical = "&".join(f"{name}={quote(value, safe='')}" for name, value in sorted(additional_fields.items()))
    return f"ADDL#{canonical}"


def number_key(slug: str, tracking_number: str, additional_fields: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"pk": {"S": number_pk(slug, tracking_number)}, "sk": {"S": additional_fields_sk(additional_fields)}}


def list_sk(created_at: str, tracking_id: str) -> str:
    return f"{created_at}#{tracking_id}"


def poll_pk(tracking_id: str, shards: int) -> str:
    # A stable shard from the id spreads due work evenly over the index partitions.
    return poll_shard_pk(int(tracking_id[-6:], 36) % shards)


def poll_shard_pk(shard: int) -> str:
    return f"POLL#{shard:03d}"


def budget_key(slug: str, window: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"BUDGET#{slug}"}, "sk": {"S": window}}


def api_key_sk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def active_courier_key(slug: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": COURIERS_PK}, "sk": {"S": f"ACTIVE#{slug}"}}


def rate_counter_key(key_id: str, epoch_second: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"RATELIMIT#{key_id}"}, "sk": {"S": f"SECOND#{epoch_second}"}}


# -- imports and carrier-name mappings -------------------------------------------------------

IMPORTS_LIST_PK = "IMPORTS"
IMPORT_SUMMARY_SK = "IMPORT"
COURIER_MAPPINGS_PK = "COURIERMAP"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_rows_sk(chunk: int) -> str:
    return f"ROWS#{chunk:06d}"


def courier_mapping_key(normalised_name: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": COURIER_MAPPINGS_PK}, "sk": {"S": f"NAME#{normalised_name}"}}
