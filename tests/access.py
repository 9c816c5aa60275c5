"""The access table's building blocks: each area's routes are listed in tests/access_<area>.py."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """How to call a staff route for the objects of one area ("own" or "other") of the `world` fixture.

    url: world[area] -> path, where world[area] has "application_id", "list_id", "user_id", "district_id".
    area_bound: the route is about one object, so staff of another area must get 404 (or 403).
    """
    method: str
    url: Callable[[dict], str]
    area_bound: bool = True
    data: dict | Callable[[dict], dict] = field(default_factory=dict)  # or world[area] -> form data

    def form(self, objects: dict) -> dict:
        return self.data(objects) if callable(self.data) else self.data
