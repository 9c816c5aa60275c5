"""Cohorts: chamber staff form them, schedule them and enrol participants; the public sees upcoming intakes."""
from flask import Blueprint

bp = Blueprint("training", __name__)
