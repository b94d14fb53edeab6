"""Access to the JSON files shipped in ``data/``: the only module that reads package files."""

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

# Generated from the format data by ``python -m trackline.couriers.build_index``: see data/README.md.
INDEX_FILE = "format_index.json"


def _data_dir():
    return files(__package__).joinpath("data")


def read_data_json(*path: str) -> Any:
    return json.loads(_data_dir().joinpath(*path).read_text(encoding="utf-8"))


def data_json_names(*directory: str) -> list[str]:
    """File names (sorted, so loading order and thus results are reproducible)."""
    folder = _data_dir().joinpath(*directory)
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))


def data_file_path(*path: str) -> Path:
    """The file system path of a data file, for the index generator, which writes one."""
    return Path(str(_data_dir().joinpath(*path)))


@cache
def read_index() -> Mapping[str, Any]:
    """The format index, read once: formats and routings are both built from it."""
    return read_data_json(INDEX_FILE)
