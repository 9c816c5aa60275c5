"""The client's real address behind the reverse proxy, and only there.

`X-Forwarded-For` is a header anyone can send. Believed from everybody, it lets a client that reaches gunicorn
directly pick its own address for every request, and so escape every rate limit (sign-in, status look-ups) and
pass for a shared terminal listed in TERMINAL_ADDRESSES. So the header is read only when the connection itself
comes from an address in TRUSTED_PROXIES (the proxies in front of the app), and the client is then the right-most
address in it that is not one of those proxies: what the nearest untrusted hop was seen as, whatever the client
wrote in front of it. `X-Forwarded-Proto` (set, not appended, by the proxy that ends HTTPS) is believed from the
same proxies only.

TRUSTED_PROXY_COUNT, the older setting, counted hops without saying who may be believed. It still works, but only
for connections from this machine (loopback: nginx on the same host), with a warning to name the proxies instead.
"""
from __future__ import annotations

import ipaddress
import logging

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
UNIX_SOCKET = "unix"  # in TRUSTED_PROXIES: believe the proxy that connects through gunicorn's unix socket


class ProxySettingError(ValueError):
    """TRUSTED_PROXIES names something that is not an address or a network."""


def parse_trusted_proxies(text: str) -> tuple[list[Network], bool]:
    """`127.0.0.1, 10.0.0.0/24, unix` -> the networks, and whether the unix socket is trusted. A typo refuses to
    start rather than quietly believing nobody (every rate limit would then count the proxy as one client)."""
    networks, unix = [], False
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part.lower() == UNIX_SOCKET:
            unix = True
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as error:
            raise ProxySettingError(f"TRUSTED_PROXIES: {part!r} is not an address or a network") from error
    return networks, unix


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and wsgi.url_scheme from the forwarding headers of trusted proxies only."""

    def __init__(self, wsgi_app, networks: list[Network], unix_socket: bool = False, legacy_hops: int = 0):
        self.wsgi_app = wsgi_app
        self.networks = list(networks)
        self.unix_socket = unix_socket
        self.legacy_hops = legacy_hops

    def _trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def _peer_is_trusted(self, remote: str) -> bool:
        peer = _address(remote)
        if peer is None:  # gunicorn on a unix socket: no address, only the proxy can connect to the socket
            return self.unix_socket
        return self._trusted(peer)

    def client(self, remote: str, forwarded_for: str) -> str:
        """The address to believe for this request."""
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if not hops or not self._peer_is_trusted(remote):
            return remote
        if self.legacy_hops:  # ProxyFix's rule: the address the outermost of N proxies appended
            chosen = hops[-self.legacy_hops] if len(hops) >= self.legacy_hops else None
            return chosen if chosen and _address(chosen) else remote
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return remote  # a proxy wrote something that is not an address: believe none of it
            if not self._trusted(address):
                return str(address)
        return str(_address(hops[0]))  # every hop is a trusted proxy: the request started at the first one

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        environ["REMOTE_ADDR"] = self.client(remote, environ.get("HTTP_X_FORWARDED_FOR", ""))
        proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
        if proto in ("http", "https") and self._peer_is_trusted(remote):
            environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


def install(app) -> None:
    """Wrap the app according to TRUSTED_PROXIES (or the older TRUSTED_PROXY_COUNT)."""
    networks, unix = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES", ""))
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if networks or unix:
        if hops:
            logging.getLogger("bastau").warning(
                "TRUSTED_PROXIES is set: TRUSTED_PROXY_COUNT=%s is ignored", hops)
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks, unix)
    elif hops:
        logging.getLogger("bastau").warning(
            "TRUSTED_PROXY_COUNT is deprecated: set TRUSTED_PROXIES to the proxies' addresses. Until then "
            "X-Forwarded-For is believed only on connections from this machine (127.0.0.1, ::1)")
        app.wsgi_app = TrustedProxies(app.wsgi_app, list(LOOPBACK), legacy_hops=hops)
