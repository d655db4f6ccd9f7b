"""The Trellis application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import converters
from .config import check_production, from_environment

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, then each package's `init_app`."""
    instance = os.environ.get("TRELLIS_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    converters.init_app(app)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    check_production(app.config)
    if proxies := app.config.get("TRUSTED_PROXIES"):
        # The client's address and scheme as the proxies in front saw them (and no one else:
        # with no trusted proxy, an X-Forwarded-For header from the client is ignored).
        from werkzeug.middleware.proxy_fix import ProxyFix

        fixed = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
        app.wsgi_app = fixed  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from . import cli, database, identity, tasks, uow, web
    from .extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    database.init_app(app)
    identity.init_app(app)
    web.init_app(app)
    uow.init_app(app)
    if app.config.get("HUEY_IMMEDIATE"):
        tasks.huey.immediate = True

    # Packages import inside the factory, so the shell never creates an import cycle.
    import billing
    import pathways
    import reports

    from . import api, auth, home, people, scim, sso

    for package in (auth, home, people, api, scim, sso, billing, pathways, reports):
        package.init_app(app)
    cli.init_app(app)
    return app
