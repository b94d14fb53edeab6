"""Carrier adapter tests talk to stub carriers on 127.0.0.1 only."""

import socket

import pytest


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any connection beyond 127.0.0.1 fails the test, whatever client opens it."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        assert address[0] in ("127.0.0.1", "localhost"), f"a test tried to reach {address[0]}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
