"""Carrier adapter tests talk to stub carriers on 127.0.0.1 only."""

import socket

import pytest
import urllib3.util.connection


def _to_loopback_only(connect):
    def guarded(address, *args, **kwargs):
        assert address[0] in ("127.0.0.1", "localhost"), f"a test tried to reach {address[0]}"
        return connect(address, *args, **kwargs)

    return guarded


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any connection beyond 127.0.0.1 fails the test, whatever client opens it (the carriers'
    connection pool, urllib3, opens its sockets with a function of its own)."""
    monkeypatch.setattr(socket, "create_connection", _to_loopback_only(socket.create_connection))
    monkeypatch.setattr(urllib3.util.connection, "create_connection", _to_loopback_only(urllib3.util.connection.create_connection))
