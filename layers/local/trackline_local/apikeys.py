"""`python -m trackline_local.apikeys create NAME | list | revoke KEY_ID_OR_NAME` (`make apikey`).

Target:
  --table NAME, or TABLE_NAME (or TABLE, as `make apikey TABLE=...` passes it) in the environment:
      that table, with AWS credentials, region and endpoint from the environment (a deployed stack);
  otherwise the running local stack, found through .local/stack.json (written by `make run`).

A new key is printed once, on create: only its hash is stored. list never prints keys or hashes.
create --aes also generates the key's AES secret (printed once; kept in Secrets Manager, since
verifying an HMAC needs the secret itself); create --rsa PATH registers the RSA public key in that
PEM file. Either way the key must sign every request (as-signature-hmac-sha256 / -rsa-sha256).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from .aws import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, has_configured_credentials
from .template import find_project_root


class TargetError(Exception):
    pass


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # unknown: assume it runs, the call will tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def configure_target(table: str | None, root: Path | None = None) -> str:
    """Point os.environ at the table to manage; returns a description of the target."""
    table = table or os.environ.get("TABLE_NAME") or os.environ.get("TABLE")
    if table:
        os.environ["TABLE_NAME"] = table
        return f"table {table}"
    state_file = (root or find_project_root()) / ".local" / "stack.json"
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(
            "no running local stack (start it with `make run`), and no table given "
            "(use --table NAME or TABLE_NAME=... for a deployed stack)") from None
    except (OSError, ValueError) as exc:
        raise TargetError(f"cannot read {state_file}: {exc}") from None
    if not _pid_alive(state.get("pid")):
        raise TargetError(f"the local stack in {state_file} is not running any more "
                          "(start it with `make run`)")
    if not state.get("table_name") or not state.get("dynamodb_endpoint"):
        raise TargetError(f"{state_file} names no table or endpoint")
    os.environ["TABLE_NAME"] = state["table_name"]
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = state["dynamodb_endpoint"]
    if state.get("endpoint_url"):
        os.environ["AWS_ENDPOINT_URL"] = state["endpoint_url"]
    if state.get("region"):
        os.environ["AWS_DEFAULT_REGION"] = state["region"]
        os.environ["AWS_REGION"] = state["region"]
    if not has_configured_credentials():
        os.environ["AWS_ACCESS_KEY_ID"] = FAKE_ACCESS_KEY_ID
        os.environ["AWS_SECRET_ACCESS_KEY"] = FAKE_SECRET_ACCESS_KEY
    return f"local stack {state.get('base_url', '')} (table {state['table_name']})".strip()


def _when(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trackline_local.apikeys",
        description="Manage the API keys (as-api-key) of a Trackline stack.")
    parser.add_argument("--table", help="the DynamoDB table of a deployed stack "
                        "(default: TABLE_NAME, else the running local stack)")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="issue a new key and print it once")
    create.add_argument("name", help="who the key is for, e.g. cartrover")
    signing = create.add_mutually_exclusive_group()
    signing.add_argument("--aes", action="store_true",
                         help="generate an AES secret: requests must carry as-signature-hmac-sha256")
    signing.add_argument("--rsa", metavar="PUBLIC_KEY_PEM",
                         help="a PEM file with the client's RSA public key: requests must carry "
                              "as-signature-rsa-sha256")
    commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = commands.add_parser("revoke", help="revoke a key by its id or name")
    revoke.add_argument("key", metavar="KEY_ID_OR_NAME")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create" and not args.name.strip():
        print("a name is required: make apikey NAME=cartrover", file=sys.stderr)
        return 2
    if args.command == "revoke" and not args.key.strip():
        print("a key id or name is required: make apikey REVOKE=<key id or name>",
              file=sys.stderr)
        return 2
    public_key = None
    if args.command == "create" and args.rsa:
        try:
            public_key = Path(args.rsa).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"cannot read the RSA public key {args.rsa}: {exc}", file=sys.stderr)
            return 2
    try:
        target = configure_target(args.table)
    except TargetError as exc:
        print(str(exc), file=sys.stderr)
        return 1

    from trackline.services.api_keys import ApiKeyService

    service = ApiKeyService()
    try:
        if args.command == "create":
            issued = service.register(args.name.strip(), aes_secret=args.aes or None, rsa_public_key=public_key)
            print(f"Created API key {issued.key_id} ({issued.name}) in {target}.")
            print("Give this key to the client as its as-api-key; it is shown only now:")
            print(f"  {issued.plaintext}")
            if issued.secret:
                print("and this AES secret as its api_secret (authentication_type AES); it is "
                      "shown only now too:")
                print(f"  {issued.secret}")
            elif issued.signature == "rsa":
                print("Requests must be signed with the matching private key "
                      "(authentication_type RSA).")
        elif args.command == "list":
            keys = service.list()
            if not keys:
                print(f"No API keys in {target}.")
                return 0
            rows = [("KEY ID", "NAME", "CREATED", "REVOKED", "SIGNING")]
            rows += [(str(k.key_id), str(k.name), _when(k.created_at), _when(k.revoked_at),
                      (k.signature or "-").upper())
                     for k in keys]
            widths = [max(len(row[i]) for row in rows) for i in range(5)]
            for row in rows:
                print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        else:
            info = service.revoke(args.key.strip())
            print(f"Revoked API key {info.key_id} ({info.name}) at {_when(info.revoked_at)}.")
    except Exception as exc:  # noqa: BLE001 - a CLI: one clear line, not a traceback
        name = type(exc).__name__
        if name in ("EndpointConnectionError", "ConnectionRefusedError"):
            print(f"cannot reach {target}: {exc}", file=sys.stderr)
        else:
            print(f"{name}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
