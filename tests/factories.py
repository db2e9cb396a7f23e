"""ArticleRecord objects for archive tests that need no crawl: one builder, defaults overridable."""

from __future__ import annotations

import datetime as dt

from crawler.extraction.record import ArticleRecord, Footnote, Link, Related

SITE = "https://ncmes.org"


def article_record(n: int = 1, **over: object) -> ArticleRecord:
    """Article n of a made-up archive (post 4570+n); any field can be replaced."""
    fields: dict[str, object] = {
        "url": f"{SITE}/{4570 + n}",
        "post_id": 4570 + n,
        "title": f"رؤى بحثية: عنوان المقال {n}",
        "series": "رؤى بحثية",
        "body": "الفقرة الأولى من النص [1]\n- بند في قائمة\nالفقرة الأخيرة",
        "sections": ["دراسات", "رؤى"],
        "authors": ["أحمد علي"],
        "published": dt.date(2025, 10, 5),
        "published_at": dt.datetime(2025, 10, 5, 8, 0, tzinfo=dt.UTC),
        "footnotes": [Footnote(1, "مصدر الحاشية", ["https://example.org/a"])],
        "related": [Related("مقال ذو صلة", f"{SITE}/100")],
        "links": [Link("رابط", "https://example.org/b")],
        "word_count": 12,
    }
    fields.update(over)
    return ArticleRecord(**fields)  # type: ignore[arg-type]
