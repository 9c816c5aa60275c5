"""The entrepreneurial-potential test: question bank, supervised terminal sittings, paper scores."""
from flask import Blueprint

bp = Blueprint("potential", __name__)
