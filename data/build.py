"""Build data/train.csv from the hand-written sources in data/sources (seeded, byte-identical).

    python data/build.py            # writes data/train.csv
    python data/build.py --check    # fails if data/train.csv is not what the sources give

Base articles (news prose with the hard negatives of LABELING.md, site chrome, no footers) are
written per language in data/sources/articles. Each becomes several variants: some paragraphs
dropped, extra chrome, and for about 58% of them one or two syndication footers drawn from the
templates in data/sources/footers, in the article's language or another one, naming an outlet
from data/sources/outlets.tsv with its host written in one of many forms.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

from attrib.markup import MarkedArticle, read_markup

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
OUT = HERE / "train.csv"
# Every 14th article, with the columns users bring plus the family, for fast tests.
SMALL = HERE.parent / "tests" / "fixtures" / "train_small.csv"
SMALL_COLUMNS = ("doc_id", "text", "label", "mixed", "language", "source_domain", "footer_family")
SEED = 20261127
VARIANTS = 9
STAFF_SHARE = 0.3  # variants whose story ends with a staff credit
COLUMNS = (
    "doc_id", "text", "label", "mixed", "language",
    "source_domain", "source_host", "source_name", "footer_family", "base_id",
)  # fmt: skip

# Internationalised outlets (invented) so that IDN and punycode forms are in the data.
IDN_OUTLETS = (
    ("Новости Урала", "новости-урала.рф", "ru"),
    ("Münchner Blatt", "münchner-blatt.de", "de"),
    ("中文新闻网", "中文新闻.中国", "zh"),
    ("Ελληνικά Νέα", "ελληνικά-νέα.gr", "el"),
    ("Gazeta Łódzka", "gazeta-łódzka.pl", "pl"),
    ("Türk Haber", "türkhaber.com.tr", "tr"),
)
# Institutions' sites that stories point readers to: hosts in the body, never sources.
INSTITUTION_HOSTS = (
    "who.int", "imf.org", "worldbank.org", "europa.eu", "un.org", "gov.uk", "insee.fr",
    "destatis.de", "ine.es", "istat.it", "ibge.gov.br", "tuik.gov.tr", "bps.go.id", "cbs.nl",
    "stat.gov.pl", "rosstat.gov.ru", "stats.gov.cn", "stat.go.jp", "kostat.go.kr", "nasa.gov",
    "esa.int", "fifa.com", "uefa.com", "olympics.com", "unesco.org", "inserm.fr", "bund.de",
    "gov.pl", "mhlw.go.jp", "korea.kr", "gov.za", "sfc.hk", "mofa.go.jp", "amf-france.org",
    "festival-cannes.com", "bienal.org.br", "tickets.example-arena.com", "service-public.fr",
    "data.gov.in", "bmkg.go.id", "tmd.go.th", "gso.gov.vn", "knbs.or.ke", "bbs.gov.bd",
    "statistics.gr", "cbs.gov.il", "ukrstat.gov.ua", "amar.org.ir", "pbs.gov.pk", "nbs.go.tz",
)  # fmt: skip
# Sites a story mentions that are neither institutions nor the outlet it came from: companies,
# NGOs, sports bodies, platforms. Body text, like an outlet named in the story.
OTHER_HOSTS = (
    "tesla.com", "apple.com", "amnesty.org", "ourworldindata.org", "github.com", "wikipedia.org",
    "change.org", "booking.com", "samsung.com", "toyota.co.jp", "aramco.com", "petrobras.com.br",
    "alibaba.com", "unicef.org", "greenpeace.org", "fifa.com", "uefa.com", "olympics.com",
    "spacex.com", "airbus.com", "siemens.de", "nestle.com", "tokopedia.com", "flipkart.com",
    "mercadolibre.com.ar", "tripadvisor.com", "transparency.org", "hrw.org", "msf.org",
    "icrc.org", "bundesliga.de", "laliga.com", "trendyol.com", "digikala.com", "rakuten.co.jp",
    "coupang.com", "shopee.vn", "jumia.com.ng", "safaricom.co.ke", "emirates.com",
)  # fmt: skip
SUBDOMAINS = ("english", "news", "m", "amp", "edition", "www2", "arabic", "world", "fr", "en")
SLUGS = ("news", "world", "article", "economy", "2024/06/19", "politics", "story", "ar/article")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def source_files(stem: str, pattern: str) -> list[Path]:
    """The files of ``<stem>``, ``<stem>_more``, ``<stem>_extra`` and ``<stem>_new`` (those
    that exist), in that order, each folder sorted by name."""
    return [
        p
        for suffix in ("", "_more", "_extra", "_new")
        for p in sorted((SOURCES / f"{stem}{suffix}").glob(pattern))
    ]


def read_templates(stem: str, key: str) -> dict[str, list[tuple[str, str]]]:
    """(key, template) rows per language from the ``<stem>`` folders (:func:`source_files`)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for p in source_files(stem, "*.tsv"):
        out.setdefault(p.stem, []).extend((r[key], r["template"]) for r in read_tsv(p))
    return out


