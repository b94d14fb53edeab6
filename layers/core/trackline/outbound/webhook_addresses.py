"""Which webhook URLs Trackline may post to (the SSRF guard).

Webhook URLs come from whoever configures the service, and the sender runs inside AWS: without
this guard a URL could reach the VPC, the instance metadata service or the sender itself.
Only https to globally routable addresses is allowed; plain http only to loopback, for local
development. Addresses are checked when settings are loaded and again on every send, because
DNS answers can change in between.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_PRIVATE = tuple(
    ipaddress.ip_network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_BROADCAST = ipaddress.ip_address("255.255.255.255")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DisallowedWebhookUrl(ValueError):
    """A webhook URL Trackline will not post to.

    The message names at most scheme://host[:port]: paths, queries and user information often
    carry the receiver's tokens, and messages end up in logs.
    """


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """A syntactically acceptable webhook URL, taken apart for the HTTP client."""

    scheme: str
    host: str  # lower-case host name, or an IP literal without brackets
    port: int
    request_target: str  # path and query, as sent in the request line

    @property
    def origin(self) -> str:
        """scheme://host[:port]: the only part of the URL that is safe to log."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == _DEFAULT_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


def parse_webhook_url(url: str, *, allow_local_http: bool) -> WebhookTarget:
    """Checks the syntax and the scheme; the addresses are left to the callers below."""
    if len(url) > MAX_URL_LENGTH:
        raise DisallowedWebhookUrl(f"webhook URL is longer than {MAX_URL_LENGTH} characters")
    if not url.isascii():
        raise DisallowedWebhookUrl(
            "webhook URL must be ASCII: percent-encode the path and query, and use the xn-- form "
            "of an international host name"
        )
    if any(character.isspace() or not character.isprintable() for character in url):
        raise DisallowedWebhookUrl("webhook URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise DisallowedWebhookUrl("webhook URL is not a valid URL") from None
    if parts.scheme not in _DEFAULT_PORTS:
        raise DisallowedWebhookUrl("webhook URL must use https")
    if not host:
        raise DisallowedWebhookUrl("webhook URL has no host")
    if _ip_literal(host) is None and not _is_host_name(host):
        raise DisallowedWebhookUrl("webhook URL host is not a valid host name or IP address")
    if port == 0:
        raise DisallowedWebhookUrl("webhook URL port must be between 1 and 65535")
    target = WebhookTarget(
        scheme=parts.scheme,
        host=host,
        port=_DEFAULT_PORTS[parts.scheme] if port is None else port,
        request_target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )
    if "@" in parts.netloc:
        raise DisallowedWebhookUrl(
            f"webhook URL {target.origin} must not contain user information (user:password@)"
        )
    if target.scheme == "http" and not (allow_local_http and _is_loopback_host(host)):
        raise DisallowedWebhookUrl(
            f"webhook URL {target.origin} must use https; http is allowed only for a loopback "
            "host when local http is enabled"
        )
    return target


def check_webhook_url(url: str, *, allow_local_http: bool, resolve: bool = True) -> str:
    """Checks a URL at configuration time and returns it unchanged."""
    target = parse_webhook_url(url, allow_local_http=allow_local_http)
    subject = f"webhook URL {target.origin}"
    literal = _ip_literal(target.host)
    if literal is not None:
        _refuse_disallowed([literal], subject, allow_loopback=allow_local_http)
    elif _is_loopback_name(target.host) and not allow_local_http:
        raise DisallowedWebhookUrl(f"{subject}: {target.host} is a loopback host name")
    elif resolve:
        addresses = _resolve(target.host, target.port)
        # A name that does not resolve is accepted: DNS may be briefly unavailable at a cold
        # start, and every send resolves and checks it again before connecting.
        if addresses is not None:
            _refuse_disallowed(addresses, subject, allow_loopback=allow_local_http)
    return url


def vetted_addresses(host: str, port: int, *, allow_local_http: bool) -> list[str]:
    """The addresses a send may connect to, resolved now.

    Every address must be allowed, not just the first: a receiver whose DNS answers mix public
    and internal addresses is refused outright rather than trusted with a lucky ordering.
    """
    subject = f"webhook host {f'[{host}]' if ':' in host else host}:{port}"
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif _is_loopback_name(host) and not allow_local_http:
        raise DisallowedWebhookUrl(f"{subject}: {host} is a loopback host name")
    else:
        addresses = _resolve(host, port)
        if not addresses:
            raise DisallowedWebhookUrl(f"{subject}: the host name does not resolve")
    _refuse_disallowed(addresses, subject, allow_loopback=allow_local_http)
    return [str(address) for address in addresses]


def _refuse_disallowed(addresses: list[IPAddress], subject: str, *, allow_loopback: bool) -> None:
    for address in addresses:
        reason = _refusal_reason(address, allow_loopback=allow_loopback)
        if reason is not None:
            raise DisallowedWebhookUrl(f"{subject}: address {address} is not allowed ({reason})")


def _refusal_reason(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why an address may not be posted to, or None when it is globally routable."""
    if isinstance(address, ipaddress.IPv6Address):
        # These IPv6 forms deliver to an IPv4 address, so that address is what counts.
        if address.ipv4_mapped is not None:
            inner = _refusal_reason(address.ipv4_mapped, allow_loopback=allow_loopback)
            return None if inner is None else f"IPv4-mapped {address.ipv4_mapped}, {inner}"
        if address in _NAT64:
            # DNS64 hands these out for IPv4-only receivers in IPv6-only subnets.
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
            inner = _refusal_reason(embedded, allow_loopback=False)
            return None if inner is None else f"NAT64 form of {embedded}, {inner}"
        if address.sixtofour is not None:
            inner = _refusal_reason(address.sixtofour, allow_loopback=False)
            if inner is not None:
                return f"6to4 form of {address.sixtofour}, {inner}"
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local, which includes the instance metadata service"
    if address.is_multicast:
        return "multicast"
    if address in _SHARED_CGNAT:
        return "shared address space (CGNAT)"
    if address == _BROADCAST:
        return "broadcast"
    if address in _THIS_NETWORK:
        return "'this network' (0.0.0.0/8)"
    if any(address in network for network in _PRIVATE):
        return "private"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


def _resolve(host: str, port: int) -> list[IPAddress] | None:
    """The distinct addresses of a name in resolver order, or None when it does not resolve."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = (
        ipaddress.ip_address(sockaddr[0])
        for family, _, _, _, sockaddr in answers
        if family in (socket.AF_INET, socket.AF_INET6)
    )
    return list(dict.fromkeys(addresses))


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_host_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


def _is_loopback_name(host: str) -> bool:
    # RFC 6761 reserves localhost and every name under it for the loopback interface.
    name = host.removesuffix(".")
    return name == "localhost" or name.endswith(".localhost")


def _is_loopback_host(host: str) -> bool:
    literal = _ip_literal(host)
    return _is_loopback_name(host) if literal is None else literal.is_loopback
