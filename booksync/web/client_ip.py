"""The client's real address, read through the reverse proxies the deployment trusts (TRUSTED_PROXIES).

Behind a proxy every request arrives from the proxy's address, so keying rate
limits on ``REMOTE_ADDR`` would put every customer in one bucket. Proxies
append the address they received from to ``X-Forwarded-For``; walking that
list from the right and skipping our own proxies gives the first address no
trusted proxy vouches for: the client. With no trusted proxy configured the
header is ignored altogether, so a client cannot pick its own address by
sending one.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    """``("127.0.0.1", "10.0.0.0/8")`` → networks; a bare address is a one-address network."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The address limits and logs should name for ``request``."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    networks = parse_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not trusted(_address(remote), networks):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage: trust nothing further left than this
        if not trusted(address, networks):
            return str(address)
    # Every hop is one of ours (or there were none): the nearest proxy is the best we know.
    return remote
