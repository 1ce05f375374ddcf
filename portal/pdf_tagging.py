"""What WeasyPrint's PDF/UA tagging leaves out, added while it builds the structure tree.

WeasyPrint (70) tags a document from its HTML, but
- writes no /Lang on a structure element, so a part in another language than the document (a Swedish need in
  an English decision-support document) is read with the wrong voice (PDF/UA-1 7.2, WCAG 3.1.2);
- writes no /Scope on a table header (PDF/UA-1 7.5 requires it for a TH whose cells do not name it);
- gives every TH an /ID that the cells' /Headers point to, but no /IDTree in the structure tree root, so the
  IDs cannot be resolved (ISO 32000-1 14.7.2);
- takes a Figure's /Alt only from an <svg>'s <title> or an <img>'s alt, not from aria-label.

`install()` wraps WeasyPrint's tree builder so that each element gets the /Lang of an HTML element with its own
`lang` attribute, the /Scope of a <th> (its `scope`, "col" when none is given) and an /Alt from aria-label or
title when it has none; `finish(document, pdf)` (the write_pdf finisher) adds the /IDTree. The portal's own
templates still say everything in HTML (lang, scope, <title> in the chart); this turns it into the PDF's terms.
`tests/test_pdf_structure.py` reads the result back with pikepdf.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

SCOPES = {"row": "/Row", "col": "/Column", "rowgroup": "/Row", "colgroup": "/Column", "both": "/Both"}
SKIPPED_TAGS = ("html", "body")
_installed = False


def _decorate(element, box) -> None:
    html = getattr(box, "element", None)
    if html is None or getattr(box, "element_tag", None) in SKIPPED_TAGS or not hasattr(html, "get"):
        return
    lang = html.get("lang")
    if lang and "Lang" not in element:
        import pydyf

        element["Lang"] = pydyf.String(lang)
    kind = str(element.get("S", ""))
    if kind == "/TH" and box.element_tag == "th":
        import pydyf

        attributes = element.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = pydyf.Dictionary({"O": "/Table"})
            element["A"] = attributes
        attributes["Scope"] = SCOPES.get((html.get("scope") or "col").lower(), "/Column")
    elif kind == "/Figure" and "Alt" not in element:
        alt = html.get("aria-label") or html.get("title")
        if alt:
            import pydyf

            element["Alt"] = pydyf.String(alt)


def install() -> bool:
    """Wrap WeasyPrint's structure-tree builder once. Returns False if this WeasyPrint has no such builder."""
    global _installed
    if _installed:
        return True
    from weasyprint.pdf import tags

    original = getattr(tags, "_build_box_tree", None)
    if original is None:
        logger.warning("WeasyPrint has no _build_box_tree; PDFs get no /Lang per part and no /Scope.")
        return False

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, found_tags):
        # The original calls this module attribute for its children, so every element passes through here.
        for element in original(box, parent, pdf, page_number, nums, annotations, found_tags):
            _decorate(element, box)
            yield element

    tags._build_box_tree = build_box_tree
    _installed = True
    return True


def finish(document, pdf) -> None:
    """A write_pdf finisher: the /IDTree that resolves the table cells' /Headers to their TH elements."""
    import pydyf

    root = None
    identified = {}
    for item in pdf.objects:
        if not isinstance(item, pydyf.Dictionary):
            continue
        kind = item.get("Type")
        if kind == "/StructTreeRoot":
            root = item
        elif kind == "/StructElem" and "ID" in item:
            identified[str(getattr(item["ID"], "string", item["ID"]))] = item
    if root is None or not identified:
        return
    names = pydyf.Array()
    for key in sorted(identified):
        names.append(identified[key]["ID"])
        names.append(identified[key].reference)
    tree = pydyf.Dictionary({"Names": names})
    pdf.add_object(tree)
    root["IDTree"] = tree.reference
