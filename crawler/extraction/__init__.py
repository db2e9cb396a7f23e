"""Pure extraction: one article page's HTML, URL and fetch time in, one ArticleRecord out."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.text import charset_of, normalize

from ..urls import SiteURLError, canonical_url, site_origin
from . import container, fields, fragment
from . import selectors as sel
from .body import extract_body, whole_page_text
from .dating import teaser_links
from .footnotes import check_markers, find_footnotes, without_notes
from .metadata import read_metadata
from .record import ArticleRecord, ExtractionError, Footnote, Link, Related
from .render import BLOCK_TAGS

__all__ = [
    "ArticleRecord",
    "ExtractionError",
    "Footnote",
    "Link",
    "Related",
    "charset_of",
    "decode_html",
    "extract",
]

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_LOOKS_LIKE_HTML = re.compile(r"<\s*[A-Za-z!]")
_LATIN_DEFAULTS = frozenset({"iso8859-1", "cp1252", "ascii"})


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Bytes to text: BOM, then the HTTP charset, then <meta charset>/http-equiv, then UTF-8."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    declared = _META_CHARSET.search(data[:8192])
    candidates = [
        codec
        for codec in (
            _codec(encoding),
            _codec(declared.group(1).decode("ascii", "ignore") if declared else None),
        )
        if codec is not None
    ]
    for codec in candidates:
        # Servers often default to a Latin-1 charset header; an Arabic page is never Latin-1,
        # so valid UTF-8 with non-ASCII bytes wins over that header.
        if codec in _LATIN_DEFAULTS and not data.isascii() and _is_utf8(data):
            return data.decode("utf-8")
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            # A declaration the bytes cannot be in (a windows-1256 page served as UTF-8):
            # the next declaration, the page's own, is likelier right.
            continue
    return data.decode(candidates[0] if candidates else "utf-8", errors="replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Characters libxml2 refuses, as UTF-8 bytes: C0 controls but tab/LF/CR (one byte each) and
# the non-characters U+FFFE/U+FFFF; lone surrogates go at encoding.
_C0_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


# libxml2 reads markup 256 levels deep (and a text node up to 10 MB); with huge_tree, 2048
# levels. Below _FLAT_BELOW levels a deeper page's markup is read as plain text: the walks
# that follow recurse, one or two frames a level.
_FLAT_BELOW = 256


def _parse(text: str, warnings: list[str] | None = None) -> etree._Element:
    """The page's tree; what a page too deep for the parser loses goes to `warnings`."""
    text = _XML_DECL.sub("", text, count=1)
    if not _LOOKS_LIKE_HTML.search(text):
        raise ExtractionError("not HTML: no markup in the document")
    data = text.encode("utf-8", "ignore").translate(None, _C0_BYTES)
    data = data.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    try:
        # UTF-8 bytes parse twice as fast as a str; plain lxml elements (not lxml.html's
        # classes, whose per-element lookup is slow); a parser per call: parsers are not
        # shared between threads.
        parser = etree.HTMLParser(encoding="utf-8")
        doc = etree.fromstring(data, parser)
        if _over_limits(parser):
            # Nested deeper than 256 levels, or a text node over 10 MB: read again without
            # those limits, the markup below 256 levels as plain text.
            parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
            doc = etree.fromstring(data, parser)
            notes = []
            if _over_limits(parser):
                notes.append("the page nests deeper than 2048 levels: the text below them is not read")
            if doc is not None and _flatten_below(doc, _FLAT_BELOW):
                notes.append(f"markup nested deeper than {_FLAT_BELOW} levels is read as plain text")
            if warnings is not None:
                warnings.extend(notes)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"not HTML: {exc}") from exc
    if doc is None:
        raise ExtractionError("not HTML: empty document")
    return doc


def _over_limits(parser: etree.HTMLParser) -> bool:
    """Whether libxml2 stopped at one of its limits (a fatal error: the last one, kept even
    when the log is full of a messy page's other errors)."""
    last = parser.error_log.last_error
    return last is not None and last.type_name == "ERR_RESOURCE_LIMIT"


def _flatten_below(doc: etree._Element, limit: int) -> bool:
    """Strip the tags under every element `limit` levels deep, keeping their text and order;
    whether there were any."""
    depth = {doc: 0}
    cut = []
    for el in doc.iterdescendants():
        above = depth.get(el.getparent())
        if above is None:
            continue  # below an element `limit` levels deep
        if above + 1 < limit:
            depth[el] = above + 1
        elif len(el):
            cut.append(el)
    for el in cut:
        for block in el.iterdescendants(*BLOCK_TAGS):  # its words stay apart from the next
            block.text, block.tail = "\n" + (block.text or ""), "\n" + (block.tail or "")
        etree.strip_tags(el, "*")
    return bool(cut)


