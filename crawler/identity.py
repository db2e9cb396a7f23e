"""Is this answer the article? Identity signals of a fetched page and the verdict against the article asked for (pure).

WordPress writes a post's identity in several places: the body class `postid-N`, the
shortlink `?p=N`, the REST link `wp-json/wp/v2/posts/N`, the wrapper `<article id="post-N">`,
the canonical link and `og:url`. A login wall, a maintenance or parking page, a bot
challenge or the home page answered at an article's URL shows none of them (or another
post's). Such a page must never become a version of the article: `judge` says so, and why.
No Scrapy, no files, no clock: HTML text and URLs in, a verdict out.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from urllib.parse import urlsplit

from crawler.urls import canonical_url, post_id_from_url

# -- thresholds (docs/identity.md) ------------------------------------------------------

# A known article whose new body keeps less than this share of its words has collapsed.
COLLAPSE_KEEP = 0.2
# ... counted only for articles that had at least this many words (short notes vary).
COLLAPSE_MIN_WORDS = 50
# What a page looks like (login, maintenance...) is read only on pages with fewer visible
# words than this: an article may quote "log in" or "maintenance" at length.
HINT_MAX_WORDS = 400
# ... from at most this many characters of it.
TEXT_KEPT = 4000

# Refusal kinds, as recorded in failures.parquet ("refused (KIND): ...") and counted by the
# circuit breaker (crawler/health.py).
LOGIN, MAINTENANCE, CHALLENGE, PARKING, NOT_FOUND = "login", "maintenance", "challenge", "parking", "not-found"
HOME, LISTING, OTHER_ARTICLE, OFFSITE, SUSPECT = "home", "listing", "other-article", "offsite", "suspect"
KINDS = (LOGIN, MAINTENANCE, CHALLENGE, PARKING, NOT_FOUND, HOME, LISTING, OTHER_ARTICLE, OFFSITE, SUSPECT)

_DESCRIBED = {
    LOGIN: "a login wall", MAINTENANCE: "a maintenance page", CHALLENGE: "a bot challenge",
    PARKING: "a parking page", NOT_FOUND: "a 'not found' page", HOME: "the home page",
    LISTING: "a listing, not an article", OTHER_ARTICLE: "another article",
    OFFSITE: "another origin", SUSPECT: "a page that lost most of the article's text",
}


def describe_kind(kind: str) -> str:
    """What a refusal kind means, for people: 'a login wall'."""
    return _DESCRIBED.get(kind, kind)


# -- signals ----------------------------------------------------------------------------

_TAG = re.compile(r"<(body|link|meta|article)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_POSTID_CLASS = re.compile(r"(?:^|\s)postid-(\d+)(?:\s|$)")
_SHORTLINK_P = re.compile(r"[?&]p=(\d+)(?:&|$)")
_REST_POST = re.compile(r"(?:wp-json/wp/v2/posts/|rest_route=/wp/v2/posts/)(\d+)(?:[/?&]|$)")
_ARTICLE_ID = re.compile(r"^post-(\d+)$")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_INVISIBLE = re.compile(r"<(script|style|noscript|template|svg)\b.*?</\1\s*>", re.I | re.S)
_MARKUP = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_WORD = re.compile(r"\w+")

# What a page that is not an article says about itself (title and visible text of a short
# page, lower-cased). Challenge markers are also looked for in the markup, whatever its size.
_LOOKS = (
    (CHALLENGE, re.compile(
        r"just a moment|checking (?:if the site connection is secure|your browser)|verify(?:ing)? you are (?:a )?human"
        r"|are you a robot|attention required|ddos protection|captcha|bot (?:check|challenge|protection)"
        r"|التحقق من أنك إنسان|لست روبوت|تحقق أمني")),
    (LOGIN, re.compile(
        r"\blog ?in\b|\bsign ?in\b|members only|password|تسجيل الدخول|سجل الدخول|كلمة المرور|للأعضاء فقط")),
    (MAINTENANCE, re.compile(
        r"maintenance|temporarily unavailable|coming soon|be right back|service unavailable"
        r"|صيانة|غير متاح مؤقت|قريبا|قريبًا")),
    (PARKING, re.compile(
        r"domain (?:is )?for sale|buy this domain|parked (?:free|domain|by)|domain parking|this domain (?:name )?(?:may be|is) available"
        r"|النطاق للبيع|هذا النطاق")),
    (NOT_FOUND, re.compile(r"page not found|\b404\b|nothing (?:was )?found|الصفحة غير موجودة|لم يتم العثور")),
)
# Looked for as plain substrings of the lower-cased markup: one regular expression with
# these alternatives and IGNORECASE cost more than extracting the page.
_CHALLENGE_MARKUP = (
    "cf-browser-verification", "challenge-platform", "cf_chl_", "cf-challenge", "g-recaptcha", "h-captcha",
    "hcaptcha", "cf-turnstile", "/cdn-cgi/challenge", "_incapsula_", "sucuri_cloudproxy", "ddos-guard",
)


@dataclass(frozen=True)
class PageIdentity:
    """What a fetched page says of which post it is, and what it looks like."""

    # Ids from the body class postid-N, the shortlink ?p=N and the REST link posts/N.
    page_ids: tuple[int, ...] = ()
    # Ids of the <article id="post-N"> wrappers (a listing has several).
    article_ids: tuple[int, ...] = ()
    # The canonical link and og:url, as written (absolute or not).
    canonicals: tuple[str, ...] = ()
    title: str = ""
    words: int = 0  # visible words, roughly (markup, scripts and styles dropped)
    # The start of the visible text (the extracted body when there is one): what the page
    # says of itself, read only when the verdict needs it (see looks_like).
    text: str = ""
    challenge: bool = False  # the markup of a bot challenge (Cloudflare, reCAPTCHA...)
    # What the page looks like, when the caller knows; else read from title and text.
    hint: str | None = None

    @cached_property
    def looks_like(self) -> str | None:
        """login | maintenance | challenge | parking | not-found, or None; read once, and only
        when a verdict asks."""
        if self.hint is not None:
            return self.hint
        if self.challenge:
            return CHALLENGE
        return looks_like(self.title, self.text, self.words)


# What a <link>, <meta> or <article> tag must hold (lower-cased) to be worth parsing.
_WANTED = {"link": ("shortlink", "alternate", "canonical"), "meta": ("og:url",), "article": ("post-",)}


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): _html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(text)}


def _unique(values: list) -> tuple:
    return tuple(dict.fromkeys(values))


def _signals(page: str) -> tuple[list[int], list[int], list[str]]:
    """(post ids the page names, <article> ids, canonical links) of one HTML page."""
    page_ids: list[int] = []
    article_ids: list[int] = []
    canonicals: list[str] = []
    for match in _TAG.finditer(page):
        tag, raw = match.group(1).lower(), match.group(2)
        if tag in _WANTED:
            lowered = raw.lower()
            if not any(key in lowered for key in _WANTED[tag]):
                continue  # most <link> and <meta> tags say nothing of identity: not parsed
        attrs = _attrs(raw)
        if tag == "body":
            page_ids += [int(i) for i in _POSTID_CLASS.findall(attrs.get("class", ""))]
        elif tag == "article":
            if found := _ARTICLE_ID.match(attrs.get("id", "").strip()):
                article_ids.append(int(found.group(1)))
        elif tag == "link":
            rels = attrs.get("rel", "").lower().split()
            href = attrs.get("href", "").strip()
            if "shortlink" in rels and (found := _SHORTLINK_P.search(href)):
                page_ids.append(int(found.group(1)))
            elif "alternate" in rels and (found := _REST_POST.search(href)):
                page_ids.append(int(found.group(1)))
            elif "canonical" in rels and href:
                canonicals.append(href)
        elif tag == "meta" and attrs.get("property", attrs.get("name", "")).lower() == "og:url":
            if content := attrs.get("content", "").strip():
                canonicals.append(content)
    return page_ids, article_ids, canonicals


def _title(page: str) -> str:
    found = _TITLE.search(page)
    return " ".join(_html.unescape(_MARKUP.sub(" ", found.group(1))).split()) if found else ""


def _visible(page: str) -> str:
    """The page's visible text, markup, scripts and styles dropped (spaces not folded)."""
    return _html.unescape(_MARKUP.sub(" ", _INVISIBLE.sub(" ", page)))


