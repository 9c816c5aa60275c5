"""Employment centre: the queue of applications, target-group decisions, lists sent to the chamber."""
from flask import Blueprint

bp = Blueprint("centre", __name__, url_prefix="/centre")
