import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.files import AttachmentsField, attach_files, attachments_for, clean_filename, validate_upload
from tests.factories import make_buyer, make_company_user, make_portal_admin, organisation_of

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("rapport.pdf", PDF, "application/pdf"),
        ("bild.png", PNG, "image/png"),
        ("foto.jpeg", JPEG, "image/jpeg"),
        ("text.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("kalkyl.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("text.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("kalkyl.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("utan-filändelse", PDF, "application/pdf"),
    ],
)
def test_validate_upload_detects_type_from_content(name, data, mime):
    clean_name, detected = validate_upload(SimpleUploadedFile(name, data))
    assert detected == mime
    assert "." in clean_name


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("tom.pdf", b"", "empty"),
        ("falsk.pdf", PNG, "mismatch"),
        ("skript.pdf", b"#!/bin/sh\necho hej\n", "type"),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 60, "type"),
        ("arkiv.docx", _zip({"random.txt": b"x"}), "type"),
        ("trasig.docx", b"PK\x03\x04 not really a zip", "type"),
    ],
)
def test_validate_upload_refuses_bad_files(name, data, code):
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile(name, data))
    assert error.value.code == code


def test_validate_upload_refuses_files_over_the_limit(settings):
    settings.MAX_UPLOAD_SIZE = 100
    with pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile("stor.pdf", PDF + b"0" * 200))
    assert error.value.code == "too_large"


def test_clean_filename_strips_paths_and_odd_characters():
    assert clean_filename("../../etc/passwd<script>.pdf", "pdf") == "passwd_script.pdf"
    assert clean_filename("C:\\Users\\x\\Årsrapport 2026.PDF", "pdf") == "Årsrapport 2026.pdf"
    assert clean_filename("....", "png") == "fil.png"


def test_attachments_field_collects_every_error():
    field = AttachmentsField()
    with pytest.raises(ValidationError) as error:
        field.clean([SimpleUploadedFile("a.pdf", b""), SimpleUploadedFile("b.pdf", PNG)])
    assert len(error.value.error_list) == 2
    good = field.clean([SimpleUploadedFile("ok.pdf", PDF)])
    assert [(name, mime) for _, name, mime in good] == [("ok.pdf", "application/pdf")]


@pytest.mark.django_db
def test_attachment_download_checks_the_owners_view_permission(client):
    owner = make_buyer()
    organisation = organisation_of(owner)
    files = AttachmentsField().clean([SimpleUploadedFile("underlag.pdf", PDF)])
    attachment = attach_files(owner=organisation, files=files, by=owner)[0]
    assert list(attachments_for(organisation)) == [attachment]
    url = reverse("portal:attachment_download", args=[attachment.uuid])

    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")

    client.force_login(make_company_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(make_portal_admin())
    assert client.get(url).status_code == 200


def test_csv_response_escapes_formulas_and_starts_with_a_bom():
    from portal.csv_export import csv_response

    response = csv_response(filename="x.csv", header=["Namn", "Belopp"], rows=[["=HYPERLINK(1)", 5], ["-x", None]])
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffNamn;Belopp\r\n")
    assert "'=HYPERLINK(1);5" in text and "'-x;" in text
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_header_cells_a_user_typed_are_made_safe_in_csv_and_xlsx():
    """A call's numbered questions become column headers: a question typed as a formula stays text."""
    from openpyxl import load_workbook

    from portal.csv_export import csv_response, xlsx_response

    header = ["Namn", '=HYPERLINK("http://x")']
    text = csv_response(filename="x.csv", header=header, rows=[]).content.decode("utf-8-sig")
    assert text.splitlines()[0] == 'Namn;"\'=HYPERLINK(""http://x"")"'
    workbook = load_workbook(io.BytesIO(xlsx_response(filename="x.xlsx", header=header, rows=[]).content))
    cell = workbook.active["B1"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_csv_response_cleans_the_file_name():
    from portal.csv_export import csv_response

    response = csv_response(filename='checks-2026/"01"-Åre.csv', header=["A"], rows=[])
    assert response["Content-Disposition"] == 'attachment; filename="checks-2026_01_-_re.csv"'


def test_without_an_uploader_the_field_names_the_good_files_to_choose_again_beside_a_bad_one():
    """A form that keeps no files (no signed-in uploader, see test_held_uploads.py) asks to choose them again."""
    from django.utils import translation

    with translation.override("en"):
        field = AttachmentsField()
        with pytest.raises(ValidationError) as error:
            field.clean(
                [SimpleUploadedFile("offert.pdf", PDF), SimpleUploadedFile("program.exe", b"MZ" + b"\x00" * 60)]
            )
        messages = [str(message) for message in error.value.messages]
        assert messages[1] == "Nothing is stored until the form is saved, so choose this file again: offert.pdf."
        assert str(field.help_text).startswith(messages[1] + " PDF, DOCX")
        # Cleaned again (a new submit): the note is replaced, not added to.
        field.clean([SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)])
        assert str(field.help_text).count("Nothing is stored") == 1
        assert "choose these files again: a.pdf, b.pdf." in str(field.help_text)
