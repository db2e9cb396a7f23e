"""The snapshot's data: sections, articles and their ground truth, generated deterministically."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

from crawler.urls import canonical_url

# Placeholders replaced at render time by the origin the page is served from, so that
# absolute links point at the demo server (http) or at the same host written in https.
SITE = "@@SITE@@"  # e.g. http://127.0.0.1:54321
HOST = "@@HOST@@"  # e.g. 127.0.0.1:54321

SITE_NAME = "المركز القومي لدراسات الشرق الأوسط"
SITE_NAME_EN = "National Center for Middle East Studies"
# The seed page (seed-page.txt): its own id is unknown; /4571 is another post (see CATALOGUE).
SEED_ID = 4580
SERIES = ("رؤى بحثية", "تقدير موقف", "Research Insights", "Position Assessment")

RLM = "\u200f"
LRM = "\u200e"
SHY = "\u00ad"
TATWEEL = "\u0640"

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

MONTHS_EG = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر"]
MONTHS_LEV = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
              "تشرين الأول", "تشرين الثاني", "كانون الأول"]
# The older site wrote the weekday with a hamza (الأثنين) on some pages.
WEEKDAYS_OLD = ["الأثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


# ---------------------------------------------------------------------------------------
# Sections


@dataclass(frozen=True)
class Section:
    """A WordPress category."""

    term_id: int
    name: str
    slug: str  # unencoded Arabic slug
    parent: str | None = None  # parent slug

    @property
    def enc_slug(self) -> str:
        # WordPress stores percent-encoded slugs in lower-case hex.
        return quote(self.slug, safe="-").lower()


SECTIONS: list[Section] = [
    Section(12, "شؤون دولية", "شؤون-دولية"),
    Section(15, "الشرق الأوسط", "الشرق-الأوسط"),
    Section(18, "الشؤون الأفريقية", "الشؤون-الأفريقية"),
    Section(27, "القرن الأفريقي", "القرن-الأفريقي", parent="الشؤون-الأفريقية"),
    Section(31, "الأمن والدفاع", "الأمن-والدفاع"),
    Section(44, "الاقتصاد والطاقة", "الاقتصاد-والطاقة"),
    Section(52, "أوراق الشرق الأوسط", "أوراق-الشرق-الأوسط"),  # the periodical
]
# The English edition's categories (en.ncmes.org): ASCII slugs, so one lookup serves both.
SECTIONS_EN: list[Section] = [
    Section(3, "International Affairs", "international-affairs"),
    Section(4, "Middle East", "middle-east"),
    Section(5, "African Affairs", "african-affairs"),
    Section(6, "Horn of Africa", "horn-of-africa", parent="african-affairs"),
    Section(7, "Security and Defense", "security-and-defense"),
    Section(8, "Economy and Energy", "economy-and-energy"),
    Section(9, "Middle East Papers", "middle-east-papers"),  # the periodical
]
SECTION_BY_SLUG = {s.slug: s for s in [*SECTIONS, *SECTIONS_EN]}


def section_path(slug: str) -> str:
    """The archive path of a category, `/category/<parent>/<child>/`, percent-encoded."""
    sec = SECTION_BY_SLUG[slug]
    parts = [sec.enc_slug]
    while sec.parent:
        sec = SECTION_BY_SLUG[sec.parent]
        parts.insert(0, sec.enc_slug)
    return "/category/" + "/".join(parts) + "/"


# ---------------------------------------------------------------------------------------
# Article model. Inline segments: ("t", text) | ("b", text) | ("a", text, href) | ("m", n)
# Blocks: ("p", inlines) | ("h", text) | ("h3", text) | ("ul"/"ol", [inlines...])
#         | ("table", [[cell, ...], ...]) | ("quote", inlines) | ("img", alt)
# Note parts: ("t", text) | ("u", url, mode) with mode "text" | "link" | "label:<anchor>"


@dataclass
class Note:
    number: int
    parts: list[tuple]


def note_parts(text: str, form: str = "text") -> list[tuple]:
    """Footnote text with its written-out URLs as `u` parts (trailing punctuation left
    outside), each shown as `form`: "text" (the URL written out) or "link" (an <a>)."""
    parts: list[tuple] = []
    pos = 0
    for m in re.finditer(r"https?://[^\s<>\"]+?(?=[.,;:)]?(?:\s|$))", text):
        parts.append(("t", text[pos:m.start()]))
        parts.append(("u", m.group(0), form))
        pos = m.end()
    parts.append(("t", text[pos:]))
    return [p for p in parts if p != ("t", "")]


@dataclass
class Article:
    """One post and everything needed to render it and to state its truth."""

    post_id: int
    title: str
    sections: list[str]
    published_local: dt.datetime  # naive, site-local (Africa/Cairo)
    modified_local: dt.datetime
    blocks: list[tuple]
    notes: list[Note] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    author_style: str = "none"  # byline | theme | none
    byline_label: str = "إعداد"
    wp_user: str = "admin"  # WordPress author meta: not a real author unless author_style=theme
    date_form: str = "dmy"  # dmy | dmy_ar | long | wlong | lev
    month_word: str | None = None  # alternative month spelling on the page
    rlm_date: bool = False
    has_meta: bool = True
    meta_published_local: dt.datetime | None = None  # metadata that disagrees with the page
    no_date: bool = False
    theme: str = "elementor"  # elementor | classic
    encoding: str = "utf-8"  # utf-8 | cp1256 | cp1256-meta
    malformed: bool = False
    fn_form: str | None = None  # word | wpblock | plain | None
    digits: str = "western"  # western | arabic
    related: list[int] = field(default_factory=list)
    image: str = ""
    comments: bool = False
    # A signature block (the periodical's editorials): [rank and name, role], at the start
    # (after the opening label) or the end of the text, as two paragraphs or one split by <br>.
    signature: list[str] = field(default_factory=list)
    signature_at: str = "end"
    signature_br: bool = False
    names: list[str] | None = None  # the authors' names when `authors` holds more (a rank)
    language: str = "ar"

    @property
    def series(self) -> str | None:
        prefix = self.title.split(":", 1)[0].strip() if ":" in self.title else ""
        return prefix if prefix in SERIES else None

    @property
    def path(self) -> str:
        return f"/{self.post_id}/"

    def marker(self, n: int) -> str:
        s = str(n)
        return s.translate(ARABIC_DIGITS) if self.digits == "arabic" else s

    @staticmethod
    def offset_hours(local: dt.datetime) -> int:
        """Egypt's UTC offset: +03:00 under summer time (last Friday of April to last
        Thursday of October, restored in 2023), +02:00 otherwise."""
        year = local.year
        apr = dt.date(year, 4, 30)
        while apr.weekday() != 4:
            apr -= dt.timedelta(days=1)
        octo = dt.date(year, 10, 31)
        while octo.weekday() != 3:
            octo -= dt.timedelta(days=1)
        return 3 if apr <= local.date() <= octo else 2

    def aware(self, local: dt.datetime) -> dt.datetime:
        return local.replace(tzinfo=dt.timezone(dt.timedelta(hours=self.offset_hours(local))))

    @property
    def meta_published(self) -> dt.datetime:
        return self.aware(self.meta_published_local or self.published_local)

    @property
    def meta_modified(self) -> dt.datetime:
        return self.aware(self.modified_local)

    def shown_date(self) -> str:
        """The publication date as the page writes it."""
        d = self.published_local.date()
        if self.date_form == "dmy":
            s = f"{d.day:02d}/{d.month:02d}/{d.year}"
        elif self.date_form == "dmy_ar":
            s = f"{d.day:02d}/{d.month:02d}/{d.year}".translate(ARABIC_DIGITS)
        elif self.date_form == "long":
            s = f"{d.day} {self.month_word or MONTHS_EG[d.month - 1]} {d.year}"
        elif self.date_form == "wlong":
            s = f"{WEEKDAYS[d.weekday()]}، {d.day} {self.month_word or MONTHS_EG[d.month - 1]} {d.year}"
        elif self.date_form == "lev":
            s = f"{d.day} {MONTHS_LEV[d.month - 1]} {d.year}"
        elif self.date_form == "old":  # the older site: `الأثنين, سبتمبر 1, 2014`
            s = f"{WEEKDAYS_OLD[d.weekday()]}, {MONTHS_EG[d.month - 1]} {d.day}, {d.year}"
        else:
            raise ValueError(self.date_form)
        return f"{RLM}{s}{RLM}" if self.rlm_date else s

    def excerpt(self) -> str:
        for kind, *rest in self.blocks:
            if kind == "p":
                text = inline_text(rest[0], self)
                words = text.split()
                return " ".join(words[:30]) + (" […]" if len(words) > 30 else "")
        return ""

    def fn_uuid(self, n: int) -> str:
        h = hashlib.sha1(f"{self.post_id}:fn:{n}".encode()).hexdigest()
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


# Characters a reader never sees: bidi marks (LRM, RLM, ALM), soft hyphen, zero-width
# space, BOM, word joiner. The pages carry them; the truth's text leaves them out.
INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u00ad\u200b\ufeff\u2060"))


def fold(text: str) -> str:
    """Unicode NFC, invisible format marks dropped, whitespace folded to single spaces."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def inline_text(inlines: list[tuple], art: Article) -> str:
    out = []
    for seg in inlines:
        if seg[0] in ("t", "b", "a"):
            out.append(seg[1])
        elif seg[0] == "m":
            out.append(f"[{art.marker(seg[1])}]")
    return fold("".join(out))


