"""Courier catalog and tracking-number detection.

Importing this package reads no file and compiles no pattern: the catalog and the formats are
loaded on first use and then cached for the life of the process (a warm Lambda keeps them).
"""

from .catalog import all_couriers, get_courier, slugs_in_group, tracking_link
from .detection import detect
from .format_check import UnknownCourierError, check_format
from .models import Courier, FormatVerdict
from .normalise import normalise_tracking_number
from .postal import postal_operator

__all__ = [
    "Courier",
    "FormatVerdict",
    "UnknownCourierError",
    "all_couriers",
    "check_format",
    "detect",
    "get_courier",
    "normalise_tracking_number",
    "postal_operator",
    "slugs_in_group",
    "tracking_link",
]
