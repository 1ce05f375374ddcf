"""Request size: a body larger than the largest form is refused before it is read; files per form are capped."""

import io

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.files import AttachmentsField
from projects.models import Response
from tests.factories import make_company_user
from tests.projects.factories import CallFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"x" * 100


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def _post_declaring(client, path, length, **extra):
    return client.generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


def test_the_limit_is_the_largest_form():
    s = django_settings
    assert s.MAX_REQUEST_BODY_SIZE == s.MAX_UPLOAD_FILES * s.MAX_UPLOAD_SIZE + s.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert s.MAX_REQUEST_BODY_SIZE == 105 * 1024 * 1024
    assert s.MAX_UPLOAD_FILES < s.DATA_UPLOAD_MAX_NUMBER_FILES < 100  # Django's default let 100 through


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client):
    company_user = make_company_user()
    client.force_login(company_user)
    call = CallFactory()

    response = _post_declaring(
        client, reverse("projects:response_edit", args=[call.pk]), django_settings.MAX_REQUEST_BODY_SIZE + 1
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "det du skickade är större än portalen tar emot" in page
    assert "105,0\xa0MB" in page or "105.0\xa0MB" in page
    assert "högst 5 filer" in page
    assert not Response.objects.exists()


def test_the_413_page_is_in_english_for_english_visitors(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = _post_declaring(client, reverse("account_login"), 200 * 1024 * 1024)

    assert response.status_code == 413
    assert "larger than the portal accepts" in response.content.decode()
    assert response["Content-Language"] == "en"


def test_a_body_at_the_limit_reaches_the_view(client, settings):
    settings.MAX_REQUEST_BODY_SIZE = 2000
    body = "login=x%40example.org&password=nope&pad="
    body += "a" * (2000 - len(body))

    response = client.post(reverse("account_login"), body, content_type="application/x-www-form-urlencoded")

    assert len(body) == 2000
    assert response.status_code == 200


def test_a_chunked_body_without_a_length_is_refused(client):
    response = client.generic(
        "POST",
        reverse("account_login"),
        b"",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 411


def test_the_page_the_proxy_shows_for_its_own_413(client):
    response = client.get(reverse("portal:request_too_large"))
    assert response.status_code == 413
    assert "det du skickade är större än portalen tar emot" in response.content.decode()


def test_more_files_than_a_form_takes_is_a_field_error(settings):
    files = [SimpleUploadedFile(f"bilaga{i}.pdf", PDF) for i in range(settings.MAX_UPLOAD_FILES + 1)]

    with pytest.raises(ValidationError) as error:
        AttachmentsField().clean(files)

    assert error.value.code == "too_many"
    assert AttachmentsField().clean(files[:-1])  # the limit itself is fine


def test_too_many_files_in_a_form_keep_what_was_typed(client, settings):
    company_user = make_company_user()
    client.force_login(company_user)
    files = [SimpleUploadedFile(f"bilaga{i}.pdf", PDF) for i in range(settings.MAX_UPLOAD_FILES + 1)]

    response = client.post(
        reverse("projects:response_edit", args=[CallFactory().pk]),
        {"summary": "Lösning", "trl": "6", "attachments": files},
    )

    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert "Lösning" in response.content.decode()
    assert not Response.objects.exists()
