/* attrib._speedups: compiled versions of hot feature steps.
 *
 * Each function gives exactly the answer of its pure-Python reference (tests/test_speedups.py
 * holds them equal; `make sanitize` runs them under AddressSanitizer and UBSan), but for
 * class_proba, whose dot products may differ from the BLAS's in the last bits; the package
 * works without this module, and attrib.speedups says which is in use.
 *
 *   hash_ngrams, text_scores      features.hash_ngrams, compiled.CompiledModel._text_scores
 *   set_scripts, script_guesses   language._guess_scripts: scripts, words and guesses
 *   article_votes, mixed_all      language.article_votes, language.is_mixed of many guesses
 *   split_lines, tail_starts      segment.split_lines, segment.tail_starts
 *   Lexicon, line_cues            features.Lexicon, features._own_features
 *   set_context_layout, context_matrix   features.context_matrix
 *   line_records                  features.build_records
 *   class_proba, best_kinds       CompiledModel.predict_proba's last steps, Detector._kinds
 *   plain_mask, plain_normalised  the common case of language.mask, features.normalise_text
 *   url_start                     language.url_start of its two URL patterns
 *   lower_digits, lower           the last step of features.normalise_text, str.lower
 *   Profiles                      langdetect's Detector (attrib.langdetect_compiled)
 *   Maker                         frozen slots dataclasses built without their __init__
 *   csv_record_ends, csv_rows     where csv.reader's records end in undecoded bytes; its rows
 *   csv_lines                     batch._csv_text's lines, encoded
 *   dense_count, has_any          features.is_paragraph's count, langdetect's Vietnamese check
 *
 * Module state (the count array, the script table, the context layout, a lexicon's stamps) is
 * shared between calls: every entry point holds the GIL from start to end.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

/* Character classes with an ASCII fast path: the same answers as Python's str methods (for
 * ASCII, isalpha is A-Z and a-z, isdecimal/isdigit/isnumeric are 0-9), without a call into the
 * Unicode database for every character of Latin text. */
static inline int ascii_letter(Py_UCS4 ch) { return (ch | 32) >= 'a' && (ch | 32) <= 'z'; }
static inline int ascii_digit(Py_UCS4 ch) { return ch >= '0' && ch <= '9'; }
static inline int u_isalpha(Py_UCS4 ch) { return ch < 128 ? ascii_letter(ch) : Py_UNICODE_ISALPHA(ch); }
/* Decimal digits of the Basic Multilingual Plane, one bit each, filled when the module loads:
 * most text outside ASCII is read a character at a time for digits. */
static uint8_t bmp_decimal[0x10000 / 8];
static void fill_bmp_decimal(void) {
    for (Py_UCS4 c = 0; c < 0x10000; c++)
        if (Py_UNICODE_ISDECIMAL(c)) bmp_decimal[c >> 3] |= (uint8_t)(1u << (c & 7));
}
static inline int u_isdecimal(Py_UCS4 ch) {
    if (ch < 128) return ascii_digit(ch);
    if (ch < 0x10000) return (bmp_decimal[ch >> 3] >> (ch & 7)) & 1;
    return Py_UNICODE_ISDECIMAL(ch);
}
static inline int u_isdigit(Py_UCS4 ch) { return ch < 128 ? ascii_digit(ch) : Py_UNICODE_ISDIGIT(ch); }
static inline int u_isupper(Py_UCS4 ch) { return ch < 128 ? ch >= 'A' && ch <= 'Z' : Py_UNICODE_ISUPPER(ch); }
static inline int u_isalnum(Py_UCS4 ch) {
    return ch < 128 ? ascii_letter(ch) || ascii_digit(ch) : Py_UNICODE_ISALNUM(ch);
}
/* A character of features._DENSE: kana, CJK, Hangul or Thai, scripts written without spaces. */
static inline int dense_char(Py_UCS4 ch) {
    return (ch >= 0x3040 && ch <= 0x30FF) || (ch >= 0x3400 && ch <= 0x9FFF) ||
           (ch >= 0xAC00 && ch <= 0xD7AF) || (ch >= 0x0E00 && ch <= 0x0E7F);
}

#define PRIME 1000003ULL
#define MIX1 0xBF58476D1CE4E5B9ULL
#define SALT_STEP 0x94D049BB133111EBULL

typedef struct {
    void *data;
    size_t len, cap, item;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    void *p = realloc(b->data, cap * b->item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

/* 0 when text is a str, ready to read; else -1 with an error (a TypeError naming fn). */
static int ready_str(PyObject *text, const char *fn) {
    if (PyUnicode_Check(text)) return PyUnicode_READY(text);
    PyErr_Format(PyExc_TypeError, "%s() takes a str", fn);
    return -1;
}

/* texts as a fast sequence whose items are all str, or NULL with a TypeError naming fn. */
static PyObject *str_sequence(PyObject *texts, const char *fn) {
    PyObject *seq = PySequence_Fast(texts, "texts must be a sequence of str");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t r = 0; r < n; r++)
        if (!PyUnicode_Check(items[r])) {
            PyErr_Format(PyExc_TypeError, "%s takes str texts, not %.80s", fn,
                         Py_TYPE(items[r])->tp_name);
            Py_DECREF(seq);
            return NULL;
        } else if (PyUnicode_READY(items[r]) < 0) { /* a legacy string, before 3.12 */
            Py_DECREF(seq);
            return NULL;
        }
    return seq;
}

static inline uint32_t bucket(uint64_t h, int n, uint64_t mask) {
    uint64_t x = h + (uint64_t)n * SALT_STEP;
    x ^= x >> 31;
    x *= MIX1;
    x ^= x >> 29;
    return (uint32_t)(x & mask);
}

/* Insertion sort, for the short arrays below: one function per element type. */
#define DEFINE_INSERTION_SORT(name, T)                                                           \
    static void name(T *a, size_t n) {                                                           \
        for (size_t i = 1; i < n; i++) {                                                         \
            T v = a[i];                                                                          \
            size_t j = i;                                                                        \
            while (j && a[j - 1] > v) {                                                          \
                a[j] = a[j - 1];                                                                 \
                j--;                                                                             \
            }                                                                                    \
            a[j] = v;                                                                            \
        }                                                                                        \
    }
DEFINE_INSERTION_SORT(insertion_sort_u32, uint32_t)
DEFINE_INSERTION_SORT(insertion_sort_ssize, Py_ssize_t)

/* Sort an array of columns below 2^bits: LSD radix sort through tmp, in as few passes of up to
 * 11 bits as the columns need (two for 2^18), every pass's histogram counted in one scan. */
#define RADIX_MAX_BITS 11
static void sort_columns(uint32_t *a, uint32_t *tmp, size_t n, int bits) {
    if (n < 32) {
        insertion_sort_u32(a, n);
        return;
    }
    int passes = (bits + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS;
    if (passes < 1) passes = 1;
    int width = (bits + passes - 1) / passes;
    uint32_t digit = (1u << width) - 1;
    static uint32_t hist[3][(1 << RADIX_MAX_BITS) + 1]; /* the GIL is held throughout */
    for (int p = 0; p < passes; p++) memset(hist[p], 0, (digit + 2) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < passes; p++) hist[p][((a[i] >> (p * width)) & digit) + 1]++;
    uint32_t *src = a, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        uint32_t *h = hist[p];
        for (uint32_t k = 0; k < digit; k++) h[k + 1] += h[k];
        for (size_t i = 0; i < n; i++) dst[h[(src[i] >> (p * width)) & digit]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof(uint32_t));
}

/* The padded, whitespace-collapsed code points of one text, as " ".join(t.split()) padded with
 * a space each side (nothing for a text of white space), NUL replaced by a space. */
static Py_ssize_t padded_codes(PyObject *text, Buf *cp) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    cp->len = 0;
    if (buf_reserve(cp, (size_t)n + 2) < 0) return -1;
    uint64_t *out = cp->data;
    size_t k = 0;
    int in_word = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(ch)) {
            in_word = 0;
            continue;
        }
        if (!in_word) {
            out[k++] = 32;  /* the padding space, or the space between two words */
            in_word = 1;
        }
        out[k++] = ch ? ch : 32;
    }
    if (k) out[k++] = 32;
    cp->len = k;
    return (Py_ssize_t)k;
}

/* The columns seen in the text being counted: a bit per column, a bit per word of those bits,
 * and a tally per column, for n_features from 2^12 to 2^SEEN_MAX_BITS. Allocated once (only the
 * pages used are ever touched) and all zero between texts; the GIL is held throughout. */
#define SEEN_MIN_BITS 12
#define SEEN_MAX_BITS 20
static uint64_t *seen_bits = NULL, *seen_words = NULL;
static uint8_t *seen_tally = NULL;

static int seen_ready(void) {
    if (seen_tally) return 1;
    uint64_t *bits = calloc(((size_t)1 << SEEN_MAX_BITS) / 64, sizeof(uint64_t));
    uint64_t *words = calloc(((size_t)1 << SEEN_MAX_BITS) / 4096, sizeof(uint64_t));
    uint8_t *tally = calloc((size_t)1 << SEEN_MAX_BITS, 1);
    if (!bits || !words || !tally) {
        free(bits);
        free(words);
        free(tally);
        return 0; /* the sort alone */
    }
    seen_bits = bits;
    seen_words = words;
    seen_tally = tally;
    return 1;
}

typedef struct {
    int lo, hi, bits;
    uint64_t mask;
    Buf cp, cols, tmp, cnt;
    int use_seen; /* count with the bitmap above rather than by sorting */
    const double *rows; /* a table to fetch each distinct column's row of, ahead of its use */
    Py_ssize_t row_width;
} Counter;

static int counter_init(Counter *k, int lo, int hi, unsigned long long n_features) {
    if (lo < 1 || hi < lo || hi > 8 || n_features < 2 || (n_features & (n_features - 1)) ||
        n_features > (1ULL << 31)) {
        PyErr_SetString(PyExc_ValueError, "bad n-gram hashing parameters");
        return -1;
    }
    k->lo = lo;
    k->hi = hi;
    k->mask = n_features - 1;
    k->bits = 0;
    while ((1ULL << k->bits) < n_features) k->bits++;
    k->cp = (Buf){NULL, 0, 0, sizeof(uint64_t)};
    k->cols = (Buf){NULL, 0, 0, sizeof(uint32_t)};
    k->tmp = (Buf){NULL, 0, 0, sizeof(uint32_t)};
    k->cnt = (Buf){NULL, 0, 0, sizeof(uint32_t)};
    k->rows = NULL;
    k->row_width = 0;
    k->use_seen = k->bits >= SEEN_MIN_BITS && k->bits <= SEEN_MAX_BITS && seen_ready();
    return 0;
}

static void counter_free(Counter *k) {
    free(k->cp.data);
    free(k->cols.data);
    free(k->tmp.data);
    free(k->cnt.data);
}

/* The distinct columns of k->cols[:n_all], in order, into k->tmp with their counts in k->cnt:
 * each column is marked in the bitmap and tallied, then the marked ones are read in order (what
 * sorting them gives) and their marks cleared. -1 when a column occurs 255 times or more, which
 * the tally cannot hold; k->cols is left as it was for the sort. */
static Py_ssize_t count_marked(Counter *k, size_t n_all) {
    const uint32_t *cols = k->cols.data;
    uint32_t *unique = k->tmp.data, *counts = k->cnt.data;
    uint64_t *seen = seen_bits, *words = seen_words;
    uint8_t *tally = seen_tally;
    int full = 0;
    for (size_t j = 0; j < n_all; j++) {
        uint32_t c = cols[j], w = c >> 6;
        uint64_t bit = 1ULL << (c & 63);
        if (seen[w] & bit) {
            full |= ++tally[c] == 255;
        } else {
            seen[w] |= bit;
            words[w >> 6] |= 1ULL << (w & 63);
            tally[c] = 1;
        }
    }
    size_t n_unique = 0, n_words = ((size_t)1 << k->bits) / 4096;
    for (size_t s = 0; s < n_words; s++) {
        uint64_t ws = words[s];
        if (!ws) continue;
        words[s] = 0;
        while (ws) {
            size_t w = s * 64 + (size_t)__builtin_ctzll(ws);
            ws &= ws - 1;
            uint64_t bits = seen[w];
            seen[w] = 0;
            while (bits) {
                uint32_t c = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                bits &= bits - 1;
                unique[n_unique] = c;
                counts[n_unique++] = tally[c];
                tally[c] = 0;
                if (k->rows) __builtin_prefetch(k->rows + (size_t)c * k->row_width);
            }
        }
    }
    return full ? -1 : (Py_ssize_t)n_unique;
}

/* Count the n-grams of one text: its distinct columns, sorted, in k->cols (the return value is
 * how many), each column's count beside it in k->cnt. The bitmap reads them in order in 30%
 * less time than the two radix passes took; a short text, or one with a column 255 times, is
 * sorted. */
static Py_ssize_t count_row(Counter *k, PyObject *text) {
    Py_ssize_t m = padded_codes(text, &k->cp);
    if (m < 0) return -1;
    const uint64_t *c = k->cp.data;
    size_t most = (size_t)m * (size_t)(k->hi - k->lo + 1);
    k->cols.len = 0;
    if (buf_reserve(&k->cols, most) < 0 || buf_reserve(&k->tmp, most) < 0 ||
        buf_reserve(&k->cnt, most) < 0)
        return -1;
    uint32_t *cols = k->cols.data, *counts = k->cnt.data;
    size_t n_all = 0;
    if (k->lo == 1 && k->hi == 4 && m >= 4) { /* the default n-grams, the loop below unrolled */
        const uint64_t mask = k->mask;
        Py_ssize_t i = 0;
        for (; i + 4 <= m; i++) {
            uint64_t c0 = c[i], c1 = c[i + 1], c2 = c[i + 2], c3 = c[i + 3];
            uint64_t h2 = (c0 * PRIME) ^ c1;
            cols[n_all++] = bucket(c0, 1, mask);
            cols[n_all++] = bucket(h2, 2, mask);
            if (c1 == 32) continue;
            uint64_t h3 = (h2 * PRIME) ^ c2;
            cols[n_all++] = bucket(h3, 3, mask);
            if (c2 == 32) continue;
            cols[n_all++] = bucket((h3 * PRIME) ^ c3, 4, mask);
        }
        for (; i < m; i++) { /* the last three positions: windows cut by the end */
            uint64_t h = 0;
            for (int n = 1; n <= 4 && i + n <= m; n++) {
                uint64_t code = c[i + n - 1];
                h = n == 1 ? code : (h * PRIME) ^ code;
                if (n >= 3 && c[i + n - 2] == 32) break;
                cols[n_all++] = bucket(h, n, mask);
            }
        }
    } else {
        for (Py_ssize_t i = 0; i < m; i++) {
            uint64_t h = 0;
            for (int n = 1; n <= k->hi && i + n <= m; n++) {
                uint64_t code = c[i + n - 1];
                h = n == 1 ? code : (h * PRIME) ^ code;
                if (n >= 3 && c[i + n - 2] == 32) break; /* a space inside the window */
                if (n >= k->lo) cols[n_all++] = bucket(h, n, k->mask);
            }
        }
    }
    Py_ssize_t marked = k->use_seen && n_all >= 32 ? count_marked(k, n_all) : -1;
    if (marked >= 0) { /* the distinct columns are in k->tmp: they become k->cols */
        Buf read = k->tmp;
        k->tmp = k->cols;
        k->cols = read;
        k->cols.len = (size_t)marked;
        return marked;
    }
    sort_columns(cols, k->tmp.data, n_all, k->bits);
    size_t n_unique = 0;
    for (size_t j = 0; j < n_all; j++) {
        if (n_unique && cols[n_unique - 1] == cols[j]) {
            counts[n_unique - 1]++;
            continue;
        }
        cols[n_unique] = cols[j];
        counts[n_unique++] = 1;
        if (k->rows) __builtin_prefetch(k->rows + (size_t)cols[j] * k->row_width);
    }
    k->cols.len = n_unique;
    return (Py_ssize_t)n_unique;
}

static PyObject *hash_ngrams(PyObject *self, PyObject *args) {
    PyObject *texts;
    int lo, hi;
    unsigned long long n_features;
    if (!PyArg_ParseTuple(args, "OiiK", &texts, &lo, &hi, &n_features)) return NULL;
    Counter k;
    if (counter_init(&k, lo, hi, n_features) < 0) return NULL;
    PyObject *seq = str_sequence(texts, "hash_ngrams");
    if (!seq) {
        counter_free(&k);
        return NULL;
    }
    Py_ssize_t n_rows = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    Buf counts = {NULL, 0, 0, sizeof(float)};
    Buf indices = {NULL, 0, 0, sizeof(int32_t)};
    Buf indptr = {NULL, 0, 0, sizeof(int32_t)};
    PyObject *result = NULL;
    if (buf_reserve(&indptr, (size_t)n_rows + 1) < 0) goto done;
    ((int32_t *)indptr.data)[indptr.len++] = 0;
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        Py_ssize_t n_unique = count_row(&k, items[r]);
        if (n_unique < 0) goto done;
        if (buf_reserve(&counts, n_unique) < 0 || buf_reserve(&indices, n_unique) < 0 ||
            indices.len + n_unique > INT32_MAX) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_OverflowError, "too many n-grams for int32 indices");
            goto done;
        }
        const uint32_t *unique = k.cols.data;
        float *cv = (float *)counts.data + counts.len;
        int32_t *iv = (int32_t *)indices.data + indices.len;
        for (Py_ssize_t j = 0; j < n_unique; j++) {
            cv[j] = (float)((const uint32_t *)k.cnt.data)[j];
            iv[j] = (int32_t)unique[j];
        }
        counts.len += n_unique;
        indices.len += n_unique;
        ((int32_t *)indptr.data)[indptr.len++] = (int32_t)indices.len;
    }
    result = Py_BuildValue(
        "(NNN)",
        PyByteArray_FromStringAndSize(counts.data, (Py_ssize_t)(counts.len * sizeof(float))),
        PyByteArray_FromStringAndSize(indices.data, (Py_ssize_t)(indices.len * sizeof(int32_t))),
        PyByteArray_FromStringAndSize(indptr.data, (Py_ssize_t)(indptr.len * sizeof(int32_t))));
done:
    counter_free(&k);
    free(counts.data);
    free(indices.data);
    free(indptr.data);
    Py_DECREF(seq);
    return result;
}

/* numpy's pairwise summation (loops_utils.h.src), which its add.reduce and add.reduceat use
 * along an axis: eight running sums in blocks of up to 128, halves beyond. */
static double pairwise_sum(const double *a, Py_ssize_t n, Py_ssize_t stride) {
    if (n < 8) {
        double res = -0.0;
        for (Py_ssize_t i = 0; i < n; i++) res += a[i * stride];
        return res;
    }
    if (n <= 128) {
        double r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) r[j] = a[j * stride];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[(i + j) * stride];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i * stride];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2, stride) + pairwise_sum(a + n2 * stride, n - n2, stride);
}

/* A C-contiguous float64 buffer; its length must be a multiple of unit doubles (and exactly
 * unit doubles when exact). -1 with an exception naming it otherwise. */
static int double_view(PyObject *obj, Py_buffer *view, Py_ssize_t unit, int exact,
                       const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    Py_ssize_t n = view->len / (Py_ssize_t)sizeof(double);
    if (strcmp(view->format, "d") != 0 || view->len % (Py_ssize_t)sizeof(double) ||
        (unit > 0 && n % unit) || (exact && n != unit)) {
        PyBuffer_Release(view);
        view->obj = NULL;
        if (unit > 0)
            PyErr_Format(PyExc_ValueError,
                         "%s must be a C-contiguous float64 array of %s%zd values", what,
                         exact ? "" : "a multiple of ", unit);
        else
            PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 array", what);
        return -1;
    }
    return 0;
}

/* text_scores(texts, lo, hi, n_features, log_table, weights) -> bytearray of float64 scores, one
 * row of n_classes per text: the l2-normalised (sublinear) tf-idf n-gram vector of each text times
 * the coefficients, summed in the order numpy sums it, so the answer is the same to the last bit.
 * weights has shape (n_features, 1 + n_classes): each column's idf (1.0 without idf) beside its
 * coefficients, one cache line for both. log_table[c] is log(c) + 1 as numpy computes it (None:
 * raw counts); a count beyond the table returns None, and the caller takes the numpy path. */
