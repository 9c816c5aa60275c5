"""Small URL helpers."""
from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Only ever redirect within this site: a path, no scheme, no host, no //evil.example."""
    # No control characters: CR/LF in a Location header would be a 500 (or, elsewhere, a split response).
    if not target or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
