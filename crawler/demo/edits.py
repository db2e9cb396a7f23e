"""The snapshot's realistic edits (`ncmes-archive demo --edit`): what a week of the site's
editors might do, so that a second crawl has changes to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.demo.site import DemoSite

NEW_POST_TITLE = "تقدير موقف: مسارات التهدئة في البحر الأحمر"


@dataclass(frozen=True)
class Edit:
    """One edit of one edition: the post it touches (None for a new post), what a crawl
    should record (`change`, `fields`), and the DemoSite call that makes it."""

    edition: str
    post_id: int | None
    change: str  # added | changed | removed
    fields: tuple[str, ...]
    what: str
    call: str  # DemoSite method
    kwargs: tuple[tuple[str, Any], ...] = ()


EDITS: tuple[Edit, ...] = (
    Edit("ar", 4571, "changed", ("body",), "a word of the body («خاصة» becomes «بالغة»)",
         "edit_article", (("replace", ("أهمية خاصة", "أهمية بالغة")),)),
    Edit("ar", 4097, "changed", ("footnotes",), "a URL cited by footnote 1",
         "edit_article", (("replace", ("https://www.brookings.edu/articles/egypt-turkey-a-regional-perspective/",
                                       "https://www.brookings.edu/articles/egypt-turkey-revisited/")),)),
    Edit("ar", 4003, "changed", ("authors",), "a second author", "add_author",
         (("name", "د. هالة الشريف"),)),
    Edit("ar", None, "added", (), "a new post", "add_article",
         (("title", NEW_POST_TITLE),
          ("paragraphs", ["تشهد منطقة البحر الأحمر تحولات متسارعة تضع أمن الملاحة في صدارة الاهتمام "
                          "الإقليمي والدولي، ويسعى هذا التقدير إلى قراءة مسارات التهدئة الممكنة.",
                          "وتبقى التهدئة رهنًا بتوافق الأطراف الإقليمية على ضمانات واضحة لحرية الملاحة."]),
          ("authors", ["د. هالة الشريف"]),
          ("footnotes", ["Crisis Group, “Red Sea Security”, 2 November 2025. "
                         "Available at: https://www.crisisgroup.org/red-sea-security"]))),
    Edit("ar", 4305, "removed", (), "a post withdrawn (410 Gone)", "remove_article", (("status", 410),)),
    Edit("en", 3560, "changed", ("body",), "a word of the body (“rapid” becomes “sweeping”)",
         "edit_article", (("replace", ("rapid change", "sweeping change")),)),
)


def apply_edits(site: DemoSite) -> list[str]:
    """Make the edits of the site's edition; returns one line per edit, for the user."""
    done = []
    for edit in EDITS:
        if edit.edition != site.language:
            continue
        kwargs = dict(edit.kwargs)
        if edit.call == "add_author":
            art = site.article(edit.post_id)  # type: ignore[arg-type]
            site.edit_article(art.post_id, authors=[*art.authors, kwargs["name"]])
            post_id = art.post_id
        elif edit.call == "add_article":
            post_id = site.add_article(**kwargs)
        else:
            getattr(site, edit.call)(edit.post_id, **kwargs)
            post_id = edit.post_id  # type: ignore[assignment]
        done.append(f"{edit.change} /{post_id}: {edit.what}")
    return done