static PyObject *text_scores(PyObject *self, PyObject *args) {
    PyObject *texts, *log_obj, *weights_obj;
    int lo, hi;
    unsigned long long n_features;
    if (!PyArg_ParseTuple(args, "OiiKOO", &texts, &lo, &hi, &n_features, &log_obj, &weights_obj))
        return NULL;
    Counter k;
    if (counter_init(&k, lo, hi, n_features) < 0) return NULL;
    Py_buffer log_view = {0}, weights_view = {0};
    const double *log_table = NULL, *weights;
    Py_ssize_t log_size = 0, width, n_classes;
    PyObject *seq = NULL, *result = NULL;
    double *out = NULL;
    Buf values = {NULL, 0, 0, sizeof(double)};
    Buf weighted = {NULL, 0, 0, sizeof(double)};
    if (double_view(weights_obj, &weights_view, (Py_ssize_t)n_features, 0, "weights") < 0)
        goto done;
    width = weights_view.len / (Py_ssize_t)sizeof(double) / (Py_ssize_t)n_features;
    n_classes = width - 1;
    if (n_classes < 1) {
        PyErr_SetString(PyExc_ValueError, "weights must have shape (n_features, 1 + n_classes)");
        goto done;
    }
    weights = weights_view.buf;
    k.rows = weights;
    k.row_width = width;
    if (log_obj != Py_None) {
        if (double_view(log_obj, &log_view, 0, 0, "log_table") < 0) goto done;
        log_table = log_view.buf;
        log_size = log_view.len / (Py_ssize_t)sizeof(double);
    }
    seq = str_sequence(texts, "text_scores");
    if (!seq) goto done;
    Py_ssize_t n_rows = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    out = calloc((size_t)(n_rows ? n_rows : 1) * (size_t)n_classes, sizeof(double));
    if (!out) {
        PyErr_NoMemory();
        goto done;
    }
    int beyond = 0;
    for (Py_ssize_t r = 0; r < n_rows && !beyond; r++) {
        Py_ssize_t n_unique = count_row(&k, items[r]);
        if (n_unique < 0) goto done;
        if (!n_unique) continue;
        if (buf_reserve(&values, n_unique) < 0 ||
            buf_reserve(&weighted, (size_t)n_unique * n_classes) < 0) {
            goto done;
        }
        const uint32_t *unique = k.cols.data;
        double *v = values.data, *w = weighted.data;
        double sq = 0.0;
        for (Py_ssize_t j = 0; j < n_unique; j++) {
            uint32_t count = ((const uint32_t *)k.cnt.data)[j];
            const double *wj = weights + (size_t)unique[j] * width;
            double x = (double)count;
            if (log_table) {
                if ((Py_ssize_t)count >= log_size) {
                    beyond = 1;
                    break;
                }
                x = log_table[count];
            }
            x *= wj[0]; /* idf; x * 1.0 is x exactly */
            v[j] = x;
            sq += x * x;
            for (Py_ssize_t c = 0; c < n_classes; c++) w[j * n_classes + c] = wj[1 + c] * x;
        }
        if (beyond) break;
        double norm = sqrt(sq);
        if (norm == 0.0) norm = 1.0;
        /* np.add.reduceat along the n-grams: the first, plus numpy's pairwise sum of the rest */
        double *row = out + r * n_classes;
        for (Py_ssize_t c = 0; c < n_classes; c++) {
            row[c] = w[c] + pairwise_sum(w + n_classes + c, n_unique - 1, n_classes);
            row[c] /= norm;
        }
    }
    if (beyond) {
        result = Py_None;
        Py_INCREF(result);
    } else {
        result = PyByteArray_FromStringAndSize(
            (const char *)out, (Py_ssize_t)((size_t)n_rows * n_classes * sizeof(double)));
    }
done:
    free(values.data);
    free(weighted.data);
    free(out);
    Py_XDECREF(seq);
    if (weights_view.obj) PyBuffer_Release(&weights_view);
    if (log_view.obj) PyBuffer_Release(&log_view);
    counter_free(&k);
    return result;
}

/* The script of each code point, set once by set_scripts from language.py's tables. */
#define MAX_SCRIPTS 64

static unsigned char *script_ids = NULL; /* 1 + script index, 0 for a non-letter */
static unsigned char *word_letters = NULL; /* is_word_letter of each code point of the table */

static inline int is_word_letter(Py_UCS4 ch) {
    return u_isalnum(ch) && !u_isdecimal(ch) && ch != '_';
}
static Py_ssize_t script_table_size = 0;
static long long (*astral_ranges)[3] = NULL; /* (lo, hi, id) of letters beyond the table */
static Py_ssize_t n_astral = 0;
static int n_scripts = 0; /* id n_scripts is Zyyy: a letter of no listed script */

/* set_scripts(table, astral, n_scripts): table is a bytes object of one script id per code point
 * below len(table), astral a tuple of (lo, hi, id) for letters beyond it (the first range to
 * list one wins). */
static PyObject *set_scripts(PyObject *self, PyObject *args) {
    PyObject *astral;
    Py_buffer table;
    int n;
    if (!PyArg_ParseTuple(args, "y*O!i", &table, &PyTuple_Type, &astral, &n))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t m = PyTuple_GET_SIZE(astral);
    long long(*ranges)[3] = calloc(m ? m : 1, sizeof *ranges);
    unsigned char *ids = malloc(table.len ? table.len : 1);
    unsigned char *words = malloc(table.len ? table.len : 1);
    if (!ranges || !ids || !words) {
        PyErr_NoMemory();
        goto fail;
    }
    if (n < 1 || n + 1 > MAX_SCRIPTS) {
        PyErr_SetString(PyExc_ValueError, "bad script parameters");
        goto fail;
    }
    for (Py_ssize_t k = 0; k < m; k++) {
        PyObject *r = PyTuple_GET_ITEM(astral, k);
        if (!PyArg_ParseTuple(r, "LLL", &ranges[k][0], &ranges[k][1], &ranges[k][2])) goto fail;
        if (ranges[k][2] < 1 || ranges[k][2] > n) {
            PyErr_SetString(PyExc_ValueError, "bad astral script id");
            goto fail;
        }
    }
    memcpy(ids, table.buf, table.len);
    for (Py_ssize_t c = 0; c < table.len; c++)
        if (ids[c] > n) {
            PyErr_SetString(PyExc_ValueError, "bad script id in table");
            goto fail;
        }
    for (Py_ssize_t c = 0; c < table.len; c++) words[c] = (unsigned char)is_word_letter((Py_UCS4)c);
    free(script_ids);
    free(word_letters);
    free(astral_ranges);
    script_ids = ids;
    word_letters = words;
    script_table_size = table.len;
    astral_ranges = ranges;
    n_astral = m;
    n_scripts = n;
    result = Py_None;
    Py_INCREF(result);
    goto done;
fail:
    free(ranges);
    free(ids);
    free(words);
done:
    PyBuffer_Release(&table);
    return result;
}

static int scripts_ready(void) {
    if (script_ids) return 1;
    PyErr_SetString(PyExc_RuntimeError, "set_scripts() was not called");
    return 0;
}

static inline int script_id(Py_UCS4 ch) {
    if ((Py_ssize_t)ch < script_table_size) return script_ids[ch];
    if (!u_isalpha(ch)) return 0;
    for (Py_ssize_t k = 0; k < n_astral; k++)
        if (astral_ranges[k][0] <= (long long)ch && (long long)ch <= astral_ranges[k][1])
            return (int)astral_ranges[k][2];
    return n_scripts;
}

static inline int word_letter(Py_UCS4 ch) {
    return (Py_ssize_t)ch < script_table_size ? word_letters[ch] : is_word_letter(ch);
}

/* The letters of each script in text (counts[1 + script], n_scripts + 1 entries), as
 * language._scripts_of counts them, and language._WORD's matches (letters not digits, joined by an
 * apostrophe or hyphen); best is the script with most letters (the first on a tie, as
 * numpy.argmax), tied whether another has as many. */
static void count_scripts(PyObject *text, long long *counts, long long *words_out,
                          long long *letters_out, int *best_out, int *tied_out) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    memset(counts, 0, (size_t)(n_scripts + 1) * sizeof(long long));
    long long words = 0;
    int in_word = 0;    /* inside a word's letters */
    int after_join = 0; /* just after an apostrophe or hyphen that follows a word's letter */
#define COUNT_SCRIPTS(T)                                                                         \
    do {                                                                                         \
        const T *d = (const T *)data;                                                            \
        for (Py_ssize_t i = 0; i < len; i++) {                                                   \
            Py_UCS4 ch = d[i];                                                                   \
            counts[script_id(ch)]++;                                                             \
            if (word_letter(ch)) {                                                               \
                if (!in_word && !after_join) words++;                                            \
                in_word = 1;                                                                     \
                after_join = 0;                                                                  \
            } else {                                                                             \
                after_join = in_word && (ch == '\'' || ch == 0x2019 || ch == '-');               \
                in_word = 0;                                                                     \
            }                                                                                    \
        }                                                                                        \
    } while (0)
    if (kind == PyUnicode_1BYTE_KIND)
        COUNT_SCRIPTS(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        COUNT_SCRIPTS(Py_UCS2);
    else
        COUNT_SCRIPTS(Py_UCS4);
#undef COUNT_SCRIPTS
    long long letters = 0, top = 0;
    int best = 0, tied = 0;
    for (int k = 1; k <= n_scripts; k++) {
        letters += counts[k];
        if (counts[k] > top) {
            top = counts[k];
            best = k - 1;
            tied = 0;
        } else if (counts[k] == top) {
            tied = 1;
        }
    }
    *words_out = words;
    *letters_out = letters;
    *best_out = best;
    *tied_out = tied;
}

static const unsigned char ASCII_TERMINAL[128] = {['.'] = 1, ['!'] = 1, ['?'] = 1};

static inline int is_terminal(Py_UCS4 ch) {
    if (ch < 128) return ASCII_TERMINAL[ch]; /* most characters: one load */
    switch (ch) {
    case '.': case '!': case '?': case 0x3002: case 0xFF01: case 0xFF1F: case 0x2026:
    case 0x061F: case 0x0964:
        return 1;
    }
    return 0;
}

static inline int is_closer(Py_UCS4 ch) {
    switch (ch) {
    case '"': case '\'': case 0x201D: case 0x2019: case 0x00BB: case 0x300D: case 0x300F:
    case ')': case ']':
        return 1;
    }
    return 0;
}

static int add_start(Py_ssize_t *starts, int *n_starts, Py_ssize_t i) {
    for (int k = 0; k < *n_starts; k++)
        if (starts[k] == i) return 0;
    starts[(*n_starts)++] = i;
    return 1;
}

/* The code points text[from:to] into out, one loop per character width. */
static void read_codes(PyObject *text, Py_ssize_t from, Py_ssize_t to, Py_UCS4 *out) {
    const void *data = PyUnicode_DATA(text);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        for (Py_ssize_t i = from; i < to; i++) out[i - from] = ((const Py_UCS1 *)data)[i];
        break;
    case PyUnicode_2BYTE_KIND:
        for (Py_ssize_t i = from; i < to; i++) out[i - from] = ((const Py_UCS2 *)data)[i];
        break;
    default:
        memcpy(out, (const Py_UCS4 *)data + from, (size_t)(to - from) * sizeof(Py_UCS4));
    }
}

/* features.is_paragraph of n characters, dense of them dense_char, for paragraph =
 * PARAGRAPH_CHARS: at least that long, or at least 0.4 of it with dense characters for half of it
 * (an ASCII text has none). */
static inline int is_paragraph(Py_ssize_t n, Py_ssize_t dense, Py_ssize_t paragraph) {
    return n >= paragraph || (n * 5 >= paragraph * 2 && dense * 2 >= n);
}

/* features.is_paragraph(text[:cut].rstrip()). */
static int paragraph_head(PyObject *text, Py_ssize_t cut, Py_ssize_t paragraph) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = cut, dense = 0;
    while (n > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, n - 1))) n--;
    if (n < paragraph && n * 5 >= paragraph * 2) /* only then do the dense characters count */
        for (Py_ssize_t i = 0; i < n; i++) dense += dense_char(PyUnicode_READ(kind, data, i));
    return is_paragraph(n, dense, paragraph);
}

/* tail_starts(texts, classes, tail_min, tail_max, head_min, margin, keep, paragraph=0) -> list of
 * tuples: for each line, segment.tail_starts's offsets into the line (at most keep, ascending),
 * with paragraph > 0 only those whose head is a paragraph (paragraph_head); classes holds
 * segment._CLASS_TABLE's class (0-4) of each script id. */
static PyObject *tail_starts(PyObject *self, PyObject *args) {
    PyObject *texts;
    Py_buffer class_buf;
    Py_ssize_t tail_min, tail_max, head_min, margin, paragraph = 0;
    int keep;
    if (!scripts_ready() ||
        !PyArg_ParseTuple(args, "Oy*nnnni|n", &texts, &class_buf, &tail_min, &tail_max, &head_min,
                          &margin, &keep, &paragraph))
        return NULL;
    unsigned char script_class[MAX_SCRIPTS];
    if (class_buf.len != n_scripts + 1) {
        PyBuffer_Release(&class_buf);
        PyErr_SetString(PyExc_ValueError, "classes must give one class per script id");
        return NULL;
    }
    memcpy(script_class, class_buf.buf, class_buf.len);
    PyBuffer_Release(&class_buf);
    if (keep < 0) keep = 0;
    PyObject *seq = str_sequence(texts, "tail_starts");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *result = PyList_New(n);
    Buf found = {NULL, 0, 0, sizeof(Py_ssize_t)};
    Buf codes = {NULL, 0, 0, sizeof(Py_UCS4)};
    if (!result) goto done;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *text = items[r];
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        Py_ssize_t first = len - tail_max - margin;
        if (first < 0) first = 0;
        Py_ssize_t base = first > 0 ? first - 1 : 0; /* the characters read: base to len */
        found.len = 0;
        if (buf_reserve(&found, 2 * (size_t)(len - first) + 1) < 0 ||
            buf_reserve(&codes, (size_t)(len - base) + 1) < 0) {
            Py_CLEAR(result);
            goto done;
        }
        Py_ssize_t *starts = found.data;
        const Py_UCS4 *u = codes.data;
        read_codes(text, base, len, codes.data);
#define AT(p) u[(p) - base]
        int n_starts = 0;
        /* After a sentence end, any closing quotes or brackets, and white space (_SENTENCE_END) */
        for (Py_ssize_t p = first; p < len; p++) {
            if (!is_terminal(AT(p))) continue;
            Py_ssize_t q = p + 1;
            while (q < len && is_closer(AT(q))) q++;
            Py_ssize_t w = q;
            while (w < len && Py_UNICODE_ISSPACE(AT(w))) w++;
            if (w > q && w < len) {
                add_start(starts, &n_starts, w);
                p = w - 1;
            }
        }
        /* Where the script class changes after a run of non-letters that ends in a space, the
         * new class not Latin (_SWITCH); ASCII text has no such change. */
        if (PyUnicode_MAX_CHAR_VALUE(text) > 127) {
            int prev = first > 0 ? script_class[script_id(AT(first - 1))] : 0;
            Py_ssize_t p = first;
            while (p < len) {
                int c = script_class[script_id(AT(p))];
                if (c != 0 || prev == 0) {
                    prev = c;
                    p++;
                    continue;
                }
                Py_ssize_t q = p; /* a run of non-letters after a letter of class prev */
                int next = 0;
                while (q < len && (next = script_class[script_id(AT(q))]) == 0) q++;
                if (q < len && next != prev && next >= 2 && AT(q - 1) == ' ')
                    add_start(starts, &n_starts, q);
                prev = q < len ? next : 0;
                p = q + 1;
            }
        }
#undef AT
        /* Keep starts that leave a head and a tail of plausible length: the last `keep`. */
        int kept = 0;
        for (int k = 0; k < n_starts; k++) {
            Py_ssize_t i = starts[k];
            if (len - i >= tail_min && len - i <= tail_max && i >= head_min) starts[kept++] = i;
        }
        insertion_sort_ssize(starts, (size_t)kept);
        int from = kept > keep ? kept - keep : 0;
        if (paragraph > 0) { /* only heads of paragraph length (features.is_paragraph) */
            int k = from;
            for (int j = from; j < kept; j++)
                if (paragraph_head(text, starts[j], paragraph)) starts[k++] = starts[j];
            kept = k;
        }
        PyObject *row = PyTuple_New(kept - from);
        if (!row) {
            Py_CLEAR(result);
            goto done;
        }
        for (int k = from; k < kept; k++) {
            PyObject *v = PyLong_FromSsize_t(starts[k]);
            if (!v) {
                Py_DECREF(row);
                Py_CLEAR(result);
                goto done;
            }
            PyTuple_SET_ITEM(row, k - from, v);
        }
        PyList_SET_ITEM(result, r, row);
    }
done:
    free(found.data);
    free(codes.data);
    Py_DECREF(seq);
    return result;
}

/* ---- The cue lexicon: a trie walked from the places a cue can start ----
 *
 * Lexicon(cues, n_kinds): cues is a sequence of (cue, word_start, kinds) with distinct cue
 * strings, kinds a bit mask of kind indices below n_kinds. A word_start cue counts only where
 * the character before it is not a letter, digit or underscore (features.Lexicon's rule).
 *
 * A scan looks each position's pair of characters up in a hash table of the trie's nodes at
 * depth two, and walks on from the few positions that begin a cue's first two characters,
 * only while a cue that may start there (a word_start cue at a word start) lies below. It
 * replaced an Aho-Corasick automaton that followed failure links at every character, and
 * takes a quarter less time on the benchmark's lines; a walk is at most the longest cue long,
 * so a scan stays linear in the text. */
typedef struct {
    PyObject_HEAD
    Py_ssize_t n_cues;
    int n_kinds;
    int32_t *cue_len;
    unsigned char *cue_word_start;
    uint32_t *cue_kinds;
    uint32_t *stamp; /* per cue: the scan that last found it */
    uint32_t serial;
    uint16_t *bmp_id; /* alphabet id of each BMP code point, 0 when no cue holds it */
    Py_UCS4 *astral_char; /* sorted, with their ids: the rare cue letters beyond the BMP */
    int32_t *astral_id;
    Py_ssize_t n_astral_chars;
    int32_t n_alpha;
    int32_t n_nodes;
    int32_t *root_next; /* child of the root for each alphabet id, 0 for none */
    int32_t *edge_start, *edge_id, *edge_to; /* other nodes' children, sorted by id */
    int32_t *out_cue;
    unsigned char *below; /* per node: BELOW_ANY, BELOW_WORD for the cues at it or under it */
    uint64_t *pair_key; /* open addressing: (first id << 32 | second id) -> depth-two node */
    int32_t *pair_node;
    uint32_t pair_mask;
    uint64_t pair_bits[1024]; /* a bit per hashed pair: most pairs stop here, in L1 */
} LexiconObject;

enum { BELOW_ANY = 1, BELOW_WORD = 2 };

static void lexicon_dealloc(LexiconObject *self) {
    free(self->cue_len);
    free(self->cue_word_start);
    free(self->cue_kinds);
    free(self->stamp);
    free(self->bmp_id);
    free(self->astral_char);
    free(self->astral_id);
    free(self->root_next);
    free(self->edge_start);
    free(self->edge_id);
    free(self->edge_to);
    free(self->out_cue);
    free(self->below);
    free(self->pair_key);
    free(self->pair_node);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static inline int32_t alpha_id(const LexiconObject *lx, Py_UCS4 ch) {
    if (ch < 0x10000) return lx->bmp_id[ch];
    Py_ssize_t lo = 0, hi = lx->n_astral_chars;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (lx->astral_char[mid] < ch) lo = mid + 1;
        else hi = mid;
    }
    return lo < lx->n_astral_chars && lx->astral_char[lo] == ch ? lx->astral_id[lo] : 0;
}

static inline int32_t node_child(const LexiconObject *lx, int32_t node, int32_t a) {
    if (!node) return lx->root_next[a];
    int32_t lo = lx->edge_start[node], hi = lx->edge_start[node + 1];
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (lx->edge_id[mid] < a) lo = mid + 1;
        else hi = mid;
    }
    return lo < lx->edge_start[node + 1] && lx->edge_id[lo] == a ? lx->edge_to[lo] : 0;
}

static inline uint32_t pair_hash(uint64_t key) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32);
}

/* The node of the trie at depth two for a pair of alphabet ids, 0 for none. */
static inline int32_t pair_node(const LexiconObject *lx, int32_t a, int32_t b) {
    uint64_t key = (uint64_t)a << 32 | (uint32_t)b;
    uint32_t hash = pair_hash(key), filter = hash >> 16;
    if (!(lx->pair_bits[filter >> 6] >> (filter & 63) & 1)) return 0;
    for (uint32_t h = hash & lx->pair_mask;; h = (h + 1) & lx->pair_mask) {
        if (lx->pair_key[h] == key) return lx->pair_node[h];
        if (!lx->pair_key[h]) return 0;
    }
}

static int cmp_ucs4(const void *a, const void *b) {
    Py_UCS4 x = *(const Py_UCS4 *)a, y = *(const Py_UCS4 *)b;
    return x < y ? -1 : x > y;
}

