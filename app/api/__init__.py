"""The JSON API under /api/v1 (plumbing, OpenAPI, and the shell's own endpoints)."""

from flask import Flask

from .openapi import add_schema, page_of


def init_app(app: Flask) -> None:
    from .people import EMPLOYEE_SCHEMA, TEAM_SCHEMA, bp

    app.register_blueprint(bp)
    add_schema(app, "Employee", EMPLOYEE_SCHEMA)
    add_schema(app, "EmployeePage", page_of("Employee"))
    add_schema(app, "Team", TEAM_SCHEMA)
