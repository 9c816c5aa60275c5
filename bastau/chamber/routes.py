"""Chamber branch: the lists received from the employment centre, approving or returning names."""
from flask import Blueprint

bp = Blueprint("chamber", __name__, url_prefix="/chamber")
