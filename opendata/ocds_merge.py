"""The compiled release of a record: OCDS 1.1 merging (https://standard.open-contracting.org/1.1/en/schema/merging/).

The releases are merged oldest first (by `date`, as the maintainers' ocdsmerge sorts them): an object field is
merged field by field; an array of objects with an `id` is merged object by object by `id` (identifier merge),
new objects after the earlier ones; any other value, and the arrays the schema marks `wholeListMerge`, replace
the earlier value; a null removes it; `id`, `date` and `tag` are omitted and the compiled release gets the id
`<ocid>-<date of the newest release>`, that date and the tag `compiled`. `MERGE_RULES` are the rules of the OCDS 1.1.5
release schema; tests/opendata/test_ocds_validation.py checks them, and every compiled record, against ocdsmerge.
"""

OMIT = "omitWhenMerged"
WHOLE = "wholeListMerge"
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): OMIT,
    ("date",): OMIT,
    ("tag",): OMIT,
    ("awards", "amendment", "changes"): WHOLE,
    ("awards", "amendments", "changes"): WHOLE,
    ("awards", "items", "additionalClassifications"): WHOLE,
    ("awards", "suppliers", "additionalIdentifiers"): WHOLE,
    ("buyer", "additionalIdentifiers"): WHOLE,
    ("contracts", "amendment", "changes"): WHOLE,
    ("contracts", "amendments", "changes"): WHOLE,
    ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"): WHOLE,
    ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"): WHOLE,
    ("contracts", "items", "additionalClassifications"): WHOLE,
    ("contracts", "relatedProcesses", "relationship"): WHOLE,
    ("parties", "additionalIdentifiers"): WHOLE,
    ("parties", "roles"): WHOLE,
    ("relatedProcesses", "relationship"): WHOLE,
    ("tender", "additionalProcurementCategories"): WHOLE,
    ("tender", "amendment", "changes"): WHOLE,
    ("tender", "amendments", "changes"): WHOLE,
    ("tender", "items", "additionalClassifications"): WHOLE,
    ("tender", "procuringEntity", "additionalIdentifiers"): WHOLE,
    ("tender", "submissionMethod"): WHOLE,
    ("tender", "tenderers", "additionalIdentifiers"): WHOLE,
}


def _is_whole(value) -> bool:
    return not isinstance(value, dict | list) or (
        isinstance(value, list) and any(not isinstance(item, dict) for item in value)
    )


def _merge_object(target: dict, source: dict, path: tuple[str, ...]) -> None:
    for key, value in source.items():
        rule_path = (*path, key)
        rule = MERGE_RULES.get(rule_path)
        if rule == OMIT:
            continue
        if rule == WHOLE or _is_whole(value):
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        elif not value:
            continue  # an empty object or array changes nothing
        elif isinstance(value, dict):
            _merge_object(target.setdefault(key, {}), value, rule_path)
        else:
            _merge_array(target.setdefault(key, []), value, rule_path)


def _merge_array(target: list, source: list[dict], path: tuple[str, ...]) -> None:
    by_id = {str(item["id"]): item for item in target if "id" in item}
    for value in source:
        if "id" in value and str(value["id"]) in by_id:
            merged = by_id[str(value["id"])]
        else:
            merged = {"id": value["id"]} if "id" in value else {}
            target.append(merged)
            if "id" in value:
                by_id[str(value["id"])] = merged
        _merge_object(merged, value, path)


def compile_release(releases: list[dict]) -> dict:
    """The compiled release of the releases of one contracting process."""
    ordered = sorted(releases, key=lambda release: release["date"]) if len(releases) > 1 else releases
    compiled: dict = {"tag": ["compiled"]}
    for release in ordered:
        compiled["id"] = f"{release['ocid']}-{release['date']}"
        compiled["date"] = release["date"]
        compiled["ocid"] = release["ocid"]
        _merge_object(compiled, release, ())
    return compiled
