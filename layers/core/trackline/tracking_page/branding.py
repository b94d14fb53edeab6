"""The merchant's look on the page: name, logo and colour (settings BRAND_NAME, BRAND_LOGO_URL,
BRAND_COLOR), with the colours derived from it that keep text readable."""

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

DARK_TEXT = "#1f2933"
LIGHT_TEXT = "#ffffff"
MIN_TEXT_CONTRAST = 4.5  # WCAG AA for body text
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")


@dataclass(frozen=True)
class Branding:
    name: str
    color: str  # "#rgb" or "#rrggbb" (validated by the settings)
    logo_url: str | None = None

    @classmethod
    def from_settings(cls, settings) -> "Branding":
        return cls(settings.brand_name, settings.brand_color, settings.brand_logo_url)

    @cached_property
    def hex_color(self) -> str:
        digits = self.color.lstrip("#").lower()
        return "#" + ("".join(2 * digit for digit in digits) if len(digits) == 3 else digits)

    @cached_property
    def text_on_color(self) -> str:
        """Dark or white, whichever reads better on the brand colour."""
        return max((DARK_TEXT, LIGHT_TEXT), key=lambda text: _contrast(self.hex_color, text))

    @cached_property
    def link_color(self) -> str:
        """The brand colour where it is readable on white, else the dark text colour."""
        return self.hex_color if _contrast(self.hex_color, LIGHT_TEXT) >= MIN_TEXT_CONTRAST else DARK_TEXT

    @cached_property
    def logo_origin(self) -> str | None:
        """The logo's origin, the one outside source the page's policy allows; None when there
        is no logo (or no usable one)."""
        parts = urlsplit(self.logo_url or "")
        if parts.scheme != "https" or not _HOST.fullmatch(parts.netloc):
            return None
        return f"https://{parts.netloc}"


def _luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
