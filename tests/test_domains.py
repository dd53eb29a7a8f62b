"""Domains: every way a source is written reduces to the registrable domain of the PSL."""

from __future__ import annotations

import pytest

from attrib.domains import find_hosts, registrable_domain

CASES = [
    ("ظهرت في الأصل على www.argaam.com", "www.argaam.com", "argaam.com"),
    ("Originally at argaam.com.", "argaam.com", "argaam.com"),
    ("First on https://www.argaam.com/ar/article/123?ref=rss&x=1", "www.argaam.com", "argaam.com"),
    ("Read: english.alarabiya.net", "english.alarabiya.net", "alarabiya.net"),
    ("Via http://news.bbc.co.uk/2/hi", "news.bbc.co.uk", "bbc.co.uk"),
    ("Fonte: folha.uol.com.br", "folha.uol.com.br", "uol.com.br"),
    ("Source: OKO.press", "oko.press", "oko.press"),
    ("Fonte: Money.it", "money.it", "money.it"),
    ("Источник: https://xn--e1afmkfd.xn--p1ai/news", "xn--e1afmkfd.xn--p1ai", "пример.рф"),
    ("Источник: пример.рф", "пример.рф", "пример.рф"),
    ("本文首发于 www.argaam．com", "www.argaam．com", "argaam.com"),
    ("Read the [original](https://www.lemonde.fr/a/b) here", "www.lemonde.fr", "lemonde.fr"),
    ("(www.argaam.com)", "www.argaam.com", "argaam.com"),
    ("«www.argaam.com»", "www.argaam.com", "argaam.com"),
    ("on \u200fwww.argaam.com\u200f", "www.argaam.com", "argaam.com"),
    ("on www.\u200bargaam.com", "www.argaam.com", "argaam.com"),
    ("Source: WWW.ARGAAM.COM.", "www.argaam.com", "argaam.com"),
    ("内容来自udn.com，如有侵权请联系删除。", "udn.com", "udn.com"),
    ("本記事はwww.asahi.comの記事を転載", "www.asahi.com", "asahi.com"),
    ("প্রথম প্রকাশিত হয় www.samakal.com-এ, ১২ মার্চ", "www.samakal.com", "samakal.com"),
    ("Quelle: münchner-blatt.de", "münchner-blatt.de", "münchner-blatt.de"),
    ("Kaynak: habertürk.com.tr'de", "habertürk.com.tr", "habertürk.com.tr"),
    ("来源：中文新闻.中国 报道", "中文新闻.中国", "中文新闻.中国"),
    ("https://ελληνικά-νέα.gr/x", "ελληνικά-νέα.gr", "ελληνικά-νέα.gr"),
    ("www.hurriyet.com.tr'de yayımlanmıştır", "www.hurriyet.com.tr", "hurriyet.com.tr"),
]


@pytest.mark.parametrize(("text", "host", "domain"), CASES)
def test_host_as_written_and_registrable_domain(text, host, domain):
    found = find_hosts(text)
    assert found, text
    assert (found[0].written, found[0].domain) == (host, domain)


@pytest.mark.parametrize(
    "text",
    [
        "write to desk@bbc.co.uk",
        "growth of 3.5 percent in v1.2",
        "the file report.docx",
        "U.S. officials said",
        "",
    ],
)
def test_not_hosts(text):
    assert find_hosts(text) == ()


def test_registrable_domain_rejects_unknown_suffixes_and_bare_labels():
    assert registrable_domain("localhost") is None
    assert registrable_domain("example.notatld") is None
    assert registrable_domain("www.example.com") == "example.com"


def test_creative_commons_license_links_are_not_sources():
    text = "Republished under a [license](https://creativecommons.org/licenses/by-nd/4.0/)."
    assert find_hosts(text) == ()