static PyObject *lexicon_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *cues;
    int n_kinds;
    static char *kwlist[] = {"cues", "n_kinds", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Oi", kwlist, &cues, &n_kinds)) return NULL;
    if (n_kinds < 0 || n_kinds > 32) {
        PyErr_SetString(PyExc_ValueError, "a lexicon has at most 32 kinds");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(cues, "cues must be a sequence of (cue, word_start, kinds)");
    if (!seq) return NULL;
    LexiconObject *lx = (LexiconObject *)type->tp_alloc(type, 0);
    /* build-time arrays: each node's first child and next sibling, and its alphabet id */
    int32_t *first_child = NULL, *next_sibling = NULL, *node_id = NULL;
    if (!lx) goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    lx->n_cues = n;
    lx->n_kinds = n_kinds;
    lx->cue_len = calloc(n + 1, sizeof(int32_t));
    lx->cue_word_start = calloc(n + 1, 1);
    lx->cue_kinds = calloc(n + 1, sizeof(uint32_t));
    lx->stamp = calloc(n + 1, sizeof(uint32_t));
    lx->bmp_id = calloc(0x10000, sizeof(uint16_t));
    if (!lx->cue_len || !lx->cue_word_start || !lx->cue_kinds || !lx->stamp || !lx->bmp_id) {
        PyErr_NoMemory();
        goto fail;
    }
    /* the alphabet: every code point of a cue */
    Py_ssize_t total = 0;
    for (Py_ssize_t c = 0; c < n; c++) {
        PyObject *cue;
        int word_start;
        unsigned long kinds;
        if (!PyTuple_Check(items[c])) {
            PyErr_SetString(PyExc_TypeError, "each cue must be a tuple (cue, word_start, kinds)");
            goto fail;
        }
        if (!PyArg_ParseTuple(items[c], "Upk", &cue, &word_start, &kinds)) goto fail;
        if (PyUnicode_READY(cue) < 0) goto fail;
        Py_ssize_t len = PyUnicode_GET_LENGTH(cue);
        if (len < 1 || len > INT32_MAX / 2 || (n_kinds < 32 && kinds >> n_kinds)) {
            PyErr_SetString(PyExc_ValueError, "a cue must be text, its kinds below n_kinds");
            goto fail;
        }
        lx->cue_len[c] = (int32_t)len;
        lx->cue_word_start[c] = (unsigned char)word_start;
        lx->cue_kinds[c] = (uint32_t)kinds;
        total += len;
    }
    Buf astral = {NULL, 0, 0, sizeof(Py_UCS4)};
    int32_t n_alpha = 0;
    for (Py_ssize_t c = 0; c < n; c++) {
        PyObject *cue = PyTuple_GET_ITEM(items[c], 0);
        int kind = PyUnicode_KIND(cue);
        const void *data = PyUnicode_DATA(cue);
        for (Py_ssize_t i = 0; i < lx->cue_len[c]; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch < 0x10000) {
                if (!lx->bmp_id[ch]) {
                    if (n_alpha >= 0xFFFF) {
                        PyErr_SetString(PyExc_ValueError, "too many distinct cue letters");
                        free(astral.data);
                        goto fail;
                    }
                    lx->bmp_id[ch] = (uint16_t)++n_alpha;
                }
            } else {
                if (buf_reserve(&astral, 1) < 0) goto fail;
                ((Py_UCS4 *)astral.data)[astral.len++] = ch;
            }
        }
    }
    /* distinct astral letters, sorted, numbered after the BMP ones */
    Py_UCS4 *ac = astral.data;
    if (astral.len) qsort(ac, astral.len, sizeof(Py_UCS4), cmp_ucs4);
    Py_ssize_t m = 0;
    for (size_t i = 0; i < astral.len; i++)
        if (!m || ac[m - 1] != ac[i]) ac[m++] = ac[i];
    lx->astral_char = ac ? ac : malloc(sizeof(Py_UCS4));
    lx->astral_id = malloc((m ? m : 1) * sizeof(int32_t));
    if (!lx->astral_char || !lx->astral_id) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < m; i++) lx->astral_id[i] = ++n_alpha;
    lx->n_astral_chars = m;
    lx->n_alpha = n_alpha;
    Py_ssize_t max_nodes = total + 1;
    first_child = calloc(max_nodes, sizeof(int32_t));
    next_sibling = calloc(max_nodes, sizeof(int32_t));
    node_id = calloc(max_nodes, sizeof(int32_t));
    lx->root_next = calloc(n_alpha + 1, sizeof(int32_t));
    lx->out_cue = malloc(max_nodes * sizeof(int32_t));
    lx->below = calloc(max_nodes, 1);
    uint32_t size = 16;
    while (size < 2 * (uint64_t)n) size *= 2; /* a cue makes at most one depth-two node */
    lx->pair_key = calloc(size, sizeof(uint64_t));
    lx->pair_node = calloc(size, sizeof(int32_t));
    lx->pair_mask = size - 1;
    if (!first_child || !next_sibling || !node_id || !lx->root_next || !lx->out_cue ||
        !lx->below || !lx->pair_key || !lx->pair_node) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t k = 0; k < max_nodes; k++) lx->out_cue[k] = -1;
    /* the trie; each node marked with what lies at or below it, the depth-two nodes indexed by
     * their pair of ids */
    int32_t n_nodes = 1;
    for (Py_ssize_t c = 0; c < n; c++) {
        PyObject *cue = PyTuple_GET_ITEM(items[c], 0);
        int kind = PyUnicode_KIND(cue);
        const void *data = PyUnicode_DATA(cue);
        unsigned char below = lx->cue_word_start[c] ? BELOW_WORD : BELOW_ANY;
        int32_t node = 0, first = 0;
        for (Py_ssize_t i = 0; i < lx->cue_len[c]; i++) {
            int32_t a = alpha_id(lx, PyUnicode_READ(kind, data, i));
            int32_t child = 0;
            if (!node) {
                child = lx->root_next[a];
            } else {
                for (int32_t x = first_child[node]; x; x = next_sibling[x])
                    if (node_id[x] == a) {
                        child = x;
                        break;
                    }
            }
            if (!child) {
                child = n_nodes++;
                node_id[child] = a;
                if (!node) {
                    lx->root_next[a] = child;
                } else {
                    next_sibling[child] = first_child[node];
                    first_child[node] = child;
                }
            }
            if (!node) first = a;
            node = child;
            lx->below[node] |= below;
            if (i == 1) {
                uint64_t key = (uint64_t)first << 32 | (uint32_t)a;
                uint32_t hash = pair_hash(key), filter = hash >> 16, h = hash & lx->pair_mask;
                while (lx->pair_key[h] && lx->pair_key[h] != key) h = (h + 1) & lx->pair_mask;
                lx->pair_key[h] = key;
                lx->pair_node[h] = node;
                lx->pair_bits[filter >> 6] |= (uint64_t)1 << (filter & 63);
            }
        }
        if (lx->out_cue[node] >= 0) {
            PyErr_SetString(PyExc_ValueError, "cues must be distinct");
            goto fail;
        }
        lx->out_cue[node] = (int32_t)c;
    }
    lx->n_nodes = n_nodes;
    lx->edge_start = calloc(n_nodes + 1, sizeof(int32_t));
    if (!lx->edge_start) {
        PyErr_NoMemory();
        goto fail;
    }
    /* other nodes' children as sorted arrays */
    for (int32_t u = 1; u < n_nodes; u++) {
        int32_t k = 0;
        for (int32_t x = first_child[u]; x; x = next_sibling[x]) k++;
        lx->edge_start[u + 1] = k;
    }
    for (int32_t u = 1; u <= n_nodes - 1; u++) lx->edge_start[u + 1] += lx->edge_start[u];
    int32_t n_edges = lx->edge_start[n_nodes];
    lx->edge_id = malloc((n_edges ? n_edges : 1) * sizeof(int32_t));
    lx->edge_to = malloc((n_edges ? n_edges : 1) * sizeof(int32_t));
    if (!lx->edge_id || !lx->edge_to) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int32_t u = 1; u < n_nodes; u++) {
        int32_t at = lx->edge_start[u], end = at;
        for (int32_t x = first_child[u]; x; x = next_sibling[x]) {
            int32_t j = end++; /* insertion by id */
            while (j > at && lx->edge_id[j - 1] > node_id[x]) {
                lx->edge_id[j] = lx->edge_id[j - 1];
                lx->edge_to[j] = lx->edge_to[j - 1];
                j--;
            }
            lx->edge_id[j] = node_id[x];
            lx->edge_to[j] = x;
        }
    }
    free(first_child);
    free(next_sibling);
    free(node_id);
    Py_DECREF(seq);
    return (PyObject *)lx;
fail:
    free(first_child);
    free(next_sibling);
    free(node_id);
    Py_XDECREF(lx);
    Py_DECREF(seq);
    return NULL;
}

static inline int is_word_char(Py_UCS4 ch) { return u_isalnum(ch) || ch == '_'; }

static inline int occurrence(Buf *occ, int32_t c, Py_ssize_t start) {
    if (!occ) return 0;
    if (buf_reserve(occ, 2) < 0) return -1;
    ((Py_ssize_t *)occ->data)[occ->len++] = c;
    ((Py_ssize_t *)occ->data)[occ->len++] = start;
    return 0;
}

/* Start counting afresh: no cue found yet (a new stamp), every kind's count 0. */
static void new_scan(LexiconObject *lx, long *counts) {
    if (++lx->serial == 0) { /* wrapped: forget every stamp */
        memset(lx->stamp, 0, (lx->n_cues + 1) * sizeof(uint32_t));
        lx->serial = 1;
    }
    for (int k = 0; k < lx->n_kinds; k++) counts[k] = 0;
}

static inline int found_cue(LexiconObject *lx, int32_t c, long *counts, Buf *found) {
    if (lx->stamp[c] == lx->serial) return 0;
    lx->stamp[c] = lx->serial;
    for (int k = 0; k < lx->n_kinds; k++)
        if (lx->cue_kinds[c] >> k & 1) counts[k]++;
    if (found) {
        if (buf_reserve(found, 1) < 0) return -1;
        ((int32_t *)found->data)[found->len++] = c;
    }
    return 0;
}

/* Scan lowered text: each distinct cue found counts once for each of its kinds in counts
 * (n_kinds entries); found, when given, receives the distinct cue indices, and occ every
 * occurrence as a pair (cue, start). */
static int lexicon_scan(LexiconObject *lx, PyObject *lowered, long *counts, Buf *found, Buf *occ) {
    int kind = PyUnicode_KIND(lowered);
    const void *data = PyUnicode_DATA(lowered);
    Py_ssize_t len = PyUnicode_GET_LENGTH(lowered);
    new_scan(lx, counts);
    if (!lx->n_cues || !len) return 0;
#define WORD_AT(i) ((i) == 0 || !is_word_char(PyUnicode_READ(kind, data, (i) - 1)))
    int32_t a = alpha_id(lx, PyUnicode_READ(kind, data, 0));
    for (Py_ssize_t i = 0; i < len; i++) {
        int32_t b = i + 1 < len ? alpha_id(lx, PyUnicode_READ(kind, data, i + 1)) : 0;
        if (!a) {
            a = b;
            continue;
        }
        int word = -1; /* whether a word starts at i, once asked */
        int32_t c = lx->out_cue[lx->root_next[a]]; /* a one-character cue */
        if (c >= 0 && (!lx->cue_word_start[c] || (word = WORD_AT(i))) &&
            (found_cue(lx, c, counts, found) < 0 || occurrence(occ, c, i) < 0))
            return -1;
        int32_t node = b ? pair_node(lx, a, b) : 0;
        for (Py_ssize_t j = i + 2; node; j++) { /* every longer cue that starts at i */
            if (!(lx->below[node] & BELOW_ANY)) {
                if (word < 0) word = WORD_AT(i);
                if (!word) break;
            }
            c = lx->out_cue[node];
            if (c >= 0 && (!lx->cue_word_start[c] || word) &&
                (found_cue(lx, c, counts, found) < 0 || occurrence(occ, c, i) < 0))
                return -1;
            if (j >= len) break;
            int32_t x = alpha_id(lx, PyUnicode_READ(kind, data, j));
            node = x ? node_child(lx, node, x) : 0;
        }
        a = b;
    }
#undef WORD_AT
    return 0;
}

static PyObject *lexicon_counts(LexiconObject *lx, PyObject *lowered) {
    if (ready_str(lowered, "counts") < 0) return NULL;
    long counts[32];
    if (lexicon_scan(lx, lowered, counts, NULL, NULL) < 0) return NULL;
    PyObject *out = PyTuple_New(lx->n_kinds);
    for (int k = 0; out && k < lx->n_kinds; k++) PyTuple_SET_ITEM(out, k, PyLong_FromLong(counts[k]));
    return out;
}

static PyObject *lexicon_found(LexiconObject *lx, PyObject *lowered) {
    if (ready_str(lowered, "found") < 0) return NULL;
    long counts[32];
    Buf found = {NULL, 0, 0, sizeof(int32_t)};
    PyObject *out = NULL;
    if (lexicon_scan(lx, lowered, counts, &found, NULL) == 0) {
        out = PyList_New((Py_ssize_t)found.len);
        for (size_t k = 0; out && k < found.len; k++)
            PyList_SET_ITEM(out, k, PyLong_FromLong(((int32_t *)found.data)[k]));
    }
    free(found.data);
    return out;
}

static PyMethodDef lexicon_methods[] = {
    {"counts", (PyCFunction)lexicon_counts, METH_O,
     "counts(lowered) -> tuple: how many different cues of each kind occur in lowered."},
    {"found", (PyCFunction)lexicon_found, METH_O,
     "found(lowered) -> list: the indices of the cues that occur in lowered."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LexiconType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "attrib._speedups.Lexicon",
    .tp_basicsize = sizeof(LexiconObject),
    .tp_dealloc = (destructor)lexicon_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Lexicon(cues, n_kinds): a trie of (cue, word_start, kinds).",
    .tp_methods = lexicon_methods,
    .tp_new = lexicon_new,
};

/* ---- A line's own features: features._line_cues in one pass ---- */

static inline int in_set(Py_UCS4 ch, const Py_UCS4 *set) {
    for (; *set; set++)
        if (*set == ch) return 1;
    return 0;
}

static const Py_UCS4 TERMINALS[] = {'.', '!', '?', 0x3002, 0xFF01, 0xFF1F, 0x061F, 0x0964, 0x2026, 0};
static const Py_UCS4 CLOSERS[] = {'"', '\'', 0x201D, 0x2019, 0x00BB, 0x300D, 0x300F, ')', ']', 0};
static const Py_UCS4 OPENERS[] = {'(', '[', 0xFF08, 0x3010, 0x00AB, '"', 0x201C, 0x2014, 0x2013,
                                  '-', 0};
static const Py_UCS4 COLONS[] = {':', 0xFF1A, 0};
static const Py_UCS4 DOTS3[] = {'.', 0xFF0E, 0x3002, 0};

#define READ(i) PyUnicode_READ(kind, data, (i))

/* ASCII letter c (lowercase) under re.IGNORECASE: its capital, and the long s for s. */
static inline int ci_letter(Py_UCS4 ch, char c) {
    return ch == (Py_UCS4)c || ch == (Py_UCS4)(c - 32) || (c == 's' && ch == 0x017F);
}

static int ci_word_at(int kind, const void *data, Py_ssize_t len, Py_ssize_t i, const char *w) {
    for (; *w; w++, i++)
        if (i >= len || !ci_letter(READ(i), *w)) return 0;
    return 1;
}

/* features._URL: (?:https?|ftp)://\S+|\bwww[.．。]\S+, case-insensitive */
static int has_url(int kind, const void *data, Py_ssize_t len) {
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = READ(i);
        Py_ssize_t after = -1;
        if (ci_letter(ch, 'h') && ci_word_at(kind, data, len, i, "http")) {
            Py_ssize_t j = i + 4;
            if (j < len && ci_letter(READ(j), 's')) j++;
            if (j + 2 < len && READ(j) == ':' && READ(j + 1) == '/' && READ(j + 2) == '/')
                after = j + 3;
        } else if (ci_letter(ch, 'f') && ci_word_at(kind, data, len, i, "ftp")) {
            if (i + 5 < len && READ(i + 3) == ':' && READ(i + 4) == '/' && READ(i + 5) == '/')
                after = i + 6;
        } else if (ci_letter(ch, 'w') && ci_word_at(kind, data, len, i, "www") &&
                   (i == 0 || !is_word_char(READ(i - 1)))) {
            if (i + 3 < len && in_set(READ(i + 3), DOTS3)) after = i + 4;
        }
        if (after >= 0 && after < len && !Py_UNICODE_ISSPACE(READ(after))) return 1;
    }
    return 0;
}

/* features._EMAIL: [\w.+-]+@[\w-]+(?:[.．。][\w-]+)+ */
static int has_email(int kind, const void *data, Py_ssize_t len) {
    for (Py_ssize_t i = 1; i < len; i++) {
        if (READ(i) != '@') continue;
        Py_UCS4 before = READ(i - 1);
        if (!(is_word_char(before) || before == '.' || before == '+' || before == '-')) continue;
        Py_ssize_t j = i + 1;
        while (j < len && (is_word_char(READ(j)) || READ(j) == '-')) j++;
        if (j == i + 1 || j + 1 >= len || !in_set(READ(j), DOTS3)) continue;
        Py_UCS4 next = READ(j + 1);
        if (is_word_char(next) || next == '-') return 1;
    }
    return 0;
}

/* features._COLON_LABEL: ^\W{0,3}[^\W\d][^:：\n]{0,28}\s?[:：] */
static int colon_label(int kind, const void *data, Py_ssize_t len) {
    Py_ssize_t k = 0;
    while (k < len && !is_word_char(READ(k))) k++;
    if (k > 3 || k >= len || u_isdecimal(READ(k))) return 0;
    Py_ssize_t j = k + 1, c = j;
    while (c < len && !in_set(READ(c), COLONS) && READ(c) != '\n') c++;
    if (c >= len) return 0;
    if (in_set(READ(c), COLONS))
        return c - j <= 28 || (c - j == 29 && Py_UNICODE_ISSPACE(READ(c - 1)));
    return c - j <= 28 && c + 1 < len && in_set(READ(c + 1), COLONS); /* \s? took the newline */
}

/* features._TERMINAL: a sentence end, closing marks, then the end (or a final newline) */
static int ends_sentence(int kind, const void *data, Py_ssize_t len) {
    for (int drop = 0; drop <= 1; drop++) {
        Py_ssize_t e = len - drop;
        if (drop && (len == 0 || READ(len - 1) != '\n')) break;
        while (e > 0 && in_set(READ(e - 1), CLOSERS)) e--;
        if (e > 0 && in_set(READ(e - 1), TERMINALS)) return 1;
    }
    return 0;
}

/* features._WRAPPED: an opening mark first, and no line break before the last character */
static int wrapped(int kind, const void *data, Py_ssize_t len) {
    if (!len || !in_set(READ(0), OPENERS)) return 0;
    for (Py_ssize_t i = 1; i < len - 1; i++)
        if (READ(i) == '\n') return 0;
    return 1;
}

/* features._name_at_end: the last word capitalised, the line holding another word before it */
static double name_at_end(int kind, const void *data, Py_ssize_t len) {
    Py_ssize_t end = len;
    while (end && !u_isalnum(READ(end - 1))) end--;
    Py_ssize_t start = end;
    while (start && !Py_UNICODE_ISSPACE(READ(start - 1))) start--;
    if (start == end) return 0.0;
    Py_ssize_t before = start;
    while (before && Py_UNICODE_ISSPACE(READ(before - 1))) before--;
    if (!before) return 0.0; /* one word */
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 ch = READ(i);
        if (u_isalnum(ch)) return u_isupper(ch) ? 1.0 : 0.0;
    }
    return 0.0;
}

static inline double cap(long v, long top) { return (double)(v < top ? v : top); }

/* What the lexicon scans give a line's own features: the eight kinds' counts (kinds gives
 * the lexicon's index of the syndication, chrome, photo, institution, restriction, own_site,
 * role and speech kinds, -1 for none) and whether a copyright mark is there. */
typedef struct {
    long cue[8];
    int copyright;
} CueCounts;

static void cue_counts(const int *kinds, const long *counts, int n_marks, const long *mark_counts,
                       CueCounts *out) {
    for (int k = 0; k < 8; k++) out->cue[k] = kinds[k] >= 0 ? counts[kinds[k]] : 0;
    out->copyright = 0;
    for (int k = 0; k < n_marks; k++) out->copyright |= mark_counts[k] > 0;
}

/* Scan lowered with the cue lexicon and the copyright marks (occ and mark_occ, when given,
 * receive their occurrences: lexicon_scan) and fill cc. */
static int scan_cues(LexiconObject *lx, LexiconObject *marks, const int *kinds, PyObject *lowered,
                     Buf *occ, Buf *mark_occ, CueCounts *cc) {
    long counts[32], mark_counts[32];
    if (lexicon_scan(lx, lowered, counts, NULL, occ) < 0 ||
        lexicon_scan(marks, lowered, mark_counts, NULL, mark_occ) < 0)
        return -1;
    cue_counts(kinds, counts, marks->n_kinds, mark_counts, cc);
    return 0;
}

/* The 28 floats of features._line_cues for the len characters at data, given what the
 * lexicon scans found in them and find_hosts' hosts there: how many, their characters, the
 * last one's end, whether all are institutional. */
