"""The trainer's phone: today's session, attendance in a few taps; the absence rule; the commission's decisions."""
from flask import Blueprint

bp = Blueprint("trainer", __name__)
