"""The English edition's data (en.ncmes.org): its own posts, ids, categories and theme text."""

from __future__ import annotations

import datetime as dt
import random

from crawler.demo.content import (
    MONTHS_EN,
    PUBLISHERS,
    SITE_NAME_EN,
    SUBTITLES,
    Article,
    Note,
    _add_related,
    _periodical,
)

# The theme's own text, keyed by its Arabic wording (DemoSite.t).
UI: dict[str, str] = {
    "الصفحة غير موجودة": "Page not found", "تم حذف هذه الصفحة": "This page was removed",
    "يبدو أنه لم يتم العثور على شيء في هذا الموقع. ربما يمكنك تجربة البحث؟":
        "It looks like nothing was found at this location. Maybe try a search?",
    "هذا المحتوى لم يعد متاحًا.": "This content is no longer available.",
    "من نحن": "About us", "تواصل معنا": "Contact us", "منطقة الأعضاء": "Members",
    "المركز القومي لدراسات الشرق الأوسط مركز بحثي تأسس في القاهرة عام 1989، يُعنى بتحليل قضايا الشرق الأوسط وأفريقيا، ويصدر دورية «أوراق الشرق الأوسط».":
        "The National Center for Middle East Studies is a research center founded in Cairo in 1989. "
        "It analyses Middle East and African affairs and publishes the periodical Middle East Papers.",
    "هذه الصفحة متاحة للأعضاء المسجلين فقط.": "This page is for registered members only.",
    "الخلاصة": "Feed", "الرئيسية": "Home", "فيسبوك": "Facebook", "إكس": "X", "بحث": "Search",
    "بحث...": "Search...", "مركز بحثي مستقل لدراسات الشرق الأوسط وأفريقيا":
        "A research center for Middle East and African studies",
    "جميع الحقوق محفوظة": "All rights reserved", "النسخة الاحتياطية": "Mirror",
    "لينكدإن": "LinkedIn", "مشاهدة": "views", "الأكثر قراءة": "Most read",
    "تقارير خاصة بالأعضاء": "Members' reports", "الأقسام": "Categories",
    "آخر تحديث للقائمة": "List updated", "تخطي إلى المحتوى": "Skip to content",
    "أحدث الإصدارات": "Latest publications", "الصفحة": "Page", "اقرأ المزيد »": "Read more »",
    "كُتب بواسطة": "Written by", "تويتر": "Twitter", "واتساب": "WhatsApp",
    "تيليجرام": "Telegram", "، ": ", ", "البحث عن:": "Search for:", "السابق": "Previous",
    "التالي": "Next", "للتواصل": "Contact", "نشر في": "Posted on", "مقالات أقدم": "Older posts",
    "مقالات أحدث": "Newer posts", "المقالات": "Posts",
}

INTROS = [
    "{region} is going through rapid change that has put {topic} at the top of the regional and international agenda, as the calculations of local forces meet the interests of outside powers. This analysis reads the dimensions of {topic} and the paths it may take.",
    "The file of {topic} is among the most complex on the desk of decision makers in {country}, for its security, political and economic entanglements, and for the differing priorities of {actor} and {actor2}.",
    "{topic} has returned to the forefront in recent weeks, after a series of developments on the ground and at the negotiating table that exposed the limits of what {actor} can impose on {region}.",
]
ANALYSES = [
    "The available evidence suggests that {actor} is using regional shifts to strengthen its negotiating position while the major powers are busy elsewhere, whereas {actor2} is betting on time and on wearing its rivals down.",
    "These developments cannot be separated from the economic pressure on {country}: growth has slowed and inflation has risen, narrowing the room for manoeuvre of {actor} and pushing it to look for outside support.",
    "Internationally, the major powers treat {topic} as a crisis to be managed rather than solved: Washington and Brussels issue calls for calm, while Moscow and Beijing widen their presence through cheaper economic and security tools.",
    "Regional approaches now weigh more than before, since neighbouring states hold direct leverage over the parties, through shared borders or networks of economic interest; any lasting settlement depends on a wider regional consensus.",
    "Domestic considerations also shape the parties' behaviour: mounting public pressure and deteriorating living conditions oblige {actor} to show tangible results, while the gap between official rhetoric and reality widens.",
    "On the security side, fragile arrangements have allowed armed groups and cross-border smuggling networks to grow, threatening to turn {region} into an open arena for settling scores between rival powers.",
    "Some analysts argue that the present moment may offer a chance to rewrite the rules of engagement, if {actor} and {actor2} find the political will for mutual concessions that protect the minimum interests of all.",
    "Past experience in {region} shows that agreements imposed from outside without local support soon collapse, a lesson that should inform any new approach to {topic}.",
]
HEADINGS = ["Background:", "Dimensions of the crisis:", "The positions of the parties:",
            "Regional repercussions:", "Drivers of the move:", "Economic implications:"]
LEADS = ["The main features of the scene can be summed up as follows:",
         "Several factors stand out in this context:"]