def note_text(note: Note) -> str:
    out = []
    for part in note.parts:
        if part[0] == "t":
            out.append(part[1])
        else:
            mode = part[2]
            out.append(mode[6:] if mode.startswith("label:") else part[1])
    return fold("".join(out))


def note_urls(note: Note) -> list[str]:
    return [p[1] for p in note.parts if p[0] == "u"]


def resolve(href: str, base: str) -> str:
    """An href as an absolute URL, placeholders filled for the origin `base`."""
    host = base.split("://", 1)[1].rstrip("/")
    href = href.replace(SITE, base.rstrip("/")).replace(HOST, host)
    return urljoin(base.rstrip("/") + "/", href)


def body_text(art: Article) -> str:
    """The article body the way the contract defines it."""
    lines: list[str] = []
    for kind, *rest in art.blocks:
        if kind in ("p", "quote"):
            lines.append(inline_text(rest[0], art))
        elif kind in ("h", "h3"):
            lines.append(fold(rest[0]))
        elif kind in ("ul", "ol"):
            lines.extend("- " + inline_text(item, art) for item in rest[0])
        elif kind == "table":
            lines.extend(" | ".join(fold(c) for c in row) for row in rest[0])
    return "\n".join(line for line in lines if line)


def body_links(art: Article, base: str) -> list[dict]:
    links = []

    def walk(inlines: list[tuple]) -> None:
        for seg in inlines:
            if seg[0] == "a":
                # Links to the site itself are given in their canonical form (one article,
                # one URL); links elsewhere as written.
                url = resolve(seg[2], base)
                links.append({"text": fold(seg[1]), "url": canonical_url(url, base) or url})

    for kind, *rest in art.blocks:
        if kind in ("p", "quote"):
            walk(rest[0])
        elif kind in ("ul", "ol"):
            for item in rest[0]:
                walk(item)
    return links


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def article_truth(art: Article, by_id: dict[int, Article], base: str = "https://ncmes.org") -> dict:
    """What a careful reader extracts from the article page (see site.DemoSite.truth)."""
    base = base.rstrip("/")
    notes = art.notes
    return {
        "path": f"/{art.post_id}",
        "url": f"{base}/{art.post_id}",
        "post_id": art.post_id,
        "title": art.title,
        "series": art.series,
        "sections": [SECTION_BY_SLUG[s].name for s in art.sections],
        "authors": author_names(art),
        # A page that shows no date: the date of its machine-readable time, on Cairo's clock.
        "published": (art.published_local.date().isoformat() if not art.no_date
                      else (art.meta_published_local or art.published_local).date().isoformat()
                      if art.has_meta else None),
        "published_at": utc_iso(art.meta_published) if art.has_meta else None,
        "modified_at": utc_iso(art.meta_modified) if art.has_meta else None,
        "language": art.language,
        "body": body_text(art),
        "footnote_count": len(notes),
        "footnote_numbers": [n.number for n in notes],
        "footnotes": [{"number": n.number, "text": note_text(n), "urls": note_urls(n)} for n in notes],
        "markers": sorted({seg[1] for _k, *r in art.blocks for seg in _inlines_of(_k, r) if seg[0] == "m"}),
        "digits": art.digits,
        "related": [{"title": by_id[r].title, "path": f"/{r}", "url": f"{base}/{r}"} for r in art.related],
        "links": body_links(art, base),
        "theme": art.theme,
        "footnote_form": art.fn_form,
        "encoding": art.encoding,
    }


# The titles the snapshot writes before names (a byline's `د.`, a signature's rank).
NAME_TITLES = ("د.", "أ.", "م.", "Dr.", "Prof.")


def author_names(art: Article) -> list[str]:
    """The names alone: `د. هالة الشريف` is هالة الشريف; a signature's name is given in `names`."""
    if art.names is not None:
        return list(art.names)
    out = []
    for shown in art.authors:
        head, _, rest = shown.partition(" ")
        out.append(rest if head in NAME_TITLES and rest else shown)
    return out


def _inlines_of(kind: str, rest: list) -> list[tuple]:
    if kind in ("p", "quote"):
        return list(rest[0])
    if kind in ("ul", "ol"):
        return [seg for item in rest[0] for seg in item]
    return []


# ---------------------------------------------------------------------------------------
# Text pools for the generated analyses


INTROS = [
    "تشهد {region} تحولات متسارعة تضع {topic} في صدارة الاهتمام الإقليمي والدولي، إذ تتقاطع فيها حسابات القوى المحلية مع مصالح الأطراف الخارجية، ويسعى هذا التحليل إلى قراءة أبعاد {topic} واستشراف مساراتها المحتملة في ضوء المعطيات الراهنة.",
    "يمثل ملف {topic} أحد أكثر الملفات تعقيدًا على أجندة صانع القرار في {country}، لما ينطوي عليه من تشابكات أمنية وسياسية واقتصادية، خاصةً في ظل تباين مواقف {actor} و{actor2} حول أولويات المرحلة المقبلة.",
    "عاد ملف {topic} إلى واجهة المشهد خلال الأسابيع الأخيرة، بعد سلسلة من التطورات الميدانية والدبلوماسية التي كشفت حدود قدرة {actor} على فرض رؤيته، وأعادت طرح التساؤلات حول مستقبل التوازنات القائمة في {region}.",
    "تكتسب التطورات المتعلقة بـ{topic} أهمية خاصة في المرحلة الراهنة، بالنظر إلى انعكاساتها المباشرة على أمن {region} واستقرارها، وعلى شبكة العلاقات التي تربط {actor} بالقوى الإقليمية والدولية الفاعلة.",
]
ANALYSES = [
    "وتشير المعطيات المتاحة إلى أن {actor} يسعى إلى توظيف التحولات الإقليمية لتعزيز موقعه التفاوضي، مستفيدًا من انشغال القوى الكبرى بملفات أخرى، في حين يراهن {actor2} على عامل الوقت وعلى استنزاف خصومه سياسيًا واقتصاديًا.",
    "ولا يمكن فصل هذه التطورات عن السياق الاقتصادي الضاغط الذي تعيشه {country}، إذ تراجعت معدلات النمو وارتفعت مستويات التضخم، الأمر الذي يحد من هامش المناورة المتاح أمام {actor}، ويدفعه إلى البحث عن مصادر تمويل ودعم خارجية.",
    "وعلى الصعيد الدولي، تتعامل القوى الكبرى مع {topic} بمنطق إدارة الأزمة لا حلها، حيث تكتفي الولايات المتحدة والاتحاد الأوروبي بإصدار بيانات الدعوة إلى التهدئة، بينما تعمل كل من روسيا والصين على توسيع حضورهما عبر أدوات اقتصادية وأمنية أقل كلفة.",
    "وفي هذا الإطار، تبدو المقاربات الإقليمية أكثر تأثيرًا من ذي قبل، إذ تمتلك دول الجوار أوراق ضغط مباشرة على أطراف الأزمة، سواء عبر الحدود المشتركة أو شبكات المصالح الاقتصادية، وهو ما يجعل أي تسوية مستدامة مرهونة بتوافق إقليمي أوسع.",
    "ويكشف تتبع مواقف {actor2} خلال الفترة الماضية عن قدر من البراغماتية، فعلى الرغم من الخطاب التصعيدي المعلن، حرص على إبقاء قنوات الاتصال مفتوحة مع الوسطاء، وتجنب الانخراط في مواجهة شاملة قد تُفقده ما حققه من مكاسب.",
    "كما تلعب الاعتبارات الداخلية دورًا حاسمًا في تحديد سلوك الأطراف، فالضغوط الشعبية المتزايدة وتدهور الأوضاع المعيشية يفرضان على {actor} تقديم إنجازات ملموسة، في وقت تتسع فيه الفجوة بين الخطاب الرسمي والواقع الميداني.",
    "ومن الناحية الأمنية، أسهمت هشاشة الترتيبات القائمة في تنامي نشاط الجماعات المسلحة غير النظامية وشبكات التهريب العابرة للحدود، بما يهدد بتحويل {region} إلى ساحة مفتوحة لتصفية الحسابات بين القوى المتنافسة.",
    "وتتزايد المخاوف من أن يؤدي استمرار الجمود الراهن إلى تآكل ما تبقى من مؤسسات الدولة في {country}، خاصةً مع تراجع الدعم الدولي وتحول اهتمام المانحين إلى أزمات أخرى أكثر إلحاحًا.",
    "في المقابل، يرى فريق من المحللين أن اللحظة الراهنة قد تحمل فرصة لإعادة صياغة قواعد الاشتباك، إذا ما توافرت الإرادة السياسية لدى {actor} و{actor2} لتقديم تنازلات متبادلة تحفظ الحد الأدنى من مصالح الجميع.",
    "ويُلاحظ أن الخطاب الإعلامي المصاحب لهذا الملف أسهم في تعميق الاستقطاب، إذ تحولت المنصات الرقمية إلى ساحة موازية للصراع، تُستخدم فيها المعلومات المضللة أداةً للتعبئة وحشد التأييد.",
    "وتبقى المعضلة الأساسية في غياب رؤية متكاملة لمعالجة جذور الأزمة، إذ تنصرف الجهود في الغالب إلى احتواء مظاهرها الآنية دون الاقتراب من أسبابها البنيوية المتعلقة بتوزيع السلطة والثروة وإدارة التنوع.",
    "وتجدر الإشارة إلى أن التجارب السابقة في {region} تُظهر أن الاتفاقات التي تُفرض من الخارج دون قاعدة دعم محلية سرعان ما تنهار، وهو درس ينبغي أن يكون حاضرًا في أي مقاربة جديدة للتعامل مع {topic}.",
    "وقد انعكست هذه التطورات على الأوضاع الإنسانية بصورة مباشرة، إذ تشير تقديرات المنظمات الأممية إلى اتساع رقعة الاحتياجات الإنسانية، في ظل صعوبة وصول المساعدات إلى المناطق الأكثر تضررًا وتراجع التمويل المخصص لخطط الاستجابة.",
    "أما على صعيد العلاقات الثنائية، فقد حرصت {country} على تنويع شراكاتها الخارجية، بما يتيح لها هامشًا أوسع للمناورة بين القوى المتنافسة، دون أن تضطر إلى الانحياز الكامل إلى معسكر بعينه.",
]
HEADINGS = ["السياق العام:", "أبعاد الأزمة:", "مواقف الأطراف الفاعلة:", "التداعيات الإقليمية:",
            "محددات الموقف:", "دوافع التحرك:", "قراءة في المشهد:", "انعكاسات اقتصادية:",
            "تحديات قائمة:", "مسارات محتملة:"]