static PyObject *own_features(int kind, const void *data, Py_ssize_t len, const CueCounts *cc,
                              Py_ssize_t n_hosts, Py_ssize_t host_chars, Py_ssize_t last_end,
                              int institutional) {
    const long *cue = cc->cue;
    /* one pass: digits, capitals, dense letters, words, hashtags */
    long digits = 0, upper = 0, dense = 0, words = 0, hashtags = 0;
    int in_word = 0, hash = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = READ(i);
        if (u_isdigit(ch)) digits++;
        else if (u_isupper(ch)) upper++;
        dense += dense_char(ch);
        if (ch == '#') hash = 1;
        if (Py_UNICODE_ISSPACE(ch)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
            if (ch == '#') hashtags++;
        }
    }
    Py_ssize_t lead = 0, trail = len;
    while (lead < len && Py_UNICODE_ISSPACE(READ(lead))) lead++;
    while (trail > lead && Py_UNICODE_ISSPACE(READ(trail - 1))) trail--;
    Py_ssize_t stripped = trail - lead ? trail - lead : 1;
    long words_after = 0;
    if (n_hosts) {
        Py_ssize_t run = 0;
        for (Py_ssize_t i = last_end < 0 ? 0 : last_end; i <= len; i++) {
            Py_UCS4 ch = i < len ? READ(i) : 0;
            if (i < len && u_isalnum(ch)) {
                run++;
            } else {
                words_after += run >= 2;
                run = 0;
            }
        }
    }
    int paragraph = is_paragraph(len, dense, 160); /* features.PARAGRAPH_CHARS */
    int url = has_url(kind, data, len);
    int email = has_email(kind, data, len);
    double f[28] = {
        n_hosts > 0,
        url,
        n_hosts > 0 && (double)host_chars / (double)stripped > 0.6,
        cap(cue[0], 3),
        cap(cue[1], 3),
        n_hosts > 0 && institutional,
        cue[2] > 0,
        n_hosts > 0 && words_after == 0,
        cap(words_after, 10) / 10,
        cap(cue[3], 2) / 2,
        cap(cue[4], 2) / 2,
        cap(cue[5], 2) / 2,
        cap(cue[6], 2) / 2,
        hash ? (double)hashtags / (double)words : 0.0,
        cap(cue[7], 2) / 2,
        name_at_end(kind, data, len),
        log1p((double)len) / 7,
        paragraph,
        cap(words, 40) / 40,
        email,
        colon_label(kind, data, len),
        cc->copyright,
        wrapped(kind, data, len),
        ends_sentence(kind, data, len),
        (double)digits / (double)(len > 1 ? len : 1),
        (double)upper,
        trail > lead && in_set(READ(trail - 1), COLONS),
        len == 0,
    };
    PyObject *out = PyTuple_New(28);
    for (int k = 0; out && k < 28; k++) {
        PyObject *v = PyFloat_FromDouble(f[k]);
        if (!v) {
            Py_CLEAR(out);
            break;
        }
        PyTuple_SET_ITEM(out, k, v);
    }
    return out;
}

static int check_kinds(const LexiconObject *lx, const int *kinds) {
    for (int k = 0; k < 8; k++)
        if (kinds[k] < -1 || kinds[k] >= lx->n_kinds) {
            PyErr_SetString(PyExc_ValueError, "a kind index outside the lexicon's kinds");
            return -1;
        }
    return 0;
}

/* line_cues(lexicon, kinds, marks, text, lowered, n_hosts, host_chars, last_host_end,
 * institutional) -> the 28 floats of features._line_cues; marks is the lexicon of copyright
 * marks (features._COPYRIGHT), the hosts are find_hosts(text)'s (see own_features). */
static PyObject *line_cues(PyObject *self, PyObject *args) {
    LexiconObject *lx, *marks;
    PyObject *text, *lowered;
    int kinds[8];
    Py_ssize_t n_hosts, host_chars, last_end;
    int institutional;
    if (!PyArg_ParseTuple(args, "O!(iiiiiiii)O!UUnnnp", &LexiconType, &lx, &kinds[0], &kinds[1],
                          &kinds[2], &kinds[3], &kinds[4], &kinds[5], &kinds[6], &kinds[7],
                          &LexiconType, &marks, &text, &lowered, &n_hosts, &host_chars, &last_end,
                          &institutional))
        return NULL;
    if (check_kinds(lx, kinds) < 0) return NULL;
    if (PyUnicode_READY(text) < 0 || PyUnicode_READY(lowered) < 0) return NULL;
    CueCounts cc;
    if (scan_cues(lx, marks, kinds, lowered, NULL, NULL, &cc) < 0) return NULL;
    return own_features(PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text),
                        &cc, n_hosts, host_chars, last_end, institutional);
}

/* The counts of the distinct cues among occ (pairs from lexicon_scan) that lie in [lo, hi). */
static void counts_within(LexiconObject *lx, const Buf *occ, Py_ssize_t lo, Py_ssize_t hi,
                          long *counts) {
    new_scan(lx, counts);
    const Py_ssize_t *o = occ->data;
    for (size_t m = 0; m + 1 < occ->len; m += 2) {
        Py_ssize_t c = o[m], start = o[m + 1];
        if (start < lo || start + lx->cue_len[c] > hi) continue;
        found_cue(lx, (int32_t)c, counts, NULL);
    }
}

/* part_cues(lexicon, kinds, marks, text, lowered, cuts, hosts) -> tuple, or None: line_cues of
 * text and of its pieces around each cut, the head text[:cut].rstrip() and the tail text[cut:],
 * in the order (text, head, tail, head, tail, ...), from one scan of text. hosts holds
 * find_hosts(text)'s as (start, end, institutional); a piece's are those inside it (a cut at
 * white space splits no host, and the patterns read the same around a stretch either way). None
 * where a piece could read otherwise alone: lowered is not text.lower() character for character
 * (a length that differs, a capital sigma, lowered by its context), or a cut follows a letter,
 * digit or underscore (a cue may start a tail, not that word). */
static PyObject *part_cues(PyObject *self, PyObject *args) {
    LexiconObject *lx, *marks;
    PyObject *text, *lowered, *cuts, *host_list;
    int kinds[8];
    if (!PyArg_ParseTuple(args, "O!(iiiiiiii)O!UUOO", &LexiconType, &lx, &kinds[0], &kinds[1],
                          &kinds[2], &kinds[3], &kinds[4], &kinds[5], &kinds[6], &kinds[7],
                          &LexiconType, &marks, &text, &lowered, &cuts, &host_list))
        return NULL;
    if (check_kinds(lx, kinds) < 0) return NULL;
    if (PyUnicode_READY(text) < 0 || PyUnicode_READY(lowered) < 0) return NULL;
    PyObject *seq = PySequence_Fast(cuts, "cuts must be a sequence of int");
    if (!seq) return NULL;
    PyObject *hseq = PySequence_Fast(host_list, "hosts must be a sequence of (start, end, bool)");
    if (!hseq) {
        Py_DECREF(seq);
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), n_cuts = PySequence_Fast_GET_SIZE(seq);
    Py_ssize_t n_hosts = PySequence_Fast_GET_SIZE(hseq);
    Py_ssize_t *at = PyMem_Malloc((n_cuts ? n_cuts : 1) * sizeof(Py_ssize_t));
    Py_ssize_t (*host)[3] = PyMem_Malloc((n_hosts ? n_hosts : 1) * sizeof(*host));
    Buf occ = {NULL, 0, 0, sizeof(Py_ssize_t)}, mark_occ = {NULL, 0, 0, sizeof(Py_ssize_t)};
    PyObject *out = NULL;
    if (!at || !host) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t h = 0; h < n_hosts; h++) {
        int inst;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(hseq, h), "nnp", &host[h][0], &host[h][1],
                              &inst))
            goto done;
        if (host[h][0] < 0 || host[h][1] < host[h][0] || host[h][1] > len ||
            (h && host[h][0] < host[h - 1][1])) {
            PyErr_SetString(PyExc_ValueError, "hosts must lie in the text, in order");
            goto done;
        }
        host[h][2] = inst;
    }
    int plain = PyUnicode_GET_LENGTH(lowered) == len;
    for (Py_ssize_t i = 0; plain && i < len; i++) plain = READ(i) != 0x03A3;
    for (Py_ssize_t k = 0; k < n_cuts; k++) {
        at[k] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, k));
        if (at[k] == -1 && PyErr_Occurred()) goto done;
        if (at[k] <= 0 || at[k] >= len) {
            PyErr_SetString(PyExc_ValueError, "a cut must fall inside the text");
            goto done;
        }
        if (is_word_char(READ(at[k] - 1))) plain = 0;
    }
    if (!plain) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    CueCounts cc; /* the whole text's first, then each piece's */
    if (scan_cues(lx, marks, kinds, lowered, &occ, &mark_occ, &cc) < 0) goto done;
    out = PyTuple_New(1 + 2 * n_cuts);
    if (!out) goto done;
    for (Py_ssize_t p = 0; p < 1 + 2 * n_cuts; p++) {
        Py_ssize_t lo = 0, hi = len;
        if (p) {
            Py_ssize_t cut = at[(p - 1) / 2];
            if (p % 2) { /* the head, without the white space before the cut */
                hi = cut;
                while (hi > 0 && Py_UNICODE_ISSPACE(READ(hi - 1))) hi--;
            } else {
                lo = cut;
            }
            long counts[32], mark_counts[32];
            counts_within(lx, &occ, lo, hi, counts);
            counts_within(marks, &mark_occ, lo, hi, mark_counts);
            cue_counts(kinds, counts, marks->n_kinds, mark_counts, &cc);
        }
        Py_ssize_t inside = 0, chars = 0, last_end = 0;
        int institutional = 1;
        for (Py_ssize_t h = 0; h < n_hosts; h++)
            if (host[h][0] >= lo && host[h][1] <= hi) {
                inside++;
                chars += host[h][1] - host[h][0];
                last_end = host[h][1] - lo;
                institutional &= host[h][2] != 0;
            }
        PyObject *cues = own_features(kind, (const char *)data + lo * kind, hi - lo, &cc, inside,
                                      chars, last_end, inside && institutional);
        if (!cues) {
            Py_CLEAR(out);
            goto done;
        }
        PyTuple_SET_ITEM(out, p, cues);
    }
done:
    PyMem_Free(at);
    PyMem_Free(host);
    free(occ.data);
    free(mark_occ.data);
    Py_DECREF(seq);
    Py_DECREF(hseq);
    return out;
}

#undef READ

/* ---- Masking: the common case of a line with nothing to mask ---- */

static const Py_UCS4 DOTS4[] = {'.', 0xFF0E, 0x3002, 0xFF61, 0};

/* segment.INVISIBLE: the marks find_hosts reads as one zero-width space */
static int is_invisible(Py_UCS4 ch) {
    switch (ch) {
    case 0x200B: case 0x200C: case 0x200D: case 0x200E: case 0x200F: case 0x202A: case 0x202B:
    case 0x202C: case 0x202D: case 0x202E: case 0x2060: case 0x2066: case 0x2067: case 0x2068:
    case 0x2069: case 0xFEFF: case 0x00AD:
        return 1;
    }
    return 0;
}

/* The characters at which may_hold_address can answer yes: "@", ":", "]", "w", "W" and the dots;
 * every other character is passed over without a closer look. */
static const unsigned char ADDRESS_MARK[128] = {['@'] = 1, [':'] = 1, [']'] = 1, ['w'] = 1,
                                                ['W'] = 1, ['.'] = 1};
static inline int address_mark(Py_UCS4 ch) {
    return ch < 128 ? ADDRESS_MARK[ch] : (ch == 0xFF0E || ch == 0x3002 || ch == 0xFF61);
}

/* may_hold_address's question at one of those characters. */
static int address_at(int kind, const void *data, Py_ssize_t len, Py_ssize_t i, Py_UCS4 ch) {
    if (ch == '@') return 1;
    if (ch == ':' && i + 2 < len && PyUnicode_READ(kind, data, i + 1) == '/' &&
        PyUnicode_READ(kind, data, i + 2) == '/')
        return 1;
    if (ch == ']' && i + 1 < len && PyUnicode_READ(kind, data, i + 1) == '(') return 1;
    if ((ch == 'w' || ch == 'W') && i + 2 < len) {
        Py_UCS4 b = PyUnicode_READ(kind, data, i + 1), c = PyUnicode_READ(kind, data, i + 2);
        if ((b == 'w' || b == 'W') && (c == 'w' || c == 'W')) return 1;
    }
    if (in_set(ch, DOTS4)) {
        Py_ssize_t j = i + 1;
        while (j < len && is_invisible(PyUnicode_READ(kind, data, j))) j++;
        if (j < len) {
            Py_UCS4 next = PyUnicode_READ(kind, data, j);
            if (u_isalnum(next) && !u_isdecimal(next)) return 1;
        }
    }
    return 0;
}

/* Whether a line may hold a URL, a Markdown link, an e-mail address or a host: "://", "](",
 * "www" in any case, "@", or a dot (ASCII or CJK) followed, past any invisible marks, by a letter.
 * False means every masking pattern of language.mask and features.normalise_text finds nothing.
 * One loop per width of the text's characters: most characters are passed over at a glance. */
#define SCAN_ADDRESS(T)                                                                          \
    do {                                                                                         \
        const T *d = (const T *)data;                                                            \
        for (Py_ssize_t i = 0; i < len; i++)                                                     \
            if (address_mark(d[i]) && address_at(kind, data, len, i, d[i])) return 1;           \
    } while (0)
static int may_hold_address(PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (kind == PyUnicode_1BYTE_KIND)
        SCAN_ADDRESS(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        SCAN_ADDRESS(Py_UCS2);
    else
        SCAN_ADDRESS(Py_UCS4);
    return 0;
}
#undef SCAN_ADDRESS

/* A character a host, a domain or their lookarounds (domains._ASCII_HOST, _IDN_HOST,
 * language._DOMAIN) may read: a word character, "-", "@", a dot, a zero-width space, ":", "/",
 * or a Latin letter of the ranges the ASCII host's lookarounds name. */
static inline int host_char(Py_UCS4 ch) {
    if (ch < 128)
        return ascii_letter(ch) || ascii_digit(ch) || ch == '_' || ch == '-' || ch == '@' ||
               ch == '.' || ch == ':' || ch == '/';
    return in_set(ch, DOTS4) || ch == 0x200B || (ch >= 0xC0 && ch <= 0x24F) ||
           (ch >= 0x1E00 && ch <= 0x1EFF) || Py_UNICODE_ISALNUM(ch);
}

/* host_windows(text) -> list of (start, end): the runs of host_char characters that hold a dot
 * followed, past a zero-width space, by a word character. Every match of those patterns lies in
 * one, and the characters around a run are none they read, so a pattern's finditer(text, start,
 * end) over the runs finds what its finditer(text) finds, without trying every position of a
 * long line. */
static PyObject *host_windows(PyObject *self, PyObject *text) {
    if (ready_str(text, "host_windows") < 0) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < len;) {
        if (!host_char(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int dotted = 0;
        for (; i < len; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (!host_char(ch)) break;
            if (!dotted && in_set(ch, DOTS4)) {
                Py_ssize_t j = i + 1;
                if (j < len && PyUnicode_READ(kind, data, j) == 0x200B) j++;
                dotted = j < len && is_word_char(PyUnicode_READ(kind, data, j));
            }
        }
        if (dotted) {
            PyObject *run = Py_BuildValue("(nn)", start, i);
            if (!run || PyList_Append(out, run) < 0) Py_CLEAR(out);
            Py_XDECREF(run);
        }
    }
    return out;
}

/* plain_mask(text) -> bool: True when language.mask(text) is text itself (nothing to mask). */
static PyObject *plain_mask(PyObject *self, PyObject *text) {
    if (ready_str(text, "plain_mask") < 0) return NULL;
    return PyBool_FromLong(!may_hold_address(text));
}

/* script_guesses(texts, mask_rest, make_guess, tie_script, names, languages, cjk, kana) -> list
 * of (guess, masked) per text: language._guess_scripts. masked is the text itself when plain_mask
 * says nothing is to be masked, else mask_rest(text); its letters are counted by script
 * (count_scripts). No letters: make_guess(None, None, 0, 0, ()). Otherwise the script is Kana when
 * kana letters are at least a tenth of the Han ones, tie_script(masked) when two scripts have the
 * most letters, else the one with most; names[k], languages[k] and cjk[k] are script k's name,
 * the language it settles (or None) and whether it is written without spaces (words = letters);
 * the guess is make_guess(language, name, letters, words, ()). */
static PyObject *script_guesses(PyObject *self, PyObject *args) {
    PyObject *texts, *mask_rest, *make_guess, *tie_script, *names, *languages, *cjk;
    int kana_id, hani_id;
    if (!PyArg_ParseTuple(args, "OOOOO!O!O!ii", &texts, &mask_rest, &make_guess, &tie_script,
                          &PyTuple_Type, &names, &PyTuple_Type, &languages, &PyTuple_Type, &cjk,
                          &kana_id, &hani_id) ||
        !scripts_ready())
        return NULL;
    if (PyTuple_GET_SIZE(names) != n_scripts || PyTuple_GET_SIZE(languages) != n_scripts ||
        PyTuple_GET_SIZE(cjk) != n_scripts) {
        PyErr_SetString(PyExc_ValueError, "names, languages and cjk need one entry per script");
        return NULL;
    }
    if (kana_id < 0 || kana_id >= n_scripts || hani_id < 0 || hani_id >= n_scripts) {
        PyErr_SetString(PyExc_ValueError, "bad script index");
        return NULL;
    }
    PyObject *seq = str_sequence(texts, "script_guesses");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *result = PyList_New(n), *empty = PyTuple_New(0);
    if (!result || !empty) goto fail;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *text = items[r], *masked, *guess = NULL;
        if (may_hold_address(text)) {
            masked = PyObject_CallOneArg(mask_rest, text);
            if (!masked) goto fail;
            if (!PyUnicode_Check(masked) || PyUnicode_READY(masked) < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "mask_rest must return a str");
                Py_DECREF(masked);
                goto fail;
            }
        } else {
            masked = Py_NewRef(text);
        }
        long long counts[MAX_SCRIPTS + 1], words, letters;
        int best, tied;
        count_scripts(masked, counts, &words, &letters, &best, &tied);
        if (!letters) {
            PyObject *argv[5] = {Py_None, Py_None, NULL, NULL, empty};
            argv[2] = argv[3] = PyLong_FromLong(0);
            if (argv[2]) {
                guess = PyObject_Vectorcall(make_guess, argv, 5, NULL);
                Py_DECREF(argv[2]);
            }
        } else {
            Py_ssize_t k = best;
            long long kana = counts[kana_id + 1], hani = counts[hani_id + 1];
            if (kana > 0 && kana * 10 >= hani) {
                k = kana_id;
            } else if (tied) { /* the rare tie: the reference decides */
                PyObject *name = PyObject_CallOneArg(tie_script, masked);
                if (!name) {
                    Py_DECREF(masked);
                    goto fail;
                }
                for (k = 0; k < n_scripts; k++) {
                    int eq = PyObject_RichCompareBool(PyTuple_GET_ITEM(names, k), name, Py_EQ);
                    if (eq < 0) {
                        Py_DECREF(name);
                        Py_DECREF(masked);
                        goto fail;
                    }
                    if (eq) break;
                }
                Py_DECREF(name);
                if (k == n_scripts) {
                    PyErr_SetString(PyExc_ValueError, "tie_script returned a script not in names");
                    Py_DECREF(masked);
                    goto fail;
                }
            }
            int dense = PyObject_IsTrue(PyTuple_GET_ITEM(cjk, k));
            if (dense < 0) {
                Py_DECREF(masked);
                goto fail;
            }
            PyObject *argv[5] = {PyTuple_GET_ITEM(languages, k), PyTuple_GET_ITEM(names, k),
                                 PyLong_FromLongLong(letters),
                                 PyLong_FromLongLong(dense ? letters : words), empty};
            if (argv[2] && argv[3]) guess = PyObject_Vectorcall(make_guess, argv, 5, NULL);
            Py_XDECREF(argv[2]);
            Py_XDECREF(argv[3]);
        }
        PyObject *pair = guess ? PyTuple_Pack(2, guess, masked) : NULL;
        Py_XDECREF(guess);
        Py_DECREF(masked);
        if (!pair) goto fail;
        PyList_SET_ITEM(result, r, pair);
    }
    Py_DECREF(empty);
    Py_DECREF(seq);
    return result;
fail:
    Py_XDECREF(result);
    Py_XDECREF(empty);
    Py_DECREF(seq);
    return NULL;
}

/* str.lower() of a BMP character that lowers to one BMP character on its own, else LOWER_SPECIAL:
 * one that lowers to several (U+0130), Σ (its lowercase depends on the letters around it) and
 * U+FFFF itself. Filled on first use and checked against the running Python's str.lower(), which
 * is that mapping character by character, but for Σ. */
#define LOWER_SPECIAL 0xFFFF
static uint16_t *bmp_lower = NULL;

/* The table from the simple case mapping, checked against one str.lower() of all the other BMP
 * characters; character by character from str.lower() should that check ever fail. */
static int lower_table_ready(void) {
    if (bmp_lower) return 0;
    uint16_t *table = malloc(0x10000 * sizeof(uint16_t));
    Py_UCS4 *all = malloc(0x10000 * sizeof(Py_UCS4));
    if (!table || !all) {
        free(table);
        free(all);
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n = 0;
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        Py_UCS4 l = Py_UNICODE_TOLOWER(c);
        int special = c == 0x3A3 || c == 0x130 || l >= LOWER_SPECIAL;
        table[c] = (uint16_t)(special ? LOWER_SPECIAL : l);
        if (!special) all[n++] = c;
    }
    PyObject *text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, all, n);
    PyObject *low = text ? PyObject_CallMethod(text, "lower", NULL) : NULL;
    Py_XDECREF(text);
    if (!low) {
        free(table);
        free(all);
        return -1;
    }
    int same = PyUnicode_GET_LENGTH(low) == n;
    for (Py_ssize_t i = 0; same && i < n; i++) same = PyUnicode_READ_CHAR(low, i) == table[all[i]];
    Py_DECREF(low);
    free(all);
    for (Py_UCS4 c = 0; !same && c < 0x10000; c++) { /* never seen: str.lower() of each */
        PyObject *one = PyUnicode_FromOrdinal((int)c);
        PyObject *l = one ? PyObject_CallMethod(one, "lower", NULL) : NULL;
        Py_XDECREF(one);
        if (!l) {
            free(table);
            return -1;
        }
        Py_UCS4 m = PyUnicode_GET_LENGTH(l) == 1 ? PyUnicode_READ_CHAR(l, 0) : 0x10000;
        Py_DECREF(l);
        table[c] = (uint16_t)(m >= LOWER_SPECIAL || c == 0x3A3 ? LOWER_SPECIAL : m);
    }
    if (bmp_lower) /* another thread filled it meanwhile */
        free(table);
    else
        bmp_lower = table;
    return 0;
}

