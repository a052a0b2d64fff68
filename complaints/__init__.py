"""Rongrian (ร้องเรียน): complaint management for Thai public agencies."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from flask import Flask

from complaints.config import load_config


def _template_folder() -> str:
    # Installed as the package data of complaints.templates (see pyproject.toml),
    # which in a checkout is the top-level templates/ folder.
    spec = importlib.util.find_spec("complaints.templates")
    if spec and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return str(Path(__file__).resolve().parent.parent / "templates")


def _migrations_folder() -> str:
    beside_package = Path(__file__).resolve().parent.parent / "migrations"
    return str(beside_package) if beside_package.is_dir() else "migrations"


def _postgres_options(app: Flask) -> None:
    """Hand POSTGRES_OPTIONS to each new PostgreSQL connection (no extra round trip)."""
    options = app.config.get("POSTGRES_OPTIONS")
    if options and str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        engine = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        engine["connect_args"] = {**engine.get("connect_args", {}), "options": options}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine


def _behind_proxies(app: Flask) -> None:
    """Trust the X-Forwarded-* headers of TRUSTED_PROXY_COUNT proxies (werkzeug's ProxyFix).

    request.remote_addr (the rate limits, the audit trail, the access log) then is the
    client's address, and request.scheme and request.host are the ones the browser
    used, which Flask-WTF's referrer check on HTTPS compares the Referer with. With
    0, the default, the headers are left unread: without a proxy that overwrites
    them they are whatever the client wrote. X-Forwarded-Port is not read: the proxy
    passes the browser's Host (with its port, if any) instead.
    """
    hops = int(app.config["TRUSTED_PROXY_COUNT"])
    prefix = int(app.config["TRUSTED_PROXY_PREFIX_COUNT"])
    if hops < 0 or prefix < 0:
        # ProxyFix would read a negative count from the wrong end of the header.
        raise ValueError("TRUSTED_PROXY_COUNT and TRUSTED_PROXY_PREFIX_COUNT must be 0 or more")
    if hops or prefix:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=prefix
        )


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web application; nothing here migrates, seeds or connects."""
    app = Flask(__name__, instance_relative_config=True, template_folder=_template_folder())
    from complaints import ids, json_input

    ids.init_app(app)  # before the blueprints: their <int:…> rules use the safe converter
    json_input.init_app(app)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    from complaints import observability
    from complaints.models import encrypted
    from complaints.startup_checks import check_production

    observability.init_app(app)  # first: the start-up checks' warnings are log lines like any other
    check_production(app.config)
    _postgres_options(app)
    _behind_proxies(app)
    encrypted.init_app(app)
    for folder in (app.instance_path, app.config["UPLOAD_DIR"]):
        os.makedirs(folder, exist_ok=True)

    # The assessment's tables join the app's one metadata here, by name, not as a side effect of
    # importing its views: Alembic compares the migrations with this metadata.
    import assessment.models  # noqa: F401
    from assessment.views import bp as assessment_bp
    from complaints import cli
    from complaints.admin import bp as admin_bp
    from complaints.api import bp as api_bp
    from complaints.auth import bp as auth_bp
    from complaints.channels import bp as channels_bp
    from complaints.errors import register_error_handlers
    from complaints.extensions import csrf, db, limiter, login_manager, migrate
    from complaints.manager import bp as manager_bp
    from complaints.officer import bp as officer_bp
    from complaints.open311 import bp as open311_bp
    from complaints.ops import bp as ops_bp
    from complaints.public import bp as public_bp
    from complaints.services.casework import workflow
    from complaints.services.messaging import outbox
    from complaints.services.staff.accounts import load_user
    from complaints.web.templating import register_template_helpers, set_security_headers
    from workers.celery_app import celery_init_app

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_folder(), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "กรุณาเข้าสู่ระบบ / Please sign in."
    csrf.init_app(app)
    limiter.init_app(app)
    celery_init_app(app)
    # A sent acknowledgement is recorded by the workflow (messaging knows no workflow).
    outbox.on_sent(app, "acknowledgement", workflow.acknowledge_delivery)

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(manager_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(assessment_bp)
    csrf.exempt(api_bp)
    app.register_blueprint(channels_bp)
    csrf.exempt(channels_bp)  # webhooks: signed by the sender instead
    app.register_blueprint(open311_bp)
    csrf.exempt(open311_bp)
    app.register_blueprint(ops_bp)  # /healthz, /readyz, /metrics
    register_error_handlers(app)
    register_template_helpers(app)
    app.after_request(set_security_headers)
    cli.register(app)
    return app
