"""`flask reference load`, `flask demo load`, `flask users create`, `flask training advance`,
`flask backup`, `flask restore`."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .models import District, Region, Role, User

reference_cli = AppGroup("reference", help="Reference data: regions, districts, MCI.")
demo_cli = AppGroup("demo", help="Demo data for trying Bastau out.")
users_cli = AppGroup("users", help="Staff accounts.")
training_cli = AppGroup("training", help="Training cohorts.")


@reference_cli.command("load")
def load_reference():
    """Load (or refresh) regions, districts and MCI values from bastau/data."""
    from .reference import load_all
    click.echo(f"Reference data: {load_all()}.")


@demo_cli.command("load")
def load_demo():
    """Load demo users and applications, only into a database that has no applications or users yet."""
    from .demo import database_is_empty, load
    if not database_is_empty():
        click.echo("Demo data: the database already has data; nothing loaded.")
        return
    click.echo(load())


@demo_cli.command("logins")
def show_logins():
    from .demo import logins_text
    click.echo(logins_text())


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.NATIONAL_ADMIN.value)
@click.option("--district", "district_code", help="KATO code of the district (district roles).")
@click.option("--region", "region_code", help="KATO code of the region (regional administrators).")
@click.password_option()
def create_user(username, full_name, role, district_code, region_code, password):
    """Create a staff account (the first national administrator, for instance)."""
    role = Role(role)
    user = User(username=username.lower(), full_name=full_name, role=role, must_change_password=True)
    if role not in (Role.NATIONAL_ADMIN, Role.REGIONAL_ADMIN):
        user.district = db.session.scalar(sa.select(District).where(District.kato_code == district_code))
        if user.district is None:
            raise click.BadParameter("a district role needs --district with a known KATO code")
    if role == Role.REGIONAL_ADMIN:
        user.region = db.session.scalar(sa.select(Region).where(Region.kato_code == region_code))
        if user.region is None:
            raise click.BadParameter("a regional administrator needs --region with a known KATO code")
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role.value} {user.username}.")


@training_cli.command("advance")
def advance_training():
    """Move participants on as the calendar goes (run daily from cron; pages also do it as they load):
    enrolled -> in training from the first day, in training -> completed after the last day."""
    from .clock import today
    from .training.services import advance_cohorts
    advanced = advance_cohorts(today())
    click.echo(f"Training: {advanced.started} started, {advanced.completed} completed.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path):
    """Copy the database to PATH (SQLite online backup, or pg_dump -Fc) and the business plans to
    PATH.plans.tar; safe while the app runs."""
    from .backup import BackupError, backup
    try:
        click.echo("\n".join(backup(current_app, path)))
    except BackupError as error:
        raise click.ClickException(str(error)) from None


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path):
    """Replace the database (and the business plans, if PATH.plans.tar is there) with the backup at PATH.
    Stop every app server first."""
    from .backup import STOP_FIRST, BackupError, restore
    click.echo(STOP_FIRST)
    try:
        click.echo("\n".join(restore(current_app, path)))
    except BackupError as error:
        raise click.ClickException(str(error)) from None


def init_app(app: Flask) -> None:
    for group in (reference_cli, demo_cli, users_cli, training_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
