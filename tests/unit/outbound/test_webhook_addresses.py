"""The SSRF guard: which webhook URLs and addresses Trackline may post to."""

import socket

import pytest

from trackline.outbound.webhook_addresses import (
    MAX_URL_LENGTH,
    DisallowedWebhookUrl,
    check_webhook_url,
    parse_webhook_url,
    vetted_addresses,
)

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> dict[str, list[str]]:
    """A resolver that knows only the names a test gives it: these tests never ask real DNS."""
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
            if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


REFUSED_ADDRESSES = [
    ("10.0.0.1", "private"),
    ("10.255.255.254", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("169.254.169.254", "link-local"),
    ("169.254.1.1", "link-local"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "this network"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.10", "not globally routable"),
    ("198.18.0.1", "not globally routable"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456:789a::1", "private"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("fec0::1", "site-local"),
    ("2001:db8::1", "not globally routable"),
    ("::127.0.0.1", "reserved"),
    ("::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1, loopback"),
    ("::ffff:10.0.0.1", "IPv4-mapped 10.0.0.1, private"),
    ("::ffff:169.254.169.254", "IPv4-mapped 169.254.169.254, link-local"),
    ("::ffff:100.64.0.1", "IPv4-mapped 100.64.0.1, shared address space"),
    ("::ffff:0.0.0.0", "IPv4-mapped 0.0.0.0, unspecified"),
    ("2002:a9fe:a9fe::1", "6to4 form of 169.254.169.254, link-local"),
    ("2002:a00:1::1", "6to4 form of 10.0.0.1, private"),
    ("2002:7f00:1::1", "6to4 form of 127.0.0.1, loopback"),
    ("2002:808:808::1", "not globally routable"),
    ("64:ff9b::a9fe:a9fe", "NAT64 form of 169.254.169.254, link-local"),
    ("64:ff9b::7f00:1", "NAT64 form of 127.0.0.1, loopback"),
    ("64:ff9b::c0a8:101", "NAT64 form of 192.168.1.1, private"),
]

ALLOWED_ADDRESSES = [PUBLIC_V4, "8.8.8.8", PUBLIC_V6, "::ffff:8.8.8.8", "64:ff9b::808:808"]


def url_for(address: str, path: str = "/hooks") -> str:
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}{path}"


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_an_ip_literal_that_is_not_globally_routable_is_refused(address, reason):
    for resolve in (True, False):
        with pytest.raises(DisallowedWebhookUrl, match="not allowed") as refused:
            check_webhook_url(url_for(address), allow_local_http=False, resolve=resolve)
        assert reason in str(refused.value)
    with pytest.raises(DisallowedWebhookUrl):
        vetted_addresses(address, 443, allow_local_http=False)


@pytest.mark.parametrize(("address", "reason"), REFUSED_ADDRESSES)
def test_a_name_resolving_to_a_refused_address_is_refused(dns, address, reason):
    dns["hooks.example.com"] = [address]
    with pytest.raises(DisallowedWebhookUrl, match="not allowed") as refused:
        check_webhook_url("https://hooks.example.com/in", allow_local_http=False)
    assert reason in str(refused.value)
    with pytest.raises(DisallowedWebhookUrl, match="not allowed"):
        vetted_addresses("hooks.example.com", 443, allow_local_http=False)


NOT_LOOPBACK = [address for address, reason in REFUSED_ADDRESSES if "loopback" not in reason]


@pytest.mark.parametrize("address", NOT_LOOPBACK)
def test_allowing_local_http_does_not_open_anything_but_loopback(dns, address):
    dns["hooks.example.com"] = [address]
    with pytest.raises(DisallowedWebhookUrl):
        check_webhook_url(url_for(address), allow_local_http=True)
    with pytest.raises(DisallowedWebhookUrl):
        vetted_addresses("hooks.example.com", 443, allow_local_http=True)


@pytest.mark.parametrize("address", ALLOWED_ADDRESSES)
def test_a_globally_routable_ip_literal_is_allowed(address):
    url = url_for(address, "/hooks?token=t")
    assert check_webhook_url(url, allow_local_http=False) is url
    assert vetted_addresses(address, 443, allow_local_http=False) == [address]


def test_a_name_is_refused_when_any_of_its_addresses_is_refused(dns):
    dns["hooks.example.com"] = [PUBLIC_V4, PUBLIC_V6, "10.0.0.7"]
    with pytest.raises(DisallowedWebhookUrl, match=r"10\.0\.0\.7 is not allowed \(private\)"):
        check_webhook_url("https://hooks.example.com/in", allow_local_http=False)
    with pytest.raises(DisallowedWebhookUrl, match=r"10\.0\.0\.7"):
        vetted_addresses("hooks.example.com", 443, allow_local_http=False)


def test_a_name_with_only_public_addresses_is_allowed_and_vetted_in_resolver_order(dns):
    dns["hooks.example.com"] = [PUBLIC_V6, PUBLIC_V4, PUBLIC_V6]
    url = "https://hooks.example.com:8443/in?x=1"
    assert check_webhook_url(url, allow_local_http=False) == url
    assert vetted_addresses("hooks.example.com", 8443, allow_local_http=False) == [PUBLIC_V6, PUBLIC_V4]


def test_resolve_false_checks_syntax_only_for_host_names(dns):
    dns["hooks.example.com"] = ["10.0.0.1"]
    url = "https://hooks.example.com/in"
    assert check_webhook_url(url, allow_local_http=False, resolve=False) == url


def test_a_name_that_does_not_resolve_is_accepted_at_configuration_but_refused_at_send_time():
    url = "https://not-yet-resolvable.example.com/in"
    assert check_webhook_url(url, allow_local_http=False) == url
    with pytest.raises(DisallowedWebhookUrl, match="does not resolve"):
        vetted_addresses("not-yet-resolvable.example.com", 443, allow_local_http=False)


def test_every_send_resolves_again_so_a_name_rebound_to_an_internal_address_is_refused(dns):
    dns["hooks.example.com"] = [PUBLIC_V4]
    assert vetted_addresses("hooks.example.com", 443, allow_local_http=False) == [PUBLIC_V4]
    dns["hooks.example.com"] = ["169.254.169.254"]
    with pytest.raises(DisallowedWebhookUrl, match="link-local"):
        vetted_addresses("hooks.example.com", 443, allow_local_http=False)


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/in", f"http://{PUBLIC_V4}/in", f"http://[{PUBLIC_V6}]/in"]
)
def test_http_is_refused_for_a_public_host_even_when_local_http_is_allowed(dns, url):
    dns["hooks.example.com"] = [PUBLIC_V4]
    for allow_local_http in (False, True):
        with pytest.raises(DisallowedWebhookUrl, match="must use https"):
            check_webhook_url(url, allow_local_http=allow_local_http)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:3000/in", "http://127.1.2.3/in", "http://[::1]:3000/in", "http://localhost:3000/in"],
)
def test_http_to_loopback_is_allowed_only_with_allow_local_http(dns, url):
    dns["localhost"] = ["127.0.0.1", "::1"]
    with pytest.raises(DisallowedWebhookUrl, match="must use https"):
        check_webhook_url(url, allow_local_http=False)
    assert check_webhook_url(url, allow_local_http=True) == url


