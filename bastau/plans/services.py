"""Business plans: what a file really is, who may see whose plans, and storing a new version.

The type of an upload is read from its content, never from its name: an .exe renamed to plan.pdf or an HTML
page named plan.docx is refused and nothing is stored. DOCX and ODT are zip archives: each entry is inflated
(into nothing, only counted) to the end of its own stream, so the archive is refused when it really unpacks to
more than 50 MB or holds more than 1,000 entries, whatever sizes it declares (bastau/archives.py). A PDF that
carries a script, a program to launch or an attached file is refused with the way to a plain one
(plans/pdf_content.py). A photo is refused above 50 megapixels, before its pixels are decoded.
"""
from __future__ import annotations

import hashlib
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import archives, audit
from ..access import applications_for
from ..database import writing
from ..extensions import db
from ..lifecycle import PLAN_STEPS
from ..models import Application, BusinessPlan, Cohort, Role, Sector, User
from ..refusals import NotFound, Refused
from ..trainer.services import cohorts_for
from .pdf_content import Unreadable, active_content
from .storage import LocalStorage

MAX_BYTES = 10 * 1024 * 1024              # per file
MAX_PHOTOS = 30                           # a plan photographed page by page
MAX_PHOTOS_BYTES = 20 * 1024 * 1024       # the photos together (joined into one PDF of a few MB)
PHOTO_LONG_SIDE = 2000                    # pixels kept of a page's photo: sharp enough to read, light to send
MAX_REQUEST_BYTES = max(MAX_BYTES, MAX_PHOTOS_BYTES)
MAX_UNPACKED_BYTES = 50 * 1024 * 1024     # DOCX / ODT: the entries' sizes together, as really unpacked
MAX_ENTRIES = 1000
# A page photographed by the largest phone cameras (50 MP) or scanned at 600 dpi (A4: 35 MP) stays below; a
# "decompression bomb" (a few KB that decode to gigabytes of pixels) does not.
MAX_PIXELS = 50_000_000
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
UPLOADED = "plan_uploaded"

# In training or after it, and not expelled: these participants write (and rewrite) a business plan.
PARTICIPANT_STATUSES = PLAN_STEPS
READERS = (Role.TRAINER, Role.CHAMBER_STAFF, Role.COMMISSION)

NO_FILE = _l("Choose the file of your business plan.")
TOO_BIG = _l("The file is larger than 10 MB. Make it smaller (for example, save the scans in lower quality) "
             "and upload it again.")
EMPTY = _l("The file is empty. Choose the file of your business plan again.")
NOT_ACCEPTED = _l("This kind of file is not accepted. Upload a PDF, Word (DOCX), OpenDocument (ODT), JPEG or PNG "
                  "file.")
DAMAGED = _l("The file could not be read: it seems damaged. Save it again and upload it.")
ARCHIVE_TOO_BIG = _l("The document is too large inside (more than 50 MB or more than 1,000 parts). Remove large "
                     "pictures from it and upload it again.")
CLOSED = _l("A business plan can be uploaded during the training and after it.")
OLD_WORD = _l("This is an old Word file (.doc), which is not accepted. In Word, choose “Save as” and save it as PDF "
              "or as a Word document (.docx), then upload that file. Or photograph each page and upload the "
              "photos together.")
PHOTOS_ONLY = _l("Several files can be sent only as photos of the pages (JPEG or PNG): they are joined into one "
                 "PDF. A document (PDF, DOCX, ODT) is sent alone.")
TOO_MANY_PHOTOS = _l("Up to %(count)d photos can be sent at once. Leave out the pages that are not needed, or "
                     "save the plan as one PDF.", count=MAX_PHOTOS)
PHOTOS_TOO_BIG = _l("The photos together are larger than 20 MB. Take them in lower quality (or send fewer) and "
                    "upload them again.")
TOO_BIG_REQUEST = _l("What you chose is too large: one file can be up to 10 MB, photos together up to 20 MB. Make "
                     "it smaller (for example, save the scans in lower quality) and upload it again.")
