"""The one canonical spelling of a tracking number that every format is matched against."""

# Hyphen-minus plus the look-alike dashes that arrive when numbers are pasted from PDFs or e-mails.
_DASHES = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"))


def normalise_tracking_number(raw: str) -> str:
    """Upper-case, without any whitespace or dashes."""
    # Fast paths first: detection normalises every number, and str.translate is slow by comparison.
    if raw.isascii():
        if raw.isalnum():
            return raw.upper()
        return "".join(raw.replace("-", "").split()).upper()
    return "".join(raw.translate(_DASHES).split()).upper()
