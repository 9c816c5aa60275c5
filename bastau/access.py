"""Which records a staff member may see: their district, their region, or everything."""
from __future__ import annotations

import sqlalchemy as sa

from .models import Application, District, Role, User


def in_area(query: sa.Select, user: User, district_id) -> sa.Select:
    """Narrow a query to the user's area, given the column that holds a row's district:
    national administrators see the whole country, regional ones their region, everyone else their district."""
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGIONAL_ADMIN:
        return query.join(District, district_id == District.id).where(District.region_id == user.region_id)
    return query.where(district_id == user.district_id)


def applications_for(user: User) -> sa.Select:
    """Applications in the user's area; every staff query starts here so that none forgets the area."""
    return in_area(sa.select(Application), user, Application.district_id)
