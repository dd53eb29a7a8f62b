/* attrib._speedups: compiled versions of hot feature steps.
 *
 * Each function gives exactly the answer of its pure-Python reference in attrib/features.py
 * (tests/test_speedups.py holds them equal); the package works without this module.
 *
 * hash_ngrams(texts, lo, hi, n_features) -> (counts, indices, indptr) as bytearrays of
 * float32, int32 and int32: the CSR arrays of :func:`attrib.features._hash_ngrams_numpy`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

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

/* A count per column, kept between calls (the GIL is held throughout) and left all zero. */
static uint32_t *col_count = NULL;
static size_t col_count_size = 0;

static int ensure_counts(size_t n_features) {
    if (col_count_size >= n_features) return 0;
    uint32_t *p = calloc(n_features, sizeof(uint32_t));
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    free(col_count);
    col_count = p;
    col_count_size = n_features;
    return 0;
}

static inline uint32_t bucket(uint64_t h, int n, uint64_t mask) {
    uint64_t x = h + (uint64_t)n * SALT_STEP;
    x ^= x >> 31;
    x *= MIX1;
    x ^= x >> 29;
    return (uint32_t)(x & mask);
}

/* Sort a small array of columns: LSD radix sort, 8 bits a pass, through tmp. */
static void sort_columns(uint32_t *a, uint32_t *tmp, size_t n, int bits) {
    if (n < 32) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < bits; shift += 8) {
        size_t hist[257] = {0};
        for (size_t i = 0; i < n; i++) hist[((src[i] >> shift) & 255) + 1]++;
        for (int k = 0; k < 256; k++) hist[k + 1] += hist[k];
        for (size_t i = 0; i < n; i++) dst[hist[(src[i] >> shift) & 255]++] = src[i];
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

typedef struct {
    int lo, hi, bits;
    uint64_t mask;
    Buf cp, cols, tmp;
} Counter;

static void clear_row(Counter *k) {
    const uint32_t *unique = k->cols.data;
    for (size_t j = 0; j < k->cols.len; j++) col_count[unique[j]] = 0;
}

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
    return ensure_counts(n_features);
}

static void counter_free(Counter *k) {
    free(k->cp.data);
    free(k->cols.data);
    free(k->tmp.data);
}

/* Count the n-grams of one text: its distinct columns, sorted, in k->cols (the return value is
 * how many), each column's count in col_count. The caller zeroes those counts (clear_row). */
static Py_ssize_t count_row(Counter *k, PyObject *text) {
    Py_ssize_t m = padded_codes(text, &k->cp);
    if (m < 0) return -1;
    const uint64_t *c = k->cp.data;
    k->cols.len = 0;
    if (buf_reserve(&k->cols, (size_t)m * (size_t)(k->hi - k->lo + 1)) < 0) return -1;
    uint32_t *unique = k->cols.data;
    size_t n_unique = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        uint64_t h = 0;
        for (int n = 1; n <= k->hi && i + n <= m; n++) {
            uint64_t code = c[i + n - 1];
            h = n == 1 ? code : (h * PRIME) ^ code;
            if (n >= 3 && c[i + n - 2] == 32) break; /* a space inside the window */
            if (n >= k->lo) {
                uint32_t col = bucket(h, n, k->mask);
                if (col_count[col]++ == 0) unique[n_unique++] = col;
            }
        }
    }
    k->cols.len = n_unique;
    if (buf_reserve(&k->tmp, n_unique) < 0) {
        clear_row(k);
        return -1;
    }
    sort_columns(unique, k->tmp.data, n_unique, k->bits);
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
            clear_row(&k);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_OverflowError, "too many n-grams for int32 indices");
            goto done;
        }
        const uint32_t *unique = k.cols.data;
        float *cv = (float *)counts.data + counts.len;
        int32_t *iv = (int32_t *)indices.data + indices.len;
        for (Py_ssize_t j = 0; j < n_unique; j++) {
            cv[j] = (float)col_count[unique[j]];
            iv[j] = (int32_t)unique[j];
        }
        clear_row(&k);
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

