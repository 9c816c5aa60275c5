"""Uploads that lie (issue 15, item 5), every type the app accepts: business plans (PDF, DOCX, ODT, JPEG, PNG,
photos joined into one PDF) and the yearly plans' XLSX. What a file declares is never believed: archives are
inflated and counted, images are measured before their pixels are decoded, PDFs are looked into for scripts."""
from __future__ import annotations

import html
import io
import struct
import time
import zipfile
import zlib

import pytest
from PIL import Image

from bastau import archives
from bastau.models import NationalPlan, Role
from bastau.plans import services
from bastau.plans.pdf_content import active_content
from tests.conftest import page_text, translated
from tests.test_plans import as_participant, docx, folder, odt, participant, pdf, plans_of, send, stored_files  # noqa: F401
from tests.test_plan_photos import send_many
from tests.test_yearly_plans import YEAR, _sheet, _signed_in, _upload

GIB = 1024  # MiB


def in_locale(lazy_message, locale: str) -> str:
    """A message of the code as a user of `locale` reads it (it must be translated)."""
    from flask_babel import force_locale
    from tests.conftest import _APP
    with _APP[0].test_request_context(), force_locale(locale):
        text, english = str(lazy_message), None
    with _APP[0].test_request_context(), force_locale("en"):
        english = str(lazy_message)
    assert text != english, f"no {locale} translation for {english!r}"
    return text


# ---- Archives whose table of contents lies ----

