"""Where a delivery may connect. A company's key chooses its endpoint URL, so without a check
the deliverer would POST wherever it is pointed: the metadata service, the database, an admin
page on the internal network. Unless private targets are allowed, the host is resolved once,
every address must be public, and the request connects to the address that was checked (so a
second lookup cannot answer differently), with the host kept for the Host header and TLS.
Allowed or not, a delivery connects to the addresses resolved here, in order."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

PRIVATE_HINT = "set INBOXSYNC_WEBHOOK_ALLOW_PRIVATE_TARGETS=true to deliver inside your network"
_LOCAL_NAMES = ("localhost", "localhost.")


class TargetRefused(Exception):
    """The endpoint's host is not one a delivery may connect to."""


@dataclass(frozen=True, slots=True)
class Target:
    """The URL to request, and what makes it reach the endpoint's own host."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


def literal_refusal(host: str) -> str | None:
    """Why `host` (an address literal, or a name of this machine) is not a public target; None
    when only a lookup can tell."""
    if host.lower() in _LOCAL_NAMES or host.lower().endswith((".localhost", ".localhost.")):
        return f"{host} is this machine"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return _address_refusal(address)


def pin_targets(url: str, *, allow_private: bool) -> list[Target]:
    """The request targets of an endpoint URL, one per address its host resolves to, in the
    resolver's order (TargetRefused when the host leads to a private address and those are not
    allowed, or does not resolve)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    refusal = None if allow_private else literal_refusal(host)
    if refusal is not None:
        raise TargetRefused(f"{refusal}; {PRIVATE_HINT}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{host} does not resolve ({exc})") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))
    for address in addresses:
        refusal = None if allow_private else _address_refusal(address)
        if refusal is not None:
            raise TargetRefused(f"{host} resolves to {refusal}; {PRIVATE_HINT}")
    headers = {"Host": parts.netloc}
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return [
        Target(urlunsplit(parts._replace(netloc=_netloc(address, parts.port))), headers, extensions)
        for address in addresses
    ]


def _netloc(address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int | None) -> str:
    literal = f"[{address}]" if address.version == 6 else str(address)
    return f"{literal}:{port}" if port else literal


def _address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_global and not address.is_multicast:
        return None
    return f"{address}, a private, loopback or reserved address"