BULLETS = [
    "Channels of dialogue between {actor} and {actor2} under regional and international sponsorship.",
    "Declining economic capacity in {country} as supply chains falter and foreign investment retreats.",
    "The growing role of non-state actors and of armed groups in border areas.",
    "The efforts of international powers to secure their interests in {region} through bilateral deals.",
    "Continued humanitarian pressure as the number of displaced people rises.",
]
CONCLUSIONS = [
    "In conclusion, the future of {topic} will depend on whether the parties can move beyond zero-sum thinking towards realistic negotiations that take account of the domestic and regional picture.",
    "On balance, recent developments show that {region} stands at a crossroads: either it builds on the opportunities at hand, or it slides into a new round of tension that would cost everyone more.",
]
AUTHORS = ["Dr. Hala El-Sherif", "Dr. Ahmed Abdel Rahman", "Mona El-Sayed", "Dr. Karim Mansour"]

# (post id, y-m-d, hh:mm, title, categories, topic, country, actor, actor2, region, slug, image)
CATALOGUE: list[tuple] = [
    (3560, "2025-06-04", "10:00", "Sudan Between Truce and War", ["african-affairs"], "the war in Sudan", "Sudan", "the Sudanese army", "the Rapid Support Forces", "East Africa", "sudan-war", "sudan-war"),
    (3574, "2025-06-18", "11:30", "Research Insights: Red Sea Maritime Security", ["security-and-defense", "middle-east"], "maritime security in the Red Sea", "Yemen", "the Houthis", "the international naval coalition", "the Red Sea region", "red-sea", "redsea"),
    (3589, "2025-07-02", "09:45", "Algeria's Gas Diplomacy Towards Europe", ["economy-and-energy"], "Algerian gas exports", "Algeria", "Sonatrach", "the European Commission", "the Western Mediterranean", "algeria-gas", "algas"),
    (3603, "2025-07-16", "12:10", "Ethiopia and Eritrea: A Dangerous Tension", ["horn-of-africa"], "the Ethiopian-Eritrean tension", "Ethiopia", "the Ethiopian government", "the Eritrean regime", "the Horn of Africa", "ethiopia-eritrea", "eth-eri"),
    (3617, "2025-07-30", "14:20", "Position Assessment: The Future of UNIFIL in South Lebanon", ["middle-east", "security-and-defense"], "the future of peacekeeping in Lebanon", "Lebanon", "the Lebanese government", "Hezbollah", "the Eastern Mediterranean", "unifil", "unifil"),
    (3632, "2025-08-13", "10:40", "China's Port Diplomacy in East Africa", ["horn-of-africa", "economy-and-energy"], "China's presence in East African ports", "Djibouti", "Chinese companies", "Western powers", "East Africa", "china-ports", "ports"),
    (3646, "2025-08-27", "13:05", "Africa's Debt Trap", ["african-affairs", "economy-and-energy"], "the African debt crisis", "Ghana", "African governments", "international creditors", "the African continent", "africa-debt", "debt"),
    (3661, "2025-09-10", "11:15", "Egypt and Turkey: A Cautious Rapprochement", ["international-affairs", "middle-east"], "the Egyptian-Turkish rapprochement", "Egypt", "Cairo", "Ankara", "the Eastern Mediterranean", "egypt-turkey", "eg-tr"),
    (3676, "2025-09-24", "15:30", "Iran Nuclear Talks Revisited", ["international-affairs", "middle-east"], "the Iranian nuclear programme", "Iran", "the Iranian government", "the US administration", "the Gulf", "iran-nuclear", "iran"),
    (3691, "2025-10-08", "10:25", "Research Insights: Jihadism's Shifting Map in the Sahel", ["african-affairs", "security-and-defense"], "the spread of jihadist groups in the Sahel", "Mali", "the military juntas", "jihadist groups", "the Sahel", "sahel", "sahel"),
    (3705, "2025-10-22", "12:50", "Qatar's Mediation Diplomacy", ["international-affairs"], "Qatari mediation", "Qatar", "Qatari diplomacy", "the parties to the conflicts", "the Gulf", "qatar-mediation", "doha"),
    (3719, "2025-11-05", "09:35", "Egypt and the IMF", ["economy-and-energy"], "Egypt's economic reform programme", "Egypt", "the Egyptian government", "the International Monetary Fund", "the Middle East", "egypt-imf", "egp"),
    (3733, "2025-11-19", "16:00", "Position Assessment: Lebanon's Fragile Ceasefire", ["middle-east", "security-and-defense"], "the ceasefire in Lebanon", "Lebanon", "the Israeli government", "Hezbollah", "the Eastern Mediterranean", "lebanon-ceasefire", "leb-cf"),
]
FN_ROTATION = ["word", "plain", None, "word", "plain", "word", None]
AUTHOR_ROTATION = ["theme", "none", "none", "theme", "none"]
NO_DATE = {3632, 3705}  # no date shown; 3705 has metadata, 3632 none
NO_META = {3632, 3589}

