"""Stage 3: turn segments in their article into feature records and feature matrices.

A record is a plain dict describing one segment in context (its text, position, language against
the article's, its neighbours). The transformers here follow scikit-learn's estimator rules so
that the whole classifier is one inspectable, grid-searchable ``Pipeline`` (see classify.py).
Regular expressions and small multilingual cue lexicons are *features*; the decision is learned.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .domains import find_hosts
from .language import Guess

__all__ = ["ContextFeatures", "TextView", "build_records", "normalise_text", "CONTEXT_FEATURES"]

Record = dict[str, Any]

_URL = re.compile(r"(?:https?|ftp)://\S+|\bwww[.．。]\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:[.．。][\w-]+)+")
_DIGITS = re.compile(r"\d+")
_COLON_LABEL = re.compile(r"^\W{0,3}[^\W\d][^:：\n]{0,28}\s?[:：]")
# "All rights reserved" and kin: the site's own copyright line, in many languages.
_COPYRIGHT = re.compile(
    "©|ⓒ|\\(c\\)|copyright|rights reserved|droits réservés|derechos reservados|direitos reservados|"
    "diritti riservati|rechte vorbehalten|права защищены|права захищені|hakları saklıdır|"
    "prawa zastrzeżone|rechten voorbehouden|drepturile rezervate|rättigheter förbehållna|"
    "alle rettigheder|版权所有|版權所有|无断转载|無断転載|無断複製|저작권|무단 전재|무단전재|حقوق محفوظة|"
    "جميع الحقوق|کلیه حقوق|تمام حقوق|सर्वाधिकार|hak cipta|bản quyền|haki zote|"
    "πνευματικά δικαιώματα|κατοχυρωμένα|כל הזכויות|สงวนลิขสิทธิ์|স্বত্ব|সর্বস্বত্ব|"
    "minden jog fenntartva|všechna práva|kaikki oikeudet",
    re.IGNORECASE,
)
_WRAPPED = re.compile(r"^[(\[（【«\"“—–-].*[)\]）】»\"”]?$")
_TERMINAL = re.compile(r"[.!?。！？؟।…][\"'”’»」』)\]]*$")
PARAGRAPH_CHARS = 160  # a line this long is a paragraph, not a caption, credit or chrome line
_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")  # CJK, Hangul, Thai


def is_paragraph(text: str) -> bool:
    """True for a paragraph-long line; scripts without spaces pack more into a character.

    >>> is_paragraph("Photo: AFP"), is_paragraph("東京" * 40)
    (False, True)
    """
    n = len(text)
    if n >= PARAGRAPH_CHARS:
        return True
    return n >= PARAGRAPH_CHARS * 0.4 and len(_DENSE.findall(text)) * 2 >= n


# Words that often appear in syndication credits, in many languages (lowercase substrings).
SYNDICATION_CUES = tuple(
    """
originally|original|first appeared|appeared first|first published|published first|republish|
reprint|reproduced|courtesy|syndicat|source|via |translated|translation|with permission|
in partnership|read the original|read more at|story by|content from|feed|
الأصل|أصلا|نشر|نُشر|المصدر|مصدر|نقلا عن|نقلاً عن|بتصرف|ترجمة|مترجم|منقول|منبع|به نقل از|بازنشر|
ترجمه|ماخذ|بشکریہ|شائع|initialement|d'abord|d’abord|première fois|publié|paru |traduit|republié|
reproduit|article original|originalmente|publicó|publicado|fuente|con información|traducido|
reproducido|tomado de|vía|fonte|apareceu|com informações|traduzido|reproduzido|com agências|
originariamente|pubblicato|apparso|tradotto|ripreso da|tratto da|in origine|ursprünglich|zuerst|
erschienen|erschien|quelle|mit material|übersetzt|nachdruck|übernommen|oorspronkelijk|verschenen|
verscheen|bron|vertaald|overgenomen|впервые|опубликова|источник|перепечат|оригинал|перевод|
по материалам|вперше|опубліков|джерело|оригінал|передрук|за матеріалами|pierwotnie|opublikowa|
źródło|przedruk|oryginał|tłumacz|ilk olarak|yayımlan|yayınlan|kaynak|orijinal|çeviri|alıntı|
首发|首發|来源|來源|转载|轉載|原文|原载|原載|译自|譯自|刊于|刊於|出处|出處|初出|出典|転載|掲載|
元記事|配信|翻訳|출처|원문|게재|전재|번역|제공|स्रोत|मूल रूप|प्रकाशित|साभार|अनुवाद|সূত্র|প্রথম প্রকাশ|
প্রকাশিত|অনুবাদ|sumber|pertama kali|diterbitkan|terjemah|dikutip|tayang|nguồn|đăng lần đầu|
bài gốc|dịch|chanzo|ilichapishwa|asili|imetafsiriwa|πηγή|δημοσιεύ|αρχικά|πρώτη φορά|
αναδημοσίευ|μετάφραση|מקור|פורסם|לראשונה|במקור|תורגם|ที่มา|เผยแพร่|ครั้งแรก|ต้นฉบับ|แปล|
sursa|sursă|publicat|preluat|källa|publicerades|först|zdroj|původně|převzat|forrás|eredetileg|
megjelent|lähde|alun perin|julkaistu|kilde|oprindelig|opprinnelig|publisert|offentliggjort
""".replace("\n", "").split("|")
)

# Words of site chrome: sharing, following, comments, related links, tags, cookies, ads.
CHROME_CUES = tuple(
    """