/* text.lower(), with each run of decimal digits made one "0" when fold_digits; str.lower() itself
 * for a text with an astral or special character (bmp_lower). */
static PyObject *lowered(PyObject *text, int fold_digits) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind != PyUnicode_4BYTE_KIND && lower_table_ready() == 0) {
        Py_UCS4 top = 0;
        Py_ssize_t k = 0;
        int plain = 1, prev_digit = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 l = bmp_lower[PyUnicode_READ(kind, data, i)];
            if (l == LOWER_SPECIAL) {
                plain = 0;
                break;
            }
            int digit = fold_digits && u_isdecimal(l);
            if (digit && prev_digit) continue;
            prev_digit = digit;
            if (digit) l = '0';
            if (l > top) top = l;
            k++;
        }
        if (plain) {
            PyObject *out = PyUnicode_New(k, top);
            if (!out) return NULL;
            int out_kind = PyUnicode_KIND(out);
            void *dst = PyUnicode_DATA(out);
            prev_digit = 0;
            k = 0;
            for (Py_ssize_t i = 0; i < len; i++) {
                Py_UCS4 l = bmp_lower[PyUnicode_READ(kind, data, i)];
                int digit = fold_digits && u_isdecimal(l);
                if (digit && prev_digit) continue;
                prev_digit = digit;
                PyUnicode_WRITE(out_kind, dst, k++, digit ? '0' : l);
            }
            return out;
        }
    } else if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *lower = PyObject_CallMethod(text, "lower", NULL);
    if (!fold_digits || !lower || PyUnicode_READY(lower) < 0) return lower;
    kind = PyUnicode_KIND(lower);
    data = PyUnicode_DATA(lower);
    Py_ssize_t digits = 0;
    len = PyUnicode_GET_LENGTH(lower);
    for (Py_ssize_t i = 0; i < len; i++)
        if (u_isdecimal(PyUnicode_READ(kind, data, i))) digits++;
    if (!digits) return lower;
    Py_UCS4 *buf = PyMem_Malloc((len ? len : 1) * sizeof(Py_UCS4));
    if (!buf) {
        Py_DECREF(lower);
        return PyErr_NoMemory();
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (u_isdecimal(ch)) {
            if (i == 0 || !u_isdecimal(PyUnicode_READ(kind, data, i - 1))) buf[k++] = '0';
        } else {
            buf[k++] = ch;
        }
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, k);
    PyMem_Free(buf);
    Py_DECREF(lower);
    return out;
}

/* text.lower() with each run of decimal digits made one "0": features.normalise_text once the
 * addresses are masked. An ASCII text is lowered and its digits folded in one pass. */
static PyObject *lowered_digits(PyObject *text) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text)) {
        const Py_UCS1 *src = PyUnicode_1BYTE_DATA(text);
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < len; i++) k += !(ascii_digit(src[i]) && i && ascii_digit(src[i - 1]));
        PyObject *out = PyUnicode_New(k, 127);
        if (!out) return NULL;
        Py_UCS1 *dst = PyUnicode_1BYTE_DATA(out);
        k = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS1 ch = src[i];
            if (ascii_digit(ch)) {
                if (!i || !ascii_digit(src[i - 1])) dst[k++] = '0';
            } else {
                dst[k++] = (ch >= 'A' && ch <= 'Z') ? (Py_UCS1)(ch + 32) : ch;
            }
        }
        return out;
    }
    return lowered(text, 1);
}

/* lower(text) -> str: text.lower(), without the Unicode database's full mapping for each
 * character when none of them needs more than the table (bmp_lower). */
static PyObject *lower(PyObject *self, PyObject *text) {
    if (ready_str(text, "lower") < 0) return NULL;
    return lowered(text, 0);
}

/* plain_normalised(text) -> str or None: features.normalise_text(text) for a line with nothing
 * to mask (text.lower() with each run of decimal digits made "0"); None for any other line. */
static PyObject *plain_normalised(PyObject *self, PyObject *text) {
    if (ready_str(text, "plain_normalised") < 0) return NULL;
    if (may_hold_address(text)) Py_RETURN_NONE;
    return lowered_digits(text);
}

/* has_any(text, chars) -> bool: whether text holds one of chars; a text whose characters are all
 * narrower than the least of chars is answered without reading it. */
static PyObject *has_any(PyObject *self, PyObject *args) {
    PyObject *text, *chars;
    if (!PyArg_ParseTuple(args, "UU", &text, &chars)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(chars), len = PyUnicode_GET_LENGTH(text);
    int ckind = PyUnicode_KIND(chars), kind = PyUnicode_KIND(text);
    const void *cdata = PyUnicode_DATA(chars), *data = PyUnicode_DATA(text);
    Py_UCS4 least = 0x10FFFF;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_UCS4 c = PyUnicode_READ(ckind, cdata, k);
        if (c < least) least = c;
    }
    if (!n || PyUnicode_MAX_CHAR_VALUE(text) < least) Py_RETURN_FALSE;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < least) continue;
        for (Py_ssize_t k = 0; k < n; k++)
            if (ch == PyUnicode_READ(ckind, cdata, k)) Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* dense_count(text) -> int: the characters of features._DENSE (kana, CJK, Hangul, Thai). */
static PyObject *dense_count(PyObject *self, PyObject *text) {
    if (ready_str(text, "dense_count") < 0) return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), count = 0;
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_1BYTE_KIND) return PyLong_FromLong(0); /* all below U+0100 */
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        count += dense_char(ch);
    }
    return PyLong_FromSsize_t(count);
}

static PyObject *lower_digits(PyObject *self, PyObject *text) {
    if (ready_str(text, "lower_digits") < 0) return NULL;
    return lowered_digits(text);
}

/* ---- Lines: segment.split_lines ---- */

static inline int is_line_break(Py_UCS4 ch) {
    switch (ch) {
    case '\n': case '\r': case '\v': case '\f': case 0x1C: case 0x1D: case 0x1E: case 0x85:
    case 0x2028: case 0x2029:
        return 1;
    }
    return 0;
}

/* segment._EDGE_CHARS: white space below U+3001 and the invisible marks */
static inline int is_edge(Py_UCS4 ch) {
    return (ch < 0x3001 && Py_UNICODE_ISSPACE(ch)) || is_invisible(ch);
}

/* split_lines(text) -> list of (start, end): segment.split_lines's spans, without their text. */
static PyObject *split_lines(PyObject *self, PyObject *args) {
    PyObject *text, *make_span = Py_None;
    if (!PyArg_ParseTuple(args, "O|O", &text, &make_span) || ready_str(text, "split_lines") < 0)
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    Py_ssize_t i = 0;
    while (out && i < len) {
        while (i < len && is_line_break(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t start = i;
        while (i < len && !is_line_break(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t lead = start, trail = i;
        while (lead < trail && is_edge(PyUnicode_READ(kind, data, lead))) lead++;
        while (trail > lead && is_edge(PyUnicode_READ(kind, data, trail - 1))) trail--;
        if (trail > lead) {
            PyObject *item;
            if (make_span == Py_None) {
                item = Py_BuildValue("(nn)", lead, trail);
            } else { /* make_span(start, end, text[start:end]) */
                PyObject *argv[3] = {PyLong_FromSsize_t(lead), PyLong_FromSsize_t(trail),
                                     PyUnicode_Substring(text, lead, trail)};
                item = argv[0] && argv[1] && argv[2]
                           ? PyObject_Vectorcall(make_span, argv, 3, NULL)
                           : NULL;
                for (int k = 0; k < 3; k++) Py_XDECREF(argv[k]);
            }
            if (!item || PyList_Append(out, item) < 0) Py_CLEAR(out);
            Py_XDECREF(item);
        }
    }
    if (out && make_span != Py_None) Py_SETREF(out, PyList_AsTuple(out));
    return out;
}

/* ---- The context matrix: features.context_matrix in one pass ---- */

#define MAX_FEATURES 256
static struct {
    int ready, n_text, n_features, n_copy, n_product;
    int synd, chrome, upper, host; /* columns of a line's own features */
    int copy_to[MAX_FEATURES], copy_from[MAX_FEATURES];
    int product_to[MAX_FEATURES], factor_a[MAX_FEATURES], factor_b[MAX_FEATURES];
} layout;

#define N_PLACE 20
static PyObject *record_keys[14]; /* interned field names, in the order below */
static PyObject *key_cues; /* "cues": a record's own features of some texts, by text */
static const char *RECORD_FIELDS[14] = {"text", "prev", "next", "index", "count", "long_before",
                                       "long_after", "letters", "language", "article_language",
                                       "script", "article_script", "mixed", "headline"};

static int record_keys_ready(void) {
    for (int k = 0; k < 14; k++)
        if (!record_keys[k] && !(record_keys[k] = PyUnicode_InternFromString(RECORD_FIELDS[k])))
            return -1;
    if (!key_cues && !(key_cues = PyUnicode_InternFromString("cues"))) return -1;
    return 0;
}

/* line_records(texts, guesses, languages, mixed, article_language, article_script, long_flags,
 * headline) -> list of dict: features.build_records' records, its keys in its order, from the
 * flags of the paragraph-long lines and the headline it computes. */
enum { F_TEXT, F_PREV, F_NEXT, F_INDEX, F_COUNT, F_LONG_BEFORE, F_LONG_AFTER, F_LETTERS,
       F_LANGUAGE, F_ARTICLE_LANGUAGE, F_SCRIPT, F_ARTICLE_SCRIPT, F_MIXED, F_HEADLINE };
static const int RECORD_ORDER[14] = {F_TEXT, F_INDEX, F_COUNT, F_LONG_BEFORE, F_LONG_AFTER,
                                     F_LANGUAGE, F_SCRIPT, F_ARTICLE_LANGUAGE, F_ARTICLE_SCRIPT,
                                     F_MIXED, F_LETTERS, F_PREV, F_NEXT, F_HEADLINE};

static PyObject *line_records(PyObject *self, PyObject *args) {
    PyObject *texts_o, *guesses_o, *languages_o, *mixed_o, *article_language, *article_script,
        *flags_o, *headline;
    if (!PyArg_ParseTuple(args, "OOOOOOOO", &texts_o, &guesses_o, &languages_o, &mixed_o,
                          &article_language, &article_script, &flags_o, &headline))
        return NULL;
    if (record_keys_ready() < 0) return NULL;
    static PyObject *name_script = NULL, *name_letters = NULL;
    if (!name_script && !(name_script = PyUnicode_InternFromString("script"))) return NULL;
    if (!name_letters && !(name_letters = PyUnicode_InternFromString("letters"))) return NULL;
    PyObject *seqs[5] = {NULL, NULL, NULL, NULL, NULL}, *out = NULL, *empty = NULL;
    PyObject *given[5] = {texts_o, guesses_o, languages_o, mixed_o, flags_o};
    Py_ssize_t *after = NULL;
    for (int k = 0; k < 5; k++)
        if (!(seqs[k] = PySequence_Fast(given[k], "line_records takes sequences"))) goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seqs[0]);
    for (int k = 1; k < 5; k++)
        if (PySequence_Fast_GET_SIZE(seqs[k]) != n) {
            PyErr_SetString(PyExc_ValueError, "line_records: the sequences differ in length");
            goto done;
        }
    PyObject **texts = PySequence_Fast_ITEMS(seqs[0]), **guesses = PySequence_Fast_ITEMS(seqs[1]),
             **languages = PySequence_Fast_ITEMS(seqs[2]), **mixed = PySequence_Fast_ITEMS(seqs[3]),
             **flags = PySequence_Fast_ITEMS(seqs[4]);
    if (!(after = malloc(((size_t)n + 1) * sizeof *after)) || !(empty = PyUnicode_New(0, 0))) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    after[n] = 0; /* after[i]: the paragraph-long lines from i on */
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        int f = PyObject_IsTrue(flags[i]);
        if (f < 0) goto done;
        after[i] = after[i + 1] + f;
    }
    if (!(out = PyList_New(n))) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        int m = PyObject_IsTrue(mixed[i]);
        if (m < 0) {
            Py_CLEAR(out);
            goto done;
        }
        PyObject *v[14] = {NULL};
        v[F_TEXT] = Py_NewRef(texts[i]);
        v[F_PREV] = Py_NewRef(i > 0 ? texts[i - 1] : empty);
        v[F_NEXT] = Py_NewRef(i + 1 < n ? texts[i + 1] : empty);
        v[F_INDEX] = PyLong_FromSsize_t(i);
        v[F_COUNT] = PyLong_FromSsize_t(n);
        v[F_LONG_BEFORE] = PyLong_FromSsize_t(after[0] - after[i]);
        v[F_LONG_AFTER] = PyLong_FromSsize_t(after[i + 1]);
        v[F_LETTERS] = PyObject_GetAttr(guesses[i], name_letters);
        v[F_LANGUAGE] = Py_NewRef(languages[i]);
        v[F_ARTICLE_LANGUAGE] = Py_NewRef(article_language);
        v[F_SCRIPT] = PyObject_GetAttr(guesses[i], name_script);
        v[F_ARTICLE_SCRIPT] = Py_NewRef(article_script);
        v[F_MIXED] = PyBool_FromLong(m);
        v[F_HEADLINE] = Py_NewRef(headline);
        PyObject *d = PyDict_New();
        int bad = !d;
        for (int k = 0; k < 14; k++) {
            int f = RECORD_ORDER[k];
            if (!bad && (!v[f] || PyDict_SetItem(d, record_keys[f], v[f]) < 0)) bad = 1;
        }
        for (int k = 0; k < 14; k++) Py_XDECREF(v[k]);
        if (bad) {
            Py_XDECREF(d);
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, d);
    }
done:
    free(after);
    Py_XDECREF(empty);
    for (int k = 0; k < 5; k++) Py_XDECREF(seqs[k]);
    return out;
}

static int int_list(PyObject *seq, int *out, int limit, int *n) {
    PyObject *fast = PySequence_Fast(seq, "layout lists must be sequences of int");
    if (!fast) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(fast);
    if (m > MAX_FEATURES) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "too many features");
        return -1;
    }
    for (Py_ssize_t k = 0; k < m; k++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, k));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        if (v < 0 || v >= limit) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, "a layout column out of range");
            return -1;
        }
        out[k] = (int)v;
    }
    *n = (int)m;
    Py_DECREF(fast);
    return 0;
}

/* set_context_layout(n_text, n_place, n_features, copy_to, copy_from, product_to, factor_a, factor_b,
 * synd, chrome, upper, host): features.CONTEXT_FEATURES as columns of the table of a record's
 * own text columns, its neighbours' and its place's (features._FEATURES). */
static PyObject *set_context_layout(PyObject *self, PyObject *args) {
    PyObject *copy_to, *copy_from, *product_to, *factor_a, *factor_b;
    int n_text, n_place, n_features, synd, chrome, upper, host, n1, n2, n3, n4, n5;
    if (!PyArg_ParseTuple(args, "iiiOOOOOiiii", &n_text, &n_place, &n_features, &copy_to,
                          &copy_from, &product_to, &factor_a, &factor_b, &synd, &chrome, &upper,
                          &host))
        return NULL;
    layout.ready = 0;
    if (n_place != N_PLACE) {
        PyErr_Format(PyExc_ValueError, "the compiled pass computes %d place columns, not %d",
                     N_PLACE, n_place);
        return NULL;
    }
    int width = 3 * n_text + N_PLACE;
    if (n_text < 1 || n_features < 1 || n_features > MAX_FEATURES || synd < 0 || synd >= n_text ||
        chrome < 0 || chrome >= n_text || upper < 0 || upper >= n_text || host < 0 ||
        host >= n_text) {
        PyErr_SetString(PyExc_ValueError, "bad context layout");
        return NULL;
    }
    if (int_list(copy_to, layout.copy_to, n_features, &n1) < 0 ||
        int_list(copy_from, layout.copy_from, width, &n2) < 0 ||
        int_list(product_to, layout.product_to, n_features, &n3) < 0 ||
        int_list(factor_a, layout.factor_a, width, &n4) < 0 ||
        int_list(factor_b, layout.factor_b, width, &n5) < 0)
        return NULL;
    if (n1 != n2 || n3 != n4 || n3 != n5 || n1 + n3 != n_features) {
        PyErr_SetString(PyExc_ValueError, "the context layout's lists do not fit together");
        return NULL;
    }
    if (record_keys_ready() < 0) return NULL;
    layout.n_text = n_text;
    layout.n_features = n_features;
    layout.n_copy = n1;
    layout.n_product = n3;
    layout.synd = synd;
    layout.chrome = chrome;
    layout.upper = upper;
    layout.host = host;
    layout.ready = 1;
    Py_RETURN_NONE;
}

static PyObject *field(PyObject *record, int k) {
    PyObject *v = PyDict_GetItemWithError(record, record_keys[k]); /* borrowed */
    if (!v && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, record_keys[k]);
    return v;
}

