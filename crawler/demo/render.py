"""The snapshot's pages as WordPress renders them: the Elementor and classic themes, listings,
sitemaps, the feed and the REST API (what DemoSite answers, as HTML, XML or JSON)."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import json
import math
import os
import re
from collections.abc import Callable
from urllib.parse import quote, unquote

from crawler.demo.content import (
    HOST,
    SECTION_BY_SLUG,
    SITE,
    Article,
    Note,
    body_text,
    note_text,
    section_path,
)

Headers = dict[str, str]
Response = tuple[str, int, Headers, bytes]  # kind, status, headers, body

ELEMENTOR_VERSION = "3.25.4"
WP_VERSION = "6.7.1"
TEMPLATE_ID = 3152
DISALLOWED_PATH = "/members/"


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def _hex_id(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()[:7]


# The listing markups DemoSite can serve, each with the Theme method that writes it.
_LISTING_BUILDERS = {"elementor": "_elementor_listing", "underscores": "_underscores_listing",
                     "blocks": "_blocks_listing"}
LISTING_MARKUPS = frozenset(_LISTING_BUILDERS)


class Theme:
    """The rendering half of DemoSite: every page, from the site's state (a mixin: the state
    lives in DemoSite)."""

    def t(self, text: str) -> str:
        """A piece of the theme's own text in the edition's language (the Arabic is the key)."""
        return self.edition.ui.get(text, text)

    def _not_found(self, kind: str, status: int = 404) -> tuple[str, int, Headers, bytes]:
        title = self.t("الصفحة غير موجودة" if status == 404 else "تم حذف هذه الصفحة")
        text = self.t("يبدو أنه لم يتم العثور على شيء في هذا الموقع. ربما يمكنك تجربة البحث؟"
                      if status == 404 else "هذا المحتوى لم يعد متاحًا.")
        body = (f'<main id="content" class="site-main"><div class="page-header"><h1 class="entry-title">{title}</h1></div>'
                f'<div class="page-content"><p>{text}</p>{_search_form(self.t)}</div></main>')
        page = self._page(f"{title} - {self.site_name}", "error404", body, head_extra='<meta name="robots" content="noindex, follow">')
        h = _html_type()
        h["Cache-Control"] = "no-cache, must-revalidate, max-age=0"
        return kind, status, h, page.encode()

    def _static_page(self, path: str) -> str:
        titles = {"/about-us/": "من نحن", "/contact-us/": "تواصل معنا", DISALLOWED_PATH: "منطقة الأعضاء"}
        title = self.t(titles[path])
        text = {
            "/about-us/": self.t("المركز القومي لدراسات الشرق الأوسط مركز بحثي تأسس في القاهرة عام 1989، يُعنى بتحليل قضايا الشرق الأوسط وأفريقيا، ويصدر دورية «أوراق الشرق الأوسط»."),
            "/contact-us/": f'{self.t("للتواصل")}: <a href="mailto:info@ncmes.org">info@ncmes.org</a> — <a href="tel:+20225550100">+20 2 2555 0100</a>',
            DISALLOWED_PATH: self.t("هذه الصفحة متاحة للأعضاء المسجلين فقط."),
        }[path]
        body = (f'<main id="content" class="site-main post-2 page type-page status-publish hentry">'
                f'<div class="page-header"><h1 class="entry-title">{title}</h1></div>'
                f'<div class="page-content"><p>{text}</p></div></main>')
        return self._page(f"{title} - {self.site_name}", "page-template-default page", body,
                          canonical=f"{SITE}{path}")

    def _head(self, title: str, canonical: str | None, extra: str = "", charset: str = "UTF-8") -> str:
        can = f'<link rel="canonical" href="{attr(canonical)}" />\n' if canonical else ""
        return f"""<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="robots" content="index, follow, max-image-preview:large, max-snippet:-1, max-video-preview:-1" />
{can}<meta property="og:locale" content="{"ar_AR" if self.language == "ar" else "en_US"}" />
<meta property="og:site_name" content="{self.site_name}" />
{extra}
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="{self.site_name} &laquo; {self.t("الخلاصة")}" href="{SITE}/feed/" />
<link rel="https://api.w.org/" href="{SITE}/wp-json/" />
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{SITE}/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress {WP_VERSION}" />
<meta name="generator" content="Elementor {ELEMENTOR_VERSION}; features: additional_custom_breakpoints; settings: css_print_method-external, google_font-enabled, font_display-swap">
<link rel='stylesheet' id='hello-elementor-css' href='{SITE}/wp-content/themes/hello-elementor/style.min.css?ver=3.1.1' media='all' />
<link rel='stylesheet' id='elementor-frontend-css' href='{SITE}/wp-content/plugins/elementor/assets/css/frontend{"-rtl" if self.edition.direction == "rtl" else ""}.min.css?ver={ELEMENTOR_VERSION}' media='all' />
<script src="{SITE}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script id="ncmes-js-extra">
var ncmes = {{"ajaxurl":"{SITE}\\/wp-admin\\/admin-ajax.php","nonce":"{os.urandom(5).hex()}"}};
</script>
<link rel="icon" href="{SITE}/wp-content/uploads/2020/09/cropped-logo-32x32.png" sizes="32x32" />
</head>"""

    def _menu(self, classic: bool = False) -> str:
        def item(sec_slug: str, idx: int) -> str:
            sec = SECTION_BY_SLUG[sec_slug]
            children = [s for s in self.sections if s.parent == sec.slug]
            cls = "menu-item menu-item-type-taxonomy menu-item-object-category"
            a_cls = "" if classic else ' class="elementor-item"'
            sub = ""
            if children:
                cls += " menu-item-has-children"
                sub_cls = "sub-menu" if classic else "sub-menu elementor-nav-menu--dropdown"
                sub_a = "" if classic else ' class="elementor-sub-item"'
                subs = "".join(
                    f'<li class="menu-item menu-item-type-taxonomy menu-item-object-category menu-item-{300 + c.term_id}">'
                    f'<a href="{SITE}{section_path(c.slug)}"{sub_a}>{esc(c.name)}</a></li>'
                    for c in children)
                sub = f'<ul class="{sub_cls}">{subs}</ul>'
            return (f'<li class="{cls} menu-item-{300 + sec.term_id}"><a href="{SITE}{section_path(sec.slug)}"{a_cls}>'
                    f"{esc(sec.name)}</a>{sub}</li>")

        a_cls = "" if classic else ' class="elementor-item"'
        items = [(f'<li class="menu-item menu-item-type-custom menu-item-object-custom menu-item-home menu-item-301">'
                  f'<a href="{SITE}/"{a_cls} aria-current="page">{self.t("الرئيسية")}</a></li>')]
        items += [item(s.slug, i) for i, s in enumerate(self.sections) if s.parent is None]
        items.append(f'<li class="menu-item menu-item-type-post_type menu-item-object-page menu-item-350"><a href="{SITE}/about-us/"{a_cls}>{self.t("من نحن")}</a></li>')
        items.append(f'<li class="menu-item menu-item-type-post_type menu-item-object-page menu-item-351"><a href="{SITE}/contact-us/"{a_cls}>{self.t("تواصل معنا")}</a></li>')
        # The language switch (Polylang/WPML write it as a menu item): the other edition,
        # another origin, never this site.
        other = self.edition.other
        items.append(f'<li class="lang-item lang-item-{other.language} menu-item menu-item-type-custom menu-item-352">'
                     f'<a href="{attr(self.other_edition)}/" hreflang="{other.language}" lang="{other.language}"{a_cls}>{other.switch_label}</a></li>')
        if classic:
            return (f'<nav id="site-navigation" class="main-navigation" aria-label="القائمة الرئيسية">'
                    f'<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">القائمة</button>'
                    f'<div class="menu-main-menu-container"><ul id="primary-menu" class="menu">{"".join(items)}</ul></div></nav>')
        return (f'<nav aria-label="Menu" class="elementor-nav-menu--main elementor-nav-menu__container elementor-nav-menu--layout-horizontal e--pointer-underline e--animation-fade">'
                f'<ul id="menu-1-2f1c3a4" class="elementor-nav-menu">{"".join(items)}</ul></nav>'
                f'<div class="elementor-menu-toggle" role="button" tabindex="0" aria-label="Menu Toggle" aria-expanded="false">'
                f'<span class="elementor-menu-toggle__icon--open"></span></div>')

    def _header(self, classic: bool) -> str:
        social = (f'<a href="https://www.facebook.com/ncmes.org" target="_blank" rel="noopener">{self.t("فيسبوك")}</a> '
                  f'<a href="https://x.com/ncmes_org" target="_blank" rel="noopener">{self.t("إكس")}</a> '
                  f'<a href="javascript:void(0)" class="search-toggle">{self.t("بحث")}</a>')
        if classic:
            return (f'<header id="masthead" class="site-header"><div class="site-branding">'
                    f'<p class="site-title"><a href="{SITE}/" rel="home">{self.site_name}</a></p>'
                    f'<p class="site-description">{self.t("مركز بحثي مستقل لدراسات الشرق الأوسط وأفريقيا")}</p></div>'
                    f'{self._menu(classic=True)}<div class="header-social">{social}</div></header>')
        return f"""<header data-elementor-type="header" data-elementor-id="3140" class="elementor elementor-3140 elementor-location-header" data-elementor-post-type="elementor_library">
