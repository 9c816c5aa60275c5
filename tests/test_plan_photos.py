"""Business plans photographed page by page, and old Word files (issue 14)."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image

from bastau.models import AuditEntry
from tests.conftest import csrf_token
from tests.test_plans import (  # noqa: F401  (fixtures)
    SUMMARY,
    as_participant,
    folder,
    image,
    participant,
    pdf,
    plans_of,
    stored_files,
)

OLE2_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024


def photo(kind: str, colour: tuple, size=(60, 90), exif_rotated: bool = False) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, colour)
    if exif_rotated:  # a phone held sideways: the pixels lie on their side, the EXIF says "turn me"
        exif = Image.Exif()
        exif[0x0112] = 6
        picture.save(out, kind, exif=exif)
    else:
        picture.save(out, kind)
    return out.getvalue()


def send_many(client, files: list[tuple[bytes, str]], summary: dict | None = None, url="/plans/upload"):
    form = {**(SUMMARY if summary is None else summary), "csrf_token": csrf_token(client, url),
            "plan": [(io.BytesIO(data), name) for data, name in files]}
    return client.post(url, data=form, content_type="multipart/form-data")


def pages_of(pdf_bytes: bytes) -> list[tuple[float, float]]:
    """(width, height) of each page in order: its own MediaBox, or the one of the page tree."""
    box = rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]"
    objects = re.findall(rb"\d+ 0 obj(.*?)endobj", pdf_bytes, re.S)
    tree = next(o for o in objects if re.search(rb"/Type /Pages\b", o))
    default = re.search(box, tree).groups()
    sizes = []
    for kid in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", tree, re.S).group(1)):
        page = re.search(rb"\n" + kid + rb" 0 obj(.*?)endobj", pdf_bytes, re.S).group(1)
        found = re.search(box, page)
        sizes.append(tuple(float(v) for v in (found.groups() if found else default)))
    return sizes


def page_colours(pdf_bytes: bytes) -> list[tuple[int, int, int]]:
    """The colour of each page's photo, in the order of the pages (the JPEGs embedded, in order)."""
    colours = []
    for start in [m.start() for m in re.finditer(rb"\xff\xd8\xff", pdf_bytes)]:
        end = pdf_bytes.find(b"\xff\xd9", start) + 2
        with Image.open(io.BytesIO(pdf_bytes[start:end])) as jpeg:
            colours.append(jpeg.convert("RGB").getpixel((jpeg.width // 2, jpeg.height // 2)))
    return colours


def close(a, b) -> bool:
    return all(abs(x - y) < 24 for x, y in zip(a, b))


def test_photos_of_the_pages_become_one_pdf_in_the_order_chosen(client, store, folder, participant):
    application_id, _trainer = participant
    red, green, blue = (220, 20, 20), (20, 200, 20), (20, 20, 220)
    response = send_many(as_participant(client, application_id),
                         [(photo("JPEG", red), "IMG_0003.jpg"), (photo("PNG", green), "бет 1.png"),
                          (photo("JPEG", blue), "IMG_0001.jpg")])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [plan] = plans_of(store, application_id)  # one plan version, not three
    assert plan.version == 1 and plan.content_type == "application/pdf" and plan.original_name.endswith(".pdf")
    [file] = stored_files(folder)
    body = file.read_bytes()
    assert body.startswith(b"%PDF-") and len(body) == plan.size
    assert len(pages_of(body)) == 3
    colours = page_colours(body)
    assert len(colours) == 3 and close(colours[0], red) and close(colours[1], green) and close(colours[2], blue)
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "plan_uploaded"))
    assert entry.note == "v1, 3 photos"


def test_a_sideways_phone_photo_is_turned_upright(client, store, folder, participant):
    application_id, _trainer = participant
    response = send_many(as_participant(client, application_id),
                         [(photo("JPEG", (200, 200, 200), size=(120, 60), exif_rotated=True), "a.jpg"),
                          (photo("JPEG", (200, 200, 200), size=(120, 60)), "b.jpg")])
    assert response.status_code == 302
    [file] = stored_files(folder)
    (w1, h1), (w2, h2) = pages_of(file.read_bytes())
    assert h1 > w1  # turned: portrait
    assert w2 > h2  # a landscape photo stays landscape


def test_a_document_among_photos_is_refused_and_the_fields_kept(client, store, folder, participant):
    application_id, _trainer = participant
    response = send_many(as_participant(client, application_id),
                         [(photo("JPEG", (1, 2, 3)), "p1.jpg"), (pdf(), "plan.pdf")],
                         {**SUMMARY, "village": "Есік"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="plan-error"' in page and 'value="Есік"' in page
    assert plans_of(store, application_id) == [] and stored_files(folder) == []


def test_a_fake_photo_is_named_by_its_place(client, store, folder, participant):
    application_id, _trainer = participant
    client.set_cookie("lang", "ru")
    response = send_many(as_participant(client, application_id),
                         [(photo("JPEG", (1, 2, 3)), "p1.jpg"), (b"\xff\xd8\xff not a jpeg", "p2.jpg")])
    assert response.status_code == 422
    error = re.search(r'id="plan-error"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)
    assert "2" in error and "p2.jpg" in error and re.search("[а-я]", error)
    assert stored_files(folder) == []


def test_too_many_or_too_heavy_photos_are_refused(client, store, folder, participant, monkeypatch):
    from bastau.plans import services
    application_id, _trainer = participant
    as_participant(client, application_id)
    monkeypatch.setattr(services, "MAX_PHOTOS", 3)
    response = send_many(client, [(photo("PNG", (9, 9, 9)), f"{n}.png") for n in range(4)])
    assert response.status_code == 422 and stored_files(folder) == []
    monkeypatch.setattr(services, "MAX_PHOTOS_BYTES", 500)
    response = send_many(client, [(photo("PNG", (9, 9, 9), size=(200, 200)), f"{n}.png") for n in range(2)])
    assert response.status_code == 422 and stored_files(folder) == []


def test_an_old_word_file_says_what_to_do_in_both_languages(app, client, store, folder, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    for language, words in (("kk", ("PDF", ".docx", "сурет")), ("ru", ("PDF", ".docx", "сфотограф"))):
        client.set_cookie("lang", language)
        response = send_many(client, [(OLE2_DOC, "бизнес-жоспар.doc")])
        assert response.status_code == 422
        error = re.search(r'id="plan-error"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)
        for word in words:
            assert word.lower() in error.lower(), (language, error)
    assert stored_files(folder) == []


def test_the_file_control_is_labelled_in_the_page_language_and_large(client, participant):
    application_id, _trainer = participant
    as_participant(client, application_id)
    for language, text in (("kk", "Файлды немесе суреттерді таңдау"), ("ru", "Выбрать файл или фотографии")):
        client.set_cookie("lang", language)
        page = client.get("/plans/upload").get_data(as_text=True)
        assert text in page
        assert re.search(r'<input type="file" id="plan" name="plan" multiple', page)
        assert 'aria-labelledby="plan-label"' in page
        # The summary comes before the file in the form: kept even when a body is too large to take.
        assert page.index('name="village"') < page.index('name="plan"')