static int number(PyObject *record, int k, double *out) {
    PyObject *v = field(record, k);
    if (!v) return -1;
    /* an int or a bool without the float object float(v) makes; the same value */
    *out = PyLong_Check(v) ? PyLong_AsDouble(v) : PyFloat_AsDouble(v);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* a is not None and a != b */
static int differs(PyObject *record, int ka, int kb) {
    PyObject *a = field(record, ka), *b;
    if (!a) return -1;
    if (a == Py_None) return 0;
    if (!(b = field(record, kb))) return -1;
    return PyObject_RichCompareBool(a, b, Py_NE);
}

static inline double dmin(double a, double b) { return a < b ? a : b; }

/* context_matrix(records, cues_of) -> bytearray of float64, one row of n_features per record:
 * cues_of(text) gives a text's own columns (features._line_cues), asked once per distinct text
 * that no record's "cues" dict holds. */
static PyObject *context_matrix(PyObject *self, PyObject *args) {
    PyObject *records, *cues_of;
    if (!PyArg_ParseTuple(args, "OO", &records, &cues_of)) return NULL;
    if (!layout.ready) {
        PyErr_SetString(PyExc_RuntimeError, "set_context_layout() was not called");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(records, "records must be a sequence of dicts");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    int nt = layout.n_text, width = 3 * nt + N_PLACE, place = 3 * nt;
    double *table = malloc(((size_t)n * width + 1) * sizeof(double));
    double *out = malloc(((size_t)n * layout.n_features + 1) * sizeof(double));
    PyObject *memo = PyDict_New(), *result = NULL;
    Buf seen = {NULL, 0, 0, sizeof(double)}; /* each distinct text's own columns */
    if (!table || !out || !memo) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *rec = items[r];
        if (!PyDict_Check(rec)) {
            PyErr_Format(PyExc_TypeError, "a record must be a dict, not %.80s",
                         Py_TYPE(rec)->tp_name);
            goto done;
        }
        double *row = table + (size_t)r * width;
        for (int part = 0; part < 3; part++) { /* the text, the previous and the next line */
            PyObject *text = field(rec, part);
            if (!text) goto done;
            /* the memo maps a text to its row in seen: each distinct text's floats read once */
            PyObject *at = PyDict_GetItemWithError(memo, text);
            Py_ssize_t k;
            if (at) {
                k = PyLong_AsSsize_t(at);
            } else {
                if (PyErr_Occurred()) goto done;
                PyObject *cues = NULL;
                PyObject *known = PyDict_GetItemWithError(rec, key_cues); /* borrowed */
                if (!known && PyErr_Occurred()) goto done;
                if (known && PyDict_Check(known)) {
                    cues = PyDict_GetItemWithError(known, text);
                    if (!cues && PyErr_Occurred()) goto done;
                    Py_XINCREF(cues);
                }
                if (!cues) cues = PyObject_CallOneArg(cues_of, text);
                if (!cues) goto done;
                if (!PyTuple_Check(cues) || PyTuple_GET_SIZE(cues) != nt) {
                    Py_DECREF(cues);
                    PyErr_SetString(PyExc_ValueError,
                                    "cues_of must return a tuple of n_text floats");
                    goto done;
                }
                k = (Py_ssize_t)(seen.len / (size_t)nt);
                if (buf_reserve(&seen, (size_t)nt) < 0) {
                    Py_DECREF(cues);
                    goto done;
                }
                double *dst = (double *)seen.data + seen.len;
                for (int c = 0; c < nt; c++) {
                    dst[c] = PyFloat_AsDouble(PyTuple_GET_ITEM(cues, c));
                    if (dst[c] == -1.0 && PyErr_Occurred()) {
                        Py_DECREF(cues);
                        goto done;
                    }
                }
                Py_DECREF(cues);
                seen.len += (size_t)nt;
                PyObject *index = PyLong_FromSsize_t(k);
                if (!index) goto done;
                int bad = PyDict_SetItem(memo, text, index);
                Py_DECREF(index);
                if (bad < 0) goto done;
            }
            memcpy(row + part * nt, (const double *)seen.data + (size_t)k * nt,
                   (size_t)nt * sizeof(double));
        }
        double i, cnt, before, after, letters, mixed;
        if (number(rec, 3, &i) < 0 || number(rec, 4, &cnt) < 0 || number(rec, 5, &before) < 0 ||
            number(rec, 6, &after) < 0 || number(rec, 7, &letters) < 0 || number(rec, 12, &mixed) < 0)
            goto done;
        int lang_differs = differs(rec, 8, 9), script_differs = differs(rec, 10, 11);
        if (lang_differs < 0 || script_differs < 0) goto done;
        int quotes = 0; /* index > 0 and headline and headline in text */
        if (i > 0) {
            PyObject *headline = field(rec, 13), *text = field(rec, 0);
            if (!headline || !text) goto done;
            int truth = PyObject_IsTrue(headline);
            if (truth < 0) goto done;
            if (truth && (quotes = PySequence_Contains(text, headline)) < 0) goto done;
        }
        const double *own = row, *prev = row + nt, *nxt = row + 2 * nt;
        double *p = row + place;
        p[0] = cnt > 1 ? i / (cnt - 1) : 1.0;
        p[1] = i == 0;
        p[2] = i == cnt - 1;
        p[3] = dmin(cnt - 1 - i, 6) / 6;
        p[4] = dmin(before, 3) / 3;
        p[5] = dmin(after, 3) / 3;
        p[6] = own[layout.synd] / 3;
        p[7] = own[layout.chrome] / 3;
        p[8] = own[layout.upper] / (letters > 1 ? letters : 1);
        p[9] = lang_differs;
        p[10] = script_differs;
        p[11] = mixed;
        p[12] = letters == 0;
        p[13] = prev[layout.synd] / 3;
        p[14] = nxt[layout.synd] / 3;
        p[15] = before > 0 && after > 0;
        p[16] = after == 0 && before > 0;
        p[17] = own[layout.synd] == 0;
        p[18] = own[layout.chrome] > 0 && own[layout.host] == 0;
        p[19] = quotes;
        double *o = out + (size_t)r * layout.n_features;
        for (int k = 0; k < layout.n_copy; k++) o[layout.copy_to[k]] = row[layout.copy_from[k]];
        for (int k = 0; k < layout.n_product; k++)
            o[layout.product_to[k]] = row[layout.factor_a[k]] * row[layout.factor_b[k]];
    }
    result = PyByteArray_FromStringAndSize(
        (const char *)out, (Py_ssize_t)((size_t)n * layout.n_features * sizeof(double)));
done:
    free(seen.data);
    free(table);
    free(out);
    Py_XDECREF(memo);
    Py_DECREF(seq);
    return result;
}

/* ---- The model's last steps: class probabilities and each segment's kind ---- */

#define MAX_CLASSES 64

/* class_proba(text_scores, row_of, ctx, mean, scale, coef, intercept) -> bytearray of float64
 * (len(row_of), n_classes): CompiledModel.predict_proba after its n-gram scores. Record r reads
 * text_scores[row_of[r]] and its context row ctx[r], standardised ((x - mean) / scale, either
 * None to skip), times coef (n_context, n_classes), plus intercept; then the softmax, the row's
 * maximum taken off first, its sum as numpy's add.reduce adds it. The dot products add in column
 * order, not in the BLAS's blocked order, so they may differ from numpy's in the last bits. */
static PyObject *class_proba(PyObject *self, PyObject *args) {
    PyObject *scores_o, *rows_o, *ctx_o, *mean_o, *scale_o, *coef_o, *icpt_o;
    if (!PyArg_ParseTuple(args, "OOOOOOO", &scores_o, &rows_o, &ctx_o, &mean_o, &scale_o,
                          &coef_o, &icpt_o))
        return NULL;
    Py_buffer iv = {0}, kv = {0}, cv = {0}, sv = {0}, mv = {0}, scv = {0};
    PyObject *rows = NULL, *result = NULL;
    double *out = NULL, *x = NULL;
    if (double_view(icpt_o, &iv, 0, 0, "intercept") < 0) goto done;
    Py_ssize_t nc = iv.len / (Py_ssize_t)sizeof(double);
    if (nc < 1 || nc > MAX_CLASSES) {
        PyErr_Format(PyExc_ValueError, "between 1 and %d classes, not %zd", MAX_CLASSES, nc);
        goto done;
    }
    if (double_view(coef_o, &kv, nc, 0, "coef") < 0) goto done;
    Py_ssize_t nk = kv.len / (Py_ssize_t)sizeof(double) / nc;
    if (nk < 1) {
        PyErr_SetString(PyExc_ValueError, "coef has no rows");
        goto done;
    }
    if (double_view(ctx_o, &cv, nk, 0, "ctx") < 0 || double_view(scores_o, &sv, nc, 0, "text_scores") < 0)
        goto done;
    if (mean_o != Py_None && double_view(mean_o, &mv, nk, 1, "mean") < 0) goto done;
    if (scale_o != Py_None && double_view(scale_o, &scv, nk, 1, "scale") < 0) goto done;
    Py_ssize_t n = cv.len / (Py_ssize_t)sizeof(double) / nk;
    Py_ssize_t n_texts = sv.len / (Py_ssize_t)sizeof(double) / nc;
    rows = PySequence_Fast(rows_o, "row_of must be a sequence of int");
    if (!rows) goto done;
    if (PySequence_Fast_GET_SIZE(rows) != n) {
        PyErr_Format(PyExc_ValueError, "row_of has %zd items for %zd context rows",
                     PySequence_Fast_GET_SIZE(rows), n);
        goto done;
    }
    out = malloc(((size_t)n * nc + 1) * sizeof(double));
    x = malloc(((size_t)nk + 1) * sizeof(double));
    if (!out || !x) {
        PyErr_NoMemory();
        goto done;
    }
    const double *scores = sv.buf, *ctx = cv.buf, *coef = kv.buf, *icpt = iv.buf;
    const double *mean = mv.obj ? mv.buf : NULL, *scale = scv.obj ? scv.buf : NULL;
    PyObject **items = PySequence_Fast_ITEMS(rows);
    for (Py_ssize_t r = 0; r < n; r++) {
        Py_ssize_t t = PyLong_AsSsize_t(items[r]);
        if (t == -1 && PyErr_Occurred()) goto done;
        if (t < 0 || t >= n_texts) {
            PyErr_Format(PyExc_IndexError, "row_of[%zd] = %zd is not a row of text_scores", r, t);
            goto done;
        }
        const double *c = ctx + (size_t)r * nk;
        for (Py_ssize_t k = 0; k < nk; k++) {
            double v = c[k];
            if (mean) v -= mean[k];
            if (scale) v /= scale[k];
            x[k] = v;
        }
        double *o = out + (size_t)r * nc;
        const double *ts = scores + (size_t)t * nc;
        for (Py_ssize_t j = 0; j < nc; j++) {
            double dot = x[0] * coef[j];
            for (Py_ssize_t k = 1; k < nk; k++) dot += x[k] * coef[k * nc + j];
            o[j] = ts[j] + (dot + icpt[j]);
        }
        double top = o[0]; /* numpy's maximum: a NaN wins */
        for (Py_ssize_t j = 0; j < nc; j++) {
            if (isnan(o[j])) {
                top = o[j];
                break;
            }
            if (o[j] > top) top = o[j];
        }
        for (Py_ssize_t j = 0; j < nc; j++) o[j] = exp(o[j] - top);
        double sum = o[0] + pairwise_sum(o + 1, nc - 1, 1);
        for (Py_ssize_t j = 0; j < nc; j++) o[j] /= sum;
    }
    result = PyByteArray_FromStringAndSize((const char *)out,
                                           (Py_ssize_t)((size_t)n * nc * sizeof(double)));
done:
    free(out);
    free(x);
    Py_XDECREF(rows);
    if (iv.obj) PyBuffer_Release(&iv);
    if (kv.obj) PyBuffer_Release(&kv);
    if (cv.obj) PyBuffer_Release(&cv);
    if (sv.obj) PyBuffer_Release(&sv);
    if (mv.obj) PyBuffer_Release(&mv);
    if (scv.obj) PyBuffer_Release(&scv);
    return result;
}

/* best_kinds(proba, footer, threshold, classes) -> list of (class, probability): Detector._kinds.
 * A row is the footer class when its footer probability reaches the threshold, else the first
 * likeliest other class (numpy's argmax: the first NaN, if any, wins). */
static PyObject *best_kinds(PyObject *self, PyObject *args) {
    PyObject *proba_o, *classes;
    Py_ssize_t footer;
    double threshold;
    if (!PyArg_ParseTuple(args, "OndO!", &proba_o, &footer, &threshold, &PyTuple_Type, &classes))
        return NULL;
    Py_ssize_t nc = PyTuple_GET_SIZE(classes);
    if (nc < 1 || footer < 0 || footer >= nc) {
        PyErr_SetString(PyExc_ValueError, "footer must index a non-empty tuple of classes");
        return NULL;
    }
    Py_buffer pv = {0};
    if (double_view(proba_o, &pv, nc, 0, "proba") < 0) return NULL;
    Py_ssize_t n = pv.len / (Py_ssize_t)sizeof(double) / nc;
    const double *proba = pv.buf;
    PyObject *out = PyList_New(n);
    for (Py_ssize_t r = 0; out && r < n; r++) {
        const double *p = proba + (size_t)r * nc;
        Py_ssize_t best = footer;
        if (!(p[footer] >= threshold)) {
            double top = footer == 0 ? -1.0 : p[0];
            best = 0;
            for (Py_ssize_t j = 0; j < nc && !isnan(top); j++) {
                double v = j == footer ? -1.0 : p[j];
                if (v > top || isnan(v)) {
                    top = v;
                    best = j;
                }
            }
        }
        PyObject *pair = Py_BuildValue("(Od)", PyTuple_GET_ITEM(classes, best), p[best]);
        if (!pair) Py_CLEAR(out);
        else PyList_SET_ITEM(out, r, pair);
    }
    PyBuffer_Release(&pv);
    return out;
}

/* ---- Language identification: langdetect's Detector, bit for bit ----
 *
 * langdetect 1.0.9's detector.Detector (append, cleaning_text, _extract_ngrams, _detect_block,
 * _sort_probability) on its own profiles and CPython's Mersenne Twister: the same draws, the same
 * floating-point operations in the same order, so the same probabilities to the last bit. The
 * profiles, the character normalisation table and the seeded generator come from Python
 * (attrib.langdetect_compiled); URL and e-mail removal and the Vietnamese normalisation stay
 * there too, behind checks that skip them when they cannot change the text. What langdetect
 * keeps as a dict of 55-float lists is a hash table of n-grams over their non-zero entries (an
 * n-gram is known to 2.1 languages on average) and full rows for the few known to many: about
 * 6 MB in all. */

#define LD_N_TRIAL 7
#define LD_ITERATION_LIMIT 1000
#define LD_CONV_THRESHOLD 0.99999
#define LD_PROB_THRESHOLD 0.1
#define LD_ALPHA 0.5
#define LD_ALPHA_WIDTH 0.05
#define LD_BASE_FREQ 10000
#define LD_MAX_TEXT 10000
#define LD_MAX_LANGS 1024
#define LD_DENSE_MIN 8 /* an n-gram known to more languages gets a full row */
#define MT_N 624
#define MT_M 397

typedef struct {
    uint32_t start, count; /* the n-gram's entries, or its dense row when count > LD_DENSE_MIN */
} GramEntries;

typedef struct {
    uint64_t key; /* up to three code points, 21 bits each, the first lowest; 0 for an empty slot */
    GramEntries at;
} GramSlot;

typedef struct {
    PyObject_HEAD
    PyObject *names; /* tuple of str: langdetect's langlist, in its order */
    int n_langs;
    GramSlot *slots;
    uint64_t slot_mask;
    uint16_t *entry_lang;
    double *entry_prob;
    double *dense; /* rows of n_langs probabilities, zero where a language lacks the n-gram */
    uint32_t *norm; /* NGram.normalize of each BMP code point; the others are left as they are */
    uint32_t mt[MT_N]; /* the generator after random.seed(seed) and its first twist */
    Buf keys, grams, text; /* scratch: a text's n-grams (keys, then the entries of the known
                            * ones, copied so that a draw reads no slot) and its cleaned code
                            * points */
} ProfilesObject;

static void profiles_dealloc(ProfilesObject *self) {
    Py_XDECREF(self->names);
    free(self->slots);
    free(self->entry_lang);
    free(self->entry_prob);
    free(self->dense);
    free(self->norm);
    free(self->keys.data);
    free(self->grams.data);
    free(self->text.data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Mixed before and after the multiply: keys differ mostly in their high bits (an n-gram's
 * later code points), which a plain multiplicative hash left clustered (13.6 probes a stored
 * n-gram at this load, against 2.0). */
static inline uint64_t gram_slot(uint64_t key, uint64_t mask) {
    uint64_t x = (key ^ (key >> 29)) * 0xBF58476D1CE4E5B9ULL;
    return (x ^ (x >> 32)) & mask;
}

/* The slot holding key, or the empty slot where it would go. */
static inline uint64_t find_gram(const GramSlot *slots, uint64_t mask, uint64_t key) {
    uint64_t s = gram_slot(key, mask);
    while (slots[s].key && slots[s].key != key) s = (s + 1) & mask;
    return s;
}

/* CPython's _random: genrand_uint32's twist. */
static void mt_twist(uint32_t *mt) {
    static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
    uint32_t y;
    int kk;
    for (kk = 0; kk < MT_N - MT_M; kk++) {
        y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
        mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < MT_N - 1; kk++) {
        y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
        mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
}

typedef struct {
    uint32_t mt[MT_N];
    int index;
    int has_gauss;
    double gauss_next;
} Rng;

static inline uint32_t rng_u32(Rng *r) {
    if (r->index >= MT_N) {
        mt_twist(r->mt);
        r->index = 0;
    }
    uint32_t y = r->mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* random.random() */
static inline double rng_random(Rng *r) {
    uint32_t a = rng_u32(r) >> 5, b = rng_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* random.choice's _randbelow_with_getrandbits(n), for 0 < n < 2^32 */
static inline uint32_t rng_below(Rng *r, uint32_t n) {
    int k = 32 - __builtin_clz(n); /* n.bit_length() */
    uint32_t v = rng_u32(r) >> (32 - k);
    while (v >= n) v = rng_u32(r) >> (32 - k);
    return v;
}

/* random.gauss(0.0, 1.0) */
static double rng_gauss(Rng *r) {
    double z;
    if (r->has_gauss) {
        z = r->gauss_next;
        r->has_gauss = 0;
    } else {
        double x2pi = rng_random(r) * (2.0 * 3.141592653589793);
        double g2rad = sqrt(-2.0 * log(1.0 - rng_random(r)));
        z = cos(x2pi) * g2rad;
        r->gauss_next = sin(x2pi) * g2rad;
        r->has_gauss = 1;
    }
    return 0.0 + z * 1.0;
}

/* sum(prob) as the running CPython computes it: in order, compensated from 3.12 on. */
static inline double ld_sum(const double *p, int n) {
#if PY_VERSION_HEX >= 0x030C0000
    double s = p[0], c = 0.0;
    for (int i = 1; i < n; i++) {
        double x = p[i], t = s + x;
        if (fabs(s) >= fabs(x))
            c += (s - t) + x;
        else
            c += (x - t) + s;
        s = t;
    }
    if (c && isfinite(c)) s += c;
    return s;
#else
    double s = p[0];
    for (int i = 1; i < n; i++) s += p[i];
    return s;
#endif
}

/* Detector._normalize_prob(prob) > CONV_THRESHOLD: the maximum is above it when any value is,
 * which lets the divisions run side by side. */
static inline int ld_normalize_converged(double *prob, int n) {
    double sump = ld_sum(prob, n);
    int converged = 0;
    for (int i = 0; i < n; i++) prob[i] /= sump;
    for (int i = 0; i < n; i++) converged |= prob[i] > LD_CONV_THRESHOLD;
    return converged;
}

/* Detector._update_lang_prob: prob[i] *= weight + p[i], where p is zero but for the n-gram's
 * entries (weight + 0.0 is weight). The n-grams read most often are known to many languages:
 * those have a full row. */
static inline void ld_update(const ProfilesObject *pf, double *prob, const GramEntries *s,
                             double weight) {
    int n = pf->n_langs;
    if (s->count > LD_DENSE_MIN) {
        const double *row = pf->dense + s->start;
        for (int i = 0; i < n; i++) prob[i] *= weight + row[i];
        return;
    }
    double saved[LD_DENSE_MIN];
    const uint16_t *lang = pf->entry_lang + s->start;
    const double *p = pf->entry_prob + s->start;
    uint32_t m = s->count;
    for (uint32_t k = 0; k < m; k++) saved[k] = prob[lang[k]] * (weight + p[k]);
    for (int i = 0; i < n; i++) prob[i] *= weight;
    for (uint32_t k = 0; k < m; k++) prob[lang[k]] = saved[k];
}

static inline Py_UCS4 ld_norm(const ProfilesObject *pf, Py_UCS4 ch) {
    return ch < 0x10000 ? pf->norm[ch] : ch;
}

/* Detector.append (after the URL, e-mail and Vietnamese steps) and cleaning_text: the code
 * points in pf->text. */
static int ld_clean(ProfilesObject *pf, PyObject *text) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (len > LD_MAX_TEXT) len = LD_MAX_TEXT;
    pf->text.len = 0;
    if (buf_reserve(&pf->text, (size_t)len) < 0) return -1;
    Py_UCS4 *out = pf->text.data;
    size_t n = 0;
    long latin = 0, non_latin = 0;
    Py_UCS4 pre = 0x110000; /* append's pre = 0: no character */
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch != ' ' || pre != ' ') {
            out[n++] = ch;
            if (ch >= 'A' && ch <= 'z')
                latin++;
            else if (ch >= 0x300) /* langdetect compares a block number with a name: always != */
                non_latin++;
        }
        pre = ch;
    }
    if (latin * 2 < non_latin) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (out[i] < 'A' || out[i] > 'z') out[m++] = out[i];
        n = m;
    }
    pf->text.len = n;
    return 0;
}

/* Detector._extract_ngrams with NGram.add_char: the entries of the known n-grams, in pf->grams.
 * The n-grams are read first and looked up after, a few ahead of each lookup fetched from
 * memory while it runs, and so are the probabilities of the n-grams found. */
static int ld_extract(ProfilesObject *pf) {
    const Py_UCS4 *text = pf->text.data;
    size_t n = pf->text.len;
    pf->keys.len = pf->grams.len = 0;
    if (buf_reserve(&pf->keys, 3 * n) < 0 || buf_reserve(&pf->grams, 3 * n) < 0) return -1;
    uint64_t *keys = pf->keys.data;
    size_t n_keys = 0;
    Py_UCS4 g[3] = {' ', 0, 0};
    int glen = 1, capital = 0;
    for (size_t i = 0; i < n; i++) {
        Py_UCS4 ch = ld_norm(pf, text[i]);
        Py_UCS4 last = g[glen - 1];
        if (last == ' ') {
            g[0] = ' ';
            glen = 1;
            capital = 0;
            if (ch == ' ') continue; /* nothing to read in ' ' */
        } else if (glen >= 3) {
            g[0] = g[1];
            g[1] = g[2];
            glen = 2;
        }
        g[glen++] = ch;
        if (u_isupper(ch)) {
            if (u_isupper(last)) capital = 1;
        } else {
            capital = 0;
        }
        if (capital) continue;
        uint64_t key = 0;
        for (int k = 1; k <= 3 && k <= glen; k++) {
            key = (key << 21) | g[glen - k]; /* the n-gram's first code point lowest */
            if (k > 1 || ch != ' ') keys[n_keys++] = key;
        }
    }
    GramEntries *out = pf->grams.data;
    size_t m = 0;
    enum { AHEAD = 8 };
    for (size_t j = 0; j < n_keys; j++) {
        if (j + AHEAD < n_keys) __builtin_prefetch(&pf->slots[gram_slot(keys[j + AHEAD], pf->slot_mask)]);
        uint64_t s = find_gram(pf->slots, pf->slot_mask, keys[j]);
        const GramSlot *slot = &pf->slots[s];
        if (!slot->key) continue;
        out[m++] = slot->at;
        if (slot->at.count > LD_DENSE_MIN) {
            const char *row = (const char *)(pf->dense + slot->at.start);
            for (int b = 0; b < pf->n_langs * 8; b += 64) __builtin_prefetch(row + b);
        } else {
            __builtin_prefetch(pf->entry_prob + slot->at.start);
            __builtin_prefetch(pf->entry_lang + slot->at.start);
        }
    }
    pf->grams.len = m;
    return 0;
}

/* Detector._detect_block and _sort_probability for one text: a tuple of (language, probability)
 * best first, or None when it holds no known n-gram (langdetect's "No features in text."). */
/* Compiled twice on x86-64 (AVX2 and baseline), the better one chosen where the module loads:
 * four probabilities at a time, the same operations on each, so the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WIDER_VECTORS __attribute__((target_clones("avx2", "default")))
#else
#define WIDER_VECTORS
#endif

WIDER_VECTORS
static PyObject *ld_detect_one(ProfilesObject *pf, PyObject *text) {
    if (ld_clean(pf, text) < 0 || ld_extract(pf) < 0) return NULL;
    size_t n_grams = pf->grams.len;
    if (!n_grams) Py_RETURN_NONE;
    const GramEntries *grams = pf->grams.data;
    int nl = pf->n_langs;
    double langprob[LD_MAX_LANGS], prob[LD_MAX_LANGS];
    for (int j = 0; j < nl; j++) langprob[j] = 0.0;
    Rng rng;
    memcpy(rng.mt, pf->mt, sizeof rng.mt);
    rng.index = 0; /* pf->mt is already twisted once */
    rng.has_gauss = 0;
    for (int t = 0; t < LD_N_TRIAL; t++) {
        double init = 1.0 / nl;
        for (int j = 0; j < nl; j++) prob[j] = init;
        double alpha = LD_ALPHA + rng_gauss(&rng) * LD_ALPHA_WIDTH;
        double weight = alpha / LD_BASE_FREQ;
        for (int i = 0;; i++) {
            uint32_t pick = rng_below(&rng, (uint32_t)n_grams);
            ld_update(pf, prob, &grams[pick], weight);
            if (i % 5 == 0 && (ld_normalize_converged(prob, nl) || i >= LD_ITERATION_LIMIT))
                break;
        }
        for (int j = 0; j < nl; j++) langprob[j] += prob[j] / LD_N_TRIAL;
    }
    int order[LD_MAX_LANGS], m = 0;
    for (int j = 0; j < nl; j++)
        if (langprob[j] > LD_PROB_THRESHOLD) {
            int k = m++; /* list.sort(reverse=True): stable, the larger first */
            while (k && langprob[order[k - 1]] < langprob[j]) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = j;
        }
    PyObject *out = PyTuple_New(m);
    if (!out) return NULL;
    for (int k = 0; k < m; k++) {
        PyObject *name = PyTuple_GET_ITEM(pf->names, order[k]);
        PyObject *pair = Py_BuildValue("(Od)", name, langprob[order[k]]);
        if (!pair) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, pair);
    }
    return out;
}