def zeros_deflated(mib: int) -> bytes:
    """A raw deflate stream of `mib` MiB of zeros, about 1 KB per MiB, built in milliseconds: one full-flushed
    block repeated (a full flush makes each block independent of the ones before)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(b"\0" * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * mib + packer.flush()


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def honest(name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> tuple:
    body = deflated(data) if method == zipfile.ZIP_DEFLATED else data
    return name, body, method, len(data), zlib.crc32(data)


def lying_zip(members: list[tuple[str, bytes, int, int, int]], offsets: list[int] | None = None) -> bytes:
    """A zip written by hand: (name, stored bytes, method, declared size, declared CRC) per entry, the same
    declared sizes in the local headers and the central directory; `offsets` lets entries share one stream."""
    out, central = io.BytesIO(), []
    for index, (name, body, method, size, crc) in enumerate(members):
        encoded = name.encode()
        offset = out.tell() if offsets is None else offsets[index]
        if offsets is None or offset == out.tell():
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(body), size,
                                  len(encoded), 0) + encoded + body)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0, crc, len(body),
                                   size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start, directory = out.tell(), b"".join(central)
    out.write(directory + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members),
                                      len(directory), start, 0))
    return out.getvalue()


DOCX_PARTS = [honest("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
              honest("word/document.xml", b'<?xml version="1.0"?><w:document/>')]
ODT_PARTS = [honest("mimetype", services.ODT_MIMETYPE, zipfile.ZIP_STORED),
             honest("content.xml", b'<?xml version="1.0"?><office:document-content/>')]


def gigabyte_docx(parts=DOCX_PARTS) -> bytes:
    """The attack of the issue: the picture declares 1,000 bytes (and their checksum); its stream inflates to 1 GiB."""
    return lying_zip([*parts, ("word/media/image1.png", zeros_deflated(GIB), zipfile.ZIP_DEFLATED, 1000,
                               zlib.crc32(b"\0" * 1000))])


def test_pythons_zipfile_believes_the_declared_size_which_is_why_we_inflate_ourselves():
    """The premise of the check: reading the entry through zipfile gives the declared 1,000 bytes and no error,
    while the stream holds a gigabyte (Word or LibreOffice on a staff PC would inflate it all)."""
    data = gigabyte_docx()
    assert len(data) < 1_100_000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("word/media/image1.png").file_size == 1000
        with archive.open("word/media/image1.png") as entry:
            assert len(entry.read(4096)) == 1000
    started = time.monotonic()
    with pytest.raises(archives.ArchiveTooLarge):
        archives.unpacked_sizes(io.BytesIO(data), 1000, 50 * 1024 * 1024)
    assert time.monotonic() - started < 5  # stops at the cap: about 50 MB inflated, not 1 GiB


@pytest.mark.parametrize("data, name, reason", [
    (gigabyte_docx(), "plan.docx", services.ARCHIVE_TOO_BIG),
    (gigabyte_docx(ODT_PARTS), "plan.odt", services.ARCHIVE_TOO_BIG),
    # Many entries naming the same 1 MiB stream (the "overlapping" bomb): each is counted in full.
    (lying_zip([*DOCX_PARTS] + [(f"word/media/{i}.bin", zeros_deflated(1), zipfile.ZIP_DEFLATED, 1 << 20,
                                 zlib.crc32(b"\0" * (1 << 20))) for i in range(60)]), "plan.docx",
     services.ARCHIVE_TOO_BIG),
    # Small, but the declared size is not the real one: a lying (or damaged) file.
    (lying_zip([*DOCX_PARTS, ("word/media/a.bin", deflated(b"\0" * 5000), zipfile.ZIP_DEFLATED, 100,
                              zlib.crc32(b"\0" * 100))]), "plan.docx", services.DAMAGED),
    # A checksum that does not match.
    (lying_zip([*DOCX_PARTS, ("word/media/a.bin", deflated(b"abc"), zipfile.ZIP_DEFLATED, 3, 12345)]), "plan.docx",
     services.DAMAGED),
    # A compression Word and LibreOffice never write (bzip2).
    (lying_zip([*DOCX_PARTS, ("word/media/a.bin", b"BZh9", zipfile.ZIP_BZIP2, 4, 0)]), "plan.docx",
     services.DAMAGED),
])
def test_archives_are_judged_by_what_they_really_unpack_to(app, client, store, folder, participant, data, name,
                                                            reason):
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    response = send(as_participant(client, application_id), "/plans/upload", data, name)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert in_locale(reason, "ru") in page
    assert 'value="Қаскелең"' in page  # what was typed is kept
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_an_honest_document_that_unpacks_to_40_mb_is_accepted(client, store, folder, participant):
    """The cap is on what a file really holds: a large honest one (pictures in a Word file) passes."""
    application_id, _trainer = participant
    picture = b"\0" * (40 * 1024 * 1024)
    data = lying_zip([*DOCX_PARTS, honest("word/media/image1.png", picture)])
    response = send(as_participant(client, application_id), "/plans/upload", data, "plan.docx")
    assert response.status_code == 302
    assert [plan.version for plan in plans_of(store, application_id)] == [1]


def test_an_honest_odt_and_docx_written_by_zipfile_pass(client, store, folder, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    assert send(client, "/plans/upload", docx(), "plan.docx").status_code == 302
    assert send(client, "/plans/upload", odt(), "plan.odt").status_code == 302
    assert [plan.content_type for plan in plans_of(store, application_id)] == [services.DOCX.content_type,
                                                                              services.ODT.content_type]


def test_a_workbook_whose_table_of_contents_lies_is_refused_and_nothing_saved(app, make_user, store):
    client = _signed_in(app, make_user, Role.NATIONAL_ADMIN)
    template = _sheet(client.get(f"/yearly-plans/{YEAR}/template.xlsx"))
    assert template  # the template itself is an honest workbook
    real = client.get(f"/yearly-plans/{YEAR}/template.xlsx").data
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        parts = [honest(info.filename, archive.read(info)) for info in archive.infolist()]
    # 900 MiB: deflate packs at most about 1,000 to 1, so that is what fits in the 1 MB an upload may be.
    bomb = lying_zip([*parts, ("xl/media/image1.png", zeros_deflated(900), zipfile.ZIP_DEFLATED, 10,
                               zlib.crc32(b"\0" * 10))])
    assert len(bomb) < 1024 * 1024  # under the 1 MB upload limit
    response = _upload(client, f"/yearly-plans/{YEAR}/upload", f"/yearly-plans/?year={YEAR}", bomb)
    assert response.status_code == 422
    refusal = translated("This is not an Excel workbook (.xlsx): download the template, fill it in and upload it.",
                         "kk")
    assert refusal in html.unescape(page_text(response))
    assert store.count(NationalPlan) == 0
    # The same parts, honestly packed, still go through the check.
    assert "xl/workbook.xml" in archives.unpacked_sizes(io.BytesIO(lying_zip(parts)), 200, 20 * 1024 * 1024)


# ---- PDFs that act by themselves ----

def pdf_with(*objects: bytes, root_extra: bytes = b"") -> bytes:
    body = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R" + root_extra + b">>endobj\n" \
           b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    return body + b"\n".join(objects) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def object_stream(number: int, inner: bytes, filters: bytes = b"/Filter/FlateDecode") -> bytes:
    packed = zlib.compress(inner) if b"Flate" in filters else inner
    return (b"%d 0 obj<</Type/ObjStm/N 1/First 6%s/Length %d>>stream\n" % (number, filters, len(packed)) + packed
            + b"\nendstream endobj")


def fpdf_pdf() -> bytes:
    from fpdf import FPDF
    document = FPDF()
    document.add_page()
    document.set_font("helvetica")
    document.cell(text="Business plan /JS /Launch")  # words on a page are not actions
    document.link(10, 10, 30, 10, "https://example.org")
    return bytes(document.output())


ACTIVE_PDFS = {
    "javascript on open": pdf_with(b"3 0 obj<</S/JavaScript/JS(app.alert\\(1\\))>>endobj",
                                   root_extra=b"/OpenAction 3 0 R"),
    "javascript in the names tree": pdf_with(b"3 0 obj<</JavaScript 4 0 R>>endobj",
                                             b"4 0 obj<</Names[(a) 5 0 R]>>endobj",
                                             b"5 0 obj<</S/JavaScript/JS(this.exportDataObject\\(\\))>>endobj",
                                             root_extra=b"/Names 3 0 R"),
    "launch a program": pdf_with(b"3 0 obj<</S/Launch/Win<</F(cmd.exe)>>>>endobj", root_extra=b"/OpenAction 3 0 R"),
    "attached file": pdf_with(b"3 0 obj<</EmbeddedFiles 4 0 R>>endobj", b"4 0 obj<</Names[(a.exe) 5 0 R]>>endobj",
                              b"5 0 obj<</Type/Filespec/F(a.exe)/EF<</F 6 0 R>>>>endobj",
                              b"6 0 obj<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream endobj",
                              root_extra=b"/Names 3 0 R"),
    "file on a share": pdf_with(b"3 0 obj<</S/GoToR/F(\\\\\\\\10.0.0.1\\\\x.pdf)/D[0/Fit]>>endobj",
                                root_extra=b"/OpenAction 3 0 R"),
    "name spelt with #xx": pdf_with(b"3 0 obj<</S/J#61vaScript/J#53(app.alert\\(1\\))>>endobj",
                                    root_extra=b"/OpenAction 3 0 R"),
    "hidden in a compressed object stream": pdf_with(
        object_stream(3, b"4 0 <</S/JavaScript/JS(app.alert(1))>>"), root_extra=b"/OpenAction 4 0 R"),
    "a fake stream keyword in a string before the script": pdf_with(
        b"3 0 obj(stream\n)endobj", b"4 0 obj<</S/JavaScript/JS(app.alert\\(1\\))>>endobj",
        b"5 0 obj<</Length 2>>stream\nxx\nendstream endobj", root_extra=b"/OpenAction 4 0 R"),
    "an object stream hidden behind a fake stream keyword": pdf_with(
        b"3 0 obj(stream\n)endobj", object_stream(4, b"6 0 <</S/Launch/F(cmd.exe)>>"),
        b"5 0 obj<</Length 2>>stream\nxx\nendstream endobj", root_extra=b"/OpenAction 6 0 R"),
    "object stream we cannot look into": pdf_with(
        object_stream(3, b"4 0 <</S/GoTo/D[0/Fit]>>", filters=b"/Filter/LZWDecode"), root_extra=b"/OpenAction 4 0 R"),
    "object stream that inflates to a bomb": pdf_with(
        b"3 0 obj<</Type/ObjStm/N 1/First 6/Filter/FlateDecode/Length 99>>stream\n"
        + zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS).compress(b"\0" * (60 << 20)) + b"\nendstream endobj"),
}

PLAIN_PDFS = {
    "the app's own test PDF": pdf(),
    "fpdf2, which opens at the first page (an /OpenAction destination) and links to a web page": fpdf_pdf(),
    "a fillable form": pdf_with(b"3 0 obj<</Fields[]>>endobj", root_extra=b"/AcroForm 3 0 R"),
    "an image whose bytes spell /JS by chance": pdf_with(
        b"3 0 obj<</Type/XObject/Subtype/Image/Width 1/Height 1/Length 9>>stream\n\xff/JS \x00/AA\n"
        b"endstream endobj"),
    "compressed object streams with only pages": pdf_with(object_stream(3, b"4 0 <</Type/Page/Parent 2 0 R>>")),
}


@pytest.mark.parametrize("case", ACTIVE_PDFS)
def test_a_pdf_that_acts_by_itself_is_refused_saying_how_to_get_a_plain_one(app, client, store, folder, participant,
                                                                           case):
    application_id, _trainer = participant
    for locale in ("kk", "ru"):
        client.set_cookie("lang", locale)
        response = send(as_participant(client, application_id), "/plans/upload", ACTIVE_PDFS[case], "plan.pdf")
        assert response.status_code == 422
        page = html.unescape(response.get_data(as_text=True))
        message = translated("This PDF contains a script, an attached file or an action that runs when it is "
                             "opened, which is not accepted for safety. Open it and save it again as a plain PDF "
                             "(“Print” → “Save as PDF”), or photograph the pages and upload the photos.", locale)
        assert message in page
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


@pytest.mark.parametrize("case", PLAIN_PDFS)
def test_a_plain_pdf_is_accepted(client, store, folder, participant, case):
    assert active_content(PLAIN_PDFS[case]) == set()
    application_id, _trainer = participant
    response = send(as_participant(client, application_id), "/plans/upload", PLAIN_PDFS[case], "plan.pdf")
    assert response.status_code == 302
    assert len(stored_files(folder)) == 1


def test_photos_joined_by_the_app_are_a_plain_pdf(client, store, folder, participant):
    """Our own photos-to-PDF (fpdf2) must pass our own check."""
    application_id, _trainer = participant
    response = send_many(as_participant(client, application_id), [(image("JPEG", (40, 60)), "1.jpg"),
                                                                   (image("PNG", (60, 40)), "2.png")])
    assert response.status_code == 302
    (stored,) = stored_files(folder)
    assert active_content(stored.read_bytes()) == set()


# ---- Images: counted before decoded ----

def image(kind: str, size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims the size: with pixels or not, a few hundred bytes (what a bomb looks like)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\0" + b"\0" * ((width + 7) // 8)  # one bit per pixel, filter byte first
    pixels = zlib.compressobj(9).compress(row * min(height, 2000))  # enough to look like an image
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels + zlib.compressobj(9).flush()) + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is rewritten to claim the size."""
    data = bytearray(image("JPEG", (16, 16)))
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


