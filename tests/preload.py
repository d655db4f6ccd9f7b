"""Imported once by the fork server of the concurrency proofs (tests/billing/workers.py): build
a throwaway app so that every module a worker needs is already imported when it is forked.
Nothing connects to a database here (the URL is an unused in-memory SQLite)."""

from app import create_app
from tests.appconfig import base_config

create_app(base_config("sqlite://"))