def _site_of(url: str) -> str:
    try:
        scheme, netloc = site_origin(url)
    except SiteURLError as exc:
        raise ExtractionError(f"not an http(s) page URL: {url!r}") from exc
    return f"{scheme}://{netloc}"


def _title_confirmed(page: fields.Page, title: str) -> bool:
    """The shown headline is the one the page's metadata names (og:title, <title>, JSON-LD)."""
    if page.title_element is None or not title:
        return False
    named = [page.meta.first("og:title", "twitter:title") or ""]
    named += [" ".join(el.itertext()) for el in sel.HTML_TITLE(page.doc)]
    if page.meta.article and isinstance(page.meta.article.get("headline"), str):
        named.append(page.meta.article["headline"])
    key = title.casefold()
    return any(key in normalize(text).casefold() for text in named)


def extract(
    html: str | bytes, url: str, fetched_at: dt.datetime, *, encoding: str | None = None,
    clock: ZoneInfo | None = None,
) -> ArticleRecord:
    """The article on one page; ExtractionError when there is none (not HTML, no title/body).
    `clock`: the publisher's time zone when the caller knows it (a crawl of the site: the
    site's), on which a page that shows no date is dated from a UTC timestamp; without it the
    page tells (fields.publisher_clock)."""
    if isinstance(html, bytes):
        html = decode_html(html, encoding)
    if not isinstance(html, str):
        raise ExtractionError(f"not HTML: got {type(html).__name__}")
    parsing: list[str] = []
    doc = _parse(html, parsing)
    site = _site_of(url)
    regions = container.scan(doc)
    with sel.indexed(regions.index):
        try:
            record = _extract(doc, html, url, site, regions, fetched_at, clock)
        except ExtractionError as exc:
            if not parsing:
                raise
            raise ExtractionError(f"{exc} ({'; '.join(parsing)})") from exc
    record.warnings[:0] = parsing
    return record


def _prose_holder(doc: etree._Element, skip: set[etree._Element], whole_page: Callable[[], str],
                  warnings: list[str]) -> etree._Element | None:
    """Where nothing names the content: the element holding most of the page's prose
    (fragment.prose_holder), when it holds fragment.WIDE of it; or when it holds MOSTLY of it,
    or was widened to its parent, and fragment.HOLDER_HELD of trafilatura's reading of the
    page too (whole_page(), read only then). None: trafilatura's text is the body."""
    holder, share, widened = fragment.prose_holder(doc, skip.__contains__)
    if holder is None or share < fragment.MOSTLY:
        return None
    if share >= fragment.WIDE and not widened:
        warnings.append(f"no content container named; {fragment.describe(holder)} holds "
                        f"{share:.0%} of the page's prose")
        return holder
    held = fragment.held(whole_page(), [holder])
    if not held or held[0] < fragment.HOLDER_HELD:
        return None
    warnings.append(f"no content container named; {fragment.describe(holder)} holds "
                    f"{share:.0%} of the page's prose and {held[0]:.0%} of trafilatura's text")
    return holder


def _is_card(el: etree._Element, page: fields.Page, probes: list[str]) -> bool:
    """Whether el is another post's card: half its text or more is links to other posts, and
    it is not the page's own post (it neither holds the headline nor shares its post
    wrapper, and holds no run of the declared articleBody's words: `probes`)."""
    title = page.title_element
    if title is not None:
        wrapper = container.post_wrapper(title)
        if container.is_inside(title, el) or (wrapper is not None and container.is_inside(el, wrapper)):
            return False
    text = normalize(" ".join(el.itertext()))
    if probes and any(p in text for p in probes):
        return False
    linked = sum(len(normalize(" ".join(a.itertext()))) for a, _ in teaser_links(el, page.url, page.site))
    return linked > 0 and 2 * linked >= len(text)


