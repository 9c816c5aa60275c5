"""Financing referrals, their outcomes, and whether a business was opened (6 and 12 months on)."""
from flask import Blueprint

bp = Blueprint("loans", __name__)
