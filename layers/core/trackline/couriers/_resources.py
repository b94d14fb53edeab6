"""Access to the JSON files shipped in ``data/``: the only module that reads package files."""

import json
from importlib.resources import files
from typing import Any


def _data_dir():
    return files(__package__).joinpath("data")


def read_data_json(*path: str) -> Any:
    return json.loads(_data_dir().joinpath(*path).read_text(encoding="utf-8"))


def data_json_names(*directory: str) -> list[str]:
    """File names (sorted, so loading order and thus results are reproducible)."""
    folder = _data_dir().joinpath(*directory)
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