BOMBS = {
    "PNG of 8,000 × 8,000 (64 MP: over our cap, under Pillow's)": png_claiming(8000, 8000),
    "PNG of 30,000 × 30,000 (900 MP: Pillow's own bomb error)": png_claiming(30000, 30000),
    "JPEG of 60,000 × 60,000": jpeg_claiming(60000, 60000),
}


@pytest.mark.parametrize("case", BOMBS)
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(app, client, store, folder, participant,
                                                                       case):
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    name = "plan.png" if BOMBS[case].startswith(b"\x89PNG") else "plan.jpg"
    message = translated("The picture is too large (more than 50 megapixels). Take the photo in a lower "
                         "resolution, or save the picture smaller, and upload it again.", "ru")
    alone = send(as_participant(client, application_id), "/plans/upload", BOMBS[case], name)
    assert alone.status_code == 422 and message in html.unescape(alone.get_data(as_text=True))
    among_photos = send_many(client, [(image("JPEG"), "1.jpg"), (BOMBS[case], name)])
    page = html.unescape(among_photos.get_data(as_text=True))
    assert among_photos.status_code == 422 and message in page and name in page  # which photo it was
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_a_large_honest_phone_photo_is_joined_scaled_down(client, store, folder, participant):
    """Under the cap a photo is taken, decoded straight at a reduced scale, and kept 2,000 pixels long."""
    from pypdf import PdfReader
    application_id, _trainer = participant
    out = io.BytesIO()
    Image.new("L", (7000, 5000), 128).save(out, "JPEG", quality=50)  # 35 MP
    response = send_many(as_participant(client, application_id), [(out.getvalue(), "1.jpg"), (image("PNG"), "2.png")])
    assert response.status_code == 302
    (stored,) = stored_files(folder)
    first_page = PdfReader(io.BytesIO(stored.read_bytes())).pages[0]
    (picture,) = first_page.images
    assert max(picture.image.size) == services.PHOTO_LONG_SIDE


