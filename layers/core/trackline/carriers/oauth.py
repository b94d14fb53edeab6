"""OAuth 2 client-credentials tokens, cached until shortly before they expire."""

import threading
import time
from base64 import b64encode
from collections.abc import Callable
from typing import Any

from trackline.carriers import http
from trackline.carriers.base import CarrierError

EXPIRY_MARGIN = 60.0


class TokenCache:
    def __init__(self, token_url: str, client_id: str, client_secret: str, *, basic_auth: bool) -> None:
        self._url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._basic_auth = basic_auth
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._refresh()
            return self._token

    def send(
        self, request: Callable[[str], tuple[int, Any]], *, carrier: str, refused_is_retryable: bool = True
    ) -> tuple[int, Any]:
        """`request(token)` with the cached token; after a 401 (the token expired or was revoked
        before its announced expiry) once more with a fresh one."""
        for _ in range(2):
            status, body = request(self.token())
            if status != 401:
                return status, body
            self.forget()
        raise CarrierError(f"{carrier} refused a freshly issued token (401)", retryable=refused_is_retryable)

    def forget(self) -> None:
        """Drop the token after the carrier said it expired; the next call gets a new one."""
        with self._lock:
            self._token = None

    def _refresh(self) -> None:
        form = {"grant_type": "client_credentials"}
        headers = {}
        if self._basic_auth:
            headers["authorization"] = "Basic " + b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        _, body = http.request("POST", self._url, headers=headers, form=form)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise CarrierError("the token endpoint answered without an access_token", retryable=True)
        self._token = str(body["access_token"])
        self._expires_at = time.monotonic() + max(0.0, float(body.get("expires_in", 3600)) - EXPIRY_MARGIN)