/* A float64 array argument of the expected size, or None when allowed. */
static int get_doubles(PyObject *obj, Py_buffer *view, Py_ssize_t size, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != sizeof(double) || !view->format || strcmp(view->format, "d") != 0 ||
        view->len != size * (Py_ssize_t)sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 array of %zd values",
                     name, size);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* text_scores(texts, lo, hi, n_features, log_table, idf, coef) -> bytearray of float64 scores,
 * one row of n_classes per text: the l2-normalised (sublinear) tf-idf n-gram vector of each text
 * times coef, summed in the order numpy sums it, so the answer is the same to the last bit.
 * log_table[c] is log(c) + 1 as numpy computes it (None: raw counts); a count beyond the table
 * returns None, and the caller takes the numpy path. idf may be None. */
static PyObject *text_scores(PyObject *self, PyObject *args) {
    PyObject *texts, *log_obj, *idf_obj, *coef_obj;
    int lo, hi;
    unsigned long long n_features;
    if (!PyArg_ParseTuple(args, "OiiKOOO", &texts, &lo, &hi, &n_features, &log_obj, &idf_obj,
                          &coef_obj))
        return NULL;
    Counter k;
    if (counter_init(&k, lo, hi, n_features) < 0) return NULL;
    Py_buffer log_view = {0}, idf_view = {0}, coef_view = {0};
    const double *log_table = NULL, *idf = NULL, *coef;
    Py_ssize_t log_size = 0, n_classes;
    PyObject *seq = NULL, *result = NULL;
    double *out = NULL;
    if (PyObject_GetBuffer(coef_obj, &coef_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        counter_free(&k);
        return NULL;
    }
    n_classes = coef_view.len / (Py_ssize_t)sizeof(double) / (Py_ssize_t)n_features;
    if (n_classes < 1 || strcmp(coef_view.format, "d") != 0 ||
        coef_view.len != n_classes * (Py_ssize_t)n_features * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "coef must be a C-contiguous float64 array of shape "
                                          "(n_features, n_classes)");
        goto done;
    }
    coef = coef_view.buf;
    if (log_obj != Py_None) {
        if (PyObject_GetBuffer(log_obj, &log_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
            goto done;
        if (strcmp(log_view.format, "d") != 0) {
            PyErr_SetString(PyExc_ValueError, "log_table must be a float64 array");
            goto done;
        }
        log_table = log_view.buf;
        log_size = log_view.len / (Py_ssize_t)sizeof(double);
    }
    if (idf_obj != Py_None) {
        if (get_doubles(idf_obj, &idf_view, (Py_ssize_t)n_features, "idf") < 0) goto done;
        idf = idf_view.buf;
    }
    seq = str_sequence(texts, "text_scores");
    if (!seq) goto done;
    Py_ssize_t n_rows = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    out = calloc((size_t)(n_rows ? n_rows : 1) * (size_t)n_classes, sizeof(double));
    Buf values = {NULL, 0, 0, sizeof(double)};
    Buf weighted = {NULL, 0, 0, sizeof(double)};
    if (!out) {
        PyErr_NoMemory();
        goto done;
    }
    int beyond = 0;
    for (Py_ssize_t r = 0; r < n_rows && !beyond; r++) {
        Py_ssize_t n_unique = count_row(&k, items[r]);
        if (n_unique < 0) goto done_values;
        if (buf_reserve(&values, n_unique) < 0) {
            clear_row(&k);
            goto done_values;
        }
        const uint32_t *unique = k.cols.data;
        double *v = values.data;
        double sq = 0.0;
        for (Py_ssize_t j = 0; j < n_unique; j++) {
            uint32_t count = col_count[unique[j]];
            double x = (double)count;
            if (log_table) {
                if ((Py_ssize_t)count >= log_size) {
                    beyond = 1;
                    break;
                }
                x = log_table[count];
            }
            if (idf) x *= idf[unique[j]];
            v[j] = x;
            sq += x * x;
        }
        clear_row(&k);
        if (beyond || !n_unique) continue;
        double norm = sqrt(sq);
        if (norm == 0.0) norm = 1.0;
        if (buf_reserve(&weighted, (size_t)n_unique * n_classes) < 0) goto done_values;
        double *w = weighted.data;
        for (Py_ssize_t j = 0; j < n_unique; j++) {
            const double *cj = coef + (size_t)unique[j] * n_classes;
            for (Py_ssize_t c = 0; c < n_classes; c++) w[j * n_classes + c] = cj[c] * v[j];
        }
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
done_values:
    free(values.data);
    free(weighted.data);
done:
    free(out);
    Py_XDECREF(seq);
    if (coef_view.obj) PyBuffer_Release(&coef_view);
    if (log_view.obj) PyBuffer_Release(&log_view);
    if (idf_view.obj) PyBuffer_Release(&idf_view);
    counter_free(&k);
    return result;
}

/* The script of each code point, set once by set_scripts from language.py's tables. */
#define MAX_SCRIPTS 64

static unsigned char *script_ids = NULL; /* 1 + script index, 0 for a non-letter */
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
    if (!ranges || !ids) {
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
    free(script_ids);
    free(astral_ranges);
    script_ids = ids;
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
    if (!Py_UNICODE_ISALPHA(ch)) return 0;
    for (Py_ssize_t k = 0; k < n_astral; k++)
        if (astral_ranges[k][0] <= (long long)ch && (long long)ch <= astral_ranges[k][1])
            return (int)astral_ranges[k][2];
    return n_scripts;
}

static inline int is_word_letter(Py_UCS4 ch) {
    return Py_UNICODE_ISALNUM(ch) && !Py_UNICODE_ISDECIMAL(ch) && ch != '_';
}

/* script_counts(texts, kana, hani) -> list of (best, letters, kana, tied, words) per text: the
 * letters of each script counted as language._scripts_of counts them. best is the index of the
 * script with most letters (the first on a tie, as numpy.argmax), tied whether another has as
 * many, kana whether kana letters are at least a tenth of the Han ones; words counts
 * language._WORD's matches (letters not digits, joined by an apostrophe or hyphen). */
static PyObject *script_counts(PyObject *self, PyObject *args) {
    PyObject *texts;
    int kana_id, hani_id;
    if (!PyArg_ParseTuple(args, "Oii", &texts, &kana_id, &hani_id) || !scripts_ready())
        return NULL;
    if (kana_id < 0 || kana_id >= n_scripts || hani_id < 0 || hani_id >= n_scripts) {
        PyErr_SetString(PyExc_ValueError, "bad script index");
        return NULL;
    }
    PyObject *seq = str_sequence(texts, "script_counts");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *result = PyList_New(n);
    if (!result) goto done;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *text = items[r];
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        long long counts[MAX_SCRIPTS] = {0};
        long long words = 0;
        int in_word = 0;    /* inside a word's letters */
        int after_join = 0; /* just after an apostrophe or hyphen that follows a word's letter */
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            counts[script_id(ch)]++;
            if (is_word_letter(ch)) {
                if (!in_word && !after_join) words++;
                in_word = 1;
                after_join = 0;
            } else {
                after_join = in_word && (ch == '\'' || ch == 0x2019 || ch == '-');
                in_word = 0;
            }
        }
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
        long long kana = counts[kana_id + 1], hani = counts[hani_id + 1];
        PyObject *row = Py_BuildValue("(iLOOL)", best, letters,
                                      kana > 0 && kana * 10 >= hani ? Py_True : Py_False,
                                      tied ? Py_True : Py_False, words);
        if (!row) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, r, row);
    }
done:
    Py_DECREF(seq);
    return result;
}

