"""The member's own space between sessions (C9): commitments followed up and the 72-hour plan
after a dosing session. (The journal and the grounding exercises are packages of their own.)"""

from flask import Blueprint

bp = Blueprint("space", __name__)

from circles.space import follow_ups, views  # noqa: E402,F401

follow_ups.connect()
