"""The consent texts for staff, and the citizen's own consent when an operator enters the application."""
