"""Business plans: participants (or their trainer) upload them; the right people download them."""
from flask import Blueprint

bp = Blueprint("plans", __name__)
