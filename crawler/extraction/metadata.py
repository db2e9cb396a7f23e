"""Machine-readable metadata: JSON-LD (Yoast @graph too), <meta> tags, shortlink, post id."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crawler.text import normalize

from . import selectors as sel

_ARTICLE_TYPES = ("NewsArticle", "Article", "BlogPosting", "Report", "ScholarlyArticle",
                  "AnalysisNewsArticle", "OpinionNewsArticle")
_POSTID_CLASS = re.compile(r"(?:^|\s)postid-(\d+)(?:\s|$)")
_SHORTLINK_P = re.compile(r"[?&]p=(\d+)")
_POST_ID_ATTR = re.compile(r"^post-(\d+)$")


@dataclass
class Metadata:
    """What the page says about itself in machine-readable form."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    article: dict[str, Any] | None = None

    def first(self, *keys: str) -> str | None:
        """The first non-empty <meta> content among keys (property or name, case-insensitive)."""
        for key in keys:
            for value in self.meta.get(key.lower(), []):
                value = normalize(value)
                if value:
                    return value
        return None

    def all(self, key: str) -> list[str]:
        """Every non-empty <meta> content for key."""
        return [v for v in (normalize(x) for x in self.meta.get(key.lower(), [])) if v]

    def by_id(self, ident: str) -> dict[str, Any] | None:
        """The JSON-LD node with this @id (Yoast links author and page by id)."""
        for node in self.nodes:
            if node.get("@id") == ident:
                return node
        return None

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        """JSON-LD nodes whose @type is one of types."""
        return [n for n in self.nodes if set(_types(n)) & set(types)]


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type", [])
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def _flatten(value: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(value, list):
        for item in value:
            _flatten(item, out)
    elif isinstance(value, dict):
        out.append(value)
        if "@graph" in value:
            _flatten(value["@graph"], out)


def _load_json(text: str) -> Any:
    text = text.strip()
    text = re.sub(r"^\s*(?:<!\[CDATA\[|//\s*<!\[CDATA\[)|(?://\s*)?\]\]>\s*$", "", text)
    try:
        return json.loads(text, strict=False)
    except (json.JSONDecodeError, RecursionError):
        return None


def read_metadata(doc: etree._Element) -> Metadata:
    """Collect <meta> tags and JSON-LD nodes; broken JSON-LD is ignored (often hand-edited)."""
    out = Metadata()
    for tag in sel.META_TAGS(doc):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or tag.get("http-equiv") or "").strip().lower()
        if key:
            out.meta.setdefault(key, []).append(tag.get("content") or "")
    for script in sel.JSONLD_SCRIPTS(doc):
        data = _load_json(script.text or "")
        if data is not None:
            _flatten(data, out.nodes)
    articles = out.of_type(*_ARTICLE_TYPES)
    out.article = articles[0] if articles else None
    return out


def jsonld_text(value: Any) -> str | None:
    """A JSON-LD value as text (first of a list, @value of a dict)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return normalize(value) if isinstance(value, str) and normalize(value) else None


def jsonld_names(meta: Metadata, value: Any) -> list[str]:
    """Names of JSON-LD persons/organisations, following @id references."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(normalize(item))
        elif isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str):
                item = meta.by_id(item["@id"]) or item
            name = jsonld_text(item.get("name"))
            if name:
                names.append(name)
    return [n for n in names if n]


def jsonld_list(value: Any) -> list[str]:
    """A JSON-LD string or list of strings as a list of normalised strings."""
    items = value if isinstance(value, list) else [value]
    return [normalize(v) for v in items if isinstance(v, str) and normalize(v)]


def post_id_candidates(
    doc: etree._Element, content: etree._Element | None = None
) -> list[tuple[str, int]]:
    """(source, id) pairs: shortlink ?p=N, body class postid-N, article id post-N (the wrapper
    around the content when there is one: teaser cards are post wrappers too)."""
    found: list[tuple[str, int]] = []
    for href in sel.SHORTLINK_HREF(doc):
        match = _SHORTLINK_P.search(href)
        if match:
            found.append(("shortlink", int(match.group(1))))
    for cls in sel.BODY_CLASS(doc):
        match = _POSTID_CLASS.search(cls)
        if match:
            found.append(("body class", int(match.group(1))))
    wrappers = sel.POST_WRAPPER(doc)
    if content is not None:
        around = {id(a) for a in content.iterancestors()} | {id(content)}
        wrappers = [w for w in wrappers if id(w) in around] or wrappers
    for wrapper in wrappers:
        match = _POST_ID_ATTR.match(wrapper.get("id") or "")
        if match:
            found.append(("article id", int(match.group(1))))
            break
    return found
