"""Defence before the commission, the two certificates, and their public verification."""
from flask import Blueprint

bp = Blueprint("defence", __name__)