def read_identity(page: str, *, text: str | None = None, words: int | None = None) -> PageIdentity:
    """The identity signals of one HTML page (decoded text). text and words: the page's
    visible text and its word count when extraction has them (the article's body), else
    they are read from the page, markup dropped (slower: as long as extraction itself)."""
    page_ids, article_ids, canonicals = _signals(page)
    if text is None:
        text = " ".join(_visible(page).split())
    if words is None:
        words = len(_WORD.findall(text))
    return PageIdentity(
        page_ids=_unique(page_ids), article_ids=_unique(article_ids), canonicals=_unique(canonicals),
        title=_title(page), words=words, text=text[:TEXT_KEPT] if words < HINT_MAX_WORDS else "",
        # The markup is searched for a challenge only when it names no post: a WordPress page
        # that does is no challenge page (and searching costs a tenth of extracting it).
        challenge=not page_ids and _challenge_markup(page),
    )


def page_looks_like(page: str) -> str | None:
    """read_identity(page).looks_like, for a page of which nothing else is wanted (an error
    page): its tags are read only when the markup shows a challenge, and its words counted
    only up to HINT_MAX_WORDS (a longer page looks like nothing)."""
    if _challenge_markup(page) and not _signals(page)[0]:
        return CHALLENGE
    visible = _visible(page)
    if next(islice(_WORD.finditer(visible), HINT_MAX_WORDS - 1, None), None) is not None:
        return None
    text = " ".join(visible.split())
    return looks_like(_title(page), text[:TEXT_KEPT], len(_WORD.findall(text)))