# The periodical, Middle East Papers (see content.PERIODICAL_AR for the fields).
PERIODICAL: list[tuple] = [
    (3626, "2025-08-06T11:00", "ISSUE (98)", "Editorial", [
        "This issue of Middle East Papers appears as the region faces overlapping crises, from the war in Sudan to the uncertain transition in Syria.",
        "Its studies examine the shifting balance of regional power and what it means for Arab national security, and they propose ways towards shared Arab approaches.",
    ], ["Major General Dr. Khaled El-Khamry", f"Head of the {SITE_NAME_EN}"], "Khaled El-Khamry", "end", False, True, True),
    (3712, "2025-10-29T10:00", "ISSUE (100)", "Editorial", [
        "With its hundredth issue, Middle East Papers marks a long record of careful research on the Arab region and its neighbourhood, begun when the Center was founded in 1989.",
        "This anniversary issue brings together strategic analysis and foresight from a group of researchers and experts.",
    ], ["Major General Dr. Khaled El-Khamry", f"Head of the {SITE_NAME_EN}"], "Khaled El-Khamry", "start", True, False, True),
]


def _note(rng: random.Random, n: int, slug: str, title: str, style: int) -> Note:
    """A footnote citing one or two sources, joined by " & ", URLs linked or written out."""
    parts: list[tuple] = []
    for k in range(1 + (style % 3 == 2)):
        if k:
            parts.append(("t", " & "))
        pub, domain, prefix = PUBLISHERS[(style * 3 + n + k) % len(PUBLISHERS)]
        sub = SUBTITLES[(n + k) % len(SUBTITLES)]
        parts.append(("t", f"{pub} staff, “{title}: {sub}”, {pub}. {rng.randint(1, 28)} "
                           f"{MONTHS_EN[rng.randint(0, 9)]} 2025. Available at: "))
        parts.append(("u", f"https://{domain}{prefix}{slug}-{sub.lower().replace(' ', '-')}/",
                      "link" if (style + k) % 2 else "text"))
    return Note(n, parts)


def build_articles(seed: int = 0) -> list[Article]:
    """The English edition's posts, oldest first."""
    arts: list[Article] = []
    for idx, (pid, ymd, hm, title, secs, topic, country, actor, actor2, region, slug, image) in enumerate(CATALOGUE):
        rng = random.Random(f"ncmes-en:{seed}:{pid}")
        published = dt.datetime.fromisoformat(f"{ymd}T{hm}")
        ctx = {"topic": topic, "country": country, "actor": actor, "actor2": actor2, "region": region}
        paras = ANALYSES[:]
        rng.shuffle(paras)
        heads = rng.sample(HEADINGS, 2)
        fn_form = FN_ROTATION[idx % len(FN_ROTATION)]
        n_notes = 0 if fn_form is None else 1 + rng.randint(0, 2)
        texts = [INTROS[idx % len(INTROS)].format(**ctx), paras[0].format(**ctx), paras[1].format(**ctx),
                 paras[2].format(**ctx)]
        blocks: list[tuple] = []
        marker = 1
        for i, text in enumerate(texts):
            if i in (1, 3):
                blocks.append(("h", heads[i // 2]))
            inline: list[tuple] = [("t", text)]
            if marker <= n_notes:
                cut = text.find(", ")
                inline = ([("t", text[:cut]), ("m", marker), ("t", text[cut:])] if cut > 0
                          else [("t", text), ("m", marker)])
                marker += 1
            blocks.append(("p", inline))
            if i == 1:
                blocks.append(("p", [("t", LEADS[idx % len(LEADS)])]))
                blocks.append(("ul", [[("t", b.format(**ctx))] for b in rng.sample(BULLETS, 3)]))
        blocks.append(("p", [("t", CONCLUSIONS[idx % len(CONCLUSIONS)].format(**ctx))]))
        art = Article(
            post_id=pid, title=title, sections=list(secs), published_local=published,
            modified_local=published + dt.timedelta(hours=(idx % 3) * 4), blocks=blocks,
            notes=[_note(rng, n, slug, title, idx + n) for n in range(1, n_notes + 1)],
            has_meta=pid not in NO_META, no_date=pid in NO_DATE, fn_form=fn_form, image=image,
            wp_user=SITE_NAME_EN, language="en",
        )
        if AUTHOR_ROTATION[idx % len(AUTHOR_ROTATION)] == "theme":
            art.authors = [AUTHORS[idx % len(AUTHORS)]]
            art.author_style = "theme"
            art.wp_user = art.authors[0]
        if idx % 4 == 2 and len(arts) >= 2:
            # A link to an earlier post and one to another site, as editors write them.
            target = arts[-2]
            blocks.insert(-1, ("p", [("t", "For background, see our earlier analysis "),
                                     ("a", target.title, f"/{target.post_id}/"),
                                     ("t", " and the data of "),
                                     ("a", "the World Bank", "https://data.worldbank.org/indicator/NY.GDP.MKTP.KD.ZG"),
                                     ("t", ".")]))
        arts.append(art)
    arts.extend(_periodical(PERIODICAL, seed, section="middle-east-papers", language="en",
                            site_name=SITE_NAME_EN))
    _add_related(arts, seed)
    return arts