static PyObject *profiles_detect(ProfilesObject *self, PyObject *texts) {
    if (PyUnicode_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "Profiles.detect takes a sequence of str, not a str");
        return NULL;
    }
    PyObject *seq = str_sequence(texts, "Profiles.detect");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t r = 0; out && r < n; r++) {
        PyObject *res = ld_detect_one(self, items[r]);
        if (!res) Py_CLEAR(out);
        else PyList_SET_ITEM(out, r, res);
    }
    Py_DECREF(seq);
    return out;
}

static PyObject *profiles_normalize(ProfilesObject *self, PyObject *text) {
    if (ready_str(text, "Profiles.normalize") < 0) return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *buf = PyMem_Malloc((len ? len : 1) * sizeof(Py_UCS4));
    if (!buf) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < len; i++) buf[i] = ld_norm(self, PyUnicode_READ(kind, data, i));
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, len);
    PyMem_Free(buf);
    return out;
}

/* The n-gram key of a str of one to three code points, or 0 for any other (it can never be read:
 * NGram.normalize turns U+0000 into ' '). */
static uint64_t gram_key(PyObject *w) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(w);
    if (len < 1 || len > 3) return 0;
    uint64_t key = 0;
    for (Py_ssize_t i = len - 1; i >= 0; i--) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(w, i);
        if (!ch) return 0;
        key = (key << 21) | ch;
    }
    return key;
}

static PyObject *profiles_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *names, *grams;
    Py_buffer langs = {0}, probs = {0}, norm = {0}, state = {0};
    if (kwds && PyDict_Size(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Profiles() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!O!y*y*y*y*", &PyTuple_Type, &names, &PyList_Type, &grams, &langs,
                          &probs, &norm, &state))
        return NULL;
    ProfilesObject *self = NULL;
    uint64_t *keys = NULL;
    uint32_t *fill = NULL;
    Py_ssize_t n = PyList_GET_SIZE(grams), n_langs = PyTuple_GET_SIZE(names);
    const uint16_t *lang = langs.buf;
    const double *prob = probs.buf;
    if (n_langs < 1 || n_langs > LD_MAX_LANGS || langs.len != n * 2 || probs.len != n * 8 ||
        norm.len != 0x10000 * 4 || state.len != MT_N * 4) {
        PyErr_SetString(PyExc_ValueError, "Profiles(): tables of the wrong size");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_langs; i++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(names, i))) {
            PyErr_SetString(PyExc_TypeError, "Profiles(): language names must be str");
            goto done;
        }
    self = (ProfilesObject *)type->tp_alloc(type, 0);
    if (!self) goto done;
    self->keys.item = sizeof(uint64_t);
    self->grams.item = sizeof(GramEntries);
    self->text.item = sizeof(Py_UCS4);
    self->n_langs = (int)n_langs;
    Py_INCREF(names);
    self->names = names;
    keys = malloc((n ? n : 1) * sizeof *keys);
    self->entry_lang = malloc((n ? n : 1) * sizeof *self->entry_lang);
    self->entry_prob = malloc((n ? n : 1) * sizeof *self->entry_prob);
    self->norm = malloc(0x10000 * sizeof *self->norm);
    if (!keys || !self->entry_lang || !self->entry_prob || !self->norm) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *w = PyList_GET_ITEM(grams, i);
        if (ready_str(w, "Profiles") < 0) goto fail;
        if (lang[i] >= n_langs) {
            PyErr_SetString(PyExc_ValueError, "Profiles(): a language index out of range");
            goto fail;
        }
        keys[i] = gram_key(w);
    }
    /* The distinct n-grams, counted in a table as large as the entries, size the table kept: a
     * small one stays in cache while a text's n-grams are looked up. */
    size_t cap = 1024, n_distinct = 0;
    while (cap < (size_t)n + (size_t)n / 2) cap *= 2;
    self->slots = calloc(cap, sizeof *self->slots);
    if (!self->slots) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!keys[i]) continue;
        uint64_t s = find_gram(self->slots, cap - 1, keys[i]);
        n_distinct += !self->slots[s].key;
        self->slots[s].key = keys[i];
    }
    free(self->slots);
    cap = 1024;
    while (cap < n_distinct + n_distinct / 3) cap *= 2;
    self->slot_mask = cap - 1;
    self->slots = calloc(cap, sizeof *self->slots);
    fill = calloc(cap, sizeof *fill);
    if (!self->slots || !fill) {
        PyErr_NoMemory();
        goto fail;
    }
    /* Count each n-gram's entries, give each its run of entries, then fill the runs. */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!keys[i]) continue;
        uint64_t s = find_gram(self->slots, self->slot_mask, keys[i]);
        self->slots[s].key = keys[i];
        self->slots[s].at.count++;
    }
    uint32_t start = 0;
    for (size_t s = 0; s < cap; s++) {
        self->slots[s].at.start = start;
        start += self->slots[s].at.count;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!keys[i]) continue;
        uint64_t s = find_gram(self->slots, self->slot_mask, keys[i]);
        uint32_t at = self->slots[s].at.start;
        for (uint32_t k = 0; k < fill[s]; k++)
            if (self->entry_lang[at + k] == lang[i]) {
                PyErr_SetString(PyExc_ValueError, "Profiles(): an n-gram twice in one language");
                goto fail;
            }
        self->entry_lang[at + fill[s]] = lang[i];
        self->entry_prob[at + fill[s]] = prob[i];
        fill[s]++;
    }
    size_t n_dense = 0;
    for (size_t s = 0; s < cap; s++) n_dense += self->slots[s].at.count > LD_DENSE_MIN;
    self->dense = calloc(n_dense ? n_dense * n_langs : 1, sizeof *self->dense);
    if (!self->dense) {
        PyErr_NoMemory();
        goto fail;
    }
    n_dense = 0;
    for (size_t s = 0; s < cap; s++) {
        GramSlot *slot = &self->slots[s];
        if (slot->at.count <= LD_DENSE_MIN) continue;
        double *row = self->dense + n_dense++ * n_langs;
        for (uint32_t k = 0; k < slot->at.count; k++)
            row[self->entry_lang[slot->at.start + k]] = self->entry_prob[slot->at.start + k];
        slot->at.start = (uint32_t)((row - self->dense));
    }
    memcpy(self->norm, norm.buf, 0x10000 * sizeof *self->norm);
    memcpy(self->mt, state.buf, sizeof self->mt);
    mt_twist(self->mt); /* the seeded state's index is 624: its first draw twists */
    goto done;
fail:
    Py_CLEAR(self);
done:
    free(keys);
    free(fill);
    PyBuffer_Release(&langs);
    PyBuffer_Release(&probs);
    PyBuffer_Release(&norm);
    PyBuffer_Release(&state);
    return (PyObject *)self;
}

static PyMethodDef profiles_methods[] = {
    {"detect", (PyCFunction)profiles_detect, METH_O,
     "detect(texts) -> list: for each text, langdetect's get_probabilities() as a tuple of "
     "(language, probability), or None where langdetect finds no features."},
    {"normalize", (PyCFunction)profiles_normalize, METH_O,
     "normalize(text) -> str: NGram.normalize of each character."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ProfilesType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "attrib._speedups.Profiles",
    .tp_basicsize = sizeof(ProfilesObject),
    .tp_dealloc = (destructor)profiles_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Profiles(names, grams, langs, probs, norm, state): langdetect's detector on its "
              "profiles, seeded generator state and character table.",
    .tp_methods = profiles_methods,
    .tp_new = profiles_new,
};

/* ---- Where CSV records end, without decoding ----
 *
 * The csv module's reader (default dialect: ",", '"', doubled quotes, not strict) reading the
 * lines of a file opened with newline="" ends a record at the end of a line (after "\n", "\r\n"
 * or a lone "\r") unless the line ends inside a quoted field. Its other rules do not move that
 * end: a quote opens a quoted field only at the start of a field, and a doubled quote inside one
 * is a quote. All the characters that matter are ASCII, and no byte of a UTF-8 sequence of
 * another character is, so the same ends are found in the undecoded bytes. */

enum { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_IN_QUOTED };

/* csv_record_ends(buffer, final) -> list of int: the offset after each record that ends in
 * buffer. A "\r" at the very end may be the first half of "\r\n", so the record it would end
 * is left for more data unless final; with final, bytes after the last end are one more record,
 * as the reader returns them at the end of the file. */
static PyObject *csv_record_ends(PyObject *self, PyObject *args) {
    Py_buffer view;
    int final;
    if (!PyArg_ParseTuple(args, "y*p", &view, &final)) return NULL;
    const unsigned char *b = view.buf;
    Py_ssize_t n = view.len, last = 0;
    PyObject *out = PyList_New(0);
    if (!out) goto done;
    int state = CSV_FIELD_START;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        if (state == CSV_QUOTED) {
            if (c == '"') state = CSV_QUOTE_IN_QUOTED;
            continue;
        }
        if (c == '\n' || c == '\r') {
            Py_ssize_t end = i + 1;
            if (c == '\r') {
                if (end == n && !final) break; /* "\r" or "\r\n": the next block says */
                if (end < n && b[end] == '\n') end++;
            }
            PyObject *v = PyLong_FromSsize_t(end);
            if (!v || PyList_Append(out, v) < 0) {
                Py_XDECREF(v);
                Py_CLEAR(out);
                goto done;
            }
            Py_DECREF(v);
            last = end;
            i = end - 1;
            state = CSV_FIELD_START;
            continue;
        }
        if (c == ',') {
            state = CSV_FIELD_START;
        } else if (c == '"') {
            state = state == CSV_FIELD_START       ? CSV_QUOTED
                    : state == CSV_QUOTE_IN_QUOTED ? CSV_QUOTED
                                                   : CSV_UNQUOTED;
        } else {
            state = CSV_UNQUOTED;
        }
    }
    if (final && last < n) {
        PyObject *v = PyLong_FromSsize_t(n);
        if (!v || PyList_Append(out, v) < 0) {
            Py_XDECREF(v);
            Py_CLEAR(out);
        } else {
            Py_DECREF(v);
        }
    }
done:
    PyBuffer_Release(&view);
    return out;
}

/* csv_rows(text) -> list of lists of str: list(csv.reader(io.StringIO(text, newline=""))) with
 * the default dialect, by the csv module's own state machine (Modules/_csv.c): the reader is fed
 * lines that end after "\n", after a "\r" not followed by "\n", or at the end of the text, and
 * each line is followed by its end-of-line event. A field is a slice of the text unless a
 * doubled quote or a character after a closing quote breaks it; then it is built in a buffer. */
enum { CR_START_RECORD, CR_START_FIELD, CR_IN_FIELD, CR_IN_QUOTED, CR_QUOTE_IN_QUOTED, CR_EAT_CRNL };
#define CR_EOL ((Py_UCS4)0xFFFFFFFFu)

typedef struct {
    PyObject *text, *fields, *rows;
    Py_ssize_t start, len; /* the field as a slice of text, while it is one */
    int sliced, had; /* had: the field holds characters (a slice or the buffer) */
    Buf buf;         /* Py_UCS4 characters of a field that is not a slice */
} CsvReader;

static int cr_add(CsvReader *r, Py_UCS4 c, Py_ssize_t i) {
    if (!r->had) {
        r->had = 1;
        r->sliced = 1;
        r->start = i;
        r->len = 1;
        return 0;
    }
    if (r->sliced && i == r->start + r->len) {
        r->len++;
        return 0;
    }
    if (r->sliced) { /* from here on the field is built in the buffer */
        r->buf.len = 0;
        if (buf_reserve(&r->buf, (size_t)r->len + 1) < 0) return -1;
        Py_UCS4 *out = r->buf.data;
        for (Py_ssize_t k = 0; k < r->len; k++) out[k] = PyUnicode_READ_CHAR(r->text, r->start + k);
        r->buf.len = (size_t)r->len;
        r->sliced = 0;
    }
    if (buf_reserve(&r->buf, 1) < 0) return -1;
    ((Py_UCS4 *)r->buf.data)[r->buf.len++] = c;
    return 0;
}

static int cr_save(CsvReader *r) {
    PyObject *field;
    if (!r->had)
        field = PyUnicode_New(0, 0);
    else if (r->sliced)
        field = PyUnicode_Substring(r->text, r->start, r->start + r->len);
    else
        field = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, r->buf.data, (Py_ssize_t)r->buf.len);
    r->had = 0;
    if (!field) return -1;
    if (!r->fields && !(r->fields = PyList_New(0))) {
        Py_DECREF(field);
        return -1;
    }
    int bad = PyList_Append(r->fields, field);
    Py_DECREF(field);
    return bad;
}

/* One character (or CR_EOL) through _csv.c's parse_process_char, default dialect, not strict. */
static int cr_char(CsvReader *r, int *state, Py_UCS4 c, Py_ssize_t i) {
    int eol = c == CR_EOL, newline = c == '\n' || c == '\r';
    switch (*state) {
    case CR_START_RECORD:
        if (eol) return 0;
        if (newline) {
            *state = CR_EAT_CRNL;
            return 0;
        }
        *state = CR_START_FIELD;
        /* fall through */
    case CR_START_FIELD:
        if (newline || eol) {
            if (cr_save(r) < 0) return -1;
            *state = eol ? CR_START_RECORD : CR_EAT_CRNL;
        } else if (c == '"') {
            *state = CR_IN_QUOTED;
        } else if (c == ',') {
            if (cr_save(r) < 0) return -1;
        } else {
            if (cr_add(r, c, i) < 0) return -1;
            *state = CR_IN_FIELD;
        }
        return 0;
    case CR_IN_FIELD:
        if (newline || eol) {
            if (cr_save(r) < 0) return -1;
            *state = eol ? CR_START_RECORD : CR_EAT_CRNL;
        } else if (c == ',') {
            if (cr_save(r) < 0) return -1;
            *state = CR_START_FIELD;
        } else if (cr_add(r, c, i) < 0) {
            return -1;
        }
        return 0;
    case CR_IN_QUOTED:
        if (eol) return 0;
        if (c == '"') {
            *state = CR_QUOTE_IN_QUOTED;
            return 0;
        }
        return cr_add(r, c, i);
    case CR_QUOTE_IN_QUOTED:
        if (c == '"') {
            *state = CR_IN_QUOTED;
            return cr_add(r, c, i);
        }
        if (c == ',') {
            if (cr_save(r) < 0) return -1;
            *state = CR_START_FIELD;
        } else if (newline || eol) {
            if (cr_save(r) < 0) return -1;
            *state = eol ? CR_START_RECORD : CR_EAT_CRNL;
        } else {
            if (cr_add(r, c, i) < 0) return -1;
            *state = CR_IN_FIELD;
        }
        return 0;
    default: /* CR_EAT_CRNL: only line ends can follow, as lines are cut */
        if (eol) *state = CR_START_RECORD;
        return 0;
    }
}

/* The record read so far, ended: Reader_iternext returns its fields (an empty list for a blank
 * line). */
static int cr_emit(CsvReader *r) {
    PyObject *fields = r->fields ? r->fields : PyList_New(0);
    r->fields = NULL;
    if (!fields) return -1;
    int bad = PyList_Append(r->rows, fields);
    Py_DECREF(fields);
    return bad;
}

static PyObject *csv_rows(PyObject *self, PyObject *text) {
    if (ready_str(text, "csv_rows") < 0) return NULL;
    CsvReader r = {text, NULL, PyList_New(0), 0, 0, 0, 0, {NULL, 0, 0, sizeof(Py_UCS4)}};
    if (!r.rows) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int state = CR_START_RECORD, in_line = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (state == CR_IN_QUOTED) {
            /* the run up to the next quote joins the field at once: inside quotes, line ends
             * are characters of the field and their end-of-line events do nothing */
            Py_ssize_t j = i;
            if (kind == PyUnicode_1BYTE_KIND) {
                const Py_UCS1 *q = memchr((const Py_UCS1 *)data + i, '"', (size_t)(n - i));
                j = q ? q - (const Py_UCS1 *)data : n;
            } else if (kind == PyUnicode_2BYTE_KIND) {
                const Py_UCS2 *d = data;
                while (j < n && d[j] != '"') j++;
            } else {
                const Py_UCS4 *d = data;
                while (j < n && d[j] != '"') j++;
            }
            if (j > i) {
                if (!r.had) {
                    r.had = r.sliced = 1;
                    r.start = i;
                    r.len = 0;
                }
                if (r.sliced && i == r.start + r.len) {
                    r.len += j - i;
                } else {
                    if (cr_add(&r, PyUnicode_READ(kind, data, i), i) < 0) goto fail;
                    if (buf_reserve(&r.buf, (size_t)(j - i)) < 0) goto fail;
                    Py_UCS4 *out = (Py_UCS4 *)r.buf.data + r.buf.len;
                    for (Py_ssize_t k = i + 1; k < j; k++) *out++ = PyUnicode_READ(kind, data, k);
                    r.buf.len += (size_t)(j - i - 1);
                }
                in_line = 1;
                i = j - 1;
                continue;
            }
        }
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        in_line = 1;
        if (cr_char(&r, &state, c, i) < 0) goto fail;
        int line_end = c == '\n' || (c == '\r' && !(i + 1 < n && PyUnicode_READ(kind, data, i + 1) == '\n'));
        if (line_end) {
            in_line = 0;
            if (cr_char(&r, &state, CR_EOL, i) < 0) goto fail;
            if (state == CR_START_RECORD && cr_emit(&r) < 0) goto fail;
        }
    }
    if (in_line) { /* the last line, without a line end */
        if (cr_char(&r, &state, CR_EOL, n) < 0) goto fail;
        if (state == CR_START_RECORD && cr_emit(&r) < 0) goto fail;
    }
    if (state != CR_START_RECORD) { /* the text ends inside a quoted field: what it holds */
        if (r.had || state == CR_IN_QUOTED) {
            if (cr_save(&r) < 0 || cr_emit(&r) < 0) goto fail;
        }
    }
    free(r.buf.data);
    Py_XDECREF(r.fields);
    return r.rows;
fail:
    free(r.buf.data);
    Py_XDECREF(r.fields);
    Py_DECREF(r.rows);
    return NULL;
}

/* csv_lines(rows, results, cell) -> bytes: the UTF-8 CSV lines of the rows, each row's fields
 * followed by its result's, as batch._csv_line writes them: a field holding a quote is quoted
 * with its quotes doubled, one holding a comma, "\n" or "\r" is quoted, a line of one empty
 * field is '""'. A field that is not a str is cell(value), which must return a str; None is "". */
static int cl_field(Buf *out, PyObject *v, PyObject *cell, int only) {
    PyObject *owned = NULL;
    if (v == Py_None) {
        v = owned = PyUnicode_New(0, 0);
    } else if (!PyUnicode_Check(v)) {
        v = owned = PyObject_CallOneArg(cell, v);
        if (v && !PyUnicode_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "cell must return a str");
            Py_CLEAR(owned);
            v = NULL;
        }
    }
    if (!v) return -1;
    Py_ssize_t len;
    const char *u = PyUnicode_AsUTF8AndSize(v, &len);
    if (!u) {
        Py_XDECREF(owned);
        return -1;
    }
    int quote = only && len == 0, doubled = 0;
    for (Py_ssize_t k = 0; k < len; k++) {
        char c = u[k];
        if (c == '"') doubled = 1;
        else if (c == ',' || c == '\n' || c == '\r') quote = 1;
    }
    if (buf_reserve(out, (size_t)len * (doubled ? 2 : 1) + 3) < 0) {
        Py_XDECREF(owned);
        return -1;
    }
    char *o = (char *)out->data + out->len;
    if (quote || doubled) *o++ = '"';
    if (doubled) {
        for (Py_ssize_t k = 0; k < len; k++) {
            if (u[k] == '"') *o++ = '"';
            *o++ = u[k];
        }
    } else {
        memcpy(o, u, (size_t)len);
        o += len;
    }
    if (quote || doubled) *o++ = '"';
    out->len = (size_t)(o - (char *)out->data);
    Py_XDECREF(owned);
    return 0;
}