def _challenge_markup(markup: str) -> bool:
    lowered = markup.lower()
    return any(marker in lowered for marker in _CHALLENGE_MARKUP)


def looks_like(title: str, text: str, words: int) -> str | None:
    """What a page that is not an article looks like (see _LOOKS), or None."""
    if words >= HINT_MAX_WORDS:
        return None
    haystack = f"{title}\n{text}".casefold()
    for kind, pattern in _LOOKS:
        if pattern.search(haystack):
            return kind
    return None


# -- the verdict ------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What the archive holds of the article asked for: its post id and word count."""

    post_id: int | None = None
    word_count: int = 0
    title: str = ""


@dataclass(frozen=True)
class Verdict:
    """accept, or the refusal's kind and one line saying what the page was."""

    accept: bool
    kind: str | None = None
    reason: str = ""
    # strong: the post id or the canonical URL is the article's; weak: only the URL that
    # answered is; contradicted: the page names another post or page.
    identity: str = "weak"

    def error(self) -> str:
        """The failure's text as recorded."""
        return f"refused ({self.kind}): {self.reason}" if self.kind else self.reason


def _refuse(kind: str, reason: str, identity: str = "weak") -> Verdict:
    return Verdict(False, kind, reason, identity)


def judge(
    url: str, site: str, page: PageIdentity, *, final_url: str | None, known: Known | None,
    words: int | None, title: str | None = None,
) -> Verdict:
    """May this answer become a version of the article at `url` (canonical)?

    final_url: where the request ended after redirects, as canonical_url gives it (None:
    another origin). known: what the archive holds of the article (None: a new one).
    words: the extracted body's word count, None when extraction found no article; title:
    the extracted headline.
    """
    if final_url is None:
        return _refuse(OFFSITE, "redirected to another origin", "contradicted")
    expected = {i for i in (post_id_from_url(url), known.post_id if known else None) if i is not None}
    named = {canonical_url(c, site, base=url) for c in page.canonicals}
    strong = bool(expected & set(page.page_ids)) or url in named or (
        len(page.article_ids) == 1 and page.article_ids[0] in expected)
    if final_url != url and post_id_from_url(final_url) is None and not strong:
        # A redirect to a page that is not a post, unless the page there shows the article's
        # own identity (WordPress's old-slug redirect on a site whose post URLs are slugs).
        kind = HOME if _is_root(final_url) else LISTING
        return _refuse(kind, f"redirected to {describe_kind(kind)} ({final_url})", "contradicted")
    if page.page_ids and expected and not expected & set(page.page_ids):
        ids = ", ".join(map(str, page.page_ids))
        return _refuse(OTHER_ARTICLE, f"the page is post {ids}, not {', '.join(map(str, sorted(expected)))}", "contradicted")
    collapsed = (known is not None and known.word_count >= COLLAPSE_MIN_WORDS and words is not None
                 and words < COLLAPSE_KEEP * known.word_count)
    if not strong:
        elsewhere = sorted(u for u in named if u is not None and u != url)
        if elsewhere:
            target = elsewhere[0]
            kind = HOME if _is_root(target) else OTHER_ARTICLE if post_id_from_url(target) is not None else LISTING
            return _refuse(kind, f"the page names itself {target}", "contradicted")
        if len(page.article_ids) > 1:
            return _refuse(LISTING, f"the page lists {len(page.article_ids)} posts", "contradicted")
        if page.looks_like is not None:
            return _refuse(page.looks_like, f"{describe_kind(page.looks_like)}: {_shown(page)}")
    strength = "strong" if strong else "weak"
    if words is None:
        if page.looks_like is not None:
            return _refuse(page.looks_like, f"{describe_kind(page.looks_like)}: {_shown(page)}", strength)
        return Verdict(False, None, "no article in the page", strength)
    if not strong and known is not None and known.title and title is not None and _fold(title) != _fold(known.title):
        # Neither its identity nor its headline: a stub or another page at the article's URL.
        return _refuse(SUSPECT, f"another title than the article's ({known.title!r}) and no identity: {_shown(page)}")
    if collapsed:
        assert known is not None
        loss = f"{known.word_count} -> {words} words"
        if not strong:
            return _refuse(SUSPECT, f"lost most of its text ({loss}) without showing its identity: {_shown(page)}")
        if page.looks_like is not None:
            return _refuse(page.looks_like, f"{describe_kind(page.looks_like)} ({loss}): {_shown(page)}",
                           strength)
    return Verdict(True, None, "", strength)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_root(url: str) -> bool:
    return urlsplit(url).path in ("", "/")


def _shown(page: PageIdentity) -> str:
    title = page.title if len(page.title) <= 80 else page.title[:79] + "…"
    return f"title {title!r}, {page.words} words" if title else f"no title, {page.words} words"
