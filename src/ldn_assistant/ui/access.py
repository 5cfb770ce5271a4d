"""Who may reach the chat UI: the address it binds to, and optional logins."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from pathlib import Path

ALL_INTERFACES = "0.0.0.0"


class AccessError(ValueError):
    """A listening address or a login list that cannot be used; the message says why."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_address(host: str, listen_all: bool) -> str:
    """The address to listen on. Anything reachable from other machines needs listen_all, because
    the answers may be read by anyone on the network and questions may hold patient data."""
    if is_loopback(host):
        return ALL_INTERFACES if listen_all else host
    if not listen_all:
        raise AccessError(
            f"{host} is not a loopback address; listening where other machines can connect needs --listen-all "
            "(or LDN_UI_LISTEN_ALL=true). Consider logins too (LDN_UI_USERS)."
        )
    return host


def parse_users(text: str, origin: str = "LDN_UI_USERS") -> dict[str, str]:
    """'user:password' entries separated by commas or new lines -> {user: password}.

    Errors name the entry's position, never its password."""
    users: dict[str, str] = {}
    entries = [e.strip() for e in text.replace("\n", ",").split(",")]
    for number, entry in enumerate((e for e in entries if e and not e.startswith("#")), start=1):
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise AccessError(f"{origin}: entry {number} is not 'user:password'")
        users[user.strip()] = password
    return users


def load_users(inline: str | None, file: Path | None) -> dict[str, str]:
    """Logins from the inline list and from a file (one 'user:password' per line); empty: no login."""
    users: dict[str, str] = {}
    if inline:
        users.update(parse_users(inline))
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise AccessError(f"cannot read the users file {file}: {exc.strerror or exc}") from None
        users.update(parse_users(text, origin=str(file)))
    return users


def make_auth(users: dict[str, str]) -> Callable[[str, str], bool] | None:
    """A login check for gradio's launch(auth=...), or None when no logins are configured."""
    if not users:
        return None
    table = {u.encode(): p.encode() for u, p in users.items()}

    def check(username: str, password: str) -> bool:
        expected = table.get((username or "").encode(), b"")
        # Compare every time, even for an unknown user, so timing does not reveal which users exist.
        ok = hmac.compare_digest(expected or b"\0" * 16, (password or "").encode())
        return ok and bool(expected)

    return check
