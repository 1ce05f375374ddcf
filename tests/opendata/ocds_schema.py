"""The OCDS 1.1.5 schemas and codelists of ../shared/data/ocds-1.1.5 (or $OCDS_SCHEMA_DIR) as a JSON Schema
validator: the schemas' `https://standard.open-contracting.org/schema/1__1__5/...` ids resolve to the local files
(no network), and a field the schema marks `"openCodelist": false` must hold a code of its codelist."""

import csv
import json
import os
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)


def schema_dir() -> Path:
    configured = os.environ.get("OCDS_SCHEMA_DIR")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "ocds-1.1.5"


def require_schemas() -> Path:
    directory = schema_dir()
    if not (directory / "release-schema.json").is_file():
        message = f"The OCDS 1.1.5 schemas are not at {directory} (set OCDS_SCHEMA_DIR)"
        if os.environ.get("REQUIRE_OCDS_SCHEMAS", "") not in ("", "0"):  # CI (.ci/run): never skipped there
            pytest.fail(message)
        pytest.skip(message)
    return directory


@cache
def _schemas() -> dict[str, dict]:
    """The schemas without their `$schema` (all are draft 4): jsonschema would otherwise validate a referenced schema
    with the plain validator of its `$schema`, without the codelist check."""
    directory = require_schemas()
    loaded = {name: json.loads((directory / name).read_text(encoding="utf-8")) for name in SCHEMAS}
    assert {schema.pop("$schema") for schema in loaded.values()} == {"http://json-schema.org/draft-04/schema#"}
    return loaded


@cache
def codes(codelist: str) -> frozenset[str]:
    with open(require_schemas() / "codelists" / codelist, encoding="utf-8", newline="") as handle:
        return frozenset(row["Code"] for row in csv.DictReader(handle))


def _closed_codelist(validator, codelist, instance, schema):
    if schema.get("openCodelist") is not False or instance is None:
        return
    for value in instance if isinstance(instance, list) else [instance]:
        if value not in codes(codelist):
            yield ValidationError(f"{value!r} is not a code of the closed codelist {codelist}")


OcdsValidator = extend(Draft4Validator, {"codelist": _closed_codelist})


@cache
def _registry() -> Registry:
    resources = [
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4)) for schema in _schemas().values()
    ]
    return Registry().with_resources(resources)


def errors(package: dict, kind: str) -> list[str]:
    """Every error of a release package (`kind="release"`) or record package (`"record"`), as readable lines."""
    schema = _schemas()[f"{kind}-package-schema.json"]
    validator = OcdsValidator(schema, registry=_registry(), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [f"/{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(package)]


def release_schema_path() -> str:
    return str(require_schemas() / "release-schema.json")
