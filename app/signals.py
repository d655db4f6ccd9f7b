"""Signals the shell sends so other packages can react without the shell importing them.

Receivers run inside the sender's transaction (they may add rows, never commit); side effects
that must wait for the commit go through `app.tasks.after_commit` or the queue.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the acting User; kwargs: person_ids=list[int]. Sent after people are created (form,
# API, CSV import) and flushed.
people_joined = _signals.signal("people-joined")
# sender: the acting User; kwargs: person_ids=list[int]. Sent after a person is deactivated.
person_left = _signals.signal("person-left")
# sender: the acting User; kwargs: person_ids=list[int]. Sent after a person is reactivated.
person_returned = _signals.signal("person-returned")