LEADS = ["ويمكن إجمال أبرز ملامح هذا المشهد فيما يلي:",
         "وفي هذا السياق، يمكن الإشارة إلى عدد من المحددات، أبرزها:",
         "وتتمثل أبرز التحديات التي تواجه هذا المسار فيما يلي:"]
BULLETS = [
    "تعزيز قنوات الحوار بين {actor} و{actor2} برعاية إقليمية ودولية، بما يسمح ببناء حد أدنى من الثقة المتبادلة.",
    "تراجع القدرات الاقتصادية في {country} نتيجة تعطل سلاسل الإمداد وتراجع الاستثمارات الأجنبية المباشرة.",
    "تنامي دور الفاعلين من غير الدول، واتساع نفوذ الجماعات المسلحة في المناطق الحدودية.",
    "سعي القوى الدولية إلى تأمين مصالحها في {region} عبر صفقات ثنائية بعيدًا عن الأطر متعددة الأطراف.",
    "استمرار الضغوط الإنسانية مع تزايد أعداد النازحين وتراجع تمويل برامج الإغاثة الدولية.",
    "إمكانية توظيف الأدوات الاقتصادية، كالعقوبات والمساعدات المشروطة، للتأثير في حسابات الأطراف.",
    "تصاعد التنافس بين القوى الإقليمية على النفوذ، بما ينعكس على فرص التهدئة في {country}.",
    "هشاشة المؤسسات الأمنية وصعوبة دمج التشكيلات المسلحة في هيكل موحد.",
]
SCENARIOS = [
    "استمرار الوضع الراهن، مع تصعيد محدود يمكن احتواؤه عبر الوساطات القائمة.",
    "التوصل إلى تسوية جزئية برعاية إقليمية تُفضي إلى تهدئة مؤقتة دون معالجة جذور الأزمة.",
    "انزلاق الأوضاع نحو مواجهة مفتوحة تتجاوز حدود {country} وتستدعي تدخلات خارجية أوسع.",
]
CONCLUSIONS = [
    "وختامًا، يمكن القول إن مستقبل {topic} سيظل مرهونًا بقدرة الأطراف المعنية على تجاوز منطق المعادلة الصفرية، والانتقال إلى مقاربات تفاوضية واقعية تأخذ في الاعتبار تعقيدات المشهد الداخلي والإقليمي.",
    "وفي المحصلة، تكشف التطورات الأخيرة أن {region} تقف أمام مفترق طرق، فإما البناء على الفرص المتاحة لتحقيق استقرار نسبي، وإما الانزلاق إلى جولة جديدة من التوتر ستكون كلفتها أعلى على الجميع.",
    "وبناءً على ما سبق، يُرجَّح أن تشهد المرحلة المقبلة مزيدًا من التحركات الدبلوماسية المكثفة، دون أن يعني ذلك بالضرورة حسمًا قريبًا لملف {topic}، في ظل تعدد الفاعلين وتضارب أجنداتهم.",
]
QUOTE = "«إن الاستقرار في {region} لا يمكن أن يتحقق بالقوة وحدها، بل يتطلب معالجة سياسية شاملة تعالج جذور الأزمة»، وفق ما جاء في البيان المشترك الصادر عقب الاجتماع الأخير."

AUTHORS = ["د. أحمد عبد الرحمن", "أ. منى السيد", "د. خالد فؤاد", "أ. ياسمين عادل", "د. هالة الشريف",
           "أ. كريم منصور", "م. عمرو حسني", "د. نورهان الشافعي", "أ. محمود جمال", "أ. سلمى إبراهيم"]

PUBLISHERS = [
    ("International Crisis Group", "www.crisisgroup.org", "/middle-east-north-africa/"),
    ("Carnegie Endowment for International Peace", "carnegieendowment.org", "/research/2025/"),
    ("Chatham House", "www.chathamhouse.org", "/2025/"),
    ("Brookings Institution", "www.brookings.edu", "/articles/"),
    ("The Washington Institute", "www.washingtoninstitute.org", "/policy-analysis/"),
    ("Institute for Security Studies", "issafrica.org", "/iss-today/"),
    ("Council on Foreign Relations", "www.cfr.org", "/article/"),
    ("Middle East Institute", "www.mei.edu", "/publications/"),
]
EN_AUTHORS = ["Sarah Yerkes", "Michael Young", "Alex de Waal", "Ahmed Soliman", "Dalia Dassa Kaye",
              "Frederic Wehrey", "Hanna Notte", "Cameron Hudson", "Murithi Mutiga", "Aaron Y. Zelin"]
SUBTITLES = ["What Comes Next", "Risks and Opportunities", "A Regional Perspective",
             "Between Escalation and Restraint", "The Road Ahead"]
AR_SOURCES = [
    ("مركز الأهرام للدراسات السياسية والاستراتيجية", "acpss.ahram.org.eg", "/News/"),
    ("مركز الجزيرة للدراسات", "studies.aljazeera.net", "/ar/article/"),
]

# ---------------------------------------------------------------------------------------
# The catalogue: (post_id, y-m-d, hh:mm, title, sections, topic, country, actor, actor2,
# region, english slug, english title, image alt)

