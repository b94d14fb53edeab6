"""Trackline: the domain package shared by every function (shipped as the core Lambda layer)."""

API_BASE_PATH = "/tracking/2024-04"
API_VERSION = "2024-04"