<div class="elementor-element elementor-element-1a2b3c4 e-flex e-con-boxed e-con e-parent" data-id="1a2b3c4" data-element_type="container">
<div class="e-con-inner">
<div class="elementor-element elementor-element-5e6f7a8 elementor-widget elementor-widget-image" data-id="5e6f7a8" data-element_type="widget" data-widget_type="image.default"><div class="elementor-widget-container"><a href="{SITE}/"><img width="300" height="90" src="{SITE}/wp-content/uploads/2020/09/logo.png" class="attachment-medium size-medium wp-image-12" alt="" /></a></div></div>
<div class="elementor-element elementor-element-9b0c1d2 elementor-nav-menu__align-start elementor-nav-menu--dropdown-tablet elementor-widget elementor-widget-nav-menu" data-id="9b0c1d2" data-element_type="widget" data-widget_type="nav-menu.default"><div class="elementor-widget-container">
{self._menu()}
</div></div>
<div class="elementor-element elementor-element-3e4f5a6 elementor-search-form--skin-classic elementor-search-form--button-type-text elementor-widget elementor-widget-search-form" data-id="3e4f5a6" data-element_type="widget" data-widget_type="search-form.default"><div class="elementor-widget-container">
<search role="search"><form class="elementor-search-form" action="{SITE}" method="get"><div class="elementor-search-form__container">
<label class="elementor-screen-only" for="elementor-search-form-3e4f5a6">Search</label>
<input id="elementor-search-form-3e4f5a6" placeholder="{self.t("بحث...")}" class="elementor-search-form__input" type="search" name="s" value="">
<button class="elementor-search-form__submit" type="submit" aria-label="Search">Search</button>
</div></form></search></div></div>
<div class="elementor-element elementor-element-7c8d9e0 elementor-widget elementor-widget-text-editor" data-id="7c8d9e0" data-element_type="widget" data-widget_type="text-editor.default"><div class="elementor-widget-container">{social}</div></div>
</div></div></header>"""

    def _footer(self, classic: bool, host_port: str = "") -> str:
        other = "http://@@OTHERPORT@@"
        links = (f'<p>{self.t("جميع الحقوق محفوظة")} &copy; 2025 {self.site_name}</p>'
                 f'<p><a href="mailto:info@ncmes.org">info@ncmes.org</a> | <a href="tel:+20225550100">+20 2 2555 0100</a> | '
                 f'<a href="{SITE}/about-us/">{self.t("من نحن")}</a> | <a href="{other}/4571/">{self.t("النسخة الاحتياطية")}</a> | '
                 f'<a href="https://www.linkedin.com/company/ncmes">{self.t("لينكدإن")}</a></p>')
        if classic:
            return (f'<footer id="colophon" class="site-footer"><div class="site-info">{links}</div></footer>'
                    f'<a href="#page" class="back-to-top" aria-label="Scroll to Top">Scroll to Top</a>')
        return f"""<footer data-elementor-type="footer" data-elementor-id="3146" class="elementor elementor-3146 elementor-location-footer" data-elementor-post-type="elementor_library">
<div class="elementor-element elementor-element-4d5e6f7 e-flex e-con-boxed e-con e-parent" data-id="4d5e6f7" data-element_type="container"><div class="e-con-inner">
<div class="elementor-element elementor-element-8a9b0c1 elementor-widget elementor-widget-text-editor" data-id="8a9b0c1" data-element_type="widget" data-widget_type="text-editor.default"><div class="elementor-widget-container">{links}</div></div>
</div></div></footer>
<a id="elementor-scroll-to-top" href="#" class="elementor-scroll-to-top" aria-label="Scroll to Top"><span class="elementor-screen-only">Scroll to Top</span></a>"""

    def _most_read(self) -> str:
        arts = self.live()
        if not arts:
            return ""
        start = (self._boilerplate * 3) % len(arts)
        picks = (arts[start:] + arts[:start])[:5]
        items = "".join(
            f'<li><a href="{SITE}/{a.post_id}/" class="wpp-post-title" target="_self">{esc(a.title)}</a> '
            f'<span class="wpp-meta post-stats"><span class="wpp-views">{1200 + (a.post_id * 37 + self._boilerplate * 101) % 5000:,} {self.t("مشاهدة")}</span>'
            f'<span class="wpp-date">{a.published_local:%d/%m/%Y}</span></span>'
            f'<time class="entry-date published" datetime="{a.aware(a.published_local).isoformat()}">{a.published_local:%d/%m/%Y}</time></li>'
            for a in picks)
        return (f'<section id="block-7" class="widget widget_block"><h2 class="widget-title">{self.t("الأكثر قراءة")}</h2>'
                f'<ul class="wpp-list">{items}</ul></section>')

    def _sidebar(self, listing: bool = False) -> str:
        cats = "".join(f'<li class="cat-item cat-item-{s.term_id}"><a href="{SITE}{section_path(s.slug)}">{esc(s.name)}</a></li>'
                       for s in self.sections)
        members = (f'<section id="block-9" class="widget widget_block"><p><a href="{SITE}{DISALLOWED_PATH}">{self.t("تقارير خاصة بالأعضاء")}</a></p></section>'
                   if listing else "")
        return (f'<aside id="secondary" class="widget-area sidebar">{_search_form(self.t)}{self._most_read()}'
                f'<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">{self.t("الأقسام")}</h2><ul>{cats}</ul></section>'
                f'{members}<section id="block-11" class="widget widget_block"><p>{self.t("آخر تحديث للقائمة")}: {self._boilerplate}</p></section></aside>')

    def _page(self, title: str, body_class: str, content: str, *, canonical: str | None = None,
              head_extra: str = "", classic: bool = False, charset: str = "UTF-8",
              sidebar: bool = True, listing: bool = False) -> str:
        side = self._sidebar(listing) if sidebar else ""
        d = self.edition.direction
        return (f'<!DOCTYPE html>\n<html dir="{d}" lang="{self.language}">\n{self._head(title, canonical, head_extra, charset)}\n'
                f'<body class="{d} {body_class} {"wp-embed-responsive right-sidebar" if classic else "elementor-default elementor-kit-6"}">\n'
                f'<a class="skip-link screen-reader-text" href="#content">{self.t("تخطي إلى المحتوى")}</a>\n'
                f'<div id="page" class="site">{self._header(classic)}\n<div id="content" class="site-content">{content}{side}</div>\n'
                f'{self._footer(classic, "@@HOST@@")}</div>\n'
                f'<script src="{SITE}/wp-content/plugins/elementor-pro/assets/js/frontend.min.js?ver=3.25.2" id="elementor-pro-frontend-js"></script>\n'
                f"</body>\n</html>\n")

    # listings -------------------------------------------------------------

    def _category(self, kind: str, upath: str, base: str) -> tuple[str, int, Headers, bytes]:
        m = re.fullmatch(r"/category/(.+?)/(?:page/(\d+)/?)?", upath if upath.endswith("/") else upath + "/")
        if not m:
            return self._not_found(kind)
        slugs = m.group(1).split("/")
        page = int(m.group(2) or 1)
        sec = SECTION_BY_SLUG.get(slugs[-1])
        if sec is None:
            return self._not_found(kind)
        canonical = section_path(sec.slug)
        if unquote(canonical) != f"/category/{m.group(1)}/":
            # WordPress redirects a child category reached by its bare slug to its full path.
            return kind, 301, _redirect(base + canonical + (f"page/{page}/" if page > 1 else "")), b""
        return self._listing(kind, sec.slug, page, base)

    def _listing(self, kind: str, slug: str | None, page: int, base: str) -> tuple[str, int, Headers, bytes]:
        if slug is None:
            arts = self.live()
            root = "/"
            title = self.site_name
        else:
            family = {slug} | {s.slug for s in self.sections if s.parent == slug}
            arts = [a for a in self.live() if family & set(a.sections)]
            root = section_path(slug)
            title = f"{SECTION_BY_SLUG[slug].name} - {self.site_name}"
        pages = max(1, math.ceil(len(arts) / self.per_page))
        if page < 1 or page > pages:
            return self._not_found(kind)
        chunk = arts[(page - 1) * self.per_page: page * self.per_page]

        def page_url(n: int) -> str:
            return f"{SITE}{root}" if n == 1 else f"{SITE}{root}page/{n}/"

        rels = ""
        if page > 1:
            rels += f'<link rel="prev" href="{page_url(page - 1)}" />\n'
        if page < pages:
            rels += f'<link rel="next" href="{page_url(page + 1)}" />\n'
        heading = self.t("أحدث الإصدارات") if slug is None else SECTION_BY_SLUG[slug].name
        build = getattr(self, _LISTING_BUILDERS[self.listing_markup])
        content = build(heading, slug is not None, chunk, page, pages, page_url)
        body_class = "home blog" if slug is None else f"archive category category-{SECTION_BY_SLUG[slug].enc_slug} category-{SECTION_BY_SLUG[slug].term_id}"
        out = self._page(title if page == 1 else f"{title} - {self.t('الصفحة')} {page}", body_class, content,
                         canonical=page_url(page), head_extra=rels, listing=True)
        return kind, 200, _html_type(), out.encode()

    def _elementor_listing(self, heading: str, archive: bool, chunk: list[Article], page: int,
                           pages: int, page_url: Callable[[int], str]) -> str:
        """Elementor Pro's archive posts widget (the site's own listings)."""
        posts = "".join(self._listing_item(a) for a in chunk)
        nav = _paginate(page, pages, page_url, self.t)
        title = (f'<h1 class="elementor-heading-title elementor-size-default">{esc(heading)}</h1>'
                 if archive else f'<h2 class="elementor-heading-title elementor-size-default">{esc(heading)}</h2>')
        return f"""<main id="main" class="site-main">