static inline int is_terminal(Py_UCS4 ch) {
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

/* tail_starts(texts, classes, tail_min, tail_max, head_min, margin, keep) -> list of tuples:
 * for each line, segment.tail_starts's offsets into the line (at most keep, ascending);
 * classes holds segment._CLASS_TABLE's class (0-4) of each script id. */
static PyObject *tail_starts(PyObject *self, PyObject *args) {
    PyObject *texts;
    Py_buffer class_buf;
    Py_ssize_t tail_min, tail_max, head_min, margin;
    int keep;
    if (!scripts_ready() ||
        !PyArg_ParseTuple(args, "Oy*nnnni", &texts, &class_buf, &tail_min, &tail_max, &head_min,
                          &margin, &keep))
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
    if (!result) goto done;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *text = items[r];
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        Py_ssize_t first = len - tail_max - margin;
        if (first < 0) first = 0;
        found.len = 0;
        if (buf_reserve(&found, 2 * (size_t)(len - first) + 1) < 0) {
            Py_CLEAR(result);
            goto done;
        }
        Py_ssize_t *starts = found.data;
        int n_starts = 0;
        /* After a sentence end, any closing quotes or brackets, and white space (_SENTENCE_END) */
        for (Py_ssize_t p = first; p < len; p++) {
            if (!is_terminal(PyUnicode_READ(kind, data, p))) continue;
            Py_ssize_t q = p + 1;
            while (q < len && is_closer(PyUnicode_READ(kind, data, q))) q++;
            Py_ssize_t w = q;
            while (w < len && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, w))) w++;
            if (w > q && w < len) {
                add_start(starts, &n_starts, w);
                p = w - 1;
            }
        }
        /* Where the script class changes after a run of non-letters that ends in a space, the
         * new class not Latin (_SWITCH); ASCII text has no such change. */
        if (PyUnicode_MAX_CHAR_VALUE(text) > 127) {
            int prev = first > 0 ? script_class[script_id(PyUnicode_READ(kind, data, first - 1))]
                                 : 0;
            Py_ssize_t p = first;
            while (p < len) {
                int c = script_class[script_id(PyUnicode_READ(kind, data, p))];
                if (c != 0 || prev == 0) {
                    prev = c;
                    p++;
                    continue;
                }
                Py_ssize_t q = p; /* a run of non-letters after a letter of class prev */
                int next = 0;
                while (q < len && (next = script_class[script_id(PyUnicode_READ(kind, data, q))]) == 0)
                    q++;
                if (q < len && next != prev && next >= 2 && PyUnicode_READ(kind, data, q - 1) == ' ')
                    add_start(starts, &n_starts, q);
                prev = q < len ? next : 0;
                p = q + 1;
            }
        }
        /* Keep starts that leave a head and a tail of plausible length: the last `keep`. */
        int kept = 0;
        for (int k = 0; k < n_starts; k++) {
            Py_ssize_t i = starts[k];
            if (len - i >= tail_min && len - i <= tail_max && i >= head_min) starts[kept++] = i;
        }
        for (int k = 1; k < kept; k++) {
            Py_ssize_t v = starts[k];
            int j = k;
            while (j && starts[j - 1] > v) {
                starts[j] = starts[j - 1];
                j--;
            }
            starts[j] = v;
        }
        int from = kept > keep ? kept - keep : 0;
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
    Py_DECREF(seq);
    return result;
}

static PyMethodDef methods[] = {
    {"hash_ngrams", hash_ngrams, METH_VARARGS,
     "hash_ngrams(texts, lo, hi, n_features) -> (counts, indices, indptr) as bytearrays of "
     "float32, int32, int32: attrib.features.hash_ngrams without numpy."},
    {"text_scores", text_scores, METH_VARARGS,
     "text_scores(texts, lo, hi, n_features, log_table, idf, coef) -> bytearray of float64 "
     "(len(texts), n_classes), or None when a count is beyond log_table."},
    {"set_scripts", set_scripts, METH_VARARGS,
     "set_scripts(table, astral, n_scripts): the script of each code point."},
    {"script_counts", script_counts, METH_VARARGS,
     "script_counts(texts, kana, hani) -> list of (best, letters, kana, tied, words): "
     "attrib.language._scripts_of's counts and _WORD's matches."},
    {"tail_starts", tail_starts, METH_VARARGS,
     "tail_starts(texts, classes, tail_min, tail_max, head_min, margin, keep) -> list of "
     "tuples of "
     "offsets: attrib.segment.tail_starts for many lines."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "attrib._speedups",
    "Compiled versions of attrib's hot feature steps; the package works without them.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
