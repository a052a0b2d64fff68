"""Command-line tools: `flask --app complaints seed-demo | create-user | import | demo | nlp`."""
from __future__ import annotations

import secrets

import click
from flask import Flask

from complaints import demo
from complaints.models import ROLES


def register(app: Flask) -> None:
    from assessment.cli import assessment_cli
    from complaints.clusters_cli import clusters as clusters_group
    from complaints.data_cli import demo_group, import_command
    from complaints.nlp.cli import nlp as nlp_group

    app.cli.add_command(nlp_group)
    app.cli.add_command(clusters_group)
    app.cli.add_command(assessment_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(demo_group)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load demo units, the Traffy category taxonomy and the demo officer and manager accounts."""
        result = demo.seed()
        click.echo(f"units: {result.units_created} new, categories: {result.categories_created} new")
        for username, role, _, _ in demo.DEMO_ACCOUNTS:
            if username in result.passwords:
                click.echo(f"{role} account: username '{username}' password '{result.passwords[username]}'")
            else:
                click.echo(f"{role} account '{username}' already exists (password unchanged)")

    @app.cli.command("rotate-contact-key")
    def rotate_contact_key() -> None:
        """Re-encrypt contact data (complainants, outbox recipients) under the newest CONTACT_ENCRYPTION_KEYS key."""
        from complaints.services import contact_crypto

        click.echo(f"re-encrypted {contact_crypto.rotate_all()} records")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True, help="Display name")
    @click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
    @click.option("--unit", "unit_code", default=None, help="Unit code")
    @click.option("--password", default=None, help="Leave out to generate one")
    def create_user(username, display_name, role, unit_code, password) -> None:
        """Create a staff account."""
        # Through the CLI rule: an integrity officer made here is audited and told.
        from complaints.services.accounts import AccountError, create_user_by_cli as create

        password = password or secrets.token_urlsafe(12)
        try:
            create(username, display_name, role, password, unit_code)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"created {role} '{username}' with password '{password}'")