CATALOGUE: list[tuple] = [
    (3958, "2025-01-08", "10:20", "تقدير موقف: مستقبل المرحلة الانتقالية في سوريا", ["الشرق-الأوسط"], "المرحلة الانتقالية في سوريا", "سوريا", "الحكومة الانتقالية", "الفصائل المسلحة", "منطقة المشرق العربي", "syria-transition", "Syria's Fragile Transition", "syria-tr"),
    (3971, "2025-01-15", "12:05", "السودان بين الهدنة المؤقتة واستمرار القتال", ["الشؤون-الأفريقية"], "الحرب في السودان", "السودان", "الجيش السوداني", "قوات الدعم السريع", "منطقة شرق أفريقيا", "sudan-truce", "Sudan's Elusive Truce", "sudan-war"),
    (3990, "2025-01-22", "09:40", "رؤى بحثية: الأمن البحري في البحر الأحمر", ["الأمن-والدفاع", "الشرق-الأوسط"], "أمن الملاحة في البحر الأحمر", "اليمن", "جماعة الحوثي", "التحالف البحري الدولي", "منطقة البحر الأحمر", "red-sea-security", "Red Sea Maritime Security", "redsea"),
    (4003, "2025-01-29", "11:15", "قراءة في: المشهد السياسي العراقي قبيل الانتخابات البرلمانية", ["الشرق-الأوسط"], "الاستحقاق الانتخابي في العراق", "العراق", "الإطار التنسيقي", "التيار الصدري", "منطقة الخليج", "iraq-elections", "Iraq's Electoral Landscape", "iraq-vote"),
    (4017, "2025-02-05", "13:30", "التحولات في سياسة الطاقة الجزائرية تجاه أوروبا", ["الاقتصاد-والطاقة"], "صادرات الغاز الجزائري", "الجزائر", "شركة سوناطراك", "المفوضية الأوروبية", "منطقة غرب المتوسط", "algeria-gas", "Algeria's Gas Diplomacy", "algas"),
    (4029, "2025-02-12", "10:00", "تقدير موقف: التوتر الإثيوبي الإريتري وتداعياته على القرن الأفريقي", ["القرن-الأفريقي"], "التوتر الإثيوبي الإريتري", "إثيوبيا", "الحكومة الإثيوبية", "النظام الإريتري", "منطقة القرن الأفريقي", "ethiopia-eritrea", "Ethiopia and Eritrea on the Brink", "eth-eri"),
    (4044, "2025-02-19", "14:45", "رؤى بحثية: مستقبل قوات اليونيفيل في جنوب لبنان", ["الشرق-الأوسط", "الأمن-والدفاع"], "مستقبل قوات حفظ السلام في لبنان", "لبنان", "الحكومة اللبنانية", "حزب الله", "منطقة شرق المتوسط", "unifil-future", "The Future of UNIFIL", "unifil"),
    (4058, "2025-02-27", "09:10", "الدور الصيني في موانئ شرق أفريقيا", ["القرن-الأفريقي", "الاقتصاد-والطاقة"], "الحضور الصيني في موانئ شرق أفريقيا", "جيبوتي", "الشركات الصينية", "القوى الغربية", "منطقة شرق أفريقيا", "china-ports", "China's Port Diplomacy in East Africa", "china-port"),
    (4071, "2025-03-06", "16:20", "ما بعد الهدنة: سيناريوهات الحرب في غزة", ["الشرق-الأوسط"], "الحرب في غزة", "فلسطين", "الحكومة الإسرائيلية", "حركة حماس", "منطقة الشرق الأوسط", "gaza-scenarios", "Gaza After the Truce", "gaza-2"),
    (4083, "2025-03-13", "11:50", "أزمة الديون في الاقتصادات الأفريقية الناشئة", ["الشؤون-الأفريقية", "الاقتصاد-والطاقة"], "أزمة الديون الأفريقية", "غانا", "الحكومات الأفريقية", "الدائنون الدوليون", "القارة الأفريقية", "africa-debt", "Africa's Debt Trap", "debt-af"),
    (4097, "2025-03-20", "10:35", "تقدير موقف: التقارب المصري التركي في شرق المتوسط", ["شؤون-دولية", "الشرق-الأوسط"], "التقارب المصري التركي", "مصر", "القاهرة", "أنقرة", "منطقة شرق المتوسط", "egypt-turkey", "Egypt and Turkey: A Cautious Rapprochement", "eg-tr"),
    (4110, "2025-03-27", "12:40", "رؤى بحثية: التنافس الدولي على المعادن الحرجة في أفريقيا", ["الشؤون-الأفريقية", "الاقتصاد-والطاقة"], "التنافس على المعادن الحرجة", "الكونغو الديمقراطية", "الصين", "الولايات المتحدة", "القارة الأفريقية", "critical-minerals", "The Scramble for Africa's Critical Minerals", "minerals"),
    (4126, "2025-04-03", "15:05", "الاتفاق النووي الإيراني: فرص العودة إلى المفاوضات", ["شؤون-دولية", "الشرق-الأوسط"], "البرنامج النووي الإيراني", "إيران", "الحكومة الإيرانية", "الإدارة الأمريكية", "منطقة الخليج", "iran-nuclear", "Iran Nuclear Talks Revisited", "iran-nuc"),
    (4139, "2025-04-10", "10:25", "انعكاسات الحرب الروسية الأوكرانية على الأمن الغذائي العربي", ["شؤون-دولية", "الاقتصاد-والطاقة"], "الأمن الغذائي العربي", "مصر", "الدول المستوردة للقمح", "كبار المصدرين", "المنطقة العربية", "food-security", "Arab Food Security and the Ukraine War", "wheat"),
    (4152, "2025-04-17", "13:15", "تقدير موقف: الأزمة السياسية في تونس", ["الشرق-الأوسط"], "الأزمة السياسية التونسية", "تونس", "الرئاسة التونسية", "قوى المعارضة", "منطقة المغرب العربي", "tunisia-crisis", "Tunisia's Political Impasse", "tunis"),
    (4168, "2025-04-24", "09:55", "رؤى بحثية: تحولات الإرهاب في منطقة الساحل", ["الشؤون-الأفريقية", "الأمن-والدفاع"], "تمدد الجماعات الإرهابية في الساحل", "مالي", "المجالس العسكرية", "الجماعات الجهادية", "منطقة الساحل الأفريقي", "sahel-terror", "Jihadism's Shifting Frontiers in the Sahel", "sahel"),
    (4181, "2025-05-01", "11:30", "الوساطة القطرية في النزاعات الإقليمية", ["شؤون-دولية"], "الوساطة القطرية", "قطر", "الدبلوماسية القطرية", "أطراف النزاعات", "منطقة الخليج", "qatar-mediation", "Qatar's Mediation Diplomacy", "doha"),
    (4195, "2025-05-08", "14:10", "اليمن ومسارات التسوية المتعثرة", ["الشرق-الأوسط"], "التسوية السياسية في اليمن", "اليمن", "الحكومة اليمنية", "جماعة الحوثي", "شبه الجزيرة العربية", "yemen-talks", "Yemen's Stalled Peace Process", "yemen"),
    (4207, "2025-05-15", "10:45", "رؤى بحثية: سد النهضة ومستقبل الأمن المائي", ["القرن-الأفريقي", "الاقتصاد-والطاقة"], "أزمة سد النهضة", "إثيوبيا", "الحكومة الإثيوبية", "دولتا المصب", "حوض النيل الشرقي", "gerd-water", "The GERD and Water Security", "gerd"),
    (4222, "2025-05-22", "12:00", "الانسحاب الفرنسي من غرب أفريقيا: قراءة في الأسباب والتداعيات", ["الشؤون-الأفريقية", "شؤون-دولية"], "الانسحاب العسكري الفرنسي", "السنغال", "باريس", "الحكومات الأفريقية", "منطقة غرب أفريقيا", "france-withdrawal", "France's Retreat from West Africa", "fr-out"),
    (4236, "2025-05-29", "16:40", "تقدير موقف: مستقبل العلاقات المغربية الجزائرية", ["الشرق-الأوسط"], "العلاقات المغربية الجزائرية", "المغرب", "الرباط", "الجزائر", "منطقة المغرب العربي", "morocco-algeria", "Morocco and Algeria: A Frozen Rivalry", "maghreb"),
    (4249, "2025-06-05", "09:20", "الصومال وتحديات بناء الجيش الوطني", ["القرن-الأفريقي", "الأمن-والدفاع"], "بناء الجيش الصومالي", "الصومال", "الحكومة الفيدرالية", "حركة الشباب", "منطقة القرن الأفريقي", "somalia-army", "Building Somalia's National Army", "somalia"),
    (4263, "2025-06-12", "13:50", "الممرات البحرية والتنافس التجاري في شرق المتوسط", ["الاقتصاد-والطاقة"], "التنافس على الممرات التجارية", "اليونان", "تحالفات الطاقة", "تركيا", "منطقة شرق المتوسط", "eastmed-corridors", "Eastern Mediterranean Trade Routes", "eastmed"),
    (4278, "2025-06-19", "11:05", "رؤى بحثية: محددات وسيناريوهات التصعيد الإسرائيلي – الإيراني", ["الشرق-الأوسط", "الأمن-والدفاع"], "التصعيد الإسرائيلي الإيراني", "إيران", "إسرائيل", "إيران", "منطقة الشرق الأوسط", "israel-iran", "Israel and Iran: Escalation Scenarios", "456625"),
    (4291, "2025-06-26", "10:30", "أمن الخليج بعد حرب الأيام الاثني عشر", ["الشرق-الأوسط", "الأمن-والدفاع"], "أمن الخليج", "السعودية", "دول مجلس التعاون", "إيران", "منطقة الخليج", "gulf-security", "Gulf Security After the Twelve-Day War", "gulf"),
    (4305, "2025-07-03", "15:25", "تقدير موقف: التحركات الروسية في ليبيا", ["الشرق-الأوسط", "شؤون-دولية"], "الحضور الروسي في ليبيا", "ليبيا", "موسكو", "القوى الغربية", "منطقة شمال أفريقيا", "russia-libya", "Russia's Libyan Foothold", "ru-libya"),
    (4318, "2025-07-10", "12:15", "الاقتصاد المصري وبرنامج صندوق النقد الدولي", ["الاقتصاد-والطاقة"], "برنامج الإصلاح الاقتصادي المصري", "مصر", "الحكومة المصرية", "صندوق النقد الدولي", "منطقة الشرق الأوسط", "egypt-imf", "Egypt and the IMF", "egp"),
    (4334, "2025-07-17", "10:50", "رؤى بحثية: التنافس السياسي بين الجماعات المسلحة في ليبيا", ["الشرق-الأوسط", "الأمن-والدفاع"], "التنافس بين الجماعات المسلحة الليبية", "ليبيا", "حكومة الوحدة الوطنية", "القيادة العامة", "منطقة شمال أفريقيا", "libya-militias", "Libya's Armed Politics", "libyaconf"),
    (4347, "2025-07-24", "14:35", "مستقبل الوجود العسكري الأمريكي في العراق وسوريا", ["الأمن-والدفاع", "شؤون-دولية"], "الوجود العسكري الأمريكي", "العراق", "واشنطن", "الفصائل المسلحة", "منطقة المشرق العربي", "us-presence", "The Future of US Forces in Iraq and Syria", "us-iraq"),
    (4362, "2025-07-31", "11:40", "تقدير موقف: الأزمة في شرق الكونغو الديمقراطية", ["الشؤون-الأفريقية"], "الأزمة في شرق الكونغو", "الكونغو الديمقراطية", "الحكومة الكونغولية", "حركة إم 23", "منطقة البحيرات العظمى", "drc-crisis", "Eastern Congo's Unending War", "drc"),
    (4376, "2025-08-07", "13:05", "دلالات إعادة انتخاب رئيس حزب الشعب الجمهوري التركي", ["شؤون-دولية"], "المشهد الحزبي التركي", "تركيا", "حزب الشعب الجمهوري", "حزب العدالة والتنمية", "منطقة شرق المتوسط", "chp-leader", "Turkey's Opposition Regroups", "turk-oppos"),
    (4389, "2025-08-14", "09:35", "الممرات الاقتصادية الجديدة وموقع الشرق الأوسط منها", ["الاقتصاد-والطاقة", "شؤون-دولية"], "الممرات الاقتصادية الدولية", "الإمارات", "الهند", "الصين", "منطقة الشرق الأوسط", "economic-corridors", "New Economic Corridors", "imec"),
    (4403, "2025-08-21", "12:25", "رؤى بحثية: أزمة اللاجئين السودانيين في دول الجوار", ["الشؤون-الأفريقية"], "أزمة اللاجئين السودانيين", "تشاد", "دول الجوار", "المنظمات الدولية", "منطقة شرق أفريقيا", "sudan-refugees", "Sudan's Refugee Crisis", "refugees"),
    (4571, "2025-09-29", "10:15", "تعزيز النفوذ: حدود الدعم السعودي – القطري للنظام السوري الانتقالي", ["الشرق-الأوسط"], "الدعم الخليجي لسوريا", "سوريا", "الرياض والدوحة", "الحكومة السورية الانتقالية", "منطقة المشرق العربي", "gulf-syria", "Gulf Support for Syria's Transition", "1212"),
    (4432, "2025-09-04", "15:45", "تقدير موقف: الانتخابات الرئاسية في ساحل العاج", ["الشؤون-الأفريقية"], "الانتخابات الرئاسية الإيفوارية", "ساحل العاج", "الحزب الحاكم", "قوى المعارضة", "منطقة غرب أفريقيا", "ivory-coast-vote", "Côte d'Ivoire Votes", "civ"),
    (4447, "2025-09-11", "11:20", "التوجهات الخليجية نحو القارة الأفريقية", ["الشؤون-الأفريقية", "شؤون-دولية"], "الاستثمارات الخليجية في أفريقيا", "الإمارات", "دول الخليج", "الحكومات الأفريقية", "القارة الأفريقية", "gulf-africa", "The Gulf's African Pivot", "gulf-af"),
    (4461, "2025-09-18", "01:15", "رؤى بحثية: مستقبل حلف الناتو بعد قمة لاهاي", ["شؤون-دولية", "الأمن-والدفاع"], "مستقبل حلف الناتو", "تركيا", "الحلفاء الأوروبيون", "الإدارة الأمريكية", "القارة الأوروبية", "nato-hague", "NATO After The Hague", "nato"),
    (4476, "2025-09-25", "13:55", "قمة الدوحة الطارئة: الرسائل والدلالات", ["الشرق-الأوسط"], "القمة العربية الإسلامية الطارئة", "قطر", "القادة العرب", "إسرائيل", "منطقة الخليج", "doha-summit", "The Doha Emergency Summit", "doha-sum"),
    (4490, "2025-10-02", "10:05", "تقدير موقف: خطة السلام الأمريكية لغزة", ["الشرق-الأوسط", "شؤون-دولية"], "خطة السلام الأمريكية", "فلسطين", "الإدارة الأمريكية", "حركة حماس", "منطقة الشرق الأوسط", "gaza-plan", "The US Peace Plan for Gaza", "gaza-plan"),
    (4503, "2025-10-05", "12:30", "الاعتراف الدولي بالدولة الفلسطينية: المكاسب والقيود", ["شؤون-دولية", "الشرق-الأوسط"], "الاعتراف بالدولة الفلسطينية", "فلسطين", "الدول الأوروبية", "الحكومة الإسرائيلية", "منطقة الشرق الأوسط", "palestine-recognition", "Recognising Palestine", "pal-rec"),
    (4517, "2025-10-09", "14:20", "رؤى بحثية: العلاقات الروسية الأفريقية بعد فاغنر", ["الشؤون-الأفريقية", "شؤون-دولية"], "الحضور الروسي في أفريقيا", "مالي", "موسكو", "الفيلق الأفريقي", "القارة الأفريقية", "russia-africa", "Russia in Africa After Wagner", "ru-af"),
    (4532, "2025-10-11", "11:10", "أرض الصومال والبحث عن الاعتراف الدولي", ["القرن-الأفريقي"], "مساعي أرض الصومال للاعتراف", "الصومال", "هرجيسا", "مقديشو", "منطقة القرن الأفريقي", "somaliland", "Somaliland's Quest for Recognition", "somaliland"),
    (4548, "2025-10-14", "16:00", "تقدير موقف: أزمة الكهرباء في العراق", ["الاقتصاد-والطاقة", "الشرق-الأوسط"], "أزمة الطاقة العراقية", "العراق", "وزارة الكهرباء", "الموردون الإقليميون", "منطقة الخليج", "iraq-power", "Iraq's Power Crisis", "iq-power"),
    (SEED_ID, "2025-10-18", "09:12", "رؤى بحثية: مستقبل العلاقات التركية الأمريكية", ["شؤون-دولية", "الشرق-الأوسط"], "", "", "", "", "", "", "", "tr-us"),
    (4586, "2025-10-23", "13:40", "الانتخابات البرلمانية المصرية: المشهد والتوقعات", ["الشرق-الأوسط"], "الانتخابات البرلمانية المصرية", "مصر", "الأحزاب المؤيدة", "أحزاب المعارضة", "منطقة الشرق الأوسط", "egypt-parliament", "Egypt's Parliamentary Elections", "eg-vote"),
    (4602, "2025-10-29", "10:45", "رؤى بحثية: الوضع الإنساني في الفاشر", ["الشؤون-الأفريقية"], "الأوضاع الإنسانية في دارفور", "السودان", "قوات الدعم السريع", "الجيش السوداني", "إقليم دارفور", "el-fasher", "El Fasher Under Siege", "fasher"),
    (4619, "2025-11-04", "00:40", "تقدير موقف: مستقبل اتفاق وقف إطلاق النار في لبنان", ["الشرق-الأوسط", "الأمن-والدفاع"], "اتفاق وقف إطلاق النار في لبنان", "لبنان", "الحكومة الإسرائيلية", "حزب الله", "منطقة شرق المتوسط", "lebanon-ceasefire", "Lebanon's Fragile Ceasefire", "leb-cf"),
    (4633, "2025-11-10", "12:50", "السياسة الخارجية التركية في القرن الأفريقي", ["القرن-الأفريقي", "شؤون-دولية"], "الحضور التركي في القرن الأفريقي", "الصومال", "أنقرة", "القوى المنافسة", "منطقة القرن الأفريقي", "turkey-horn", "Turkey in the Horn of Africa", "tr-horn"),
    (4650, "2025-11-17", "11:35", "رؤى بحثية: مستقبل تحالف أوبك+ في ظل تقلبات الأسواق", ["الاقتصاد-والطاقة"], "سياسات تحالف أوبك+", "السعودية", "تحالف أوبك+", "المنتجون من خارج التحالف", "منطقة الخليج", "opec-plus", "OPEC+ in Volatile Markets", "opec"),
    # Posts migrated from the older site (http://ncmes.org/ar/...), dated the old way.
    (1187, "2014-09-01", "11:00", "مستقبل العلاقات المصرية الأفريقية بعد قمة مالابو", ["الشؤون-الأفريقية"], "العلاقات المصرية الأفريقية", "مصر", "القاهرة", "الاتحاد الأفريقي", "القارة الأفريقية", "egypt-africa", "Egypt Returns to the African Union", "malabo"),
    (1243, "2015-02-04", "10:30", "قراءة في مخرجات المؤتمر الاقتصادي المصري", ["الاقتصاد-والطاقة"], "المؤتمر الاقتصادي المصري", "مصر", "الحكومة المصرية", "المستثمرون الأجانب", "منطقة الشرق الأوسط", "egypt-economic-conference", "Egypt's Economic Conference", "eedc"),
]

