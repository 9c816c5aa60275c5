"""Staff accounts: administrators manage them; everyone changes their own password."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)
