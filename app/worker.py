"""The background worker's entry point: `huey_consumer app.worker.huey`.

Building the app imports every package, and with them every module that defines tasks, so the
consumer's task registry knows them all; tasks then run inside this app.
"""

from . import create_app, tasks

app = create_app()
tasks.set_worker_app(app)
huey = tasks.huey