PDF_ACTIVE = _l("This PDF contains a script, an attached file or an action that runs when it is opened, which is not "
                "accepted for safety. Open it and save it again as a plain PDF (“Print” → “Save as PDF”), or "
                "photograph the pages and upload the photos.")
TOO_MANY_PIXELS = _l("The picture is too large (more than 50 megapixels). Take the photo in a lower resolution, or "
                     "save the picture smaller, and upload it again.")
NO_ROOM = _l("There is no room to save the file right now. Nothing was lost: your earlier versions are safe and "
            "this one was not saved. Please try again in a few minutes (choose the file again).")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word .doc (and .xls) files


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


PDF = Kind("application/pdf", ".pdf")
PNG = Kind("image/png", ".png")
JPEG = Kind("image/jpeg", ".jpg")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
ODT = Kind("application/vnd.oasis.opendocument.text", ".odt")
KINDS = {kind.extension: kind for kind in (PDF, PNG, JPEG, DOCX, ODT)}
SAME_EXTENSION = {".jpg": (".jpg", ".jpeg", ".jpe", ".jfif")}


@dataclass(frozen=True)
class Summary:
    """The short structured summary that comes with every version."""
    sector: Sector
    village: str
    amount_needed: int  # tenge
    jobs_planned: int


# ---- Reading the upload ----

@dataclass
class Received:
    """An upload copied off the request, measured and identified; `data` is positioned anywhere."""
    data: BinaryIO
    size: int
    sha256: str
    kind: Kind


