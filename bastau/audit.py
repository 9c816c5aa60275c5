"""The audit log: one entry for every decision about a person. Entries are only ever added."""
from __future__ import annotations

from .extensions import db
from .models import Application, AuditEntry, AuditTypedNote, Status, User


def record(action: str, actor: User | None, application: Application | None = None, *,
           from_status: Status | None = None, to_status: Status | None = None,
           reason: str | None = None, note: str | None = None, subject_user: User | None = None,
           actor_role: str | None = None, typed: str | None = None) -> AuditEntry:
    """Add an entry to the session; the caller's transaction commits it with the decision itself.
    Without a member of staff, `actor_role` names who acted ("calendar", "applicant").

    `note` is what the code itself writes (a cohort's title, a score, a certificate number: never a name);
    `typed` is what a person typed (a reason, a comment), which may name someone: it is kept beside the entry
    (AuditTypedNote), where erasing the person's data can reach it (bastau/personal_data.py)."""
    entry = AuditEntry(action=action, actor=actor, actor_role=actor.role.value if actor else actor_role,
                       application=application, from_status=from_status, to_status=to_status,
                       reason=reason, note=note or None,
                       subject_user_id=subject_user.id if subject_user else None)
    if typed and typed.strip():
        entry.typed = AuditTypedNote(text=typed.strip())
    db.session.add(entry)
    return entry


# The database itself refuses to change or delete an entry (triggers added by the migration
# "append-only audit log"); tests empty the table with purge_for_tests().
def purge_for_tests(conn) -> None:
    """Empty the audit log between tests: the only place that may, and never in the app."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("TRUNCATE audit_typed_note, audit_entry")  # row triggers do not fire on TRUNCATE
        return
    conn.exec_driver_sql("DELETE FROM audit_typed_note")  # not append-only: the words typed with the entries
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    conn.exec_driver_sql("DELETE FROM audit_entry")
    conn.exec_driver_sql("""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
                            BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END""")
