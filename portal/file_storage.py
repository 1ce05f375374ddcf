"""Where private files (attachments, rendered PDFs) are stored: an S3 bucket or a folder.

`default_storage_from_env` builds the STORAGES["default"] entry of the settings.
With S3_BUCKET (or AWS_STORAGE_BUCKET_NAME) set, files go to that bucket
through django-storages, so that several web and worker machines share them;
otherwise they go to PRIVATE_FILES_ROOT on the local file system.

Either way no file has a public URL: objects are written with the `private`
ACL, and a URL asked of the S3 storage is signed and lives for a minute. The
portal never hands such URLs out: downloads go through views that check
permissions and stream the file with `storage.open`.
"""

from collections.abc import Mapping
from pathlib import Path

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"

# S3Storage option: the environment variables that may give it, the first one set wins.
S3_ENV = {
    "bucket_name": ("S3_BUCKET", "AWS_STORAGE_BUCKET_NAME"),
    "endpoint_url": ("S3_ENDPOINT_URL", "AWS_S3_ENDPOINT_URL"),
    "access_key": ("S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    "secret_key": ("S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    "region_name": ("S3_REGION", "AWS_S3_REGION_NAME"),
}
S3_ENV_NAMES = tuple(name for names in S3_ENV.values() for name in names)

# Seconds a signed URL stays valid, should anything ever ask the storage for one.
SIGNED_URL_SECONDS = 60


def _first_set(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """The first non-empty value among `names` (an empty variable counts as unset)."""
    for name in names:
        value = (environ.get(name) or "").strip()
        if value:
            return value
    return None


def default_storage_from_env(environ: Mapping[str, str], *, private_files_root: Path | str) -> dict:
    """The STORAGES["default"] entry: S3 when a bucket is named in `environ`, else the folder `private_files_root`."""
    options = {option: _first_set(environ, names) for option, names in S3_ENV.items()}
    if options["bucket_name"] is None:
        return {"BACKEND": FILE_SYSTEM_BACKEND, "OPTIONS": {"location": str(private_files_root), "base_url": None}}
    s3_options = {option: value for option, value in options.items() if value is not None}
    s3_options.update(
        default_acl="private",
        querystring_auth=True,
        querystring_expire=SIGNED_URL_SECONDS,
        # Two uploads with the same name get two objects (as on the file system), never one overwriting the other.
        file_overwrite=False,
        signature_version="s3v4",
        # Reading a file spools it to a temporary file past 1 MiB rather than holding it all in memory.
        max_memory_size=1024 * 1024,
    )
    if "endpoint_url" in s3_options:
        # S3-compatible stores (MinIO) answer on one host name: the bucket goes in the path.
        s3_options["addressing_style"] = "path"
    return {"BACKEND": S3_BACKEND, "OPTIONS": s3_options}