# Per-article quirks, by post id.
CLASSIC = {3971, 4044, 4110, 4195, 4263, 4347, 4432, 4532, 4633}
NO_META = {4058, 4207, 4347, 4490, 4389, 1243}
# No date shown on the page (with metadata unless also in NO_META).
NO_DATE = {4389, 4263, 4586}
DISAGREE = {4222: "2025-05-19T08:30"}
CP1256 = {4029: "cp1256", 4249: "cp1256", 4362: "cp1256-meta"}
MALFORMED = {4097, 4305}
MISMATCH = 4447  # markers 1, 2, 3; notes 1 and 3 only
TABLES = {4083, 4318, 4650}
QUOTES = {4126, 4278, 4490, 4602}
NUMBERED = {4071, 4207, 4461, 4619}
LONG = {3990, 4083, 4168, 4278, 4318, 4461, 4517, 4602, 4650}
DATE_FORMS: dict[int, tuple[str, str | None]] = {
    SEED_ID: ("dmy", None), 4503: ("dmy", None), 4017: ("dmy", None), 4071: ("dmy", None),
    1187: ("old", None), 1243: ("old", None), 4517: ("long", "اكتوبر"), 4139: ("long", "إبريل"), 4152: ("wlong", "ابريل"),
    4548: ("lev", None), 3971: ("lev", None), 4532: ("wlong", None), 4490: ("wlong", "اكتوبر"), 4602: ("dmy_ar", None),
}
DATE_ROTATION = ["dmy", "long", "wlong", "dmy_ar", "dmy", "long", "wlong", "lev"]
FN_ROTATION: list[tuple[str | None, str]] = [
    ("word", "western"), ("wpblock", "western"), ("plain", "western"), (None, "western"),
    ("word", "arabic"), ("wpblock", "arabic"), ("plain", "arabic"), (None, "western"),
]
AUTHOR_ROTATION = ["byline", "theme", "none", "byline", "theme", "none", "byline"]
BYLINE_LABELS = ["إعداد", "بقلم", "كتب"]
MODIFIED_DELTA_HOURS = [0, 5, 0, 26, 3, 0, 49, 0, 2]

