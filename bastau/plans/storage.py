"""Where uploaded business plans are kept: a small interface, so that a bucket can replace the folder later.

Files live outside static/ under generated names (never the uploaded name). A file is written to a temporary
file in the same folder, fsync'd and renamed into place, so a reader never sees half a file; the caller commits
the database row only after save() returned, and deletes the file if that commit fails.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app

# Only names we generated can be opened or deleted: no path, no traversal.
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")


class LocalStorage:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def save(self, stream: BinaryIO, extension: str = "") -> str:
        """Copy the stream (from its start) into a new file; return its generated name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex + extension.lower()
        if not STORED_NAME.match(name):
            raise ValueError(f"bad extension {extension!r}")
        stream.seek(0)
        handle = tempfile.NamedTemporaryFile(dir=self.folder, prefix=".upload-", delete=False)
        try:
            with handle:
                shutil.copyfileobj(stream, handle, 1024 * 1024)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, self.folder / name)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        self._sync_folder()
        return name

    def open(self, stored_name: str) -> BinaryIO:
        """The stored file for reading; FileNotFoundError if it is not there."""
        return open(self._path(stored_name), "rb")

    def delete(self, stored_name: str) -> None:
        self._path(stored_name).unlink(missing_ok=True)
        self._sync_folder()

    def _path(self, stored_name: str) -> Path:
        if not STORED_NAME.match(stored_name or ""):
            raise FileNotFoundError(stored_name)
        return self.folder / stored_name

    def _sync_folder(self) -> None:
        """Make the rename (or removal) itself survive a power cut (POSIX; a no-op elsewhere)."""
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def plan_storage() -> LocalStorage:
    """The storage the app is configured with (PLAN_STORAGE, default instance/plans)."""
    return LocalStorage(current_app.config["PLAN_STORAGE"])
