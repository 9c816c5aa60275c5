"""Which records a staff member may see: their district, their region, or everything."""
from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .models import Application, District, Role, User


def in_area(query: sa.Select, user: User, district_id) -> sa.Select:
    """Narrow a query to the user's area, given the column that holds a row's district:
    national administrators see the whole country, regional ones their region, everyone else their district.
    For a query of districts themselves, pass District.id."""
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGIONAL_ADMIN:
        if district_id is not District.id:
            query = query.join(District, district_id == District.id)
        return query.where(District.region_id == user.region_id)
    return query.where(district_id == user.district_id)


def can_see(user: User, district_id: int | None) -> bool:
    """The same rule for one district: is it in the user's area?"""
    if user.role == Role.NATIONAL_ADMIN:
        return True
    if district_id is None:
        return False
    if user.role == Role.REGIONAL_ADMIN:
        district = db.session.get(District, district_id)
        return district is not None and district.region_id == user.region_id
    return district_id == user.district_id


def can_see_region(user: User, region_id: int | None) -> bool:
    """A whole region is in the area of national administrators and of that region's own administrators."""
    if user.role == Role.NATIONAL_ADMIN:
        return True
    return user.role == Role.REGIONAL_ADMIN and region_id is not None and region_id == user.region_id


def applications_for(user: User) -> sa.Select:
    """Applications in the user's area; every staff query starts here so that none forgets the area."""
    return in_area(sa.select(Application), user, Application.district_id)
