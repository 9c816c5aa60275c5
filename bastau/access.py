"""Which records a staff member may see: their district, their region, or everything."""
from __future__ import annotations

import sqlalchemy as sa

from .models import Application, District, Role, User


def applications_for(user: User) -> sa.Select:
    """Applications in the user's area; every staff query starts here so that none forgets the area."""
    query = sa.select(Application)
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGIONAL_ADMIN:
        return query.join(District, Application.district_id == District.id).where(District.region_id == user.region_id)
    return query.where(Application.district_id == user.district_id)
