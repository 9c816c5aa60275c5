"""Small URL helpers."""
from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Only ever redirect within this site: a path, no scheme, no host, no //evil.example."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