def test_a_phone_jpeg_with_extra_pictures_inside_is_a_jpeg(client, store, folder, participant):
    """Phones with several cameras write JPEG with the other pictures appended; Pillow names that MPO."""
    application_id, _trainer = participant
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "MPO", save_all=True,
                                                     append_images=[Image.new("RGB", (40, 30), (0, 0, 0))])
    with Image.open(io.BytesIO(out.getvalue())) as opened:
        assert opened.format == "MPO"
    response = send(as_participant(client, application_id), "/plans/upload", out.getvalue(), "photo.jpg")
    assert response.status_code == 302
    assert plans_of(store, application_id)[0].content_type == "image/jpeg"


# ---- In Chromium: the refusal on a phone and on a desk ----

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desk": {"width": 1280, "height": 800}}


def screenshot(page, name: str) -> None:
    """Saved where BASTAU_SHOTS points (to look at them), else not kept."""
    import os
    folder = os.environ.get("BASTAU_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["kk", "ru"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_refusal_of_a_pdf_with_a_script_reads_well_on_a_phone_and_a_desk(live_server, browser, store, folder,
                                                                           participant, tmp_path, locale, viewport):
    from tests.conftest import browser_sign_in
    application_id, trainer = participant
    context, page = browser_sign_in(browser, live_server, trainer, locale, VIEWPORTS[viewport])
    page.goto(f"{live_server}/plans/applications/{application_id}/upload")
    page.check("input[value=trade]")
    page.fill("#village", "Ұзынағаш")
    page.fill("#amount_needed", "2 400 000")
    page.fill("#jobs_planned", "1")
    scripted = tmp_path / "бизнес-жоспар.pdf"
    scripted.write_bytes(ACTIVE_PDFS["javascript on open"])
    page.set_input_files("#plan", str(scripted))
    with page.expect_navigation():
        page.click("#upload")
    error = page.locator("#plan-error")
    assert error.is_visible() and "PDF" in error.inner_text()
    assert error.inner_text() == in_locale(services.PDF_ACTIVE, locale)
    assert page.input_value("#village") == "Ұзынағаш"  # what was typed is kept
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    screenshot(page, f"upload-refused-{locale}-{VIEWPORTS[viewport]['width']}.png")
    assert plans_of(store, application_id) == []
    context.close()
