/* The lookups of vigil.index.table.ChunkTable in one pass of C (see table.py for the layout
and why the search is exact).

In numpy a lookup at a million hashes was a dozen passes over its ~4,150 candidates (row
numbers, their gathering, the XOR, the popcount, the selection), each through a temporary
array: about 260 microseconds a query, three quarters of it in those passes rather than in
the reads of the rows themselves. Here every candidate is read once and checked where it lies,
with the next ones' hash rows requested from memory ahead of their check.

search(words, starts, low, high, queries, radius) -> (numbers, rows, distances)

  words      the table's hashes: n rows of 4 native 64-bit words (n * 32 bytes)
  starts     uint32 or int64 [16][65537]: bucket starts (told apart by the buffer's size)
  low        uint16 [15 * n]: low 16 bits of the row numbers of chunks 1-15
  high       None, or uint8 or uint16 [15 * n]: the rest of those row numbers
  queries    m rows of 4 native 64-bit words
  radius     0..31: with 16 or more, each chunk's 16 one-bit neighbours are read too

  Returns three bytes objects, one entry per hit: the query's number (intp), the row (intp)
  and the distance (uint16). A row found through several chunks is given once per chunk.
  Runs without the GIL: searches from several threads proceed at once.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* x86-64 has a popcount instruction since 2008, but compilers only use it when told: without
   it, a check took 2.3 times as long (a popcount in a dozen shifts and masks). */
#if defined(__x86_64__) && !defined(__POPCNT__)
#pragma GCC target("popcnt")
#endif

#define CHUNKS 16
#define CHUNK_KEYS 65536
#define WORDS 4
/* Candidates whose hash row is requested ahead of its check: enough to keep several reads
   from memory in flight at once. */
#define AHEAD 12

typedef struct {
    Py_ssize_t *numbers;
    Py_ssize_t *rows;
    uint16_t *distances;
    size_t count, capacity;
} Hits;

static int
hits_add(Hits *hits, Py_ssize_t number, Py_ssize_t row, unsigned distance)
{
    if (hits->count == hits->capacity) {
        size_t capacity = hits->capacity ? 2 * hits->capacity : 1024;
        Py_ssize_t *numbers = realloc(hits->numbers, capacity * sizeof *numbers);
        if (numbers == NULL) {
            return -1;
        }
        hits->numbers = numbers;
        Py_ssize_t *rows = realloc(hits->rows, capacity * sizeof *rows);
        if (rows == NULL) {
            return -1;
        }
        hits->rows = rows;
        uint16_t *distances = realloc(hits->distances, capacity * sizeof *distances);
        if (distances == NULL) {
            return -1;
        }
        hits->distances = distances;
        hits->capacity = capacity;
    }
    hits->numbers[hits->count] = number;
    hits->rows[hits->count] = row;
    hits->distances[hits->count] = (uint16_t)distance;
    hits->count++;
    return 0;
}

typedef struct {
    const uint64_t *words;
    const void *starts;
    int wide_starts;
    const uint16_t *low;
    const void *high;
    int high_size; /* 0 (no high part), 1 or 2 bytes */
    Py_ssize_t count;
} Table;

static inline uint64_t
start_at(const Table *table, size_t slot)
{
    if (table->wide_starts) {
        return (uint64_t)((const int64_t *)table->starts)[slot];
    }
    return ((const uint32_t *)table->starts)[slot];
}

static inline Py_ssize_t
row_at(const Table *table, uint64_t position)
{
    Py_ssize_t row = table->low[position];
    if (table->high_size == 1) {
        row |= (Py_ssize_t)((const uint8_t *)table->high)[position] << 16;
    } else if (table->high_size == 2) {
        row |= (Py_ssize_t)((const uint16_t *)table->high)[position] << 16;
    }
    return row;
}

static inline unsigned
distance_to(const uint64_t *row, const uint64_t *query)
{
    return (unsigned)(__builtin_popcountll(row[0] ^ query[0]) +
                      __builtin_popcountll(row[1] ^ query[1]) +
                      __builtin_popcountll(row[2] ^ query[2]) +
                      __builtin_popcountll(row[3] ^ query[3]));
}

/* The candidate rows of one query, written to *rows (grown as needed); their number, or -1
   when memory ran out. */
static Py_ssize_t
candidates(const Table *table, const uint64_t *query, int flips, Py_ssize_t **rows,
           size_t *capacity)
{
    uint64_t begins[CHUNKS * (CHUNKS + 1)], ends[CHUNKS * (CHUNKS + 1)];
    const uint16_t *keys = (const uint16_t *)query;
    size_t buckets = 0, total = 0;
    for (int chunk = 0; chunk < CHUNKS; chunk++) {
        size_t base = (size_t)chunk * (CHUNK_KEYS + 1);
        for (int flip = -1; flip < flips; flip++) {
            unsigned key = keys[chunk] ^ (flip < 0 ? 0u : 1u << flip);
            begins[buckets] = start_at(table, base + key);
            ends[buckets] = start_at(table, base + key + 1);
            total += ends[buckets] - begins[buckets];
            if (chunk > 0) {
                /* The buckets' first row numbers are independent reads: start them all now. */
                __builtin_prefetch(&table->low[begins[buckets]]);
            }
            buckets++;
        }
    }
    if (total > *capacity) {
        Py_ssize_t *grown = realloc(*rows, total * sizeof *grown);
        if (grown == NULL) {
            return -1;
        }
        *rows = grown;
        *capacity = total;
    }
    Py_ssize_t *out = *rows;
    size_t per_chunk = (size_t)flips + 1, bucket = 0;
    for (; bucket < per_chunk; bucket++) { /* chunk 0's buckets are runs of rows */
        for (uint64_t position = begins[bucket]; position < ends[bucket]; position++) {
            *out++ = (Py_ssize_t)position;
        }
    }
    for (; bucket < buckets; bucket++) {
        for (uint64_t position = begins[bucket]; position < ends[bucket]; position++) {
            *out++ = row_at(table, position);
        }
    }
    return (Py_ssize_t)total;
}