# The seed article, verbatim from the saved page.
SEED_BLOCKS: list[tuple[str, object]] = [
    ('p', 'تُمثل العلاقات التركية الأمريكية واحدة من أكثر العلاقات الثنائية تعقيدًا وتشابكًا في النظام الدولي، لما تحمله من أبعاد استراتيجية وأمنية واقتصادية وجيوسياسية، وفي ظل التطورات الإقليمية والدولية المتسارعة، تكتسب هذه العلاقات أهمية مضاعفة، خصوصًا مع تجدد اللقاءات على أعلى المستويات بين قادة البلدين، ويركز هذا التقرير على الرؤى المختلفة[1] حول مستقبل العلاقات بين تركيا والولايات المتحدة، مستعرضًا المواقف المتبادلة، والقضايا ذات الاهتمام المشترك، والملفات الخلافية التي تؤثر على مسار هذه العلاقة، كما يُسلط الضوء على محاولات الطرفين لإعادة ضبط بوصلة التعاون بينهما ضمن سياقات إقليمية شديدة الحساسية.'),
    ('h', 'قضايا مشتركة:'),
    ('p', 'قامت تركيا بعدد من التحركات للتقارب مع الجانب الأمريكي قبل تولي الرئيس الأمريكي “دونالد ترامب”، والتي تمثل أبرزها في تعزيز علاقاتها الاستراتيجية مع أوروبا من خلال إبداء موافقتها على إرسال المساعدات والدعم إلى “تحالف الراغبين” الذي يضم فرنسا والمملكة المتحدة بهدف إرسال قوة عسكرية إلى أوكرانيا في حال وقف إطلاق النار، إضافةً إلى مشاركة تركيا في جهود حلف الناتو حيث أرسلت القوات الجوية التركية مؤخرًا طائرة من طراز “E-7T Peace Eagle” مزودة بنظام الإنذار المبكر إلى ليتوانيا، كما تقدمت تركيا بطلب للانضمام إلى خطة العمل الأمني الأوروبي (SAFE)، التي اقترحتها المفوضية الأوروبية لتشجيع المشتريات العسكرية المشتركة داخل الاتحاد الأوروبي.'),
    ('h', 'مسارات التحرك:'),
    ('p', 'وفقًا للتطورات الجارية في العلاقات التركية الأمريكية، يُشار إلى ما يلي:'),
    ('ul', ['ترغب الولايات المتحدة في إقناع الجانب التركي بخفض مشترياته من النفط والغاز الروسيين من أجل تقليص المصدر الرئيس لإيرادات الكرملين في ظل استمرار الحرب الروسية الأوكرانية، وذلك من خلال العمل على إبرام اتفاقات في قطاع الطاقة، من قبل العديد من الشركات، مثل “بوتاش” و”ميركوريا” و”وودسايد إنرجي”.', 'يهتم الجانبان بتطورات الأوضاع في سوريا انطلاقًا من سعى الرئيس “أردوغان” إلى الحصول على دعم الولايات المتحدة لآلية أمنية بين إسرائيل وسوريا لخفض التصعيد، وتقسيم النفوذ والتي تأتي في مصلحة الولايات المتحدة التي ترغب في الاعتماد على وكيل إقليمي، لضمان مصالحها وتنفيذ سياساتها في الشرق الأوسط، وبالتالي توجد حاجة لتحقيق الاستقرار وتجنب التوترات.', 'محاولة تركيا الوصول لتسوية فيما يتعلق بمسألة حل قوات سوريا الديمقراطية (قسد) ودمجها في الجيش السوري، لا سيما أن تركيا تنظر لوحدات حماية الشعب التابعة لقسد على أنها تنتمي لإحدى أفرع حزب العمال الكردستاني، ويظهر ملامح الاتفاق حول حل قسد في تصريحات المبعوث الأمريكي لدى سوريا والسفير الأمريكي لدى تركيا “توماس بارك” الذي أكد فيها على ضرورة تنفيذ قوات سوريا الديمقراطية لاتفاق 10 مارس مع دمشق بين قائد قوات سوريا الديمقراطية “مظلوم عبدي” والرئيس السوري الانتقالي “أحمد الشرع”.', 'صياغة لغة إيجابية بين الجانبين من خلال العمل على تجنب الاشتباك حول الموضوعات الخلافية وتحديد قائمة بمجالات الاهتمام المشترك سواء فيما يتعلق بتطورات الوضع في سوريا المتعلقة بقسد، أم عقد الصفقات التجارية التي يمكن المضي فيها دون خلافات.']),
    ('h', 'تجاذبات جوهرية:'),
    ('p', 'تواجه العلاقات التركية الأمريكية عددًا من التحديات والإشكاليات، التي قد تعرقل تعزيز العلاقات الإيجابية بين تركيا والولايات المتحدة، والتي يتمثل أبرزها فيما يلي:'),
    ('ul', ['طبيعة التعامل مع تطورات الأوضاع في قطاع غزة وعدم الاتفاق على الدور الذي ستلعبه تركيا بعد وقف إطلاق النار، لا سيما في ظل تشكك إسرائيل وعدم ثقتها في التدخل التركي.', 'العلاقات التركية مع الجانب الروسي، حيث لن تتخلى تركيا عن علاقاتها مع روسيا في مجال الطاقة لتتجه نحو الولايات المتحدة، فبالرغم من الاتفاقات المُبرمة بين تركيا والولايات المتحدة، فإنها لا تمثل بديلًا موثوقًا عن الطاقة الروسية، كما تتعاون تركيا وروسيا في مجال الطاقة النووية، حيث بنت شركة “روساتوم” الروسية محطة “أكويو” للطاقة النووية الوحيدة في تركيا، كما لن تتنازل تركيا عن طموحاتها القديمة بإعادة بيع الغاز الروسي لدول أوروبا بعد أن حققت شركاتها أرباحًا من خلال شراء النفط الخام من روسيا ونقل المنتجات المكررة إلى دول الاتحاد الأوروبي، وبالتالي فإن الصفقات المُبرمة بين الولايات المتحدة وتركيا تكشف الرغبة الأمريكية في مزاحمة الدور الروسي في ذلك القطاع.', 'مسألة التسلح، حيث يوجد تخوف أمريكي من إمداد تركيا بنظم تسلح متقدمة، خاصةً مقاتلات F-35، الأمر الذي قد يؤدي لإخلال ميزان القوى في الشرق الأوسط، وزيادة الجرأة التركية نحو القيام بأعمال عسكرية قد تطال إسرائيل أو اليونان، هذا إلى جانب وجود بعض العقوبات الأمريكية التي فُرضت على تركيا لشرائها منظومة “S-400” الروسية.']),
    ('p', 'وختامًا، يتضح أن العلاقات التركية الأمريكية تقف بين التعاون الحذر والتنافس الاستراتيجي، حيث تسعى كل من أنقرة وواشنطن إلى تعظيم مكاسبها وفق مقاربات براغماتية تتجاوز الطابع الأيديولوجي، ومع أن هناك نقاط تقاطع ومصالح مشتركة في الملفات الأمنية والاقتصادية، فإن استمرار الخلافات الجوهرية حول قضايا مثل العلاقات مع روسيا، والتسلح، قد يُضعف من إمكانية الوصول إلى شراكة مستقرة ومتكاملة، وفي ضوء ذلك، يبدو مستقبل هذه العلاقة مرهونًا بمدى قدرة الطرفين على إدارة التباينات بروح من الواقعية السياسية، وبما يضمن الحفاظ على الحد الأدنى من التنسيق الذي يحقق مصالحهما المشتركة دون الوقوع في فخ المواجهة أو القطيعة.'),
]
SEED_NOTE = 'Atlantic Council experts, ” Experts react: What’s next for US-Turkey ties after Erdoğan’s White House visit? “, Atlantic Council. 25 September 2025. Available at: https://www.atlanticcouncil.org/blogs/new-atlanticist/experts-react-whats-next-for-us-turkey-ties-after-erdogans-white-house-visit/ & Michael Rubin, “Trump’s Love Affair with Erdogan Will Define His Legacy “, American Enterprise Institute. 20 September 2025. Available at: https://www.aei.org/op-eds/trumps-love-affair-with-erdogan-will-define-his-legacy/ & Dimitar Bechev, “U.S.-Turkish Relations Have Gotten Duller, Not Better”, Foreign Policy. 30 September 2025. Available at: https://foreignpolicy.com/2025/09/30/turkey-erdogan-trump-syria-russia-democracy/ & Necati Demircan, ”The Mehter March in Turkish Foreign Policy”, Modern Diplomacy. 29 September 2025. Available at: https://moderndiplomacy.eu/2025/09/29/the-mehter-march-in-turkish-foreign-policy/'


