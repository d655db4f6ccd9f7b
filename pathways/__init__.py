"""The learning side, one room per feature: capabilities (frameworks, roles, levels, gaps),
the catalogue, learning (pathways, enrolments, recommendations), mentoring, learning requests,
and the learning network (communities), which reads them all.
The rooms point one way (capabilities ← catalogue ← learning ← mentoring ← requests, enforced
by tests/app/test_layers.py); each wires itself in its own `init_app`, lower rooms first, so a
higher room can fill the hooks a lower one offers."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the rooms in order."""
    from . import capabilities, catalogue, community, learning, mentoring, requests

    for room in (capabilities, catalogue, learning, mentoring, requests, community):
        room.init_app(app)