share|follow|subscribe|newsletter|comment|read also|read more|related|tags|cookie|advert|
sign up|log in|login|print|whatsapp|facebook|twitter|telegram|instagram|youtube|rss|
copyright|all rights reserved|partager|suivez|abonnez|commentaire|lire aussi|à lire|compartir|
síguenos|suscríbete|comentarios|lee también|teilen|folgen|abonnieren|kommentar|lesen sie auch|
mehr zum thema|condividi|seguici|iscriviti|commenti|leggi anche|compartilhe|siga|assine|
leia também|comentários|поделиться|подписывайтесь|комментари|читайте также|читайте також|
поділитися|підписуйтесь|paylaş|takip et|abone ol|yorum|ilgili haber|分享|关注|關注|订阅|訂閱|
评论|評論|相关|相關|阅读|閱讀|シェア|フォロー|コメント|関連記事|購読|공유|구독|댓글|관련기사|
مشاركة|شارك|تابعنا|اشترك|تعليق|اقرأ أيضا|اقرأ أيضاً|اشتراک|بیشتر بخوانید|نظر|شیئر|یہ بھی پڑھیں|
تبصر|शेयर|फॉलो|सब्सक्राइब|टिप्पणी|यह भी पढ़ें|শেয়ার|আরও পড়ুন|মন্তব্য|bagikan|ikuti|
berlangganan|komentar|baca juga|delen|volg|abonneer|reacties|lees ook|udostępnij|obserwuj|
subskrybuj|komentarz|czytaj także|czytaj też|שתפו|עקבו|הירשמו|תגובות|chia sẻ|theo dõi|
đăng ký|bình luận|xem thêm|shiriki|fuatilia|jiandikishe|maoni|soma pia|κοινοποί|ακολουθήστε|
εγγραφείτε|σχόλια|διαβάστε επίσης|แชร์|ติดตาม|สมัครสมาชิก|ความคิดเห็น|อ่านเพิ่มเติม|distribuie|
urmărește|abonează|comentarii|citește și|dela|följ|prenumerera|kommentera|läs också|läs mer
""".replace("\n", "").split("|")
)

# Words of photo and image credits, which are chrome even when they name an agency.
PHOTO_CUES = tuple(
    """
photo|foto|image|picture|pictures|illustration|صورة|الصورة|عکس|تصویر|фото|写真|图片|圖片|
图源|사진|ภาพ|φωτογραφία|צילום|ছবি|फोटो|ảnh|picha|fot\\.|afbeelding|bild|imagem|immagine|
görsel|gambar
""".replace("\n", "").split("|")
)


def normalise_text(text: str) -> str:
    """The text the n-gram vectorizer sees: lowercase, hosts/URLs/e-mails/digits masked.

    Masking hosts makes phrasings generalise across sites: "appeared on §" is one pattern.

    >>> normalise_text("Source: https://www.argaam.com/x, 2024")
    'source: § 0'
    """
    text = _URL.sub("§", text)
    text = _EMAIL.sub("¤", text)
    hosts = find_hosts(text)
    for h in reversed(hosts):
        text = text[: h.start] + "§" + text[h.end :]
    return _DIGITS.sub("0", text.lower())


def _count(cues: Sequence[str], lowered: str) -> int:
    return sum(1 for cue in cues if cue in lowered)


def build_records(
    texts: Sequence[str],
    guesses: Sequence[Guess],
    languages: Sequence[str | None],
    mixed: Sequence[bool],
    article_language: str | None,
    article_script: str | None,
) -> list[Record]:
    """Describe each segment of one article in its context, one record per segment.

    The same function serves training and prediction, so the features cannot drift apart.
    """
    n = len(texts)
    long_flags = [is_paragraph(t) for t in texts]
    long_after = [0] * n
    running = 0
    for i in range(n - 1, -1, -1):
        long_after[i] = running
        running += long_flags[i]
    records: list[Record] = []
    long_before = 0
    for i, text in enumerate(texts):
        g = guesses[i]
        records.append(
            {
                "text": text,
                "index": i,
                "count": n,
                "long_before": long_before,
                "long_after": long_after[i],
                "language": languages[i],
                "script": g.script,
                "article_language": article_language,
                "article_script": article_script,
                "mixed": bool(mixed[i]),
                "letters": g.letters,
                "prev": texts[i - 1] if i > 0 else "",
                "next": texts[i + 1] if i + 1 < n else "",
            }
        )
        long_before += long_flags[i]
    return records


class TextView(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Select the normalised segment text from records, for a text vectorizer."""

    def fit(self, X: Sequence[Record], y: Any = None) -> TextView:
        """Nothing to learn; returns ``self``."""
        return self

    def transform(self, X: Sequence[Record]) -> list[str]:
        """Return the normalised text of each record."""
        return [normalise_text(r["text"]) for r in X]


