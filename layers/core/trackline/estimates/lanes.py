"""The lanes a delivery is counted under, from the most specific to the coarsest.

Every delivery adds its transit time to each of its lane's buckets; a prediction reads the
same buckets and uses the most specific one with enough history:

| bucket    | what it groups                                         |
|-----------|--------------------------------------------------------|
| `service` | courier + origin country + destination country + service type |
| `route`   | courier + origin country + destination country         |
| `scope`   | courier + domestic / international / unknown           |
"""

from dataclasses import dataclass
from urllib.parse import quote

from trackline.estimates.defaults import DOMESTIC, INTERNATIONAL, UNKNOWN

ANY = "*"
MAX_SERVICE_LENGTH = 64


def normalised_service(service: str | None) -> str | None:
    """Service names differ only in case and spacing between carriers' and merchants' spelling."""
    if not service:
        return None
    compact = " ".join(service.split()).lower()[:MAX_SERVICE_LENGTH]
    return compact or None


def _country(code: str | None) -> str | None:
    return code.strip().upper() if code and code.strip() else None


@dataclass(frozen=True)
class Bucket:
    kind: str  # service, route or scope
    name: str  # unique within the courier


@dataclass(frozen=True)
class Lane:
    slug: str
    origin: str | None = None
    destination: str | None = None
    service: str | None = None

    @classmethod
    def of(cls, slug: str, origin: str | None, destination: str | None, service: str | None) -> "Lane":
        return cls(slug.strip().lower(), _country(origin), _country(destination), normalised_service(service))

    @property
    def scope(self) -> str:
        if not (self.origin and self.destination):
            return UNKNOWN
        return DOMESTIC if self.origin == self.destination else INTERNATIONAL

    def buckets(self) -> list[Bucket]:
        """Most specific first. A lane without both countries has only its scope bucket: a route
        with an unknown end would mix unrelated shipments."""
        found = []
        if self.origin and self.destination:
            route = f"{self.origin}#{self.destination}"
            if self.service:
                found.append(Bucket("service", f"ROUTE#{route}#{quote(self.service, safe='')}"))
            found.append(Bucket("route", f"ROUTE#{route}#{ANY}"))
        found.append(Bucket("scope", f"SCOPE#{self.scope}"))
        return found