def test_http_to_a_private_address_is_refused_even_with_allow_local_http():
    with pytest.raises(DisallowedWebhookUrl, match="must use https"):
        check_webhook_url("http://192.168.1.10/in", allow_local_http=True)


@pytest.mark.parametrize("resolve", [True, False])
def test_localhost_is_allowed_only_with_allow_local_http(dns, resolve):
    dns["localhost"] = ["127.0.0.1"]
    for url in ("https://localhost/in", "https://localhost./in", "https://api.localhost/in"):
        with pytest.raises(DisallowedWebhookUrl, match="loopback"):
            check_webhook_url(url, allow_local_http=False, resolve=resolve)
    assert check_webhook_url("https://localhost:8443/in", allow_local_http=True, resolve=resolve)
    with pytest.raises(DisallowedWebhookUrl, match="loopback host name"):
        vetted_addresses("localhost", 443, allow_local_http=False)
    assert vetted_addresses("localhost", 443, allow_local_http=True) == ["127.0.0.1"]


def test_localhost_is_refused_if_it_resolves_beyond_loopback(dns):
    dns["localhost"] = ["127.0.0.1", "10.1.1.1"]
    with pytest.raises(DisallowedWebhookUrl, match="private"):
        vetted_addresses("localhost", 80, allow_local_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hooks.example.com/in",
        "https://token@hooks.example.com/in",
        "https://:pass@hooks.example.com/in",
        "https://hooks.example.com:443@hooks.example.com/in",
    ],
)
def test_user_information_is_refused(dns, url):
    dns["hooks.example.com"] = [PUBLIC_V4]
    with pytest.raises(DisallowedWebhookUrl, match="user information") as refused:
        check_webhook_url(url, allow_local_http=False)
    assert "https://hooks.example.com" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/in", "must use https"),
        ("javascript:alert(1)", "must use https"),
        ("hooks.example.com/in", "must use https"),
        ("https://", "no host"),
        ("https:///in", "no host"),
        ("https:hooks.example.com", "no host"),
        ("https://hooks example.com/in", "whitespace or control"),
        (" https://hooks.example.com/in", "whitespace or control"),
        ("https://hooks.example.com/in\n", "whitespace or control"),
        ("https://hooks.example.com/\tin", "whitespace or control"),
        ("https://hooks.example.com/in\x00", "whitespace or control"),
        ("https://hooks.example.com/in\x7f", "whitespace or control"),
        ("https://bücher.example/in", "must be ASCII"),
        ("https://hooks.example.com/in" + "x" * MAX_URL_LENGTH, "longer than 2048"),
        ("https://hooks.example.com:0/in", "port"),
        ("https://hooks.example.com:99999/in", "not a valid URL"),
        ("https://hooks.example.com:http/in", "not a valid URL"),
        ("https://[::1/in", "not a valid URL"),
        ("https://[127.0.0.1]/in", "not a valid URL"),
        ("https://hooks$example.com/in", "not a valid host name"),
        ("https://hooks..example.com/in", "not a valid host name"),
        (f"https://{'a' * 64}.example.com/in", "not a valid host name"),
    ],
)
def test_malformed_urls_are_refused(url, reason):
    with pytest.raises(DisallowedWebhookUrl, match=reason):
        check_webhook_url(url, allow_local_http=True)