def _fill(template: str, ctx: dict) -> str:
    return template.format(**ctx)


def _with_marker(text: str, n: int) -> list[tuple]:
    """Insert a footnote marker after the first clause of a paragraph (before its comma)."""
    i = text.find("، ")
    if i < 0:
        return [("t", text), ("m", n)]
    return [("t", text[:i]), ("m", n), ("t", text[i:])]


def _make_note(rng: random.Random, n: int, en_slug: str, en_title: str, style: int) -> Note:
    """A footnote citing one to three sources, URLs linked or written out."""
    count = 1 + (style % 3 == 2) + (style % 5 == 4)
    parts: list[tuple] = []
    for k in range(count):
        if k:
            parts.append(("t", " & "))
        if (style + k) % 4 == 3:
            pub, domain, prefix = AR_SOURCES[(n + k) % len(AR_SOURCES)]
            author = AUTHORS[(style + k * 3) % len(AUTHORS)]
            day = rng.randint(1, 28)
            parts.append(("t", f"{author}، “قراءة في {en_title}”، {pub}، {day} سبتمبر 2025. متاح على: "))
            url = f"https://{domain}{prefix}{en_slug}-{n}{k}"
        else:
            pub, domain, prefix = PUBLISHERS[(style * 3 + n + k) % len(PUBLISHERS)]
            author = EN_AUTHORS[(style * 7 + n + k) % len(EN_AUTHORS)]
            sub = SUBTITLES[(n + k) % len(SUBTITLES)]
            day = rng.randint(1, 28)
            month = MONTHS_EN[rng.randint(0, 9)]
            parts.append(("t", f"{author}, “{en_title}: {sub}”, {pub}. {day} {month} 2025. Available at: "))
            url = f"https://{domain}{prefix}{en_slug}-{sub.lower().replace(' ', '-')}/"
        mode = ["text", "link", "label:الرابط", "text-dot"][(style + k) % 4]
        if mode == "text-dot":
            parts.append(("u", url, "text"))
            parts.append(("t", "."))
        else:
            parts.append(("u", url, mode))
    return Note(n, parts)


def _seed_article() -> tuple[list[tuple], list[Note]]:
    blocks: list[tuple] = []
    for kind, value in SEED_BLOCKS:
        if kind == "p":
            if "[1]" in value:
                a, b = value.split("[1]", 1)
                blocks.append(("p", [("t", a), ("m", 1), ("t", b)]))
            else:
                blocks.append(("p", [("t", value)]))
        elif kind == "h":
            blocks.append(("h", value))
        else:
            blocks.append((kind, [[("t", item)] for item in value]))
    return blocks, [Note(1, note_parts(SEED_NOTE, "link"))]


def _internal_link_forms(target: int, idx: int) -> str:
    forms = [
        f"/{target}/",
        f"/?p={target}",
        f"{SITE}/{target}/?utm_source=newsletter&utm_medium=email",
        f"/{target}/#respond",
        f"https://{HOST}/{target}/",
        f"http://{HOST}/{target}",
    ]
    return forms[idx % len(forms)]


EXTERNAL_LINKS = [
    ("تقرير مجموعة الأزمات الدولية", "https://www.crisisgroup.org/ar/middle-east-north-africa"),
    ("الموقع الرسمي للأمم المتحدة", "https://www.un.org/ar/"),
    ("بيانات البنك الدولي", "https://data.albankaldawli.org/indicator/NY.GDP.MKTP.KD.ZG"),
    ("تقديرات مفوضية اللاجئين", "https://data.unhcr.org/en/situations/sudansituation"),
]


# The periodical «أوراق الشرق الأوسط»: issue pages whose text opens with the editorial label
# and carries the editor's signature. (post id, local time, title, label, paragraphs,
# signature lines, name, where, <br>, date shown, metadata)
PERIODICAL_AR: list[tuple] = [
    (4455, "2025-09-15T11:00", "العدد (97) – عدد خاص", "الافتتاحية", [
        "يصدر هذا العدد الخاص من «أوراق الشرق الأوسط» في لحظة فارقة تمر بها المنطقة، إذ تتشابك الأزمات وتتداخل مساراتها على نحو غير مسبوق، من الحرب في السودان إلى المرحلة الانتقالية في سوريا.",
        "ويضم العدد مجموعة من الدراسات التي تتناول التحولات في موازين القوى الإقليمية، وانعكاساتها على الأمن القومي العربي، وسبل بناء مقاربات عربية مشتركة للتعامل معها.",
        "ويأمل المركز أن يسهم هذا العدد في إثراء النقاش العام حول قضايا المنطقة، وأن يقدم لصانع القرار قراءة متأنية في المشهد الراهن ومآلاته المحتملة.",
    ], ["لواء د/ خالد الخمري", f"رئيس {SITE_NAME}"], "خالد الخمري", "start", False, False, True),
    (4525, "2025-10-10T12:00", "العدد (99)", "الافتتاحية", [
        "يتناول هذا العدد من «أوراق الشرق الأوسط» ملف الأمن المائي في حوض النيل، بما يحمله من تحديات متشابكة تمس الأمن القومي المصري بصورة مباشرة.",
        "وتسعى دراسات العدد إلى تقديم رؤية متكاملة تجمع بين الأبعاد القانونية والسياسية والفنية لهذا الملف، وتستشرف مساراته خلال السنوات المقبلة.",
    ], ["اللواء د. خالد الخمري", f"رئيس {SITE_NAME}"], "خالد الخمري", "end", False, True, True),
    (4641, "2025-11-12T10:00", "العدد (100)", "الافتتاحية", [
        "مع صدور العدد المائة من «أوراق الشرق الأوسط»، يكمل المركز مسيرة ممتدة منذ تأسيسه عام 1989 من البحث الرصين في قضايا المنطقة العربية ومحيطها الإقليمي.",
        "وقد حرصنا في هذا العدد التذكاري على تقديم قراءات متنوعة تجمع بين التحليل الاستراتيجي والرؤية الاستشرافية، بأقلام نخبة من الباحثين والخبراء.",
    ], ["لواء / طارق عبد العظيم", f"رئيس {SITE_NAME}"], "طارق عبد العظيم", "end", True, False, False),
]


def _periodical(rows: list[tuple], seed: int, *, section: str = "أوراق-الشرق-الأوسط",
                language: str = "ar", site_name: str = SITE_NAME) -> list[Article]:
    arts = []
    for (pid, when, title, label, paras, signature, name, where, br, shown, meta) in rows:
        local = dt.datetime.fromisoformat(when)
        art = Article(
            post_id=pid, title=title, sections=[section], published_local=local,
            modified_local=local + dt.timedelta(hours=1), blocks=[("h", label)] + [("p", [("t", p)]) for p in paras],
            authors=[signature[0]], names=[name], author_style="signature", wp_user=site_name,
            has_meta=meta, no_date=not shown, signature=list(signature), signature_at=where,
            signature_br=br, image=f"issue-{pid}", language=language,
        )
        arts.append(art)
    return arts


