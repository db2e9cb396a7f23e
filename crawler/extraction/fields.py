"""One function per record field, each typed with a defined empty value, reading a parsed Page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.text import normalize
from crawler.text import word_count as count_words

from ..urls import canonical_url, joined, path_of, post_id_from_url
from . import selectors as sel
from .body import BodyResult
from .bylines import is_role, strip_titles
from .container import PROSE_TAGS, inside, is_inside, is_prose, post_wrapper, precedes
from .dates import (
    SITE_TZ,
    month_first,
    on_site_clock,
    parse_shown_date,
    parse_timestamp,
    publication_day,
    read_timestamp,
    url_day,
)
from .dating import beside_other_post, htmldate_date
from .footnotes import FootnoteResult
from .metadata import Metadata, jsonld_list, jsonld_names, jsonld_text, post_id_candidates
from .record import Footnote, Link, Related
from .related import Article, labelled_cards, named_blocks, off_column
from .render import BLOCK_TAGS, tag_of

# Site-wide accounts and the publisher's own names (Arabic, English, NCMES) are not authors.
DEFAULT_AUTHORS = frozenset({
    "admin", "administrator", "ncmes", "ncmes.org", "en.ncmes.org", "editor", "المحرر", "التحرير",
    "فريق التحرير", "wordpress", "المركز القومي لدراسات الشرق الأوسط",
    "national center for middle east studies", "the national center for middle east studies",
})
_HONORIFIC_AFTER_WAW = re.compile(
    r"\s+و(?=(?:د\.|أ\.|م\.|أ\.د\.|الدكتور|الدكتورة|الأستاذ|الأستاذة|السفير|اللواء|المستشار)\s*)"
)
_NAME_SEPARATORS = re.compile(r"\s*[،,;؛]\s*|\s+و\s+|\s+and\s+|\s+&\s+")
_SERIES_SEP = re.compile(r"\s*[:：]\s*")
_CATEGORY_CLASS = re.compile(r"(?:^|\s)category-(\S+)")


@dataclass
class Page:
    """A parsed page and the pieces located once and shared by the field functions."""

    doc: etree._Element
    url: str
    site: str
    meta: Metadata
    foreign: set[etree._Element]
    title_element: etree._Element | None = None
    content: etree._Element | None = None
    region: list[etree._Element] | None = None  # the article's own region (article_region)
    body: BodyResult = field(default_factory=BodyResult)
    notes: FootnoteResult = field(default_factory=FootnoteResult)
    warnings: list[str] = field(default_factory=list)
    fetched_at: dt.datetime | None = None  # no date found may be later
    date_elements: list[tuple[int, etree._Element, str]] | None = None  # (own_date_elements)
    clock: ZoneInfo | None = None  # the publisher's clock, when the caller knows it (publisher_clock)
    # The paragraphs of prose of the body's own element (the content container, or the prose
    # holder where none is named); none when trafilatura read the whole page.
    text_prose: list[etree._Element] = field(default_factory=list)


def article_region(page: Page) -> list[etree._Element]:
    """The article's own region: where its date, time and authors may be read.

    The post wrapper (container.is_post_wrapper: `<article>`, post_class() `hentry`,
    Elementor's single-post template) around title and content when
    there is one; otherwise the title's block, what stands between it and the content
    (post meta), and the content container (or its own post wrapper). Never the rest of
    the document: a sidebar, most-read or recent-posts widget carries other posts' dates
    whatever its classes.
    """
    if page.region is not None:
        return page.region
    title_el, content = page.title_element, page.content
    region: list[etree._Element] = []
    if title_el is not None and content is not None:
        title_path = [title_el, *title_el.iterancestors()]
        on_path = set(title_path)
        common = next((a for a in (content, *content.iterancestors()) if a in on_path), None)
        wrapper = post_wrapper(common) if common is not None else None
        # The content's own post wrapper (a title shown in a page banner, outside it).
        content_wrapper = post_wrapper(content)
        content_side = content_wrapper if content_wrapper is not None else content
        if wrapper is not None:
            region = [wrapper]
        elif common is content or common is None:
            region = [content_side]
        else:
            head = title_path[title_path.index(common) - 1] if common is not title_el else title_el
            children = list(common)
            content_path = [content, *content.iterancestors()]
            branch = content_path[content_path.index(common) - 1]
            start = children.index(head) if head in children else -1
            stop = children.index(branch) if branch in children else len(children)
            region = ([head, *children[start + 1:stop], content_side] if start >= 0
                      else [head, content_side])
    elif content is not None:
        content_wrapper = post_wrapper(content)
        region = [content_wrapper if content_wrapper is not None else content]
    elif title_el is not None:
        wrapper = post_wrapper(title_el)
        parent = title_el.getparent()
        region = [wrapper] if wrapper is not None else [parent if parent is not None else title_el]
    page.region = region
    return region


def is_own(el: etree._Element, page: Page) -> bool:
    """True when el lies in the article's own region (article_region) and in no foreign region
    (comments, related posts, widgets): one walk up from el answers both."""
    region = article_region(page)
    in_region = False
    for node in (el, *el.iterancestors()):
        if node in page.foreign:
            return False
        in_region = in_region or node in region
    return in_region


def _following(el: etree._Element) -> Iterator[etree._Element]:
    """Every node after el's start in document order: its descendants, then what follows it."""
    yield from el.iterdescendants()
    for node in (el, *el.iterancestors()):
        for sibling in node.itersiblings():
            yield from sibling.iter()


def _text(el: etree._Element) -> str:
    return normalize("".join(el.itertext()))


def _site_names(page: Page) -> set[str]:
    names = {n.casefold() for n in DEFAULT_AUTHORS}
    site_name = page.meta.first("og:site_name", "application-name")
    if site_name:
        names.add(site_name.casefold())
    for node in page.meta.of_type("Organization", "WebSite"):
        name = jsonld_text(node.get("name"))
        if name:
            names.add(name.casefold())
    return names


def _strip_site_suffix(text: str, page: Page) -> str:
    for sep in (" - ", " – ", " | ", " — ", " » "):
        if sep in text:
            head, _, tail = text.rpartition(sep)
            if tail.casefold() in _site_names(page) and head:
                return head.strip()
    return text


def find_title_element(page: Page) -> etree._Element | None:
    """The visible headline element, outside sidebars, headers and related posts."""
    for xpath in sel.TITLE_CANDIDATES:
        for el in xpath(page.doc):
            if not inside(el, page.foreign) and _text(el):
                return el
    return None


def title(page: Page) -> str:
    """The headline as shown, whole; metadata (JSON-LD, og:title, <title>) when none is shown."""
    if page.title_element is not None:
        return _text(page.title_element)
    if page.meta.article:
        headline = jsonld_text(page.meta.article.get("headline"))
        if headline:
            return headline
    og = page.meta.first("og:title", "twitter:title")
    if og:
        return _strip_site_suffix(og, page)
    for el in sel.HTML_TITLE(page.doc):
        text = _text(el)
        if text:
            return _strip_site_suffix(text, page)
    return ""


def series(title_text: str) -> str | None:
    """The series a title prefix names (`رؤى بحثية: ...`), at most four words; else None."""
    parts = _SERIES_SEP.split(title_text, maxsplit=1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    prefix = normalize(parts[0])
    return prefix if 1 <= len(prefix.split()) <= 4 else None


def sections(page: Page) -> list[str]:
    """Category names as the page states them: links, then metadata, breadcrumbs, classes."""

    def dedupe(names: list[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            if name and name not in out:
                out.append(name)
        return out

    links = [_text(a) for a in sel.CATEGORY_LINKS(page.doc) if not inside(a, page.foreign)]
    if dedupe(links):
        return dedupe(links)
    stated: list[str] = []
    if page.meta.article:
        stated += jsonld_list(page.meta.article.get("articleSection"))
    stated += page.meta.all("article:section")
    if dedupe(stated):
        return dedupe(stated)
    crumbs = [_text(a) for a in sel.BREADCRUMB_LINKS(page.doc)]
    for node in page.meta.of_type("BreadcrumbList"):
        items = node.get("itemListElement") or []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            target = item.get("item")
            href = target.get("@id") if isinstance(target, dict) else target
            if isinstance(href, str) and "/category/" in href:
                crumbs.append(jsonld_text(item.get("name")) or "")
    if dedupe(crumbs):
        return dedupe(crumbs)
    return _sections_from_classes(page) or _own_category_links(page)


def _own_category_links(page: Page) -> list[str]:
    """Category links where a theme that marks them by none of the names above prints the
    post's categories (_own_archive_links)."""
    return _own_archive_links(page, sel.ANY_CATEGORY_HREF)


# A post is filed under a few categories and signed by a few authors; a list of more is the
# site's list of them all (a categories or authors widget).
_MAX_OWN_ARCHIVES = 5
# "Africa (12)": a widget's count of an archive's posts, in the link's text or after it.
_POST_COUNT = re.compile(r"\(\s*[0-9٠-٩۰-۹]+\s*\)")


def _own_archive_links(page: Page, query: Callable[[etree._Element], list]) -> list[str]:
    """The texts of the archive links (categories, authors) that `query` finds in the
    article's own region, in no sentence of its text (the meta line by the headline, the
    post's footer) and beside no other post (a teaser's label), once each, in order; none
    when there are more than a few, or one carries a count of posts (a widget's list)."""
    names: dict[str, str] = {}  # archive path: its first link's text
    counted = False
    for a in query(page.doc):
        archive = _archive(a.get("href") or "")
        if archive is None or archive in names:
            continue  # a feed or a page of the archive; or a second link to it ("View all")
        if any(tag_of(b) in PROSE_TAGS and is_prose(b) for b in a.iterancestors()):
            continue  # "... as our Africa section shows." states nothing of the post
        name = _text(a)
        if name and name not in names.values() and is_own(a, page) and not beside_other_post(
                a, page.url, page.site):
            names[archive] = name
            counted = counted or bool(_POST_COUNT.search(name[-8:])
                                      or _POST_COUNT.match((a.tail or "").strip()))
    if len(names) > _MAX_OWN_ARCHIVES or counted:
        return []
    return list(names.values())


_ARCHIVE_PATH = re.compile(r"/(category|author)/(.+?)/?$")
# What follows an archive's slug in the URL of its feed or of one of its pages.
_NOT_THE_ARCHIVE = frozenset({"feed", "page", "embed", "amp"})


def _archive(href: str) -> str | None:
    """The archive a link opens, `category/<slug>[/<child>...]` or `author/<slug>`; None for
    its feed, one of its pages (/page/2/) or anything else."""
    found = _ARCHIVE_PATH.search(path_of(href))
    if found is None:
        return None
    slugs = found.group(2).split("/")
    if _NOT_THE_ARCHIVE.intersection(slugs) or (found.group(1) == "author" and len(slugs) != 1):
        return None
    return found.group(0).strip("/")


def _sections_from_classes(page: Page) -> list[str]:
    # post_class() writes category-<slug>; only a link on the page tells the slug's name.
    names_by_slug: dict[str, str] = {}
    for a in sel.ANY_CATEGORY_HREF(page.doc):
        path = unquote(path_of(a.get("href") or "")).rstrip("/")
        slug = path.rsplit("/", 1)[-1].lower()
        if slug and _text(a) and slug not in names_by_slug:
            names_by_slug[slug] = _text(a)
    wrappers = [w for w in sel.POST_CLASS_WRAPPERS(page.doc) if not inside(w, page.foreign)]
    classes = (wrappers[0].get("class") or "") if wrappers else ""
    classes += " " + " ".join(sel.BODY_CLASS(page.doc))
    out: list[str] = []
    for match in _CATEGORY_CLASS.finditer(classes):
        name = names_by_slug.get(unquote(match.group(1)).lower())
        if name and name not in out:
            out.append(name)
    return out


def split_names(text: str) -> list[str]:
    """Names joined by "،", "," or a lone "و"; a "و" glued to a name splits only before a title."""
    names: list[str] = []
    for part in _NAME_SEPARATORS.split(text):
        for name in _HONORIFIC_AFTER_WAW.split(part):
            name = normalize(name).strip(" .:-–")
            if name:
                names.append(name)
    return names


def _is_publisher(name: str, publisher_names: set[str]) -> bool:
    folded = name.casefold()
    if folded in publisher_names:
        return True
    # "رئيس المركز القومي لدراسات الشرق الأوسط", "NCMES Research Unit": the publisher, not a person.
    return any(len(p) > 4 and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", folded) for p in publisher_names)


def authors(page: Page) -> list[str]:
    """Every name the byline (or signature), the theme's author fields, <meta name=author> or
    JSON-LD lists, in order, from the first of them that names someone; names only (ranks,
    honorifics and roles dropped); never the publisher."""
    defaults = _site_names(page)

    def clean(raw: list[str]) -> list[str]:
        out: list[str] = []
        for text in raw:
            for part in split_names(text):
                name = strip_titles(part)
                if not name or _is_publisher(name, defaults) or is_role(name) or name in out:
                    continue
                out.append(name)
        return out

    def fields() -> list[str]:
        for xpath in sel.AUTHOR_FIELD_CANDIDATES:
            # Co-author plugins write one author element per name: keep them all, in order.
            found = [_text(el) for el in xpath(page.doc) if is_own(el, page)]
            if found:
                return found
        return []

    # Each source read only when the ones before it name no one.
    sources: list[Callable[[], list[str]]] = [
        lambda: page.body.byline,
        fields,
        lambda: page.meta.all("author"),
        lambda: (jsonld_names(page.meta, page.meta.article.get("author"))
                 if page.meta.article else []),
        # Last, an author field of a class we do not know: its link to the author's archive.
        lambda: _own_archive_links(page, sel.AUTHOR_ARCHIVE_LINKS),
    ]
    for source in sources:
        names = clean(source())
        if names:
            return names
    return []


def published_stamp(page: Page) -> dt.datetime | None:
    """The publication timestamp in the offset the page writes it in, from the most trusted source that
    gives one: JSON-LD's article, article:published_time, the page's own JSON-LD WebPage
    (Yoast's graph dates the page when it types no article), a <time datetime> of the post."""
    candidates: list[str | None] = []
    if page.meta.article:
        candidates.append(jsonld_text(page.meta.article.get("datePublished")))
    candidates.append(page.meta.first("article:published_time", "datepublished"))
    candidates += [jsonld_text(node.get("datePublished"))
                   for node in page.meta.of_type(*_PAGE_TYPES)]
    for _, el, _ in own_date_elements(page):
        candidates.append(el.get("datetime") or next(
            (t.get("datetime") for t in el.iter("time") if t.get("datetime")), None))
    return _first_timestamp(candidates, read_timestamp)


# JSON-LD types of a page as a whole (schema.org WebPage and the kinds Yoast writes).
_PAGE_TYPES = ("WebPage", "ItemPage", "AboutPage")


def _first_timestamp(candidates: list[str | None],
                     read: Callable[[str | None], dt.datetime | None] = parse_timestamp,
                     ) -> dt.datetime | None:
    """The first candidate that parses as a timestamp (by `read`: UTC), in order of trust."""
    return next((stamp for stamp in map(read, candidates) if stamp is not None), None)


def modified_at(page: Page) -> dt.datetime | None:
    """Last modification time from metadata, UTC."""
    candidates: list[str | None] = []
    if page.meta.article:
        candidates.append(jsonld_text(page.meta.article.get("dateModified")))
    candidates.append(page.meta.first("article:modified_time", "og:updated_time", "datemodified"))
    candidates += [el.get("datetime") for el in sel.MODIFIED_TIME_ELEMENTS(page.doc)
                   if is_own(el, page)]
    return _first_timestamp(candidates)


# The shown-date queries whose elements are marked as the post's date (the last, any <time>,
# is not): a date they give is not second-guessed by the metadata.
_MARKED_DATES = len(sel.SHOWN_DATE_CANDIDATES) - 1


def own_date_elements(page: Page) -> list[tuple[int, etree._Element, str]]:
    """The elements that may show the article's date, as (rank of the query that found them,
    element, text), in order of trust; found once per page. Only in the article's own region,
    never beside a link to another post (a date elsewhere, or in a recent/related/most read
    list inside the template, is another post's), never a date of the last update."""
    if page.date_elements is None:
        page.date_elements = []
        for rank, xpath in enumerate(sel.SHOWN_DATE_CANDIDATES):
            for el in xpath(page.doc):
                if not is_own(el, page) or beside_other_post(el, page.url, page.site):
                    continue
                text = _text(el)
                if not _is_update(el, text):
                    page.date_elements.append((rank, el, text))
    return page.date_elements


def _shown_date(page: Page) -> tuple[dt.date | None, bool, str]:
    """The date shown for the article, whether an element marked as its date shows it, and
    the text it was read from. A date labelled or classed as the last update is not it."""
    for rank, _, text in own_date_elements(page):
        found = parse_shown_date(text)
        if found is not None:
            return found, rank < _MARKED_DATES, text
    # Elementor templates often print the date in a plain text widget between title and body:
    # the walk starts at the headline (none when the content starts before it).
    title_el, content = page.title_element, page.content
    if title_el is not None and not (content is not None and (
            is_inside(title_el, content) or precedes(content, title_el))):
        for el in _following(title_el):
            if el is content:
                break
            if not isinstance(el.tag, str) or not is_own(el, page):
                continue
            if any(tag_of(d) in BLOCK_TAGS for d in el.iterdescendants()):
                continue
            text = _text(el)
            if text and len(text.split()) <= 6 and not _is_update(el, text):
                found = parse_shown_date(text)
                if found is not None and not beside_other_post(el, page.url, page.site):
                    return found, False, text
    for line in page.body.dates:
        found = parse_shown_date(line)
        if found is not None and not _UPDATE_LABEL.match(line):
            return found, False, line
    return None, False, ""


# "Updated", "Last modified", "آخر تحديث": the label of a modification date.
_UPDATE_LABEL = re.compile(r"\W*(?:last\s+)?(?:updated|modified|revised)\b|\W*(?:آخر|اخر|تاريخ)?\s*(?:تحديث|تعديل)",
                           re.IGNORECASE)


def _is_update(el: etree._Element, text: str) -> bool:
    """True when a shown date is the post's last update: WordPress's `updated` class without
    `published` or `entry-date` (themes print both dates), or an update label before it."""
    classes = set((el.get("class") or "").split())
    if classes & {"updated", "modified", "date-modified"} and not classes & {"published", "entry-date"}:
        return True
    return bool(_UPDATE_LABEL.match(text))


def published(page: Page, stamp: dt.datetime | None) -> dt.date | None:
    """The date shown on the page (day first); the metadata's (`stamp`, on its publisher's
    clock: dates.publication_day) only when none is shown; htmldate's reading of the page's
    metadata and own region when neither, and as the referee between a shown date not
    marked as the post's and the metadata. Warns on doubt."""
    shown, marked, shown_text = _shown_date(page)
    # (the publisher's clock matters to a UTC time only: publication_day reads it then alone)
    meta_date = publication_day(stamp, page.url, publisher_clock(page)) if stamp is not None else None
    if shown is not None:
        other = month_first(shown_text)
        if other is not None and other != shown:
            # 11/05/2019 where the metadata, else the URL's day, else htmldate says 5 November:
            # the page writes month first.
            source = _month_first_source(page, meta_date, other)
            if source:
                page.warnings.append(
                    f"shown date {shown_text!r} read month first, as {source} dates it "
                    f"({other.isoformat()})"
                )
                return other
        if meta_date is not None and shown != meta_date:
            if not marked and _htmldate(page) == meta_date:
                page.warnings.append(
                    f"shown date {shown.isoformat()} differs from metadata date "
                    f"{meta_date.isoformat()}, which htmldate confirms; metadata date kept"
                )
                return meta_date
            page.warnings.append(
                f"shown date {shown.isoformat()} differs from metadata date "
                f"{meta_date.isoformat()}; shown date kept"
            )
        return shown
    if meta_date is not None:
        page.warnings.append("no date shown on the page; published taken from metadata")
        return meta_date
    found = _htmldate(page)
    if found is not None:
        page.warnings.append(f"no date shown on the page; published {found.isoformat()} "
                             f"read by htmldate from its metadata and markup")
        return found
    page.warnings.append("no publication date found")
    return None


def publisher_clock(page: Page) -> ZoneInfo | None:
    """The clock a UTC timestamp of the page is dated on: the one its caller names (a crawl of
    the site names the site's); else the site's (Cairo) when the page is in Arabic or writes
    one of its times on Cairo's clock (dates.on_site_clock); else none, and a UTC time is
    dated on the day it writes: where another publisher is, nothing says."""
    if page.clock is not None:
        return page.clock
    if language(page) == "ar":
        return SITE_TZ
    written = [page.meta.first("article:published_time"),
               page.meta.first("article:modified_time", "og:updated_time")]
    if page.meta.article:
        written += [jsonld_text(page.meta.article.get(key)) for key in ("datePublished", "dateModified")]
    written += [el.get("datetime") for el in sel.TIME_ELEMENTS(page.doc)]
    return SITE_TZ if any(on_site_clock(text, page.fetched_at) for text in written) else None


def _month_first_source(page: Page, meta_date: dt.date | None, other: dt.date) -> str:
    """Which independent source dates the page as the month-first reading `other` of its
    shown numeric date: the metadata when it dates the page at all, else the URL's day, else
    htmldate; "" when none does."""
    if meta_date is not None:
        return "the metadata" if meta_date == other else ""
    day = url_day(page.url)
    if day is not None:
        return "the URL" if day == other else ""
    return "htmldate" if _htmldate(page) == other else ""


def _htmldate(page: Page) -> dt.date | None:
    """htmldate's reading of the page's metadata and of the article's own region, without
    its foreign parts (comments, related posts, widgets) and other posts' teasers
    (dating.htmldate_date). Without a content container of our own (no region, or a body
    read by trafilatura) the region is the whole <body>, as trafilatura reads it."""
    region = article_region(page)
    if not region or page.content is None or page.body.via == "trafilatura":
        body = page.doc.find("body")
        region = [body] if body is not None else []
    return htmldate_date(page.doc, page.url, page.fetched_at,
                         region=region, foreign=page.foreign, site=page.site)


def _post_url(href: str, page: Page) -> str | None:
    url = canonical_url(href, page.site, base=page.url)
    if url is None or url == page.url or post_id_from_url(url) is None:
        return None
    return url


def related(page: Page) -> list[Related]:
    """The related-posts block in page order: link texts (never image alts) and canonical URLs.
    A block marked by its plugin's or theme's class; else the first Elementor posts widget
    after the content; else, after the article's text (crawler.extraction.related), a block
    whose class or id says "related", or a strip of other posts' cards whose heading does."""
    sidebars = set(sel.SIDEBAR(page.doc))
    blocks = [b for b in sel.RELATED_BLOCKS(page.doc)
              if not any(a in sidebars for a in b.iterancestors())]
    if not blocks and page.content is not None:
        # Elementor: the first posts widget after the start of the article text, outside any
        # sidebar.
        widgets = sel.ELEMENTOR_POSTS_WIDGETS(page.doc)
        if widgets:
            content = page.content
            after = [w for w in widgets
                     if (precedes(content, w) or is_inside(w, content))
                     and not inside(w, sidebars)]
            blocks = after[:1]
    if blocks:
        return _related_links(blocks, page)
    body = page.doc.find("body")
    if not page.text_prose or body is None:
        return []
    article = Article(page.text_prose, len(page.body.text))

    def off(el: etree._Element) -> bool:
        return off_column(el, sidebars)

    for run in named_blocks(sel.SAID_RELATED(page.doc), article, off):
        found = _related_links(run, page)
        if found:
            return found
    return _related_links(labelled_cards(body, article, page.url, page.site, off), page)


def _related_links(blocks: list[etree._Element], page: Page) -> list[Related]:
    out: list[Related] = []
    seen: set[str] = set()
    for block in blocks:
        for a in sel.LINKS(block):
            url = _post_url(a.get("href") or "", page)
            text = _text(a)
            if url is None or not text or url in seen:
                continue
            seen.add(url)
            out.append(Related(text, url))
    return out


def links(page: Page) -> list[Link]:
    """Hyperlinks inside the body: absolute, same-site ones canonical; no anchors or markers."""
    out: list[Link] = []
    seen: set[tuple[str, str]] = set()  # a page may hold thousands of links: no list scans
    for text, href in page.body.links:
        if not text or href.startswith("#"):
            continue
        same_site = canonical_url(href, page.site, base=page.url)
        absolute = same_site or joined(page.url, href)
        if not absolute.startswith(("http://", "https://")) or (text, absolute) in seen:
            continue
        seen.add((text, absolute))
        out.append(Link(text, absolute))
    return out


def footnotes(page: Page) -> list[Footnote]:
    """The notes, in page order."""
    return list(page.notes.footnotes)


def word_count(body_text: str) -> int:
    """Words in the body."""
    return count_words(body_text)


def post_id(page: Page) -> int | None:
    """WordPress post id: shortlink, body class postid-N, article id, else the numeric permalink."""
    candidates = post_id_candidates(page.doc, page.content)
    from_url = post_id_from_url(page.url)
    if from_url is not None:
        candidates.append(("url", from_url))
    for href in sel.CANONICAL_HREF(page.doc):
        canonical = canonical_url(href, page.site, base=page.url)
        found = post_id_from_url(canonical) if canonical else None
        if found is not None:
            candidates.append(("canonical link", found))
    values = {value for _, value in candidates}
    if len(values) > 1:
        page.warnings.append(
            "post id sources disagree: " + ", ".join(f"{s}={v}" for s, v in candidates)
        )
    return candidates[0][1] if candidates else None


_LANG_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def language(page: Page) -> str | None:
    """The page's declared language, primary subtag lower-cased (`ar-EG` -> `ar`).

    <html lang>, then <meta http-equiv=content-language> / og:locale; a page that declares
    none is told by its body's script (Arabic letters or Latin), else None.
    """
    declared = [page.doc.get("lang"), page.doc.get("xml:lang")]
    declared += [page.meta.first("content-language"), page.meta.first("og:locale")]
    for value in declared:
        match = _LANG_TAG.match(value or "")
        if match:
            return match.group(1).lower()
    text = page.body.text
    arabic, latin = len(_ARABIC_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))
    if arabic or latin:
        return "ar" if arabic >= latin else "en"
    return None
