"""Entry point for `flask` and gunicorn: `gunicorn -w 4 app:app`."""
from bastau import create_app

app = create_app()