def build_articles(seed: int = 0) -> list[Article]:
    """All articles of the snapshot, oldest first (post ids grow with time)."""
    arts: list[Article] = []
    for idx, row in enumerate(CATALOGUE):
        (pid, ymd, hm, title, secs, topic, country, actor, actor2, region,
         en_slug, en_title, image) = row
        rng = random.Random(f"ncmes:{seed}:{pid}")
        published = dt.datetime.fromisoformat(f"{ymd}T{hm}")
        modified = published + dt.timedelta(hours=MODIFIED_DELTA_HOURS[idx % len(MODIFIED_DELTA_HOURS)],
                                            minutes=(pid % 7) * 3 if idx % 3 else 0)
        form, month_word = DATE_FORMS.get(pid, (DATE_ROTATION[idx % len(DATE_ROTATION)], None))
        fn_form, digits = FN_ROTATION[idx % len(FN_ROTATION)]
        author_style = AUTHOR_ROTATION[idx % len(AUTHOR_ROTATION)]
        art = Article(
            post_id=pid, title=title, sections=list(secs), published_local=published,
            modified_local=modified, blocks=[], date_form=form, month_word=month_word,
            rlm_date=idx % 5 == 2, has_meta=pid not in NO_META, no_date=pid in NO_DATE,
            theme="classic" if pid in CLASSIC else "elementor",
            encoding=CP1256.get(pid, "utf-8"), malformed=pid in MALFORMED,
            fn_form=fn_form, digits=digits, image=image, comments=pid in CLASSIC,
        )
        if pid in DISAGREE:
            art.meta_published_local = dt.datetime.fromisoformat(DISAGREE[pid])
        if pid == SEED_ID:
            art.blocks, art.notes = _seed_article()
            art.fn_form, art.digits, art.author_style, art.wp_user = "word", "western", "none", SITE_NAME
            art.related = [4571, 4376, 4334, 4278]
            arts.append(art)
            continue
        if pid == MISMATCH:
            art.fn_form, art.digits = "word", "western"
        # Authors.
        if author_style != "none":
            name = AUTHORS[(pid // 7) % len(AUTHORS)]
            art.authors = [name]
            if pid == 4403:
                art.authors = ["د. هالة الشريف", "د. كريم منصور"]
            art.author_style = author_style
            if pid == 4403:
                art.author_style = "byline"  # two names: only a byline paragraph shows both
            art.byline_label = BYLINE_LABELS[idx % 3]
            art.wp_user = name if author_style == "theme" else ("admin" if idx % 2 else SITE_NAME)
        else:
            art.wp_user = "admin" if idx % 2 else SITE_NAME
        ctx = {"topic": topic, "country": country, "actor": actor, "actor2": actor2, "region": region}
        long = pid in LONG
        n_notes = 0 if art.fn_form is None else (3 if pid == MISMATCH else 1 + rng.randint(0, 3 if long else 2))
        paras_pool = ANALYSES[:]
        rng.shuffle(paras_pool)
        heads = HEADINGS[:]
        rng.shuffle(heads)
        blocks: list[tuple] = []
        blocks.append(("p", _fill(INTROS[rng.randrange(len(INTROS))], ctx)))
        n_sections = 4 if long else 2
        for s in range(n_sections):
            blocks.append(("h", heads[s]))
            for _ in range(2 if long else 1 + (rng.random() < 0.5)):
                blocks.append(("p", _fill(paras_pool.pop(), ctx)))
            if s == 0:
                blocks.append(("p", LEADS[rng.randrange(len(LEADS))]))
                items = rng.sample(BULLETS, 3 + (rng.random() < 0.5))
                blocks.append(("ul", [_fill(b, ctx) for b in items]))
        if pid in QUOTES:
            blocks.insert(3, ("quote", _fill(QUOTE, ctx)))
        if pid in TABLES:
            yrs = ["المؤشر", "2023", "2024", "2025 (تقديري)"]
            rows = [yrs]
            for label in ["معدل النمو (%)", "معدل التضخم (%)", "الدين العام (% من الناتج)"]:
                base = rng.uniform(2, 9) if "الدين" not in label else rng.uniform(60, 95)
                rows.append([label] + [f"{base + rng.uniform(-1.5, 1.5):.1f}" for _ in range(3)])
            blocks.insert(4, ("p", "ويوضح الجدول التالي تطور أبرز المؤشرات الاقتصادية خلال السنوات الأخيرة:"))
            blocks.insert(5, ("table", rows))
        if pid in NUMBERED:
            blocks.append(("h", "السيناريوهات المحتملة:"))
            blocks.append(("ol", [_fill(s, ctx) for s in SCENARIOS]))
        blocks.append(("p", _fill(CONCLUSIONS[rng.randrange(len(CONCLUSIONS))], ctx)))
        # Convert to inline form, with markers on the first paragraphs that allow them.
        inl: list[tuple] = []
        marker = 1
        p_seen = 0
        for kind, value in blocks:
            if kind in ("p", "quote"):
                p_seen += 1
                if marker <= n_notes and p_seen % 2 == 1 and kind == "p":
                    inl.append((kind, _with_marker(value, marker)))
                    marker += 1
                else:
                    inl.append((kind, [("t", value)]))
            elif kind in ("ul", "ol"):
                inl.append((kind, [[("t", v)] for v in value]))
            else:
                inl.append((kind, value))
        while marker <= n_notes:  # not enough paragraphs: put the rest in list items
            for kind, value in inl:
                if kind == "ul" and marker <= n_notes:
                    value[-1].append(("m", marker))
                    marker += 1
            if marker <= n_notes:
                inl[-1][1].append(("m", marker))
                marker += 1
        art.blocks = inl
        art.notes = [_make_note(rng, n, en_slug, en_title, idx + n) for n in range(1, n_notes + 1)]
        if pid == MISMATCH:
            art.notes = [art.notes[0], art.notes[2]]
        arts.append(art)
    arts.extend(_periodical(PERIODICAL_AR, seed))
    _add_quirks(arts, seed)
    _add_links(arts)
    _add_related(arts, seed)
    return arts


def _add_quirks(arts: list[Article], seed: int) -> None:
    """Diacritics, tatweel, a soft hyphen and bidi marks, in a few places."""
    by_id = {a.post_id: a for a in arts}
    a = by_id[4181]  # tatweel in a heading and a paragraph
    a.blocks[1] = ("h", "السيـــاق العـــام:")
    a.blocks.insert(2, ("p", [("t", "تُعدّ الوساطة القطريـــة نموذجًا لدبلوماسيةٍ نشطةٍ تعتمد على شبكةٍ واسعةٍ من العلاقات، وقد مكّنتها من لعب أدوارٍ محوريةٍ في ملفاتٍ شائكة.")]))
    a = by_id[4110]  # soft hyphen inside a word
    a.blocks.insert(2, ("p", [("t", f"وتُعد المعادن الحرجة مثل الكوبالت والليثيوم ركيزة أساسية للتحولات الاستـ{SHY}راتيجية في قطاع الطاقة، إذ يتركز أكثر من 70% من الإنتاج العالمي للكوبالت في الكونغو الديمقراطية.")]))
    a = by_id[4461]  # LRM/RLM around Latin acronyms
    a.blocks.insert(2, ("p", [("t", f"وقد التزم الحلفاء في قمة لاهاي برفع الإنفاق الدفاعي إلى 5% من الناتج المحلي بحلول عام 2035، وهو ما يمثل تحولًا جوهريًا في عقيدة حلف {LRM}NATO{LRM}{RLM}، ويعكس الضغوط التي مارستها الإدارة الأمريكية على الشركاء الأوروبيين.")]))
    a = by_id[4003]
    a.blocks.insert(2, ("p", [("t", f"وتُشير نتائج استطلاعات المفوضية العليا المستقلة للانتخابات {LRM}(IHEC){LRM} إلى ارتفاعٍ محدودٍ في نسب المشاركة المتوقعة مقارنةً بانتخابات عام 2021.")]))


def _add_links(arts: list[Article]) -> None:
    """In-body links to other articles (in all the forms a link can take) and to other sites."""
    idx = 0
    for i, art in enumerate(arts):
        if art.post_id == SEED_ID or art.signature or i % 3 != 1 or i < 3:
            continue
        target = arts[i - 2 - (i % 2)]
        ext_text, ext_url = EXTERNAL_LINKS[idx % len(EXTERNAL_LINKS)]
        href = _internal_link_forms(target.post_id, idx)
        para = [("t", "وللمزيد حول خلفيات هذا الملف، يمكن الرجوع إلى تحليلنا السابق "),
                ("a", target.title, href),
                ("t", "، وكذلك إلى "), ("a", ext_text, ext_url), ("t", ".")]
        pos = len(art.blocks) - 1
        art.blocks.insert(pos, ("p", para))
        idx += 1
    # A link inside a list item, and one with a bold link text.
    by_id = {a.post_id: a for a in arts}
    ul = next(b for b in by_id[4168].blocks if b[0] == "ul")
    ul[1].append([("t", "تراجع الحضور الغربي، كما أوضحت دراسة "), ("a", "الانسحاب الفرنسي", "/4222/"),
                  ("t", " المنشورة على موقع المركز.")])


def _add_related(arts: list[Article], seed: int) -> None:
    ids = [a.post_id for a in arts]
    for art in arts:
        if art.related:
            continue
        rng = random.Random(f"related:{seed}:{art.post_id}")
        same = [b.post_id for b in arts if b is not art and set(b.sections) & set(art.sections)]
        others = [p for p in ids if p != art.post_id and p not in same]
        pool = same if len(same) >= 4 else same + others
        k = 3 if art.theme == "classic" else 4
        art.related = rng.sample(pool, k)