<div data-elementor-type="archive" data-elementor-id="3160" class="elementor elementor-3160 elementor-location-archive" data-elementor-post-type="elementor_library">
<div class="elementor-element elementor-element-a1b2c3d elementor-widget elementor-widget-theme-archive-title elementor-page-title elementor-widget-heading" data-id="a1b2c3d" data-element_type="widget" data-widget_type="theme-archive-title.default"><div class="elementor-widget-container">{title}</div></div>
<div class="elementor-element elementor-element-e4f5a6b elementor-grid-3 elementor-posts--thumbnail-top elementor-widget elementor-widget-archive-posts" data-id="e4f5a6b" data-element_type="widget" data-settings='{{"archive_classic_columns":"3","pagination_type":"numbers_and_prev_next"}}' data-widget_type="archive-posts.archive_classic"><div class="elementor-widget-container">
<div class="elementor-posts-container elementor-posts elementor-posts--skin-archive_classic elementor-grid">
{posts}
</div>
{nav}
</div></div></div></main>"""

    def _underscores_listing(self, heading: str, archive: bool, chunk: list[Article], page: int,
                             pages: int, page_url: Callable[[int], str]) -> str:
        """A classic theme's archive.php (underscores and the themes built on it): each post an
        <article> whose <header> holds its title link, and "Older posts" / "Newer posts"."""
        posts = []
        for a in chunk:
            link = _post_link(a)
            date = ("" if a.no_date else
                    f'<div class="entry-meta"><span class="posted-on">{self.t("نشر في")} <a href="{link}" rel="bookmark">'
                    f'<time class="entry-date published" datetime="{a.aware(a.published_local).isoformat()}">{esc(a.shown_date())}</time></a></span></div>')
            cats = ", ".join(f'<a href="{SITE}{section_path(s)}" rel="category tag">{esc(SECTION_BY_SLUG[s].name)}</a>'
                             for s in a.sections)
            posts.append(
                f'<article id="post-{a.post_id}" class="post-{a.post_id} post type-post status-publish format-standard hentry">\n'
                f'<header class="entry-header"><h2 class="entry-title"><a href="{self._title_link(a)}" rel="bookmark">{esc(a.title)}</a></h2>{date}</header>\n'
                f'<div class="entry-content"><p>{esc(a.excerpt())}</p></div>\n'
                f'<footer class="entry-footer"><span class="cat-links">{self.t("الأقسام")}: {cats}</span></footer>\n</article>\n')
        older = (f'<div class="nav-previous"><a href="{page_url(page + 1)}">{self.t("مقالات أقدم")}</a></div>'
                 if page < pages else "")
        newer = (f'<div class="nav-next"><a href="{page_url(page - 1)}">{self.t("مقالات أحدث")}</a></div>'
                 if page > 1 else "")
        nav = (f'<nav class="navigation posts-navigation" aria-label="{self.t("المقالات")}"><div class="nav-links">{older}{newer}</div></nav>'
               if older or newer else "")
        title = f'<header class="page-header"><h1 class="page-title">{esc(heading)}</h1></header>' if archive else ""
        return f'<main id="primary" class="site-main">\n{title}\n{"".join(posts)}{nav}\n</main>'

    def _blocks_listing(self, heading: str, archive: bool, chunk: list[Article], page: int,
                        pages: int, page_url: Callable[[int], str]) -> str:
        """A block theme's Query Loop (Twenty Twenty-Four's archive template): an <li> per post
        in .wp-block-post-template, a .wp-block-post-title link, numbered pagination."""
        items = []
        for a in chunk:
            link = _post_link(a)
            date = ("" if a.no_date else
                    f'<div class="wp-block-post-date"><time datetime="{a.aware(a.published_local).isoformat()}">{esc(a.shown_date())}</time></div>')
            items.append(
                f'<li class="wp-block-post post-{a.post_id} post type-post status-publish format-standard hentry">'
                f'<div class="wp-block-group is-layout-flow"><figure class="wp-block-post-featured-image"><a href="{link}" target="_self">'
                f'<img src="{SITE}/wp-content/uploads/{a.published_local:%Y/%m}/{attr(a.image)}.jpg" alt="{attr(a.title)}" /></a></figure>'
                f'<h2 class="wp-block-post-title has-large-font-size"><a href="{self._title_link(a)}" target="_self">{esc(a.title)}</a></h2>'
                f'<div class="wp-block-post-excerpt"><p class="wp-block-post-excerpt__excerpt">{esc(a.excerpt())}</p></div>{date}</div></li>\n')
        numbers = "".join(
            '<span class="page-numbers dots">…</span>' if n is None
            else f'<span aria-current="page" class="page-numbers current">{n}</span>' if n == page
            else f'<a class="page-numbers" href="{page_url(n)}">{n}</a>' for n in _page_numbers(page, pages))
        previous = (f'<a href="{page_url(page - 1)}" class="wp-block-query-pagination-previous">{self.t("السابق")}</a>'
                    if page > 1 else "")
        following = (f'<a href="{page_url(page + 1)}" class="wp-block-query-pagination-next">{self.t("التالي")}</a>'
                     if page < pages else "")
        nav = (f'<nav class="wp-block-query-pagination is-layout-flex" aria-label="{self.t("المقالات")}">{previous}'
               f'<div class="wp-block-query-pagination-numbers">{numbers}</div>{following}</nav>' if pages > 1 else "")
        title = f'<h1 class="wp-block-query-title">{esc(heading)}</h1>' if archive else ""
        return (f'<main class="wp-block-group is-layout-constrained" id="wp--skip-link--target">{title}'
                f'<div class="wp-block-query is-layout-flow"><ul class="columns-3 wp-block-post-template is-layout-grid">\n'
                f'{"".join(items)}</ul>{nav}</div></main>')

    def _title_link(self, a: Article) -> str:
        """A post's link from a listing's title (one post's carries tracking parameters)."""
        return _post_link(a) + ("?utm_source=listing&utm_medium=web&utm_campaign=archive" if a.post_id == 4476 else "")

    def _listing_item(self, a: Article) -> str:
        link, title_link = _post_link(a), self._title_link(a)
        cats = " ".join(f"category-{SECTION_BY_SLUG[s].enc_slug}" for s in a.sections)
        date = "" if a.no_date else f'<span class="elementor-post-date">{esc(a.shown_date())}</span>'
        return f"""<article class="elementor-post elementor-grid-item post-{a.post_id} post type-post status-publish format-standard has-post-thumbnail hentry {cats}" role="listitem">
<a class="elementor-post__thumbnail__link" href="{link}" tabindex="-1"><div class="elementor-post__thumbnail"><img width="768" height="432" src="{SITE}/wp-content/uploads/{a.published_local:%Y/%m}/{attr(a.image)}.jpg" class="attachment-medium_large size-medium_large wp-image-{a.post_id - 1}" alt="{attr(a.image)}" decoding="async" loading="lazy" /></div></a>
<div class="elementor-post__text">
<h3 class="elementor-post__title"><a href="{title_link}">{esc(a.title)}</a></h3>
<div class="elementor-post__meta-data">{date}</div>
<div class="elementor-post__excerpt"><p>{esc(a.excerpt())}</p></div>
<a class="elementor-post__read-more" href="{link}" aria-label="Read more about {attr(a.title)}" tabindex="-1">{self.t("اقرأ المزيد »")}</a>
</div></article>
"""

    # articles -------------------------------------------------------------

    def etag(self, art: Article) -> str:
        key = json.dumps([art.title, body_text(art), [note_text(n) for n in art.notes], art.authors,
                          art.sections, art.published_local.isoformat(), art.modified_local.isoformat()],
                         ensure_ascii=False)
        return '"' + hashlib.sha1(key.encode()).hexdigest()[:20] + '"'

    def _article_response(self, art: Article, hdrs: dict) -> tuple[str, int, Headers, bytes]:
        out: Headers = {}
        if self.validators:
            etag = self.etag(art)
            last_mod = art.meta_modified.astimezone(dt.UTC)
            out["ETag"] = etag
            out["Last-Modified"] = email.utils.format_datetime(last_mod, usegmt=True)
            out["Cache-Control"] = "max-age=0, must-revalidate"
            inm = hdrs.get("if-none-match")
            ims = hdrs.get("if-modified-since")
            if inm is not None:
                tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
                if etag in tags or "*" in tags:
                    return "article", 304, out, b""
            elif ims:
                try:
                    since = email.utils.parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    since = None
                if since is not None and since.tzinfo is not None and last_mod.replace(microsecond=0) <= since:
                    return "article", 304, out, b""
        self._views[art.post_id] += 1
        page = self._render_article(art)
        out["Link"] = f'<{SITE}/wp-json/wp/v2/posts/{art.post_id}>; rel="alternate"; type="application/json", <{SITE}/?p={art.post_id}>; rel=shortlink'
        if art.encoding == "cp1256":
            out["Content-Type"] = "text/html; charset=windows-1256"
            body = page.encode("cp1256", errors="xmlcharrefreplace")
        elif art.encoding == "cp1256-meta":
            out["Content-Type"] = "text/html"
            body = page.encode("cp1256", errors="xmlcharrefreplace")
        else:
            out["Content-Type"] = "text/html; charset=UTF-8"
            body = page.encode()
        return "article", 200, out, body

    def _inline(self, art: Article, inlines: list[tuple]) -> str:
        out = []
        for seg in inlines:
            if seg[0] == "t":
                out.append(esc(seg[1]))
            elif seg[0] == "b":
                out.append(f"<strong>{esc(seg[1])}</strong>")
            elif seg[0] == "a":
                href = seg[2]
                ext = not (href.startswith("/") or SITE in href or HOST in href)
                rel = ' target="_blank" rel="noreferrer noopener"' if ext else ""
                out.append(f'<a href="{attr(href)}"{rel}>{esc(seg[1])}</a>')
            elif seg[0] == "m":
                n, d = seg[1], art.marker(seg[1])
                if art.fn_form == "word":
                    a = f'<a href="#_ftn{n}" name="_ftnref{n}">[{d}]</a>'
                    out.append(f"<sup>{a}</sup>" if art.digits == "arabic" else a)
                elif art.fn_form == "wpblock":
                    u = art.fn_uuid(n)
                    out.append(f'<sup data-fn="{u}" class="fn"><a href="#{u}" id="{u}-link">{d}</a></sup>')
                else:
                    out.append(f"[{d}]")
        return "".join(out)

    def _note_html(self, note: Note) -> str:
        out = []
        for part in note.parts:
            if part[0] == "t":
                out.append(esc(part[1]))
            else:
                url, mode = part[1], part[2]
                if mode == "text":
                    out.append(esc(url))
                elif mode == "link":
                    out.append(f'<a href="{attr(url)}" target="_blank" rel="noopener">{esc(url)}</a>')
                else:
                    out.append(f'<a href="{attr(url)}" target="_blank" rel="noopener">{esc(mode[6:])}</a>')
        return "".join(out)

    def _content_html(self, art: Article) -> str:
        classic = art.theme == "classic"
        close_p = "" if art.malformed else "</p>"
        p_open = "<p>" if classic else '<p style="text-align: justify;">'
        parts: list[str] = []
        if art.author_style == "byline" and art.authors:
            names = " و ".join(art.authors)
            parts.append(f"<p><strong>{esc(art.byline_label)}: {esc(names)}</strong></p>")
        signature = self._signature_html(art)
        for i, (kind, *rest) in enumerate(art.blocks):
            if i == 1 and art.signature_at == "start":
                parts.append(signature)
            if kind == "p":
                parts.append(f"{p_open}{self._inline(art, rest[0])}{close_p if i % 2 else '</p>'}")
            elif kind in ("h", "h3"):
                if classic:
                    parts.append(f'<h3 class="wp-block-heading"><strong>{esc(rest[0])}</strong></h3>')
                else:
                    parts.append(f"<p><strong>{esc(rest[0])}</strong></p>")
            elif kind in ("ul", "ol"):
                cls = ' class="wp-block-list"' if classic else ""
                li = '<li>' if classic else '<li style="text-align: justify;">'
                items = "".join(f"{li}{self._inline(art, item)}</li>" for item in rest[0])
                parts.append(f"<{kind}{cls}>{items}</{kind}>")
            elif kind == "table":
                rows = rest[0]
                head = "".join(f"<th>{esc(c)}</th>" for c in rows[0])
                body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
                parts.append(f'<figure class="wp-block-table"><table class="has-fixed-layout"><thead><tr>{head}</tr></thead>'
                             f"<tbody>{body}</tbody></table></figure>")
            elif kind == "quote":
                parts.append(f'<blockquote class="wp-block-quote is-layout-flow wp-block-quote-is-layout-flow">'
                             f"<p>{self._inline(art, rest[0])}</p></blockquote>")
        if art.signature_at == "end":
            parts.append(signature)
        if art.notes:
            if art.fn_form == "word":
                if art.digits == "arabic":
                    notes = "".join(
                        f'<div id="ftn{n.number}"><p class="MsoFootnoteText"><a href="#_ftnref{n.number}" name="_ftn{n.number}">'
                        f'<span class="MsoFootnoteReference">[{art.marker(n.number)}]</span></a> {self._note_html(n)}</p></div>'
                        for n in art.notes)
                    parts.append(f'<div><br clear="all" /><hr align="right" size="1" width="33%" />{notes}</div>')
                else:
                    parts.append("<p>&nbsp;</p><hr />")
                    parts.extend(f'<p><a href="#_ftnref{n.number}" name="_ftn{n.number}">[{art.marker(n.number)}]</a> {self._note_html(n)}</p>'
                                 for n in art.notes)
            elif art.fn_form == "wpblock":
                lis = "".join(
                    f'<li id="{art.fn_uuid(n.number)}">{self._note_html(n)} <a href="#{art.fn_uuid(n.number)}-link" '
                    f'aria-label="Jump to footnote reference {n.number}">↩︎</a></li>'
                    for n in art.notes)
                parts.append(f'<ol class="wp-block-footnotes">{lis}</ol>')
            else:
                parts.extend(f"<p>[{art.marker(n.number)}] {self._note_html(n)}</p>" for n in art.notes)
        return "\n".join(parts)

    def _signature_html(self, art: Article) -> str:
        """The editor's signature: rank and name, then the role; two paragraphs or one with <br>."""
        if not art.signature:
            return ""
        align = "left" if self.edition.direction == "rtl" else "right"
        name, *role = (esc(line) for line in art.signature)
        if art.signature_br:
            return f'<p style="text-align: {align};"><strong>{"<br />".join([name, *role])}</strong></p>'
        return "".join([f'<p style="text-align: {align};"><strong>{name}</strong></p>',
                        *(f'<p style="text-align: {align};">{line}</p>' for line in role)])

    def _shown_sections(self, art: Article) -> list[str]:
        return [] if art.post_id in self.uncategorized else art.sections

    def _meta(self, art: Article) -> str:
        url = f"{SITE}/{art.post_id}/"
        names = [SECTION_BY_SLUG[s].name for s in self._shown_sections(art)]
        meta = ['<meta property="og:type" content="article" />',
                f'<meta property="og:title" content="{attr(art.title)}" />',
                f'<meta property="og:description" content="{attr(art.excerpt())}" />',
                f'<meta property="og:url" content="{url}" />',
                '<meta property="article:publisher" content="https://www.facebook.com/ncmes.org" />']
        meta += [f'<meta property="article:section" content="{attr(name)}" />' for name in names[:1]]
        if art.has_meta:
            meta.append(f'<meta property="article:published_time" content="{art.meta_published.isoformat()}" />')
            meta.append(f'<meta property="article:modified_time" content="{art.meta_modified.isoformat()}" />')
        meta += [f'<meta property="og:image" content="{SITE}/wp-content/uploads/{art.published_local:%Y/%m}/{attr(art.image)}.jpg" />',
                 f'<meta name="author" content="{attr(art.wp_user)}" />',
                 '<meta name="twitter:card" content="summary_large_image" />',
                 f'<meta name="twitter:label1" content="{self.t("كُتب بواسطة")}" />',
                 f'<meta name="twitter:data1" content="{attr(art.wp_user)}" />']
        person_id = f"{SITE}/#/schema/person/{hashlib.md5(art.wp_user.encode()).hexdigest()}"
        article = {"@type": "Article", "@id": f"{url}#article", "isPartOf": {"@id": url},
                   "author": {"name": art.wp_user, "@id": person_id}, "headline": art.title}
        webpage = {"@type": "WebPage", "@id": url, "url": url, "name": f"{art.title} - {self.site_name}",
                   "isPartOf": {"@id": f"{SITE}/#website"}, "inLanguage": self.language}
        if art.has_meta:
            article["datePublished"] = art.meta_published.isoformat()
            article["dateModified"] = art.meta_modified.isoformat()
            webpage["datePublished"] = article["datePublished"]
            webpage["dateModified"] = article["dateModified"]
        article.update({"mainEntityOfPage": {"@id": url}, "wordCount": len(body_text(art).split()),
                        "publisher": {"@id": f"{SITE}/#organization"},
                        "image": {"@id": f"{url}#primaryimage"},
                        "thumbnailUrl": f"{SITE}/wp-content/uploads/{art.published_local:%Y/%m}/{art.image}.jpg",
                        "articleSection": names, "inLanguage": self.language})
        crumbs = {"@type": "BreadcrumbList", "@id": f"{url}#breadcrumb", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": self.t("الرئيسية"), "item": f"{SITE}/"},
            *[{"@type": "ListItem", "position": 2, "name": name, "item": f"{SITE}{section_path(art.sections[0])}"}
              for name in names[:1]],
            {"@type": "ListItem", "position": 2 + bool(names), "name": art.title}]}
        graph = {"@context": "https://schema.org", "@graph": [
            article, webpage, crumbs,
            {"@type": "WebSite", "@id": f"{SITE}/#website", "url": f"{SITE}/", "name": self.site_name,
             "publisher": {"@id": f"{SITE}/#organization"}, "inLanguage": self.language},
            {"@type": "Organization", "@id": f"{SITE}/#organization", "name": self.site_name, "url": f"{SITE}/"},
            {"@type": "Person", "@id": person_id, "name": art.wp_user, "url": f"{SITE}/author/{quote(art.wp_user).lower()}/"},
        ]}
        meta.append(f'<script type="application/ld+json" class="yoast-schema-graph">{json.dumps(graph, ensure_ascii=False)}</script>')
        meta.append(f"<link rel='shortlink' href='{SITE}/?p={art.post_id}' />")
        meta.append(f'<link rel="alternate" title="JSON" type="application/json" href="{SITE}/wp-json/wp/v2/posts/{art.post_id}" />')
        return "\n".join(meta)

    def _views_html(self, art: Article) -> str:
        n = 400 + (art.post_id * 13) % 900 + self._views[art.post_id]
        return f'<span class="post-views-count" data-post="{art.post_id}">{n:,}</span> {self.t("مشاهدة")}'

    def _share(self, art: Article, classic: bool) -> str:
        if classic:
            items = "".join(
                f'<li class="share-{k}"><a rel="nofollow noopener noreferrer" data-shared="sharing-{k}-{art.post_id}" '
                f'class="share-{k} sd-button share-icon" href="{SITE}/{art.post_id}/?share={k}&amp;nb=1" target="_blank" '
                f'title="انقر للمشاركة على {v}"><span>{v}</span></a></li>'
                for k, v in (("facebook", "فيسبوك"), ("twitter", "إكس"), ("whatsapp", "واتساب")))
            return (f'<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing">'
                    f'<h3 class="sd-title">شارك هذا:</h3><div class="sd-content"><ul>{items}'
                    f'<li class="share-email"><a href="mailto:?subject={quote(art.title)}&amp;body={SITE}/{art.post_id}/">البريد</a></li>'
                    f'<li class="share-end"></li></ul></div></div></div>')
        btns = "".join(
            f'<div class="elementor-grid-item"><div class="elementor-share-btn elementor-share-btn_{k}" role="button" tabindex="0" aria-label="Share on {k}">'
            f'<span class="elementor-share-btn__icon"><i class="fab fa-{k}" aria-hidden="true"></i></span>'
            f'<div class="elementor-share-btn__text"><span class="elementor-share-btn__title">{v}</span></div></div></div>'
            for k, v in (("facebook", self.t("فيسبوك")), ("twitter", self.t("تويتر")), ("whatsapp", self.t("واتساب")), ("telegram", self.t("تيليجرام"))))
        return (f'<div class="elementor-element elementor-element-{_hex_id("share")} elementor-share-buttons--view-icon elementor-share-buttons--skin-gradient elementor-grid-0 elementor-widget elementor-widget-share-buttons" '
                f'data-id="{_hex_id("share")}" data-element_type="widget" data-widget_type="share-buttons.default"><div class="elementor-widget-container">'
                f'<div class="elementor-grid">{btns}</div></div></div>')

    def _related_html(self, art: Article, classic: bool) -> str:
        rel = [self._articles[r] for r in art.related if r in self._articles]
        if classic:
            items = "".join(
                f'<div class="jp-relatedposts-post jp-relatedposts-post{i} jp-relatedposts-post-thumbs" data-post-id="{r.post_id}" data-post-format="false">'
                f'<a class="jp-relatedposts-post-a" href="{SITE}/{r.post_id}/" title="{attr(r.title)}" rel="nofollow" data-origin="{art.post_id}" data-position="{i}">'
                f'<img loading="lazy" class="jp-relatedposts-post-img" src="{SITE}/wp-content/uploads/{r.published_local:%Y/%m}/{attr(r.image)}.jpg?resize=350%2C200" width="350" height="200" alt="{attr(r.image)}" /></a>'
                f'<h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{SITE}/{r.post_id}/" title="{attr(r.title)}" rel="nofollow" data-origin="{art.post_id}" data-position="{i}">{esc(r.title)}</a></h4>'
                f'<p class="jp-relatedposts-post-date" style="display: block;">{"" if r.no_date else esc(r.shown_date())}</p>'
                f'<p class="jp-relatedposts-post-context">في &quot;{esc(SECTION_BY_SLUG[r.sections[0]].name)}&quot;</p></div>'
                for i, r in enumerate(rel))
            return (f'<div id="jp-relatedposts" class="jp-relatedposts" style="display: block;">'
                    f'<h3 class="jp-relatedposts-headline"><em>ذات صلة</em></h3>'
                    f'<div class="jp-relatedposts-items jp-relatedposts-items-visual jp-relatedposts-grid">{items}</div></div>')
        wid = _hex_id("related", TEMPLATE_ID)
        items = "".join(
            f'<article class="elementor-post elementor-grid-item post-{r.post_id} post type-post status-publish format-standard has-post-thumbnail hentry">'
            f'<a class="elementor-post__thumbnail__link" href="{SITE}/{r.post_id}/" tabindex="-1"><div class="elementor-post__thumbnail">'
            f'<img width="300" height="169" src="{SITE}/wp-content/uploads/{r.published_local:%Y/%m}/{attr(r.image)}-300x169.jpg" class="attachment-medium size-medium wp-image-{r.post_id - 1}" alt="{attr(r.image)}" loading="lazy" /></div></a>'
            f'<div class="elementor-post__text"><h3 class="elementor-post__title"><a href="{SITE}/{r.post_id}/">{esc(r.title)}</a></h3></div></article>'
            for r in rel)
        return (f'<div class="elementor-element elementor-element-{wid} elementor-grid-4 elementor-grid-tablet-2 elementor-grid-mobile-1 elementor-posts--thumbnail-top elementor-widget elementor-widget-posts" '
                f'data-id="{wid}" data-element_type="widget" data-settings=\'{{"classic_columns":"4","classic_row_gap":{{"unit":"px","size":35}}}}\' data-widget_type="posts.classic">'
                f'<div class="elementor-widget-container"><div class="elementor-posts-container elementor-posts elementor-posts--skin-classic elementor-grid">{items}</div></div></div>')

    def _render_article(self, art: Article) -> str:
        classic = art.theme == "classic"
        charset = "windows-1256" if art.encoding != "utf-8" else "UTF-8"
        url = f"{SITE}/{art.post_id}/"
        cats = "".join(f" category-{SECTION_BY_SLUG[s].enc_slug}" for s in self._shown_sections(art))
        content = self._content_html(art)
        cat_links = self.t("، ").join(f'<a href="{SITE}{section_path(s)}" rel="category tag">{esc(SECTION_BY_SLUG[s].name)}</a>'
                              for s in self._shown_sections(art))
        if classic:
            if art.no_date:
                posted = ""
            elif art.has_meta:
                posted = (f'<span class="posted-on"><a href="{url}" rel="bookmark"><time class="entry-date published" datetime="{art.meta_published.isoformat()}">{esc(art.shown_date())}</time>'
                          f'<time class="updated" datetime="{art.meta_modified.isoformat()}">{esc(_long_date(art.modified_local))}</time></a></span>')
            else:
                posted = f'<span class="posted-on"><a href="{url}" rel="bookmark"><time class="entry-date published">{esc(art.shown_date())}</time></a></span>'
            who = art.authors[0] if art.author_style == "theme" else art.wp_user
            byline = (f' <span class="byline"> بقلم <span class="author vcard"><a class="url fn n" href="{SITE}/author/{quote(who).lower()}/">{esc(who)}</a></span></span>')
            comments = self._comments(art) if art.comments else ""
            main = f"""<div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{art.post_id}" class="post-{art.post_id} post type-post status-publish format-standard has-post-thumbnail hentry{cats}">
<header class="entry-header">
<span class="cat-links">{cat_links}</span>
<h1 class="entry-title">{esc(art.title)}</h1>{'</div>' if art.malformed else ''}
<div class="entry-meta">{posted}{byline} <span class="post-views">{self._views_html(art)}</span></div>
</header>
<div class="post-thumbnail"><img width="1024" height="576" src="{SITE}/wp-content/uploads/{art.published_local:%Y/%m}/{attr(art.image)}.jpg" class="attachment-post-thumbnail size-post-thumbnail wp-post-image" alt="" decoding="async" fetchpriority="high" /></div>
<div class="entry-content">
{content}
{self._share(art, True)}
{self._related_html(art, True)}
</div>
<footer class="entry-footer"><span class="cat-links">نُشر في {cat_links}</span></footer>
</article>
{self._post_nav(art)}
{comments}
</main></div>"""
            body_class = f"post-template-default single single-post postid-{art.post_id} single-format-standard"
            page = self._page(f"{art.title} - {self.site_name}", body_class, main, canonical=url,
                              head_extra=self._meta(art), classic=True, charset=charset)
            return page
        info_items = []
        terms = cat_links.replace(' rel="category tag"', ' class="elementor-post-info__terms-list-item"')
        if not art.no_date:
            info_items.append(
                f'<li class="elementor-icon-list-item elementor-repeater-item-{_hex_id("date")} elementor-inline-item" itemprop="datePublished">'
                f'<span class="elementor-icon-list-icon"><i aria-hidden="true" class="fas fa-calendar"></i></span>'
                f'<span class="elementor-icon-list-text elementor-post-info__item elementor-post-info__item--type-date"><time>{esc(art.shown_date())}</time></span></li>')
        if art.author_style == "theme" and art.authors:
            info_items.append(
                f'<li class="elementor-icon-list-item elementor-repeater-item-{_hex_id("author")} elementor-inline-item" itemprop="author">'
                f'<a href="{SITE}/author/{quote(art.authors[0]).lower()}/"><span class="elementor-icon-list-icon"><i aria-hidden="true" class="fas fa-user-circle"></i></span>'
                f'<span class="elementor-icon-list-text elementor-post-info__item elementor-post-info__item--type-author">{esc(art.authors[0])}</span></a></li>')
        info_items.append(
            f'<li class="elementor-icon-list-item elementor-repeater-item-{_hex_id("terms")} elementor-inline-item" itemprop="about">'
            f'<span class="elementor-icon-list-icon"><i aria-hidden="true" class="fas fa-tags"></i></span>'
            f'<span class="elementor-icon-list-text elementor-post-info__item elementor-post-info__item--type-terms">'
            f'<span class="elementor-post-info__terms-list">{terms}</span></span></li>')
        info_items.append(
            f'<li class="elementor-icon-list-item elementor-repeater-item-{_hex_id("views")} elementor-inline-item">'
            f'<span class="elementor-icon-list-text elementor-post-info__item elementor-post-info__item--type-custom">{self._views_html(art)}</span></li>')
        w = {k: _hex_id(k, TEMPLATE_ID) for k in ("sec", "title", "info", "content", "img")}
        main = f"""<main id="main" class="site-main">
<div data-elementor-type="single-post" data-elementor-id="{TEMPLATE_ID}" class="elementor elementor-{TEMPLATE_ID} elementor-location-single post-{art.post_id} post type-post status-publish format-standard has-post-thumbnail hentry{cats}" data-elementor-post-type="elementor_library">
<div class="elementor-element elementor-element-{w['sec']} e-flex e-con-boxed e-con e-parent" data-id="{w['sec']}" data-element_type="container"><div class="e-con-inner">
<div class="elementor-element elementor-element-{w['title']} elementor-widget elementor-widget-theme-post-title elementor-page-title elementor-widget-heading" data-id="{w['title']}" data-element_type="widget" data-widget_type="theme-post-title.default">
<div class="elementor-widget-container"><h1 class="elementor-heading-title elementor-size-default">{esc(art.title)}</h1></div>
</div>{'</div>' if art.malformed else ''}
<div class="elementor-element elementor-element-{w['info']} elementor-widget elementor-widget-post-info" data-id="{w['info']}" data-element_type="widget" data-widget_type="post-info.default">
<div class="elementor-widget-container"><ul class="elementor-inline-items elementor-icon-list-items elementor-post-info">{''.join(info_items)}</ul></div>
</div>
<div class="elementor-element elementor-element-{w['img']} elementor-widget elementor-widget-theme-post-featured-image elementor-widget-image" data-id="{w['img']}" data-element_type="widget" data-widget_type="theme-post-featured-image.default">
<div class="elementor-widget-container"><img width="800" height="450" src="{SITE}/wp-content/uploads/{art.published_local:%Y/%m}/{attr(art.image)}.jpg" class="attachment-large size-large wp-image-{art.post_id - 1}" alt="" /></div>
</div>
<div class="elementor-element elementor-element-{w['content']} elementor-widget elementor-widget-theme-post-content" data-id="{w['content']}" data-element_type="widget" data-widget_type="theme-post-content.default">
<div class="elementor-widget-container">
{content}
</div>
</div>
{self._share(art, False)}
{self._related_html(art, False)}
</div></div>
</div>
</main>"""
        body_class = f"post-template-default single single-post postid-{art.post_id} single-format-standard elementor-page-{TEMPLATE_ID}"
        return self._page(f"{art.title} - {self.site_name}", body_class, main, canonical=url,
                          head_extra=self._meta(art), charset=charset)

    def _post_nav(self, art: Article) -> str:
        arts = self.live()[::-1]
        ids = [a.post_id for a in arts]
        if art.post_id not in ids:
            return ""
        i = ids.index(art.post_id)
        links = ""
        if i > 0:
            p = arts[i - 1]
            links += (f'<div class="nav-previous"><a href="{SITE}/{p.post_id}/" rel="prev"><span class="meta-nav">المقال السابق</span> '
                      f'<span class="post-title">{esc(p.title)}</span></a></div>')
        if i + 1 < len(arts):
            n = arts[i + 1]
            links += (f'<div class="nav-next"><a href="{SITE}/{n.post_id}/" rel="next"><span class="meta-nav">المقال التالي</span> '
                      f'<span class="post-title">{esc(n.title)}</span></a></div>')
        return f'<nav class="navigation post-navigation" aria-label="المقالات"><h2 class="screen-reader-text">تصفّح المقالات</h2><div class="nav-links">{links}</div></nav>'

    def _comments(self, art: Article) -> str:
        when = art.aware(art.published_local + dt.timedelta(days=1, hours=2))
        cid = art.post_id * 3 + 11
        return f"""<div id="comments" class="comments-area">
<h2 class="comments-title">تعليق واحد على &ldquo;{esc(art.title)}&rdquo;</h2>
<ol class="comment-list">
<li id="comment-{cid}" class="comment even thread-even depth-1">
<article id="div-comment-{cid}" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">محمد عبد الله</b> <span class="says">قال:</span></div>
<div class="comment-metadata"><a href="{SITE}/{art.post_id}/#comment-{cid}"><time datetime="{when.isoformat()}">{esc(_long_date(when))} في {when:%I:%M} م</time></a></div></footer>
<div class="comment-content"><p>تحليل قيّم ومفيد، شكرًا للمركز على هذا الجهد. هل هناك دراسة موسعة حول هذا الملف؟</p></div>
<div class="reply"><a rel="nofollow" class="comment-reply-link" href="#comment-{cid}" data-commentid="{cid}" data-postid="{art.post_id}" aria-label="الرد على محمد عبد الله">رد</a></div>
</article></li>
</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">اترك تعليقاً</h3>
<form action="{SITE}/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">لن يتم نشر عنوان بريدك الإلكتروني.</p>
<p class="comment-form-comment"><label for="comment">التعليق</label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="إرسال التعليق" /><input type="hidden" name="comment_post_ID" value="{art.post_id}" id="comment_post_ID" /></p>
</form></div>
</div>"""

    # machine-readable ----------------------------------------------------

    def _robots(self) -> str:
        lines = ["User-agent: *", "Disallow: /wp-admin/", f"Disallow: {DISALLOWED_PATH}",
                 "Disallow: /?s=", "Allow: /wp-admin/admin-ajax.php", ""]
        if self.sitemap:
            lines.append(f"Sitemap: {SITE}/wp-sitemap.xml")
        return "\n".join(lines) + "\n"

    def _sitemaps(self, kind: str, path: str) -> tuple[str, int, Headers, bytes]:
        if not self.sitemap:
            return self._not_found(kind)
        head = '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="@@SITE@@/wp-sitemap.xsl" ?>\n'
        xml_type = {"Content-Type": "application/xml; charset=UTF-8", "X-Robots-Tag": "noindex, follow"}
        if path == "/wp-sitemap.xml":
            body = (head + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{SITE}/wp-sitemap-posts-post-1.xml</loc></sitemap>"
                    f"<sitemap><loc>{SITE}/wp-sitemap-posts-page-1.xml</loc></sitemap>"
                    f"<sitemap><loc>{SITE}/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>"
                    "</sitemapindex>\n")
            return kind, 200, xml_type, body.encode()
        if path == "/wp-sitemap-posts-post-1.xml":
            urls = "".join(
                f"<url><loc>{SITE}/{a.post_id}/</loc><lastmod>{a.meta_modified.astimezone(dt.UTC).isoformat()}</lastmod></url>"
                for a in sorted(self.live(), key=lambda a: a.post_id))
            body = head + f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
            return kind, 200, xml_type, body.encode()
        if path == "/wp-sitemap-posts-page-1.xml":
            urls = "".join(f"<url><loc>{SITE}{p}</loc></url>" for p in ("/about-us/", "/contact-us/"))
            return kind, 200, xml_type, (head + f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n').encode()
        if path == "/wp-sitemap-taxonomies-category-1.xml":
            urls = "".join(f"<url><loc>{SITE}{section_path(s.slug)}</loc></url>" for s in self.sections)
            return kind, 200, xml_type, (head + f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n').encode()
        return self._not_found(kind)

    def _rss(self) -> str:
        items = []
        for a in self.live()[:10]:
            pub = email.utils.format_datetime(a.aware(a.published_local).astimezone(dt.UTC), usegmt=False)
            pub = pub.replace("-0000", "+0000")
            cats = "".join(f"<category><![CDATA[{SECTION_BY_SLUG[s].name}]]></category>" for s in a.sections)
            items.append(
                f"<item><title>{esc(a.title)}</title><link>{SITE}/{a.post_id}/</link>"
                f"<comments>{SITE}/{a.post_id}/#respond</comments>"
                f"<dc:creator><![CDATA[{a.wp_user}]]></dc:creator><pubDate>{pub}</pubDate>{cats}"
                f'<guid isPermaLink="false">{SITE}/?p={a.post_id}</guid>'
                f"<description><![CDATA[{a.excerpt()}]]></description></item>")
        last = max((a.meta_modified for a in self.live()), default=self._clock.replace(tzinfo=dt.UTC))
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
                'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">\n<channel>'
                f"<title>{self.site_name}</title><atom:link href=\"{SITE}/feed/\" rel=\"self\" type=\"application/rss+xml\" />"
                f"<link>{SITE}</link><description>{self.t('مركز بحثي مستقل لدراسات الشرق الأوسط وأفريقيا')}</description>"
                f"<lastBuildDate>{email.utils.format_datetime(last.astimezone(dt.UTC))}</lastBuildDate>"
                f"<language>{self.language}</language><sy:updatePeriod>hourly</sy:updatePeriod><generator>https://wordpress.org/?v={WP_VERSION}</generator>"
                + "".join(items) + "</channel></rss>\n")

    def _rest(self, kind: str, path: str, query: dict) -> tuple[str, int, Headers, bytes]:
        if not self.rest_api:
            return self._not_found(kind)
        jtype = {"Content-Type": "application/json; charset=UTF-8", "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link"}

        def err(code: str, message: str, status: int) -> tuple[str, int, Headers, bytes]:
            return kind, status, dict(jtype), json.dumps({"code": code, "message": message, "data": {"status": status}}).encode()

        path = path.rstrip("/")
        if path == "/wp-json":
            return kind, 200, dict(jtype), json.dumps({"name": self.site_name, "url": SITE, "namespaces": ["wp/v2"]}, ensure_ascii=False).encode()
        if path == "/wp-json/wp/v2/categories":
            cats = [{"id": s.term_id, "name": s.name, "slug": s.enc_slug, "link": f"{SITE}{section_path(s.slug)}",
                     "parent": SECTION_BY_SLUG[s.parent].term_id if s.parent else 0} for s in self.sections]
            h = dict(jtype, **{"X-WP-Total": str(len(cats)), "X-WP-TotalPages": "1"})
            return kind, 200, h, json.dumps(cats, ensure_ascii=False).encode()
        m = re.fullmatch(r"/wp-json/wp/v2/posts(?:/(\d+))?", path)
        if not m:
            return err("rest_no_route", "No route was found matching the URL and request method.", 404)
        fields = [f for f in query.get("_fields", [""])[0].split(",") if f]
        if m.group(1):
            pid = int(m.group(1))
            if pid not in self._articles or pid in self._removed:
                return err("rest_post_invalid_id", "Invalid post ID.", 404)
            return kind, 200, dict(jtype), json.dumps(self._rest_post(self._articles[pid], fields), ensure_ascii=False).encode()
        try:
            per_page = int(query.get("per_page", ["10"])[0])
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            return err("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        if not 1 <= per_page <= 100:
            return err("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        arts = self.live()
        for name, attr_name in (("modified_after", "modified"), ("after", "published"),
                                ("modified_before", "modified-"), ("before", "published-")):
            if name in query:
                try:
                    when = dt.datetime.fromisoformat(query[name][0])
                except ValueError:
                    return err("rest_invalid_param", f"Invalid parameter(s): {name}", 400)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                after = not attr_name.endswith("-")
                pick = (lambda a: a.meta_modified) if attr_name.startswith("modified") else (lambda a: a.aware(a.published_local))
                arts = [a for a in arts if (pick(a) > when if after else pick(a) < when)]
        if query.get("orderby", ["date"])[0] == "modified":
            arts.sort(key=lambda a: a.meta_modified, reverse=query.get("order", ["desc"])[0] != "asc")
        total = len(arts)
        pages = math.ceil(total / per_page)
        if page < 1 or (page > max(pages, 1)):
            return err("rest_post_invalid_page_number", "The page number requested is larger than the number of pages available.", 400)
        chunk = arts[(page - 1) * per_page: page * per_page]
        h = dict(jtype, **{"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)})
        return kind, 200, h, json.dumps([self._rest_post(a, fields) for a in chunk], ensure_ascii=False).encode()

    def _rest_post(self, a: Article, fields: list[str]) -> dict:
        pub, mod = a.aware(a.published_local), a.meta_modified
        fmt = "%Y-%m-%dT%H:%M:%S"
        full = {
            "id": a.post_id, "date": pub.strftime(fmt), "date_gmt": pub.astimezone(dt.UTC).strftime(fmt),
            "guid": {"rendered": f"{SITE}/?p={a.post_id}"},
            "modified": mod.strftime(fmt), "modified_gmt": mod.astimezone(dt.UTC).strftime(fmt),
            "slug": str(a.post_id), "status": "publish", "type": "post", "link": f"{SITE}/{a.post_id}/",
            "title": {"rendered": esc(a.title)}, "excerpt": {"rendered": f"<p>{esc(a.excerpt())}</p>\n", "protected": False},
            "author": 1, "categories": [SECTION_BY_SLUG[s].term_id for s in a.sections],
        }
        return {k: v for k, v in full.items() if not fields or k in fields}



# ------------------------------------------------------------------------- helpers

def _html_type() -> Headers:
    return {"Content-Type": "text/html; charset=UTF-8"}


def _redirect(location: str) -> Headers:
    return {"Location": location, "X-Redirect-By": "WordPress", "Content-Type": "text/html; charset=UTF-8"}


def _search_form(t: Callable[[str], str]) -> str:
    return (f'<form role="search" method="get" class="search-form" action="{SITE}/"><label>'
            f'<span class="screen-reader-text">{t("البحث عن:")}</span><input type="search" class="search-field" placeholder="{t("بحث")} &hellip;" value="" name="s" /></label>'
            f'<input type="submit" class="search-submit" value="Search" /></form>')


def _post_link(a: Article) -> str:
    """A post's permalink as listings write it (site.py turns some into the other form)."""
    return f"{SITE}/{a.post_id}/"


def _long_date(value: dt.datetime) -> str:
    from crawler.demo.content import MONTHS_EG
    return f"{value.day} {MONTHS_EG[value.month - 1]} {value.year}"


def _page_numbers(current: int, total: int) -> list[int | None]:
    """The page numbers paginate_links() writes (end_size=1, mid_size=2); None for its dots."""
    out: list[int | None] = []
    for n in range(1, total + 1):
        if n in (1, total) or abs(n - current) <= 2:
            out.append(n)
        elif out[-1] is not None:
            out.append(None)
    return out


def _paginate(current: int, total: int, url: object, t: Callable[[str], str]) -> str:
    """WordPress paginate_links(): end_size=1, mid_size=2, prev/next links."""
    if total <= 1:
        return ""
    out = []
    if current > 1:
        out.append(f'<a class="prev page-numbers" href="{url(current - 1)}">&laquo; {t("السابق")}</a>')  # type: ignore[operator]
    for n in _page_numbers(current, total):
        if n is None:
            out.append('<span class="page-numbers dots">&hellip;</span>')
        elif n == current:
            out.append(f'<span aria-current="page" class="page-numbers current"><span class="elementor-screen-only">Page</span>{n}</span>')
        else:
            out.append(f'<a class="page-numbers" href="{url(n)}"><span class="elementor-screen-only">Page</span>{n}</a>')  # type: ignore[operator]
    if current < total:
        out.append(f'<a class="next page-numbers" href="{url(current + 1)}">{t("التالي")} &raquo;</a>')  # type: ignore[operator]
    return f'<nav class="elementor-pagination" aria-label="Pagination">{" ".join(out)}</nav>'