static PyObject *csv_lines(PyObject *self, PyObject *args) {
    PyObject *rows, *results, *cell;
    if (!PyArg_ParseTuple(args, "OOO", &rows, &results, &cell)) return NULL;
    PyObject *rs = PySequence_Fast(rows, "rows must be a sequence");
    if (!rs) return NULL;
    PyObject *qs = PySequence_Fast(results, "results must be a sequence");
    if (!qs) {
        Py_DECREF(rs);
        return NULL;
    }
    PyObject *out = NULL;
    Buf b = {NULL, 0, 0, 1};
    Py_ssize_t n = PySequence_Fast_GET_SIZE(rs);
    if (PySequence_Fast_GET_SIZE(qs) != n) {
        PyErr_SetString(PyExc_ValueError, "rows and results differ in length");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *parts[2] = {PySequence_Fast(PySequence_Fast_GET_ITEM(rs, i), "a row must be a sequence"),
                              PySequence_Fast(PySequence_Fast_GET_ITEM(qs, i), "a result must be a sequence")};
        int bad = !parts[0] || !parts[1];
        Py_ssize_t total = bad ? 0 : PySequence_Fast_GET_SIZE(parts[0]) + PySequence_Fast_GET_SIZE(parts[1]);
        Py_ssize_t written = 0;
        for (int p = 0; p < 2 && !bad; p++) {
            Py_ssize_t m = PySequence_Fast_GET_SIZE(parts[p]);
            PyObject **items = PySequence_Fast_ITEMS(parts[p]);
            for (Py_ssize_t k = 0; k < m && !bad; k++) {
                if (written++) {
                    if ((bad = buf_reserve(&b, 1) < 0)) break;
                    ((char *)b.data)[b.len++] = ',';
                }
                bad = cl_field(&b, items[k], cell, total == 1) < 0;
            }
        }
        Py_XDECREF(parts[0]);
        Py_XDECREF(parts[1]);
        if (bad || buf_reserve(&b, 1) < 0) goto done;
        ((char *)b.data)[b.len++] = '\n';
    }
    out = PyBytes_FromStringAndSize(b.data, (Py_ssize_t)b.len);
done:
    free(b.data);
    Py_DECREF(rs);
    Py_DECREF(qs);
    return out;
}

/* url_start(text, wide_dots, links) -> int: language.url_start with www = [wW]{3} and a dot
 * ("." only, or with wide_dots also "．" and "。"): five characters before the first "://", with
 * links the first "[" of a text holding "](" if earlier, or the first "www" and its dot that
 * starts before that; len(text) when there is none of them. */
static PyObject *url_start(PyObject *self, PyObject *args) {
    PyObject *text;
    int wide, links;
    if (!PyArg_ParseTuple(args, "Upp", &text, &wide, &links)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *d = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), lo = n, first_bracket = -1;
    int link = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, d, i);
        if (c == ':' && lo == n && i + 2 < n && PyUnicode_READ(kind, d, i + 1) == '/' &&
            PyUnicode_READ(kind, d, i + 2) == '/')
            lo = i >= 5 ? i - 5 : 0;
        else if (c == '[' && first_bracket < 0)
            first_bracket = i;
        else if (c == ']' && i + 1 < n && PyUnicode_READ(kind, d, i + 1) == '(')
            link = 1;
    }
    if (links && link && first_bracket >= 0 && first_bracket < lo) lo = first_bracket;
    for (Py_ssize_t i = 0; i < lo && i + 3 < n; i++) {
        if ((PyUnicode_READ(kind, d, i) | 32) != 'w' || (PyUnicode_READ(kind, d, i + 1) | 32) != 'w' ||
            (PyUnicode_READ(kind, d, i + 2) | 32) != 'w')
            continue;
        Py_UCS4 dot = PyUnicode_READ(kind, d, i + 3);
        if (dot == '.' || (wide && (dot == 0xFF0E || dot == 0x3002))) return PyLong_FromSsize_t(i);
    }
    return PyLong_FromSsize_t(lo);
}

/* ---- Instances of frozen slots dataclasses without their __init__ ----
 *
 * A frozen dataclass's __init__ sets each field through object.__setattr__, one Python call per
 * field: 0.4-0.8 us for a Span, a Guess or a Segment, tens of thousands of which a batch makes.
 * Maker(cls, names) builds the same object (the class's own allocation, each slot holding its
 * value, nothing else) from positional values in the order of names, which must name every slot
 * of cls. Classes with a __dict__, a __post_init__ or slots of other kinds are refused. */

#define MAKER_MAX_FIELDS 16
typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    Py_ssize_t n;
    Py_ssize_t offsets[MAKER_MAX_FIELDS];
    vectorcallfunc vectorcall;
} MakerObject;

static PyObject *maker_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw) {
    MakerObject *mk = (MakerObject *)self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (kw && PyTuple_GET_SIZE(kw)) {
        PyErr_Format(PyExc_TypeError, "%s() takes positional arguments only here",
                     mk->cls->tp_name);
        return NULL;
    }
    if (n != mk->n) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", mk->cls->tp_name,
                     mk->n, n);
        return NULL;
    }
    PyObject *obj = mk->cls->tp_alloc(mk->cls, 0);
    if (!obj) return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_INCREF(args[k]);
        *(PyObject **)((char *)obj + mk->offsets[k]) = args[k];
    }
    return obj;
}

static int count_slots(PyTypeObject *cls) {
    int n = 0;
    for (PyMemberDef *m = cls->tp_members; m && m->name; m++) n++;
    return n;
}

static PyObject *maker_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    PyObject *cls_obj, *names;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Maker(cls, names) takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!O!", &PyType_Type, &cls_obj, &PyTuple_Type, &names)) return NULL;
    PyTypeObject *cls = (PyTypeObject *)cls_obj;
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (!(cls->tp_flags & Py_TPFLAGS_HEAPTYPE) || cls->tp_dictoffset || cls->tp_itemsize ||
        cls->tp_base != &PyBaseObject_Type || n > MAKER_MAX_FIELDS || n != count_slots(cls)) {
        PyErr_Format(PyExc_TypeError,
                     "Maker needs a class of object with only the named slots; %s is not one",
                     cls->tp_name);
        return NULL;
    }
    int post_init = PyObject_HasAttrString(cls_obj, "__post_init__");
    if (post_init) {
        PyErr_Format(PyExc_TypeError, "%s has a __post_init__ that Maker would skip",
                     cls->tp_name);
        return NULL;
    }
    MakerObject *self = (MakerObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *name = PyTuple_GET_ITEM(names, k);
        PyObject *d = PyUnicode_Check(name) ? PyDict_GetItemWithError(cls->tp_dict, name) : NULL;
        if (!d || !Py_IS_TYPE(d, &PyMemberDescr_Type) ||
            ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX ||
            ((PyMemberDescrObject *)d)->d_common.d_type != cls) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%R is not an object slot of %s", name,
                             cls->tp_name);
            Py_DECREF(self);
            return NULL;
        }
        Py_ssize_t offset = ((PyMemberDescrObject *)d)->d_member->offset;
        for (Py_ssize_t j = 0; j < k; j++)
            if (self->offsets[j] == offset) {
                PyErr_Format(PyExc_TypeError, "slot %R named twice", name);
                Py_DECREF(self);
                return NULL;
            }
        self->offsets[k] = offset;
    }
    Py_INCREF(cls);
    self->cls = cls;
    self->n = n;
    self->vectorcall = maker_call;
    return (PyObject *)self;
}

static void maker_dealloc(MakerObject *self) {
    Py_XDECREF(self->cls);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject MakerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "attrib._speedups.Maker",
    .tp_basicsize = sizeof(MakerObject),
    .tp_dealloc = (destructor)maker_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(MakerObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_doc = "Maker(cls, names): a callable that builds instances of a frozen slots dataclass "
              "from positional field values, as its __init__ would, without running it.",
    .tp_new = maker_new,
};

/* ---- The language votes of an article: language.article_votes and language.mixed_all ---- */

/* The fields of a Guess, read from its slots through the Maker that builds it. */
typedef struct {
    PyObject *language, *script, *candidates;
    long long letters, words;
} GuessView;

static int guess_view(PyObject *maker, PyObject *g, GuessView *v) {
    if (!Py_IS_TYPE(maker, &MakerType) || ((MakerObject *)maker)->n != 5) {
        PyErr_SetString(PyExc_TypeError, "make_guess must be the Maker of Guess");
        return -1;
    }
    MakerObject *mk = (MakerObject *)maker;
    if (Py_TYPE(g) != mk->cls) {
        PyErr_Format(PyExc_TypeError, "a guess must be a %s, not %.80s", mk->cls->tp_name,
                     Py_TYPE(g)->tp_name);
        return -1;
    }
    PyObject *f[5];
    for (int k = 0; k < 5; k++) {
        f[k] = *(PyObject **)((char *)g + mk->offsets[k]);
        if (!f[k]) {
            PyErr_SetString(PyExc_AttributeError, "a guess with a field unset");
            return -1;
        }
    }
    v->language = f[0];
    v->script = f[1];
    v->candidates = f[4];
    v->letters = PyLong_AsLongLong(f[2]);
    if (v->letters == -1 && PyErr_Occurred()) return -1;
    v->words = PyLong_AsLongLong(f[3]);
    if (v->words == -1 && PyErr_Occurred()) return -1;
    return 0;
}

/* a == b for a str or None each, as Python compares them; -1 on error. */
static inline int same(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    if (a == Py_None || b == Py_None) return 0;
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* Guess.judgeable; cjk is the set of scripts written without spaces. */
static int judgeable(const GuessView *v, PyObject *cjk) {
    if (v->language == Py_None) return 0;
    int dense = v->script == Py_None ? 0 : PySet_Contains(cjk, v->script);
    if (dense < 0) return -1;
    return dense ? v->letters >= 4 : v->words >= 2 && v->letters >= 6;
}

/* Votes: keys[k] (borrowed) with their sums, in the order first seen. */
typedef struct {
    PyObject **keys;
    long long *sums;
    Py_ssize_t n;
} Votes;

static int vote(Votes *v, PyObject *key, long long amount) {
    for (Py_ssize_t k = 0; k < v->n; k++) {
        int eq = same(v->keys[k], key);
        if (eq < 0) return -1;
        if (eq) {
            v->sums[k] += amount;
            return 0;
        }
    }
    v->keys[v->n] = key;
    v->sums[v->n++] = amount;
    return 0;
}

/* article_votes(voters, make_guess, cjk) -> (language, script): language.article_language of the
 * voters, and the script with most letters among the voters of that language (the first seen on
 * a tie), None for either without a vote. */
static PyObject *article_votes(PyObject *self, PyObject *args) {
    PyObject *voters, *maker, *cjk;
    if (!PyArg_ParseTuple(args, "OOO!", &voters, &maker, &PyFrozenSet_Type, &cjk)) return NULL;
    PyObject *seq = PySequence_Fast(voters, "voters must be a sequence of guesses");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq), *result = NULL;
    GuessView *views = malloc(((size_t)n + 1) * sizeof(GuessView));
    Votes votes = {malloc(((size_t)n + 1) * sizeof(PyObject *)),
                   malloc(((size_t)n + 1) * sizeof(long long)), 0};
    if (!views || !votes.keys || !votes.sums) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (guess_view(maker, items[i], &views[i]) < 0) goto done;
        int ok = judgeable(&views[i], cjk);
        if (ok < 0 || (ok && vote(&votes, views[i].language, views[i].letters) < 0)) goto done;
    }
    if (!votes.n) /* no judgeable voter: every one with a language votes */
        for (Py_ssize_t i = 0; i < n; i++)
            if (views[i].language != Py_None &&
                vote(&votes, views[i].language, views[i].letters) < 0)
                goto done;
    PyObject *language = Py_None, *script = Py_None;
    if (votes.n) { /* the most letters; ties: the least code */
        long long best = votes.sums[0];
        for (Py_ssize_t k = 1; k < votes.n; k++)
            if (votes.sums[k] > best) best = votes.sums[k];
        language = NULL;
        for (Py_ssize_t k = 0; k < votes.n; k++) {
            if (votes.sums[k] != best) continue;
            int less = language ? PyObject_RichCompareBool(votes.keys[k], language, Py_LT) : 1;
            if (less < 0) goto done;
            if (less) language = votes.keys[k];
        }
    }
    votes.n = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (views[i].script == Py_None) continue;
        int eq = same(views[i].language, language);
        if (eq < 0 || (eq && vote(&votes, views[i].script, views[i].letters) < 0)) goto done;
    }
    if (votes.n) { /* the most letters; ties: the first seen */
        Py_ssize_t top = 0;
        for (Py_ssize_t k = 1; k < votes.n; k++)
            if (votes.sums[k] > votes.sums[top]) top = k;
        script = votes.keys[top];
    }
    result = PyTuple_Pack(2, language, script);
done:
    free(views);
    free(votes.keys);
    free(votes.sums);
    Py_DECREF(seq);
    return result;
}

/* mixed_all(guesses, article, script, make_guess, cjk, min_letters, min_words) -> tuple of
 * language.is_mixed(guess, article, script) for each guess: (language, mixed). */
static PyObject *mixed_all(PyObject *self, PyObject *args) {
    PyObject *guesses, *article, *article_script, *maker, *cjk;
    long long min_letters, min_words;
    if (!PyArg_ParseTuple(args, "OOOOO!LL", &guesses, &article, &article_script, &maker,
                          &PyFrozenSet_Type, &cjk, &min_letters, &min_words))
        return NULL;
    PyObject *seq = PySequence_Fast(guesses, "guesses must be a sequence of guesses");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *result = PyTuple_New(n);
    int ja = PyUnicode_Check(article) && PyUnicode_CompareWithASCIIString(article, "ja") == 0;
    for (Py_ssize_t i = 0; result && i < n; i++) {
        GuessView v;
        PyObject *lang = NULL;
        int mixed = 0, eq = 0;
        if (guess_view(maker, items[i], &v) < 0) goto fail;
        int script_same = same(v.script, article_script);
        if (script_same < 0) goto fail;
        if (v.language == Py_None && v.script != Py_None && script_same) {
            lang = article; /* too short to judge in the article's own script */
        } else if (v.language == Py_None || article == Py_None) {
            lang = v.language;
        } else if (ja && PyUnicode_Check(v.script) &&
                   PyUnicode_CompareWithASCIIString(v.script, "Hani") == 0) {
            lang = article; /* kanji-only lines of a Japanese article are Japanese */
        } else if (!script_same) {
            lang = v.language;
            int ok = judgeable(&v, cjk);
            if (ok < 0 || (ok && (eq = same(v.language, article)) < 0)) goto fail;
            mixed = ok && !eq;
        } else if ((eq = same(v.language, article))) {
            if (eq < 0) goto fail;
            lang = article;
        } else {
            int sure = v.letters >= min_letters && v.words >= min_words;
            PyObject *cands = v.candidates;
            if (sure && !PyTuple_Check(cands)) {
                PyErr_SetString(PyExc_TypeError, "a guess's candidates must be a tuple");
                goto fail;
            }
            for (Py_ssize_t c = 0; sure && c < PyTuple_GET_SIZE(cands); c++) {
                PyObject *pair = PyTuple_GET_ITEM(cands, c);
                if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
                    PyErr_SetString(PyExc_TypeError, "a candidate must be a (code, probability) pair");
                    goto fail;
                }
                if ((eq = same(PyTuple_GET_ITEM(pair, 0), article)) < 0) goto fail;
                sure = !eq;
            }
            lang = sure ? v.language : article;
            mixed = sure;
        }
        PyObject *pair = PyTuple_Pack(2, lang, mixed ? Py_True : Py_False);
        if (!pair) goto fail;
        PyTuple_SET_ITEM(result, i, pair);
    }
    Py_DECREF(seq);
    return result;
fail:
    Py_XDECREF(result);
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef methods[] = {
    {"hash_ngrams", hash_ngrams, METH_VARARGS,
     "hash_ngrams(texts, lo, hi, n_features) -> (counts, indices, indptr) as bytearrays of "
     "float32, int32, int32: attrib.features.hash_ngrams without numpy."},
    {"text_scores", text_scores, METH_VARARGS,
     "text_scores(texts, lo, hi, n_features, log_table, weights) -> bytearray of float64 "
     "(len(texts), n_classes), or None when a count is beyond log_table."},
    {"set_scripts", set_scripts, METH_VARARGS,
     "set_scripts(table, astral, n_scripts): the script of each code point."},
    {"tail_starts", tail_starts, METH_VARARGS,
     "tail_starts(texts, classes, tail_min, tail_max, head_min, margin, keep, paragraph=0) -> "
     "list of tuples of offsets: attrib.segment.tail_starts for many lines; with paragraph, only "
     "those whose head is a paragraph (attrib.features.is_paragraph)."},
    {"part_cues", part_cues, METH_VARARGS,
     "part_cues(lexicon, kinds, marks, text, lowered, cuts, hosts) -> tuple of line_cues of text and "
     "of its head and tail at each cut, or None where a piece could read otherwise alone."},
    {"host_windows", host_windows, METH_O,
     "host_windows(text) -> list of (start, end): the stretches of text that may hold a host."},
    {"line_cues", line_cues, METH_VARARGS,
     "line_cues(lexicon, kinds, marks, text, lowered, n_hosts, host_chars, last_host_end, "
     "institutional) -> tuple of 28 floats: attrib.features._line_cues."},
    {"set_context_layout", set_context_layout, METH_VARARGS,
     "set_context_layout(n_text, n_place, n_features, copy_to, copy_from, product_to, factor_a, "
     "factor_b, synd, chrome, upper, host): the columns of attrib.features.CONTEXT_FEATURES."},
    {"context_matrix", context_matrix, METH_VARARGS,
     "context_matrix(records, cues_of) -> bytearray of float64 (len(records), n_features): "
     "attrib.features.context_matrix."},
    {"class_proba", class_proba, METH_VARARGS,
     "class_proba(text_scores, row_of, ctx, mean, scale, coef, intercept) -> bytearray of "
     "float64 (len(row_of), n_classes): attrib.compiled.CompiledModel.predict_proba's last steps."},
    {"best_kinds", best_kinds, METH_VARARGS,
     "best_kinds(proba, footer, threshold, classes) -> list of (class, probability): "
     "attrib.detector.Detector._kinds."},
    {"split_lines", split_lines, METH_VARARGS,
     "split_lines(text, make_span=None) -> list of (start, end): attrib.segment.split_lines's "
     "spans; with make_span, the tuple of make_span(start, end, text[start:end])."},
    {"script_guesses", script_guesses, METH_VARARGS,
     "script_guesses(texts, mask_rest, make_guess, tie_script, names, languages, cjk, kana, hani) "
     "-> list of (guess, masked): attrib.language._guess_scripts."},
    {"article_votes", article_votes, METH_VARARGS,
     "article_votes(voters, make_guess, cjk) -> (language, script): attrib.language.article_votes."},
    {"mixed_all", mixed_all, METH_VARARGS,
     "mixed_all(guesses, article, script, make_guess, cjk, min_letters, min_words) -> tuple of "
     "(language, mixed): attrib.language.is_mixed of each guess."},
    {"plain_mask", plain_mask, METH_O,
     "plain_mask(text) -> bool: nothing in text for attrib.language.mask to mask."},
    {"plain_normalised", plain_normalised, METH_O,
     "plain_normalised(text) -> str or None: attrib.features.normalise_text(text) when the "
     "line holds nothing to mask, else None."},
    {"csv_rows", csv_rows, METH_O,
     "csv_rows(text) -> list of lists of str: list(csv.reader(io.StringIO(text, newline='')))."},
    {"csv_lines", csv_lines, METH_VARARGS,
     "csv_lines(rows, results, cell) -> bytes: batch._csv_text's CSV lines, UTF-8 encoded."},
    {"line_records", line_records, METH_VARARGS,
     "line_records(texts, guesses, languages, mixed, article_language, article_script, "
     "long_flags, headline) -> list of dict: features.build_records' records."},
    {"url_start", url_start, METH_VARARGS,
     "url_start(text, wide_dots, links) -> int: language.url_start's answer."},
    {"csv_record_ends", csv_record_ends, METH_VARARGS,
     "csv_record_ends(buffer, final) -> list of int: where the csv module's records end in "
     "undecoded bytes."},
    {"has_any", has_any, METH_VARARGS,
     "has_any(text, chars) -> bool: whether text holds one of the characters of chars."},
    {"dense_count", dense_count, METH_O,
     "dense_count(text) -> int: how many characters of text attrib.features._DENSE matches."},
    {"lower", lower, METH_O, "lower(text) -> str: text.lower()."},
    {"lower_digits", lower_digits, METH_O,
     "lower_digits(text) -> str: text.lower() with each run of decimal digits made one '0'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "attrib._speedups",
    "Compiled versions of attrib's hot feature steps; the package works without them.", -1,
    methods,
};

static int add_type(PyObject *m, PyTypeObject *type, const char *name) {
    if (PyType_Ready(type) < 0) return -1;
    Py_INCREF(type);
    if (PyModule_AddObject(m, name, (PyObject *)type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__speedups(void) {
    fill_bmp_decimal();
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (add_type(m, &LexiconType, "Lexicon") < 0 || add_type(m, &ProfilesType, "Profiles") < 0 ||
        add_type(m, &MakerType, "Maker") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
