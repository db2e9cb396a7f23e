"""Changes to the snapshot: DemoSite's mutations (publish, edit, withdraw) and the
realistic edits `ncmes-archive demo --edit` makes, what a week of the site's editors might do,
so that a second crawl has changes to show."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.demo.content import Article, Note, note_parts

if TYPE_CHECKING:
    from crawler.demo.site import DemoSite


class Edits:
    """The mutations of DemoSite: publish, edit, withdraw (a mixin: the state lives
    in DemoSite)."""

    def _tick(self) -> dt.datetime:
        """The local (Cairo) time of a change made now: the wall clock, so that a crawler's
        `modified_after` (its last run's start) sees it, and never two changes at once."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        local = now + dt.timedelta(hours=Article.offset_hours(now))
        self._clock = max(self._clock + dt.timedelta(seconds=1), local)
        return self._clock

    def add_article(self, title: str, paragraphs: list[str] | None = None, *,
                    sections: list[str] | None = None, authors: list[str] | None = None,
                    footnotes: list[str] | None = None, post_id: int | None = None) -> int:
        """Publish a new post (the newest); returns its id. Sections by name or slug;
        each footnote n gets a marker at the end of paragraph n (or the last one)."""
        with self._lock:
            now = self._tick()
            pid = post_id or max(self._articles) + 17
            paras = paragraphs or ["يتناول هذا التحليل المستجد آخر التطورات الإقليمية وانعكاساتها المحتملة على الأمن والاستقرار في المنطقة."]
            blocks: list[tuple] = [("p", [("t", p)]) for p in paras]
            notes = []
            for n, text in enumerate(footnotes or [], start=1):
                blocks[min(n, len(blocks)) - 1][1].append(("m", n))
                notes.append(Note(n, note_parts(text)))
            secs = [self._section_slug(s) for s in (sections or [self.sections[0].slug])]
            art = Article(post_id=pid, title=title, sections=secs, published_local=now,
                          modified_local=now, blocks=blocks, notes=notes,
                          authors=list(authors or []), author_style="byline" if authors else "none",
                          fn_form="wpblock" if notes else None, image=f"post-{pid}",
                          language=self.language)
            others = [a.post_id for a in self.live()][:4]
            art.related = others
            self._articles[pid] = art
            return pid

    def _section_slug(self, s: str) -> str:
        if s in {sec.slug for sec in self.sections}:
            return s
        for sec in self.sections:
            if sec.name == s:
                return sec.slug
        raise KeyError(s)

    def edit_article(self, post_id: int, *, title: str | None = None,
                     body_paragraph: tuple[int, str] | None = None,
                     append_paragraph: str | None = None,
                     footnote: tuple[int, str] | None = None,
                     authors: list[str] | None = None, sections: list[str] | None = None,
                     published: dt.datetime | None = None,
                     replace: tuple[str, str] | None = None,
                     touch_modified: bool = True) -> None:
        """Change an article. body_paragraph=(i, text) replaces the i-th paragraph (0-based,
        paragraphs only; `[n]` in text becomes a marker); footnote=(n, text) rewrites note n;
        published (site-local, naive) moves the publication date shown and in metadata.
        replace=(old, new) replaces `old` wherever the paragraphs' text, the footnotes' text or
        the URLs they cite hold it (ValueError when nothing holds it).
        touch_modified=False leaves modified time, sitemap lastmod, REST and Last-Modified
        as they were (a site with no change signal; the ETag still follows the content)."""
        with self._lock:
            art = self._articles[post_id]
            if title is not None:
                art.title = title
            if body_paragraph is not None:
                index, text = body_paragraph
                p_idx = [i for i, b in enumerate(art.blocks) if b[0] == "p"]
                art.blocks[p_idx[index]] = ("p", _parse_inline(text))
            if append_paragraph is not None:
                art.blocks.append(("p", _parse_inline(append_paragraph)))
            if footnote is not None:
                n, text = footnote
                for note in art.notes:
                    if note.number == n:
                        note.parts = note_parts(text)
                        break
                else:
                    raise KeyError(f"article {post_id} has no footnote {n}")
            if authors is not None:
                art.authors = list(authors)
                if art.author_style == "none" and authors:
                    art.author_style = "byline"
            if sections is not None:
                art.sections = [self._section_slug(s) for s in sections]
            if published is not None:
                art.published_local = published
            if replace is not None:
                _replace_text(art, *replace)
            if touch_modified:
                art.modified_local = self._tick()

    def remove_article(self, post_id: int, status: int = 404) -> None:
        """Withdraw an article: gone from listings, sitemap, feed and REST; answers 404 or 410."""
        if status not in (404, 410):
            raise ValueError("status must be 404 or 410")
        with self._lock:
            self._articles[post_id]  # KeyError for unknown ids
            self._removed[post_id] = status

    def touch_boilerplate(self) -> None:
        """Reorder sidebars, most-read and related posts everywhere; no article content changes."""
        with self._lock:
            self._boilerplate += 1
            for art in self._articles.values():
                if len(art.related) > 1:
                    art.related = art.related[1:] + art.related[:1]


def _parse_inline(text: str) -> list[tuple]:
    """Text with `[n]` / `[١]` markers as inline segments."""
    out: list[tuple] = []
    pos = 0
    for m in re.finditer(r"\[([0-9٠-٩]+)\]", text):
        out.append(("t", text[pos:m.start()]))
        out.append(("m", int(m.group(1).translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))))
        pos = m.end()
    out.append(("t", text[pos:]))
    return [s for s in out if s != ("t", "")]