def test_a_url_of_exactly_the_maximum_length_is_allowed(dns):
    dns["hooks.example.com"] = [PUBLIC_V4]
    prefix = "https://hooks.example.com/"
    url = prefix + "x" * (MAX_URL_LENGTH - len(prefix))
    assert check_webhook_url(url, allow_local_http=False) == url


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://alice:s3cr3t@10.0.0.1:8443/inbox/TOKENPATH?token=SECRETQUERY#frag", "https://10.0.0.1:8443"),
        ("https://alice:s3cr3t@internal.example.com/inbox/TOKENPATH?token=SECRETQUERY", "https://internal.example.com"),
        ("https://internal.example.com/inbox/TOKENPATH?token=SECRETQUERY", "https://internal.example.com"),
        ("https://[fd00::5]/inbox/TOKENPATH?token=SECRETQUERY", "https://[fd00::5]"),
        ("http://alice:s3cr3t@hooks.example.com/inbox/TOKENPATH?token=SECRETQUERY", "http://hooks.example.com"),
        ("http://hooks.example.com:8080/inbox/TOKENPATH?token=SECRETQUERY", "http://hooks.example.com:8080"),
        ("https://localhost/inbox/TOKENPATH?token=SECRETQUERY", "https://localhost"),
    ],
)
def test_messages_name_only_scheme_host_and_port(dns, url, origin):
    dns["internal.example.com"] = ["10.9.8.7"]
    dns["hooks.example.com"] = [PUBLIC_V4]
    with pytest.raises(DisallowedWebhookUrl) as refused:
        check_webhook_url(url, allow_local_http=False)
    message = str(refused.value)
    assert origin in message
    for secret in ("alice", "s3cr3t", "TOKENPATH", "SECRETQUERY", "frag", "/inbox"):
        assert secret not in message


def test_parsed_target_keeps_path_and_query_for_the_request_line():
    target = parse_webhook_url("https://Hooks.Example.com:8443/in/box?a=1&b=%20#frag", allow_local_http=False)
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 8443)
    assert target.request_target == "/in/box?a=1&b=%20"
    assert target.origin == "https://hooks.example.com:8443"
    bare = parse_webhook_url("https://[2606:4700::1]", allow_local_http=False)
    assert (bare.host, bare.port, bare.request_target, bare.origin) == (
        "2606:4700::1",
        443,
        "/",
        "https://[2606:4700::1]",
    )
