"""`flask reference load`, `flask demo load`, `flask users create`, `flask worker`, `flask jobs`,
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


@click.group("jobs", cls=AppGroup, invoke_without_command=True)
@click.pass_context
@with_appcontext
def jobs_cli(ctx):
    """The periodic jobs of the programme's calendar (alone: list them)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_jobs)


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


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Threads that run jobs in this process.")
@click.option("--no-periodic", is_flag=True, help="Only run jobs, do not schedule them (another worker does).")
def worker_command(workers, no_periodic):
    """Run the job worker in the foreground: the programme's calendar moves by itself (Ctrl+C stops it)."""
    import logging

    from .jobs.engine import run_worker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(current_app._get_current_object(), workers, periodic=not no_periodic)


@jobs_cli.command("list")
def list_jobs():
    """Each periodic job with its last run, next run and last error."""
    from .jobs import PERIODIC, is_stale, runs
    from .models import utcnow
    known, now = runs(), utcnow()
    for job in PERIODIC:
        run = known.get(job.name)
        last = run.last_started_at if run else None
        upcoming = (last + job.period) if last else now
        state = "STALE" if is_stale(job, run, now) else "ok"
        click.echo(f"{job.name:22} every {job.every_minutes:>3} min  {state:5}  "
                   f"last run: {_when(last)}  next run: {_when(max(upcoming, now))}  runs: {run.runs if run else 0}")
        click.echo(f"{'':22} {job.description}")
        if run and run.last_result:
            click.echo(f"{'':22} last result: {run.last_result}")
        if run and run.last_error:
            click.echo(f"{'':22} LAST ERROR: {run.last_error.splitlines()[-1]}")


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "never"


@jobs_cli.command("run-due")
@click.option("--all", "everything", is_flag=True, help="Run every job, due or not.")
def run_due_command(everything):
    """Run every job that is due now, once, and exit (for cron and for tests)."""
    from .jobs import run_due
    results = run_due(everything=everything)
    for name, result in results.items():
        click.echo(f"{name}: {result}")
    if not results:
        click.echo("Nothing was due.")
    if any(result.startswith("failed") for result in results.values()):
        raise SystemExit(1)


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
@click.option("--end-sessions", is_flag=True,
              help="PostgreSQL: end the other sessions connected to the database (pg_terminate_backend) instead of "
                   "refusing while there are any.")
@with_appcontext
def restore_command(path, end_sessions):
    """Replace the database (and the business plans, if PATH.plans.tar is there) with the backup at PATH.
    Stop every app server first: on PostgreSQL the restore is refused while other sessions are connected."""
    from .backup import STOP_FIRST, BackupError, restore
    click.echo(STOP_FIRST)
    try:
        click.echo("\n".join(restore(current_app, path, end_sessions=end_sessions)))
    except BackupError as error:
        raise click.ClickException(str(error)) from None


dashboard_cli = AppGroup("dashboard", help="The dashboard's tallies.")


@dashboard_cli.command("recount")
def recount_tallies():
    """Rewrite the dashboard's tallies from the applications (a repair; the app keeps them current itself)."""
    from .dashboard import tallies
    rows = tallies.recount(db.session.connection())
    db.session.commit()
    click.echo(f"Dashboard tallies recounted: {rows} rows.")


def init_app(app: Flask) -> None:
    for group in (reference_cli, demo_cli, users_cli, jobs_cli, dashboard_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