def receive(stream: BinaryIO) -> Received:
    """Copy an uploaded file (at most 10 MB, counted while reading), then tell what it is from its bytes.
    Raises Refused with the reason; the caller closes `data`."""
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    digest, size = hashlib.sha256(), 0
    try:
        while chunk := stream.read(64 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                raise Refused(TOO_BIG)
            digest.update(chunk)
            copy.write(chunk)
        if size == 0:
            raise Refused(EMPTY)
        return Received(copy, size, digest.hexdigest(), detect(copy))
    except BaseException:
        copy.close()
        raise


def join_photos(photos: list[tuple[str | None, BinaryIO]]) -> Received:
    """Photos of the plan's pages (JPEG or PNG, each checked by its content) joined into one PDF, one page per
    photo in the order given. Each photo is turned upright (as the phone took it) and kept at most
    PHOTO_LONG_SIDE pixels long, so that the PDF stays light. Raises Refused, naming the photo."""
    if len(photos) > MAX_PHOTOS:
        raise Refused(TOO_MANY_PHOTOS)
    received: list[Received] = []
    try:
        total = 0
        for number, (name, stream) in enumerate(photos, start=1):
            try:
                one = receive(stream)
            except Refused as refused:
                raise Refused(_l("Photo %(number)d (%(name)s): %(reason)s", number=number,
                                 name=(name or "—")[:80], reason=refused.message)) from None
            received.append(one)
            total += one.size
            if total > MAX_PHOTOS_BYTES:
                raise Refused(PHOTOS_TOO_BIG)
            if one.kind not in (JPEG, PNG):
                raise Refused(PHOTOS_ONLY)
        return _pdf_of(received)
    finally:
        for one in received:
            one.data.close()


def _pdf_of(photos: list[Received]) -> Received:
    import io

    from flask_babel import get_locale
    from fpdf import FPDF
    from PIL import Image, ImageOps

    from ..documents import set_metadata

    pdf = FPDF(unit="mm")
    # The photos are the participant's plan: title and language of the page they were sent from.
    set_metadata(pdf, title=str(_l("Business plan")),
                 subject=str(_l("Bastau Business entrepreneurship training programme")),
                 language=str(get_locale() or "kk"))
    pdf.set_auto_page_break(False)
    for photo in photos:
        photo.data.seek(0)
        with Image.open(photo.data) as opened:
            # A JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size when that is still large enough: a 50 MP
            # photo then takes a few MB of memory, not 150.
            opened.draft("RGB", (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
            page = ImageOps.exif_transpose(opened)
            page = page.convert("RGB")
        page.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
        width, height = page.size
        portrait = height >= width
        pdf.add_page(orientation="P" if portrait else "L", format="A4")
        margin = 8
        room_w, room_h = pdf.w - 2 * margin, pdf.h - 2 * margin
        scale = min(room_w / width, room_h / height)
        shown_w, shown_h = width * scale, height * scale
        out = io.BytesIO()
        page.save(out, "JPEG", quality=80, optimize=True)
        out.seek(0)
        pdf.image(out, x=(pdf.w - shown_w) / 2, y=(pdf.h - shown_h) / 2, w=shown_w, h=shown_h)
    body = bytes(pdf.output())
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    copy.write(body)
    copy.seek(0)
    if len(body) > MAX_BYTES:
        copy.close()
        raise Refused(PHOTOS_TOO_BIG)
    return Received(copy, len(body), hashlib.sha256(body).hexdigest(), PDF)


def detect(data: BinaryIO) -> Kind:
    """PDF, PNG, JPEG, DOCX or ODT, judged by content; anything else is refused."""
    data.seek(0)
    head = data.read(8)
    data.seek(0)
    if head.startswith(b"%PDF-"):
        return _pdf(data)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image(data, "PNG", PNG)
    if head.startswith(b"\xff\xd8\xff"):
        return _image(data, "JPEG", JPEG)
    if head.startswith(b"PK\x03\x04"):
        return _document(data)
    if head.startswith(OLE2):
        raise Refused(OLD_WORD)
    raise Refused(NOT_ACCEPTED)


def _pdf(data: BinaryIO) -> Kind:
    """A PDF with nothing in it that acts by itself when opened (see plans/pdf_content.py)."""
    try:
        acts = bool(active_content(data.read()))
    except Unreadable:  # a part that cannot be looked into is taken for one that acts: the same way out helps
        acts = True
    finally:
        data.seek(0)
    if acts:
        raise Refused(PDF_ACTIVE)
    return PDF


# Phones with several cameras write JPEG with the extra pictures appended; Pillow calls those "MPO".
IMAGE_FORMATS = {"JPEG": ("JPEG", "MPO"), "PNG": ("PNG",)}


def _image(data: BinaryIO, expected: str, kind: Kind) -> Kind:
    """Let Pillow parse the image to be sure it is one, and count its pixels from the header, before decoding any
    (a decompression bomb is a few KB that decode to gigabytes)."""
    import warnings

    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(data) as image:
                found, pixels = image.format, image.width * image.height
                if pixels <= MAX_PIXELS:
                    image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Refused(TOO_MANY_PIXELS) from None
    except Exception:
        raise Refused(DAMAGED) from None
    finally:
        data.seek(0)
    if found not in IMAGE_FORMATS[expected]:
        raise Refused(NOT_ACCEPTED)
    if pixels > MAX_PIXELS:
        raise Refused(TOO_MANY_PIXELS)
    return kind


def _document(data: BinaryIO) -> Kind:
    """DOCX or ODT: the archive is inflated entry by entry and counted (never trusting its declared sizes), then
    told apart by its table of contents and the ODT mimetype."""
    try:
        names = set(archives.unpacked_sizes(data, MAX_ENTRIES, MAX_UNPACKED_BYTES))
    except archives.ArchiveTooLarge:
        raise Refused(ARCHIVE_TOO_BIG) from None
    except archives.ArchiveDamaged:
        raise Refused(DAMAGED) from None
    try:
        with zipfile.ZipFile(data) as archive:
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    if entry.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError):
        raise Refused(DAMAGED) from None
    finally:
        data.seek(0)
    raise Refused(NOT_ACCEPTED)


def clean_name(filename: str | None, kind: Kind) -> str:
    """The uploaded name as people wrote it («Бизнес-жоспар.pdf»): no folders, no control characters,
    at most 255 characters (the extension kept). secure_filename would leave «-.pdf» of a Kazakh name."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip(" .")
    if not name:
        name = "business-plan" + kind.extension
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        extension = dot + extension if dot and len(extension) <= 10 else ""
        name = name[:255 - len(extension)] + extension
    return name


def download_name(plan: BusinessPlan) -> str:
    """The original name, with the detected type's extension if the name claimed another one."""
    kind = next((k for k in KINDS.values() if k.content_type == plan.content_type), None)
    stem, dot, extension = plan.original_name.rpartition(".")
    if kind is None or (dot and stem and "." + extension.lower() in SAME_EXTENSION.get(kind.extension,
                                                                                       (kind.extension,))):
        return plan.original_name
    if dot and stem and len(extension) <= 5:
        return stem + kind.extension
    return plan.original_name[:250] + kind.extension


# ---- Whose plans ----

def applications_of_participant(application_id: int | None) -> sa.Select:
    """The participant identified by the status look-up: their own application only."""
    return sa.select(Application).where(Application.id == (application_id or 0))


def applications_readable_by(user: User) -> sa.Select:
    """Trainers: participants of their own cohorts; chamber staff and commission: their district's."""
    query = applications_for(user)
    if user.role == Role.TRAINER:
        return query.where(Application.cohort_id.in_(cohorts_for(user).with_only_columns(Cohort.id)))
    if user.role in READERS:
        return query
    return query.where(sa.false())


def can_upload(application: Application) -> bool:
    return application.status in PARTICIPANT_STATUSES


def versions(application_id: int) -> list[BusinessPlan]:
    """All versions of a participant's plan, the newest first."""
    return list(db.session.scalars(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id)
                                   .order_by(BusinessPlan.version.desc())))


def latest(application_id: int) -> BusinessPlan | None:
    return db.session.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id == application_id)
                             .order_by(BusinessPlan.version.desc()).limit(1))


