"""The site's two editions: Arabic (ncmes.org, right to left) and English (en.ncmes.org)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from crawler.demo import content, content_en
from crawler.demo.content import Article, Section


@dataclass(frozen=True)
class Edition:
    """What differs between the editions: language, direction, name, categories, posts, theme text."""

    language: str  # the <html lang> and the archive's `language`
    direction: str  # rtl | ltr
    site_name: str
    sections: list[Section]
    build: Callable[[int], list[Article]]
    switch_label: str  # the language switch's text on the *other* edition's pages
    origin: str  # the real site's origin
    other_language: str
    # The URL form its posts answer at: /<id>/ (True) or /<id> (False); the other redirects.
    trailing_slash: bool
    ui: Mapping[str, str] = field(default_factory=dict)  # theme text by its Arabic wording

    @property
    def other(self) -> Edition:
        return EDITIONS[self.other_language]

    @property
    def other_origin(self) -> str:
        return self.other.origin


EDITIONS: dict[str, Edition] = {
    "ar": Edition("ar", "rtl", content.SITE_NAME, content.SECTIONS, content.build_articles,
                  "العربية", "https://ncmes.org", "en", True),
    "en": Edition("en", "ltr", content.SITE_NAME_EN, content.SECTIONS_EN, content_en.build_articles,
                  "English", "https://en.ncmes.org", "ar", False, content_en.UI),
}
