#!/usr/bin/env bash
# Serve Trellis with gunicorn and run the background-job worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-5000}"
BIN=.venv/bin

"$BIN/huey_consumer" app.worker.huey --workers 2 --logfile instance/worker.log >/dev/null 2>&1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Trellis is running on http://127.0.0.1:${PORT}
  Sign in with password 'trellis-demo' as:
    hr@acme.test         admin (L&D / HR) at Acme Robotics
    exec@acme.test       executive at Acme Robotics
    manager@acme.test    manager of employee@acme.test
    employee@acme.test   employee at Acme Robotics
    hr@globex.test       admin at Globex
  E-mails go to the log and to the Outbox page (admins) until SMTP_HOST is set.

MSG
"$BIN/gunicorn" --workers 2 --bind "127.0.0.1:${PORT}" --access-logfile - wsgi:app
