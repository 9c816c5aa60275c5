"""The ceiling on this machine: a bare Flask app served by the same gunicorn settings as Bastau (bench/load.py)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
