"""The one home of "which address is this client" (web kit): sign-in, registration, password
reset and every other rate limit.

Behind a reverse proxy every connection comes from the proxy, so the client is named in
X-Forwarded-For. That header is believed only when the connection itself comes from one of the
TRUSTED_PROXIES (CIDR list): the client is then the rightmost hop that is not a trusted proxy
(each proxy appends the address it saw, so hops to the left of an untrusted one could be made up
by the client). From anyone else the header is ignored, so it cannot be spoofed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

Network = IPv4Network | IPv6Network


@lru_cache(maxsize=32)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks; a bad entry is a configuration error, said plainly."""
    out: list[Network] = []
    for raw in cidrs:
        try:
            out.append(ip_network(raw.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {raw!r} is not an IP address or CIDR range") from exc
    return tuple(out)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        addr = ip_address(address.strip())
    except ValueError:
        return False
    return any(addr in net for net in networks)


def client_address(peer: str, forwarded_for: Iterable[str], trusted_proxies: tuple[str, ...]) -> str:
    """The client's address, given the connection's address and the X-Forwarded-For values."""
    networks = parse_networks(trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ip_address(hop)
        except ValueError:
            return peer  # a malformed hop: believe nothing further left of it
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer  # every hop is a trusted proxy: the first one is the client


def from_request(request: Any) -> str:
    """The client address of a Litestar request, under the app's TRUSTED_PROXIES setting."""
    peer = request.client.host if request.client else ""
    settings = getattr(request.app.state, "settings", None)
    trusted = tuple(getattr(settings, "trusted_proxies", ()) or ())
    return client_address(peer, request.headers.getall("x-forwarded-for", []), trusted)
