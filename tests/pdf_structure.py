"""Read a tagged PDF's structure tree back with pikepdf (PDF/UA-1 checks for the portal's documents)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf


@dataclass
class Element:
    """One structure element: its (role-mapped) type, attributes and children."""

    type: str
    alt: str | None = None
    lang: str | None = None
    attributes: dict = field(default_factory=dict)
    kids: list[Element] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)
    text: str = ""

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def effective_lang(self, default: str) -> str:
        node = self
        while node is not None:
            if node.lang:
                return node.lang
            node = node.parent
        return default


def _name(value) -> str:
    return str(value).lstrip("/")


def _attributes(node) -> dict:
    found: dict = {}
    raw = node.get("/A")
    if raw is None:
        return found
    items = list(raw) if isinstance(raw, pikepdf.Array) else [raw]
    for item in items:
        if isinstance(item, pikepdf.Dictionary):
            for key, value in item.items():
                found[_name(key)] = value
    return found


def _build(node, role_map: dict, parent: Element | None) -> Element | None:
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return None
    kind = _name(node["/S"])
    kind = role_map.get(kind, kind)
    element = Element(
        type=kind,
        alt=str(node["/Alt"]) if "/Alt" in node else None,
        lang=str(node["/Lang"]) if "/Lang" in node else None,
        attributes=_attributes(node),
        parent=parent,
    )
    kids = node.get("/K")
    if kids is not None:
        for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
            child = _build(kid, role_map, element)
            if child is not None:
                element.kids.append(child)
    return element


@dataclass
class Structure:
    lang: str | None
    root: Element
    marked: bool
    ids: set[str] = field(default_factory=set)

    def elements(self, kind: str | None = None) -> list[Element]:
        return [e for e in self.root.walk() if kind is None or e.type == kind]


def read_structure(content: bytes) -> Structure:
    pdf = pikepdf.open(io.BytesIO(content))
    catalog = pdf.Root
    tree = catalog.StructTreeRoot
    role_map = {_name(k): _name(v) for k, v in tree.get("/RoleMap", {}).items()}
    root = Element(type="StructTreeRoot")
    kids = tree.get("/K")
    for kid in list(kids) if isinstance(kids, pikepdf.Array) else [kids]:
        child = _build(kid, role_map, root)
        if child is not None:
            root.kids.append(child)
    marked = bool(catalog.get("/MarkInfo", {}).get("/Marked", False))
    ids = set()
    if "/IDTree" in tree:
        names = tree.IDTree.get("/Names", [])
        ids = {str(names[index]) for index in range(0, len(names), 2)}
    return Structure(lang=str(catalog["/Lang"]) if "/Lang" in catalog else None, root=root, marked=marked, ids=ids)


def outline(element: Element, depth: int = 0) -> str:
    """An indented dump of the tree (for failure messages)."""
    extra = []
    if element.alt is not None:
        extra.append(f"Alt={element.alt!r}")
    if element.lang:
        extra.append(f"Lang={element.lang}")
    if element.attributes:
        extra.append(f"A={ {k: str(v) for k, v in element.attributes.items()} }")
    lines = ["  " * depth + element.type + (" " + " ".join(extra) if extra else "")]
    for kid in element.kids:
        lines.append(outline(kid, depth + 1))
    return "\n".join(lines)