static int
search_all(const Table *table, const uint64_t *queries, Py_ssize_t count, int radius,
           Hits *hits)
{
    int flips = radius >= CHUNKS ? CHUNKS : 0;
    Py_ssize_t *rows = NULL;
    size_t capacity = 0;
    int status = 0;
    for (Py_ssize_t number = 0; number < count && status == 0; number++) {
        const uint64_t *query = queries + number * WORDS;
        Py_ssize_t found = candidates(table, query, flips, &rows, &capacity);
        if (found < 0) {
            status = -1;
            break;
        }
        for (Py_ssize_t i = 0; i < found && i < AHEAD; i++) {
            __builtin_prefetch(table->words + rows[i] * WORDS);
        }
        for (Py_ssize_t i = 0; i < found; i++) {
            if (i + AHEAD < found) {
                __builtin_prefetch(table->words + rows[i + AHEAD] * WORDS);
            }
            unsigned distance = distance_to(table->words + rows[i] * WORDS, query);
            if (distance <= (unsigned)radius && hits_add(hits, number, rows[i], distance) < 0) {
                status = -1;
                break;
            }
        }
    }
    free(rows);
    return status;
}

static int
check_length(Py_buffer *buffer, Py_ssize_t expected, const char *what)
{
    if (buffer->len != expected) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, expected %zd", what, buffer->len,
                     expected);
        return -1;
    }
    return 0;
}

static PyObject *
search(PyObject *module, PyObject *args)
{
    Py_buffer words, starts, low, high = {0}, queries;
    PyObject *high_object;
    int radius;
    if (!PyArg_ParseTuple(args, "y*y*y*Oy*i", &words, &starts, &low, &high_object, &queries,
                          &radius)) {
        return NULL;
    }
    PyObject *result = NULL;
    Hits hits = {0};
    int have_high = high_object != Py_None;
    if (have_high && PyObject_GetBuffer(high_object, &high, PyBUF_SIMPLE) < 0) {
        goto done;
    }
    Table table = {.words = words.buf, .starts = starts.buf, .low = low.buf};
    table.count = words.len / (WORDS * 8);
    Py_ssize_t slots = (Py_ssize_t)CHUNKS * (CHUNK_KEYS + 1);
    Py_ssize_t positions = (CHUNKS - 1) * table.count;
    table.wide_starts = starts.len == slots * 8;
    if (radius < 0 || radius > 2 * CHUNKS - 1) {
        PyErr_Format(PyExc_ValueError, "radius %d is outside 0..%d", radius, 2 * CHUNKS - 1);
        goto done;
    }
    if (words.len % (WORDS * 8) || queries.len % (WORDS * 8)) {
        PyErr_SetString(PyExc_ValueError, "words and queries must be rows of 32 bytes");
        goto done;
    }
    if (check_length(&starts, slots * (table.wide_starts ? 8 : 4), "starts") < 0 ||
        check_length(&low, positions * 2, "low") < 0) {
        goto done;
    }
    if (have_high) {
        table.high = high.buf;
        table.high_size = positions ? (int)(high.len / positions) : 1;
        if (table.high_size != 1 && table.high_size != 2) {
            table.high_size = 1;
        }
        if (check_length(&high, positions * table.high_size, "high") < 0) {
            goto done;
        }
    }
    /* The starts of a chunk rise, so its last one within its list keeps every bucket read
       inside the buffers (and ChunkTable.build makes every row number less than n). */
    for (int chunk = 0; chunk < CHUNKS; chunk++) {
        uint64_t limit = chunk == 0 ? (uint64_t)table.count : (uint64_t)positions;
        uint64_t last = start_at(&table, (size_t)chunk * (CHUNK_KEYS + 1) + CHUNK_KEYS);
        if (last > limit) {
            PyErr_Format(PyExc_ValueError, "chunk %d's buckets end past their list", chunk);
            goto done;
        }
    }
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = search_all(&table, queries.buf, queries.len / (WORDS * 8), radius, &hits);
    Py_END_ALLOW_THREADS
    if (status < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (hits.count == 0) { /* Py_BuildValue makes None of a NULL pointer */
        result = Py_BuildValue("(y#y#y#)", "", (Py_ssize_t)0, "", (Py_ssize_t)0, "",
                               (Py_ssize_t)0);
        goto done;
    }
    result = Py_BuildValue("(y#y#y#)", (const char *)hits.numbers,
                           (Py_ssize_t)(hits.count * sizeof(Py_ssize_t)), (const char *)hits.rows,
                           (Py_ssize_t)(hits.count * sizeof(Py_ssize_t)),
                           (const char *)hits.distances,
                           (Py_ssize_t)(hits.count * sizeof(uint16_t)));
done:
    free(hits.numbers);
    free(hits.rows);
    free(hits.distances);
    PyBuffer_Release(&words);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&low);
    if (have_high && high.obj != NULL) {
        PyBuffer_Release(&high);
    }
    PyBuffer_Release(&queries);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS,
     "search(words, starts, low, high, queries, radius) -> (numbers, rows, distances)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_probe", "Multi-index hashing lookups of the PDQ chunk table.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__probe(void)
{
    return PyModule_Create(&module);
}
