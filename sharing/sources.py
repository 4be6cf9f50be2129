"""Where a request comes from, as the hub's limits count it: one IPv4 address, or one
IPv6 /64 network. A home's or a host's IPv6 connection is given a /64 at least (2**64
addresses), so counting each address apart would let one sender count as many."""

from __future__ import annotations

import ipaddress


def source_of(address: str | None) -> str:
    """The source ``address`` counts as: an IPv4 address as it is (also when it comes as
    an IPv4-mapped IPv6 address), an IPv6 address as its /64 (``2001:db8:1:2::/64``), and
    text that is no address as it is."""
    text = (address or "").strip()
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(found, ipaddress.IPv6Address):
        if found.ipv4_mapped is not None:
            return str(found.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(found) >> 64 << 64, 64)))
    return str(found)