def load_sources() -> tuple:
    articles = {p.stem: read_markup(p) for p in sorted((SOURCES / "articles").glob("*.txt"))}
    chrome: dict[str, list[str]] = {}
    for p in source_files("chrome", "*.txt"):
        chrome.setdefault(p.stem, []).extend(
            line.strip() for line in p.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    footers = read_templates("footers", "family")
    mentions = read_templates("mentions", "kind")
    staff = read_templates("staff", "kind")
    outlets: dict[str, list[tuple[str, str]]] = {}
    for r in read_tsv(SOURCES / "outlets.tsv"):
        outlets.setdefault(r["lang"], []).append((r["name"], r["domain"]))
    for name, domain, lang in IDN_OUTLETS:
        outlets.setdefault(lang, []).append((name, domain))
    return articles, chrome, footers, outlets, mentions, staff


def punycode(domain: str) -> str:
    return ".".join(
        label.encode("idna").decode("ascii") if not label.isascii() else label
        for label in domain.split(".")
    )


def write_host(rng: random.Random, name: str, domain: str) -> tuple[str, str]:
    """Return (text to put in the footer, host as written lowercased)."""
    host = domain
    if not domain.isascii() and rng.random() < 0.5:
        host = punycode(domain)
    r = rng.random()
    if r < 0.35:
        host = "www." + host
    elif r < 0.5:
        host = rng.choice(SUBDOMAINS) + "." + host
    if rng.random() < 0.06:
        host = host.replace(".", "．")
    shown = host.upper() if rng.random() < 0.04 else host
    written = host.lower()
    slug = rng.choice(SLUGS)
    form = rng.random()
    if form < 0.40:
        text = shown
    elif form < 0.60:
        query = rng.choice(("", "", "?utm_source=rss", "?id=48213&lang=en", "#comments"))
        text = f"https://{shown}/{slug}/{rng.randint(1000, 999999)}{query}"
    elif form < 0.68:
        text = f"[{name}](https://{shown}/{slug})"
    elif form < 0.78:
        left, right = rng.choice(
            (("(", ")"), ("[", "]"), ("«", "»"), ("“", "”"), ('"', '"'), ("「", "」"), ("<", ">"))
        )
        text = f"{left}{shown}{right}"
    elif form < 0.86:
        text = f"\u200f{shown}\u200f" if rng.random() < 0.5 else f"\u200b{shown}\u200b"
    else:
        text = f"http://{shown}"
    return text, written


def fill(
    rng: random.Random, template: str, name: str, domain: str, title: str
) -> tuple[list[str], str | None]:
    host_text, written = write_host(rng, name, domain)
    text = template.replace("{name}", name).replace("{title}", title)
    has_host = "{host}" in text
    text = text.replace("{host}", host_text)
    if rng.random() < 0.08:
        text = text.rstrip(".") + rng.choice((".", " »", " →", ""))
    if not has_host and name.lower() == domain:
        # an outlet named by its domain ("Bankier.pl", "NU.nl") writes a host all the same
        has_host, written = True, name.lower()
    return [
        part.strip() for part in text.split("\\n") if part.strip()
    ], written if has_host else None


def pick_outlet(
    rng: random.Random, outlets: dict[str, list[tuple[str, str]]], lang: str
) -> tuple[str, str]:
    pool = outlets.get(lang) or outlets["en"]
    if rng.random() < 0.2:
        pool = outlets[rng.choice(sorted(outlets))]
    return rng.choice(pool)


CLOSING_KINDS = frozenset({"print-note", "closing", "correction", "bio"})


def variant(rng: random.Random, base: MarkedArticle, k: int, src: tuple) -> list[dict[str, str]]:
    articles, chrome, footers, outlets, mentions, staff = src
    lang = base.language
    segs = list(base.segments)
    body_idx = [i for i, s in enumerate(segs) if s.label == "body" and i > 0]
    if k > 0 and len(body_idx) > 3 and rng.random() < 0.6:
        for i in sorted(rng.sample(body_idx, rng.randint(1, 2)), reverse=True):
            del segs[i]
    rows = [(s.label, s.text, s.mixed_language, "", None) for s in segs]
    closing = None
    # hard negatives: sites and outlets mentioned in the story, bios and closing lines
    if mentions.get(lang) and rng.random() < 0.6:
        for _ in range(rng.choice((1, 1, 2))):
            kind, template = rng.choice(mentions[lang])
            name, domain = pick_outlet(rng, outlets, lang)
            pool = rng.choice((INSTITUTION_HOSTS, INSTITUTION_HOSTS, OTHER_HOSTS, (domain,)))
            host = rng.choice(pool)
            host = rng.choice((host, "www." + host, f"https://www.{host}/{rng.choice(SLUGS)}"))
            sentence = template.replace("{host}", host).replace("{name}", name)
            body_rows = [
                i for i, r in enumerate(rows) if r[0] == "body" and i > 0 and len(r[1]) > 120
            ]
            if kind in ("site-mention", "outlet-mention") and body_rows and rng.random() < 0.6:
                i = rng.choice(body_rows)
                label, text, mixed, family, src = rows[i]
                rows[i] = (label, f"{text} {sentence}", mixed, family, src)
            else:
                last_body = max(i for i, r in enumerate(rows) if r[0] == "body")
                rows.insert(last_body + 1, ("body", sentence, None, "", None))
                # A quarter of the notes that name no site end the page (after chrome and any
                # footer): articles often close on a short line, and a page's last line is not
                # always a credit.
                if kind in CLOSING_KINDS and rng.random() < 0.25:
                    closing = rows[last_body + 1]
    # The outlet's own staff credit ("(Reporting by …; Editing by …)", "（责任编辑：李婷）") after
    # the story, from a stream of its own so that the rest of the data is drawn as before.
    staff_rng = random.Random(f"staff:{base.doc_id}:{k}")
    credit_ends_page = None
    if staff.get(lang) and staff_rng.random() < STAFF_SHARE:
        last_body = max(i for i, r in enumerate(rows) if r[0] == "body" and r is not closing)
        credit = ("body", staff_rng.choice(staff[lang])[1], None, "", None)
        rows.insert(last_body + 1, credit)
        if staff_rng.random() < 0.25:  # a quarter end the page, like the closing notes
            credit_ends_page = credit
    # extra chrome: in the article's language, sometimes English on a non-English page
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        chrome_lang = "en" if lang != "en" and rng.random() < 0.15 else lang
        line = rng.choice(chrome[chrome_lang])
        entry = ("boilerplate", line, chrome_lang if chrome_lang != lang else None, "", None)
        if rng.random() < 0.75:
            rows.append(entry)
        else:
            rows.insert(rng.randint(0, 1), entry)
    meta = {"source_domain": "", "source_host": "", "source_name": ""}
    if rng.random() < 0.58:  # about 58% of the variants are syndicated
        n_footers = 2 if rng.random() < 0.15 else 1
        for j in range(n_footers):
            foreign = rng.random() < 0.35
            f_lang = rng.choice(sorted(footers)) if foreign else lang
            family, template = rng.choice(footers[f_lang])
            name, domain = pick_outlet(rng, outlets, f_lang)
            title = segs[0].text if f_lang == lang else name
            lines, written = fill(rng, template, name, domain, title)
            mixed = f_lang if f_lang != lang else None
            source = (domain, written, name)
            new = [("footer", line, mixed, family, source) for line in lines]
            if family == "header-credit" or (j == 0 and rng.random() < 0.08):
                at = 1 if rng.random() < 0.5 else 0
            else:
                tail = 0
                while (
                    tail < len(rows)
                    and rows[len(rows) - 1 - tail][0] == "boilerplate"
                    and rng.random() < 0.5
                ):
                    tail += 1
                at = len(rows) - tail
            rows[at:at] = new
    for last in (closing, credit_ends_page):
        if last is not None:
            rows.append(rows.pop(next(i for i, r in enumerate(rows) if r is last)))
    # The answer, as the labeling rules give it: the first footer in the text that writes a
    # domain; with none, the first footer's outlet name.
    sources = [r[4] for r in rows if r[0] == "footer"]
    with_host = [src for src in sources if src[1]]
    if with_host:
        meta.update(source_domain=with_host[0][0], source_host=with_host[0][1])
    elif sources:
        meta.update(source_name=sources[0][2])
    out = []
    for label, text, mixed, family, _src in rows:
        out.append(
            {
                "doc_id": f"{base.doc_id}-v{k}",
                "text": text,
                "label": label,
                "mixed": "1" if mixed else "0",
                "language": mixed or lang,
                **meta,
                "footer_family": family,
                "base_id": base.doc_id,
            }
        )
    return out


def build() -> str:
    src = load_sources()
    articles = src[0]
    rng = random.Random(SEED)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for lang in sorted(articles):
        for base in articles[lang]:
            for k in range(VARIANTS):
                writer.writerows(variant(rng, base, k, src))
    return buf.getvalue()


def small_fixture(content: str) -> str:
    rows = list(csv.DictReader(io.StringIO(content)))
    ids = list(dict.fromkeys(r["doc_id"] for r in rows))
    keep = set(ids[::14])
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=SMALL_COLUMNS, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(r for r in rows if r["doc_id"] in keep)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify data/train.csv is up to date")
    args = parser.parse_args(argv)
    content = build()
    small = small_fixture(content)
    if args.check:
        for path, want in ((OUT, content), (SMALL, small)):
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != want:
                print(
                    f"{path.relative_to(HERE.parent)} is out of date: run `make data`",
                    file=sys.stderr,
                )
                return 1
        print("data/train.csv and tests/fixtures/train_small.csv are up to date")
        return 0
    OUT.write_text(content, encoding="utf-8")
    SMALL.write_text(small, encoding="utf-8")
    n_docs = len({line.split(",", 1)[0] for line in content.splitlines()[1:]})
    print(f"wrote {OUT.relative_to(HERE.parent)}: {n_docs} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