def version_of(scope: sa.Select, application_id: int, version: int) -> BusinessPlan | None:
    """One version, only if its participant is within `scope` (the area check is inside the query)."""
    allowed = scope.where(Application.id == application_id).with_only_columns(Application.id)
    return db.session.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id.in_(allowed),
                                                           BusinessPlan.version == version))


def uploaders(plans: list[BusinessPlan]) -> dict[int, User]:
    ids = {plan.uploaded_by_id for plan in plans if plan.uploaded_by_id}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}


# ---- Writing ----

def upload(scope: sa.Select, application_id: int, actor: User | None, filename: str | None, stream: BinaryIO | None,
           summary: Summary, storage: LocalStorage,
           photos: list[tuple[str | None, BinaryIO]] | None = None) -> BusinessPlan:
    """Store a new version of a participant's plan (version = the last one + 1) with its summary.

    The file is checked, then written and fsync'd under a generated name, and only then the row is committed
    with its audit entry. If anything after the write fails, the file is deleted again. A crash between the
    write and the commit can leave a stray file without a row (harmless, and found by comparing the folder
    with the table); it can never leave a row pointing at a missing file.
    """
    received = join_photos(photos) if photos else receive(stream)
    try:
        stored_name = storage.save(received.data, received.kind.extension)
    finally:
        received.data.close()
    try:
        with writing():
            application = db.session.scalar(scope.where(Application.id == application_id)
                                            .with_for_update(of=Application))
            if application is None:
                raise NotFound(application_id)
            if not can_upload(application):
                raise Refused(CLOSED)
            version = (db.session.scalar(sa.select(sa.func.max(BusinessPlan.version))
                                         .where(BusinessPlan.application_id == application.id)) or 0) + 1
            plan = BusinessPlan(application_id=application.id, version=version, stored_name=stored_name,
                                original_name=clean_name(filename, received.kind),
                                content_type=received.kind.content_type, size=received.size, sha256=received.sha256,
                                sector=summary.sector, village=summary.village, amount_needed=summary.amount_needed,
                                jobs_planned=summary.jobs_planned, uploaded_by_id=actor.id if actor else None)
            db.session.add(plan)
            audit.record(UPLOADED, actor, application,
                         note=f"v{version}" + (f", {len(photos)} photos" if photos else ""))
    except BaseException:
        storage.delete(stored_name)
        raise
    return plan
