"""Private files in an S3 bucket: a real S3 endpoint (moto's server) behind django-storages.

The same views and services as on the file system: uploads land in the bucket, downloads go through the
permission-checked views, and nothing in the bucket can be read without credentials.
"""

import io
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from portal.documents import DocumentStatus, document_response, render_document
from portal.file_storage import FILE_SYSTEM_BACKEND, S3_BACKEND, default_storage_from_env
from portal.files import attachments_for
from projects.models import Response
from tests.factories import make_company_user
from tests.projects.factories import CallFactory

from .sample_document import SAMPLE_KIND, SampleDocument

PDF = b"%PDF-1.4\n" + b"s3 " * 200
REGION = "eu-north-1"
KEY_ID, SECRET = "portal-test-key", "portal-test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A real S3 endpoint on this machine: moto's server in a thread, on a free port."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class Bucket:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.name = f"portal-{uuid.uuid4().hex[:12]}"
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
        )
        self.client.create_bucket(Bucket=self.name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(self) -> list[str]:
        return [item["Key"] for item in self.client.list_objects_v2(Bucket=self.name).get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def environ(self) -> dict[str, str]:
        return {
            "S3_BUCKET": self.name,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET,
        }


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A new bucket, and the portal's default storage configured against it by the settings' own builder."""
    bucket = Bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_from_env(bucket.environ(), private_files_root=settings.PRIVATE_FILES_ROOT),
    }
    return bucket


def _files_on_disk(settings) -> list[Path]:
    return [path for path in Path(settings.PRIVATE_FILES_ROOT).rglob("*") if path.is_file()]


def _anonymous_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local test endpoint
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _submit_response(client, user, name: str = "svar.pdf", content: bytes = PDF) -> Response:
    client.force_login(user)
    answer = client.post(
        reverse("projects:response_edit", args=[CallFactory().pk]),
        {"summary": "Lösning", "trl": "6", "submit": "1", "attachments": [SimpleUploadedFile(name, content)]},
    )
    assert answer.status_code == 302
    return Response.objects.get(organisation__memberships__user=user)


# --- through the views --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_attachment_uploaded_through_a_view_lands_in_the_bucket_not_on_disk(client, bucket, settings):
    saved = _submit_response(client, make_company_user())

    attachment = attachments_for(saved).get()
    assert default_storage.__class__.__name__ == "S3Storage"
    assert bucket.keys() == [attachment.file.name]
    assert bucket.read(attachment.file.name) == PDF
    assert _files_on_disk(settings) == []


def test_saving_twice_under_one_name_keeps_both_objects(bucket):
    """As on the file system: a second file under a taken name gets a new name, never overwriting the first."""
    first = default_storage.save("documents/x/letter.pdf", ContentFile(b"first"))
    second = default_storage.save("documents/x/letter.pdf", ContentFile(b"second"))

    assert first == "documents/x/letter.pdf" and second != first
    assert (bucket.read(first), bucket.read(second)) == (b"first", b"second")


@pytest.mark.django_db
def test_download_from_the_bucket_goes_to_a_member_and_is_404_for_another_organisation(client, bucket):
    member = make_company_user()
    attachment = attachments_for(_submit_response(client, member)).get()
    url = reverse("portal:attachment_download", args=[attachment.uuid])

    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF
    assert int(response["Content-Length"]) == len(PDF)

    client.force_login(make_company_user())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_object_missing_from_the_bucket_gives_404_not_500(client, bucket):
    member = make_company_user()
    attachment = attachments_for(_submit_response(client, member)).get()
    bucket.client.delete_object(Bucket=bucket.name, Key=attachment.file.name)

    client.force_login(member)
    assert client.get(reverse("portal:attachment_download", args=[attachment.uuid])).status_code == 404


# --- privacy --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stored_objects_cannot_be_read_without_credentials(client, bucket):
    attachment = attachments_for(_submit_response(client, make_company_user())).get()
    object_url = f"{bucket.endpoint}/{bucket.name}/{attachment.file.name}"

    assert _anonymous_get(object_url)[0] == 403
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=attachment.file.name)["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants] == [None]  # the owner only, no AllUsers group
    # The same endpoint does serve an object that was made public: the refusal above is the ACL's doing.
    bucket.client.put_object(Bucket=bucket.name, Key="public.txt", Body=b"open", ACL="public-read")
    assert _anonymous_get(f"{bucket.endpoint}/{bucket.name}/public.txt") == (200, b"open")


@pytest.mark.django_db
def test_a_url_asked_of_the_storage_is_signed_and_short_lived(client, bucket):
    attachment = attachments_for(_submit_response(client, make_company_user())).get()

    url = default_storage.url(attachment.file.name)

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    assert _anonymous_get(url) == (200, PDF)  # only the signed URL opens it, and only for a minute


# --- rendered PDFs ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_table(django_db_setup, django_db_blocker):
    """The test-only document table, made outside the per-test transaction (SQLite and PostgreSQL alike)."""
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(SampleDocument)
    yield
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.delete_model(SampleDocument)


@pytest.fixture
def sample_document(sample_table, db):
    from django.contrib.contenttypes.models import ContentType

    yield SampleDocument.objects.create(subject="bucket", language="sv")
    # The test-only model's content type (made for audit rows) is rolled back with the test: forget it.
    ContentType.objects.clear_cache()


@pytest.mark.django_db
def test_a_rendered_pdf_is_stored_in_the_bucket_and_streamed_from_it(sample_document, bucket, settings):
    document = render_document(kind=SAMPLE_KIND.name, document_id=sample_document.pk)

    assert document.status == DocumentStatus.READY
    assert bucket.keys() == [document.file.name]
    assert _files_on_disk(settings) == []
    with default_storage.open(document.file.name, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "Paragraph about bucket." in text
    response = document_response(document)
    assert b"".join(response.streaming_content) == bucket.read(document.file.name)
    assert PdfReader(io.BytesIO(bucket.read(document.file.name))).metadata.title == "Sample bucket"


# --- choosing the backend from the environment -----------------------------------------------------------------------


def test_without_a_bucket_files_go_to_the_private_folder():
    entry = default_storage_from_env({}, private_files_root="/srv/private")
    assert entry == {"BACKEND": FILE_SYSTEM_BACKEND, "OPTIONS": {"location": "/srv/private", "base_url": None}}


def test_empty_s3_variables_count_as_unset():
    environ = {"S3_BUCKET": "", "AWS_STORAGE_BUCKET_NAME": " ", "S3_ENDPOINT_URL": "", "S3_ACCESS_KEY_ID": "x"}
    assert default_storage_from_env(environ, private_files_root="/p")["BACKEND"] == FILE_SYSTEM_BACKEND


@pytest.mark.parametrize(
    "environ",
    [
        {
            "S3_BUCKET": "files",
            "S3_ENDPOINT_URL": "http://minio:9000",
            "S3_ACCESS_KEY_ID": "key",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_REGION": "eu-north-1",
        },
        {
            "AWS_STORAGE_BUCKET_NAME": "files",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_S3_REGION_NAME": "eu-north-1",
        },
    ],
    ids=["S3_", "AWS_"],
)
def test_a_bucket_in_the_environment_chooses_private_s3(environ):
    entry = default_storage_from_env(environ, private_files_root="/p")

    assert entry["BACKEND"] == S3_BACKEND
    options = entry["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "files",
        "http://minio:9000",
        "eu-north-1",
    )
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 60
    assert options["file_overwrite"] is False
    assert options["addressing_style"] == "path"
    assert "custom_domain" not in options


def test_s3_variables_win_over_aws_ones_and_empty_ones_fall_through():
    environ = {
        "S3_BUCKET": "ours",
        "AWS_STORAGE_BUCKET_NAME": "theirs",
        "S3_REGION": "",
        "AWS_S3_REGION_NAME": "eu-west-1",
    }
    options = default_storage_from_env(environ, private_files_root="/p")["OPTIONS"]
    assert (options["bucket_name"], options["region_name"]) == ("ours", "eu-west-1")


def test_amazon_s3_without_endpoint_or_keys_uses_its_defaults():
    """No endpoint: AWS itself (virtual-host addressing); no keys: boto3's own chain (e.g. an instance role)."""
    options = default_storage_from_env({"S3_BUCKET": "files"}, private_files_root="/p")["OPTIONS"]
    assert "endpoint_url" not in options and "addressing_style" not in options
    assert "access_key" not in options and "secret_key" not in options


def _settings_storages(tmp_path, **environ) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "storage-test-secret-key-0123456789abcdefghijklmnop",
        "VAR_DIR": str(tmp_path),
        **environ,
    }
    code = "from django.conf import settings; d = settings.STORAGES['default']; print(d['BACKEND'], d['OPTIONS'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_settings_take_the_storage_from_the_environment(tmp_path):
    on_disk = _settings_storages(tmp_path, S3_BUCKET="", PRIVATE_FILES_ROOT="")
    assert on_disk.startswith(FILE_SYSTEM_BACKEND) and str(tmp_path / "private") in on_disk
    in_bucket = _settings_storages(tmp_path, S3_BUCKET="files", S3_ENDPOINT_URL="http://minio:9000")
    assert in_bucket.startswith(S3_BACKEND) and "'bucket_name': 'files'" in in_bucket