def _extract(
    doc: etree._Element, html: str, url: str, site: str, regions: container.Scan,
    fetched_at: dt.datetime, clock: ZoneInfo | None = None,
) -> ArticleRecord:
    page = fields.Page(
        doc=doc,
        url=canonical_url(url, site) or url,
        site=site,
        meta=read_metadata(doc),
        foreign=set(regions.foreign),
        fetched_at=fetched_at,
        clock=clock,
    )
    page.title_element = fields.find_title_element(page)
    title = fields.title(page)
    if not title:
        raise ExtractionError(f"no title on {urlsplit(url).path or '/'}")

    boilerplate = set(regions.boilerplate)
    declared = page.meta.article.get("articleBody") if page.meta.article else None
    # Runs of the declared articleBody's words: the container holding them is the article's.
    probes = container.probes_of(declared if isinstance(declared, str) else None)
    page.content = container.choose(
        regions, boilerplate, container.closure(regions.foreign), page.title_element,
        probes, confirmed_title=_title_confirmed(page, title),
    )
    widened = None
    read: list[str] = []  # trafilatura's text of the whole page, once read

    def whole_page() -> str:
        if not read:
            read.append(whole_page_text(doc, html, page.url))
        return read[0]

    if page.content is not None:
        widened, page.content = fragment.review(
            doc, page.content, boilerplate, probes, whole_page)
    # The body's root: the content container, or where none is named or shaped as one, the
    # element holding the page's prose, which gives the body only (the fields look at the
    # page as without a container).
    root = page.content
    if root is None and widened is None:  # no container at all (not one reviewed)
        root = _prose_holder(doc, boilerplate | set(regions.foreign), whole_page, page.warnings)
    elif widened is fragment.LITTLE and _is_card(root, page, probes):
        # A container with little text that is another post's card (the only <article> of a
        # theme whose names say nothing): the page's prose, where it stands apart, is the
        # article.
        said: list[str] = []
        holder = _prose_holder(doc, boilerplate | set(regions.foreign), whole_page, said)
        if holder is not None and not container.is_inside(holder, root):
            page.warnings.append(f"content container {fragment.describe(root)} held little text")
            page.warnings.extend(said)
            root, page.content = holder, None
    if root is not None:
        boilerplate -= set(root.iterancestors())
        boilerplate -= container.kept_inside(root, boilerplate)
        prose = cache(lambda: container.prose_blocks(root))
        # Comments and other nested pieces: not the post's text, nor (in a container named as
        # the content) where its fields are read.
        pieces = container.other_pieces(root, page.title_element, prose)
        boilerplate |= pieces
        if root is page.content:
            page.foreign |= pieces
        if page.title_element is not None:
            header = container.title_block(root, page.title_element, boilerplate, prose)
            if header is not None:
                boilerplate.add(header)
        if container.is_generic(root):
            boilerplate |= container.link_blocks(root, boilerplate)
    page.notes = find_footnotes(doc, root if root is not None else doc, boilerplate, page.url)
    if root is not page.content and not page.notes.footnotes:
        # A container found on its prose alone holds the text; its notes may stand beside it.
        page.notes = find_footnotes(doc, doc, boilerplate, page.url)
    skip = boilerplate | page.notes.note_elements
    # A container checked against trafilatura's reading of the whole page (read for it): that
    # reading is the second opinion on its lines too.
    page.body = extract_body(doc, page.url, title, root, skip, whole_page, site,
                             whole_page if root is not page.content and read else None)
    if page.body.via != "container":  # trafilatura read the whole page, notes and all
        page.body.text = without_notes(page.body.text, page.notes.footnotes)
    if not page.body.text:
        raise ExtractionError(f"no body text on {urlsplit(url).path or '/'}")
    if page.body.via == "container":  # where the article's text lies (fields.related)
        page.text_prose = [b for b in prose() if not container.inside(b, skip)]

    page.warnings.extend(page.notes.warnings)
    page.warnings.extend(check_markers(page.body.text, page.notes.footnotes))
    if widened is not None and widened.action == "widen":
        page.warnings.append(fragment.warning(
            widened, f"widened to {fragment.describe(page.content)}"))
    if widened is not None and widened.action == "fallback":
        page.warnings.append(fragment.warning(widened, "body from trafilatura"))
    elif page.body.via == "trafilatura":
        page.warnings.append("no content container found; body from trafilatura")
    elif page.body.note:
        page.warnings.append(page.body.note)
        page.content = None  # the container was not the article: fields look at the whole page
    stamp = fields.published_stamp(page)
    machine_published = stamp.astimezone(dt.UTC) if stamp is not None else None
    shown = fields.published(page, stamp)
    if shown is not None and fetched_at.tzinfo is not None and shown > fetched_at.date():
        page.warnings.append(f"publication date {shown.isoformat()} is after the fetch time")

    record = ArticleRecord(
        url=page.url,
        title=title,
        body=page.body.text,
        post_id=fields.post_id(page),
        series=fields.series(title),
        sections=fields.sections(page),
        authors=fields.authors(page),
        published=shown,
        published_at=machine_published,
        modified_at=fields.modified_at(page),
        footnotes=fields.footnotes(page),
        related=fields.related(page),
        links=fields.links(page),
        word_count=fields.word_count(page.body.text),
        language=fields.language(page),
        warnings=page.warnings,
    )
    return record