@functools.lru_cache(maxsize=4096)  # each line is also its neighbours' prev and next
def _line_cues(text: str) -> tuple[float, ...]:
    lowered = text.lower()
    hosts = find_hosts(text)
    host_chars = sum(h.end - h.start for h in hosts)
    stripped = len(text.strip()) or 1
    return (
        float(bool(hosts)),
        float(bool(_URL.search(text))),
        float(bool(hosts) and host_chars / stripped > 0.6),
        float(min(_count(SYNDICATION_CUES, lowered), 3)),
        float(min(_count(CHROME_CUES, lowered), 3)),
    )


CONTEXT_FEATURES: tuple[str, ...] = (
    "relative_position", "is_first", "is_last", "lines_to_end", "long_lines_before",
    "long_lines_after", "log_length", "is_long", "words", "has_host", "has_url", "host_only",
    "syndication_cues", "chrome_cues", "photo_cues", "has_email", "colon_label", "copyright",
    "wrapped", "ends_sentence", "digit_ratio", "upper_ratio", "language_differs",
    "script_differs", "mixed_language", "no_letters",
    "prev_has_host", "prev_host_only", "prev_syndication_cues", "prev_ends_colon", "prev_is_long",
    "next_has_host", "next_host_only", "next_syndication_cues", "next_is_long", "next_is_empty",
    "ends_colon", "mid_article", "after_last_paragraph", "mid_x_colon_label", "mid_x_host",
    "mid_x_syndication_cues", "long_x_host", "long_x_syndication_cues", "end_x_host",
    "end_x_syndication_cues", "colon_x_next_host", "colon_x_next_empty",
)  # fmt: skip


def _context_vector(r: Record) -> list[float]:
    text: str = r["text"]
    lowered = text.lower()
    n, i = r["count"], r["index"]
    length = len(text)
    words = len(text.split())
    letters = r["letters"]
    own = _line_cues(text)
    prev, nxt = r["prev"], r["next"]
    prev_cues = _line_cues(prev) if prev else (0.0,) * 5
    next_cues = _line_cues(nxt) if nxt else (0.0,) * 5
    mid = float(r["long_before"] > 0 and r["long_after"] > 0)
    end = float(r["long_after"] == 0 and r["long_before"] > 0)
    is_long = float(is_paragraph(text))
    colon_label = float(bool(_COLON_LABEL.match(text)))
    synd = own[3] / 3
    ends_colon = float(text.rstrip().endswith((":", "：")))
    return [
        i / (n - 1) if n > 1 else 1.0,
        float(i == 0),
        float(i == n - 1),
        min(n - 1 - i, 6) / 6,
        min(r["long_before"], 3) / 3,
        min(r["long_after"], 3) / 3,
        math.log1p(length) / 7,
        is_long,
        min(words, 40) / 40,
        own[0],
        own[1],
        own[2],
        synd,
        own[4] / 3,
        float(any(lowered.startswith(c) or f" {c}" in lowered for c in PHOTO_CUES)),
        float(bool(_EMAIL.search(text))),
        colon_label,
        float(bool(_COPYRIGHT.search(text))),
        float(bool(_WRAPPED.match(text))),
        float(bool(_TERMINAL.search(text))),
        sum(map(str.isdigit, text)) / max(length, 1),
        sum(map(str.isupper, text)) / max(letters, 1),
        float(r["language"] is not None and r["language"] != r["article_language"]),
        float(r["script"] is not None and r["script"] != r["article_script"]),
        float(r["mixed"]),
        float(letters == 0),
        prev_cues[0],
        prev_cues[2],
        prev_cues[3] / 3,
        float(prev.rstrip().endswith((":", "："))),
        float(is_paragraph(prev)),
        next_cues[0],
        next_cues[2],
        next_cues[3] / 3,
        float(is_paragraph(nxt)),
        float(not nxt),
        ends_colon,
        mid,
        end,
        mid * colon_label,
        mid * own[0],
        mid * synd,
        is_long * own[0],
        is_long * synd,
        end * own[0],
        end * synd,
        ends_colon * next_cues[0],
        ends_colon * float(not nxt),
    ]


class ContextFeatures(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Numeric features of a segment in its article: position, length, cues, language, neighbours.

    The names are in :data:`CONTEXT_FEATURES` and ``get_feature_names_out()``.
    """

    def fit(self, X: Sequence[Record], y: Any = None) -> ContextFeatures:
        """Record the number of features; returns ``self``."""
        self.n_features_out_ = len(CONTEXT_FEATURES)
        return self

    def transform(self, X: Sequence[Record]) -> np.ndarray:
        """Return an array of shape (n_records, len(CONTEXT_FEATURES))."""
        if not len(X):
            return np.zeros((0, len(CONTEXT_FEATURES)))
        return np.asarray([_context_vector(r) for r in X], dtype=float)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output features."""
        return np.asarray(CONTEXT_FEATURES, dtype=object)