def _replace_text(art: Article, old: str, new: str) -> None:
    """Replace `old` by `new` in an article's paragraphs, footnote texts and cited URLs."""
    found = False

    def swap(segment: tuple) -> tuple:
        nonlocal found
        if segment[0] in ("t", "b", "a", "u") and old in segment[1]:
            found = True
            return (segment[0], segment[1].replace(old, new), *segment[2:])
        return segment

    for i, block in enumerate(art.blocks):
        if block[0] == "p":
            art.blocks[i] = ("p", [swap(seg) for seg in block[1]])
    for note in art.notes:
        note.parts = [swap(part) for part in note.parts]
    if not found:
        raise ValueError(f"article {art.post_id} holds no {old!r}")


# -- the edits of `ncmes-archive demo --edit` -----------------------------------------------

NEW_POST_TITLE = "تقدير موقف: مسارات التهدئة في البحر الأحمر"


@dataclass(frozen=True)
class Edit:
    """One edit of one edition: the post it touches (None for a new post), what a crawl
    should record (`change`, `fields`), and `make`, which makes it on a DemoSite (given the
    post's id) and returns the post's id."""

    edition: str
    post_id: int | None
    change: str  # added | changed | removed
    fields: tuple[str, ...]
    what: str
    make: Callable[[DemoSite, int | None], int]

    def apply(self, site: DemoSite) -> int:
        return self.make(site, self.post_id)


def _on_post(action: Callable[[DemoSite, int], None]) -> Callable[[DemoSite, int | None], int]:
    """An edit's make for an existing post: the action on the post the Edit names."""
    def make(site: DemoSite, post_id: int | None) -> int:
        if post_id is None:
            raise ValueError("an edit of a post names the post")
        action(site, post_id)
        return post_id
    return make


def _edited(**changes: Any) -> Callable[[DemoSite, int | None], int]:
    return _on_post(lambda site, post_id: site.edit_article(post_id, **changes))


def _author_added(name: str) -> Callable[[DemoSite, int | None], int]:
    return _on_post(lambda site, post_id: site.edit_article(
        post_id, authors=[*site.article(post_id).authors, name]))


def _removed(status: int) -> Callable[[DemoSite, int | None], int]:
    return _on_post(lambda site, post_id: site.remove_article(post_id, status))


EDITS: tuple[Edit, ...] = (
    Edit("ar", 4571, "changed", ("body",), "a word of the body («خاصة» becomes «بالغة»)",
         _edited(replace=("أهمية خاصة", "أهمية بالغة"))),
    Edit("ar", 4097, "changed", ("footnotes",), "a URL cited by footnote 1",
         _edited(replace=("https://www.brookings.edu/articles/egypt-turkey-a-regional-perspective/",
                          "https://www.brookings.edu/articles/egypt-turkey-revisited/"))),
    Edit("ar", 4003, "changed", ("authors",), "a second author", _author_added("د. هالة الشريف")),
    Edit("ar", None, "added", (), "a new post", lambda site, _: site.add_article(
        title=NEW_POST_TITLE,
        paragraphs=["تشهد منطقة البحر الأحمر تحولات متسارعة تضع أمن الملاحة في صدارة الاهتمام "
                    "الإقليمي والدولي، ويسعى هذا التقدير إلى قراءة مسارات التهدئة الممكنة.",
                    "وتبقى التهدئة رهنًا بتوافق الأطراف الإقليمية على ضمانات واضحة لحرية الملاحة."],
        authors=["د. هالة الشريف"],
        footnotes=["Crisis Group, “Red Sea Security”, 2 November 2025. "
                   "Available at: https://www.crisisgroup.org/red-sea-security"])),
    Edit("ar", 4305, "removed", (), "a post withdrawn (410 Gone)", _removed(410)),
    Edit("en", 3560, "changed", ("body",), "a word of the body (“rapid” becomes “sweeping”)",
         _edited(replace=("rapid change", "sweeping change"))),
)


def apply_edits(site: DemoSite) -> list[str]:
    """Make the edits of the site's edition; returns one line per edit, for the user."""
    return [f"{edit.change} /{edit.apply(site)}: {edit.what}"
            for edit in EDITS if edit.edition == site.language]
