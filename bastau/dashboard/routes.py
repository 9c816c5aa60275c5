"""Plans and results: yearly plans, plan-vs-actual dashboards, trainer results, exports."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)
