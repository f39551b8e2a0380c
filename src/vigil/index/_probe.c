/* The lookups of vigil.index.table.ChunkTable in one pass of C (see table.py for the layout
and why the search is exact).

In numpy a lookup at a million hashes was a dozen passes over its ~4,150 candidates (row
numbers, their gathering, the XOR, the popcount, the selection), each through a temporary
array. Here one query's candidates are checked in one pass, and a batch's are sorted by where
they lie before they are checked (search_swept), which saves most reads of memory.

search(words, starts, low, high, queries, radius) -> (numbers, rows, distances)

  words      the table's hashes: n rows of 4 native 64-bit words (n * 32 bytes)
  starts     uint32 or int64 [16][65537]: bucket starts (told apart by the buffer's size)
  low        uint16 [15 * n]: low 16 bits of the row numbers of chunks 1-15
  high       None, or uint8 or uint16 [15 * n]: the rest of those row numbers
  queries    m rows of 4 native 64-bit words
  radius     0..31: with 16 or more, each chunk's 16 one-bit neighbours are read too

  Returns three bytes objects, one entry per hit: the query's number (intp), the row (intp)
  and the distance (uint16), in no particular order. A row found through several chunks is
  given once per chunk.
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
/* Rows of a block of the table's hashes checked together by search_swept (256 KiB: they stay
   in the core's own cache while their candidates are checked). */
#define BLOCK_SHIFT 13
#define BLOCK_MASK ((1u << BLOCK_SHIFT) - 1)
/* Candidates sorted at a time by search_swept (4 bytes each: 32 MiB), in groups of at most
   as many queries as a 16-bit number tells apart. */
#define GROUP_CANDIDATES (1u << 23)
#define GROUP_QUERIES 65536

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

/* Buckets a query reads in each chunk: its own key, and at radius 16 or more (where some
   chunk may differ in one bit but none agree) its 16 one-bit neighbours too. */
static size_t
probes_per_chunk(int radius)
{
    return radius >= CHUNKS ? CHUNKS + 1 : 1;
}

/* Candidates a query has on average: the buckets it reads times the mean bucket size. */
static size_t
expected_candidates(const Table *table, int radius)
{
    return probes_per_chunk(radius) * CHUNKS * (size_t)table->count / CHUNK_KEYS + 1;
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

/* Queries one at a time: each candidate's hash row read where it lies (for one query, or a
   few: see search_swept for many). */
static int
search_each(const Table *table, const uint64_t *queries, Py_ssize_t count, int radius,
            Hits *hits)
{
    int flips = (int)probes_per_chunk(radius) - 1;
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

/* Sorts ``count`` probes (a bucket's key in the high 16 bits, a query's number in the low)
   by key, in two stable passes of 8 bits; ``scratch`` holds as many. */
static void
sort_probes(uint32_t *probes, uint32_t *scratch, size_t count)
{
    for (int shift = 16; shift < 32; shift += 8) {
        size_t starts[257] = {0};
        for (size_t i = 0; i < count; i++) {
            starts[((probes[i] >> shift) & 0xff) + 1]++;
        }
        for (int digit = 0; digit < 256; digit++) {
            starts[digit + 1] += starts[digit];
        }
        for (size_t i = 0; i < count; i++) {
            scratch[starts[(probes[i] >> shift) & 0xff]++] = probes[i];
        }
        memcpy(probes, scratch, count * sizeof *probes);
    }
}

/* Every candidate of a group's sorted probes: with ``placed`` NULL, counts each block's
   candidates into ``offsets[block + 1]``; otherwise writes each (its row within its block, its
   query) at ``offsets[block]``, moving that on. */
static void
visit_candidates(const Table *table, const uint32_t *probes, size_t per_chunk, size_t *offsets,
                 uint32_t *placed)
{
    for (int chunk = 0; chunk < CHUNKS; chunk++) {
        size_t base = (size_t)chunk * (CHUNK_KEYS + 1);
        const uint32_t *chunk_probes = probes + (size_t)chunk * per_chunk;
        for (size_t i = 0; i < per_chunk; i++) {
            size_t key = chunk_probes[i] >> 16;
            uint32_t local = chunk_probes[i] & 0xffff;
            uint64_t end = start_at(table, base + key + 1);
            for (uint64_t position = start_at(table, base + key); position < end; position++) {
                size_t row = chunk == 0 ? (size_t)position : (size_t)row_at(table, position);
                if (placed == NULL) {
                    offsets[(row >> BLOCK_SHIFT) + 1]++;
                } else {
                    placed[offsets[row >> BLOCK_SHIFT]++] =
                        (uint32_t)((row & BLOCK_MASK) << 16 | local);
                }
            }
        }
    }
}

/* Checks a group's placed candidates block by block; ``offsets[b]`` is where block b's end. */
static int
check_blocks(const Table *table, const uint64_t *queries, Py_ssize_t first, const size_t *offsets,
             size_t blocks, const uint32_t *placed, int radius, Hits *hits)
{
    size_t begin = 0;
    for (size_t block = 0; block < blocks; block++) {
        size_t first_row = block << BLOCK_SHIFT;
        const uint64_t *block_words = table->words + first_row * WORDS;
        size_t rows = (size_t)table->count - first_row;
        rows = rows < BLOCK_MASK + 1 ? rows : BLOCK_MASK + 1;
        /* A block most of whose lines will be read is fetched in order first: one stream the
           memory serves fast, instead of as many random reads. */
        if (2 * (offsets[block] - begin) >= rows) {
            for (size_t line = 0; line < rows * WORDS; line += 8) {
                __builtin_prefetch(block_words + line);
            }
        }
        for (size_t i = begin; i < offsets[block]; i++) {
            size_t in_block = placed[i] >> 16;
            Py_ssize_t number = first + (Py_ssize_t)(placed[i] & 0xffff);
            unsigned distance =
                distance_to(block_words + in_block * WORDS, queries + number * WORDS);
            if (distance <= (unsigned)radius &&
                hits_add(hits, number, (Py_ssize_t)(first_row + in_block), distance) < 0) {
                return -1;
            }
        }
        begin = offsets[block];
    }
    return 0;
}

/* Many queries at once, in groups: each chunk's probes of a group are sorted by key, so the
   table's lists are read in one forward sweep, and the candidates are sorted by the block of
   BLOCK_ROWS hashes they lie in, so the hashes are too (each block from the cache) -- instead
   of a random read of memory per bucket and per candidate (most of a lookup's time at a
   million hashes). */
static int
search_swept(const Table *table, const uint64_t *queries, Py_ssize_t count, int radius,
             Hits *hits)
{
    size_t per_query = probes_per_chunk(radius);
    size_t expected = expected_candidates(table, radius);
    size_t group = GROUP_CANDIDATES / expected;
    group = group < 1 ? 1 : group > GROUP_QUERIES ? GROUP_QUERIES : group;
    group = group < (size_t)count ? group : (size_t)count;
    size_t blocks = ((size_t)table->count >> BLOCK_SHIFT) + 1;
    size_t *offsets = malloc((blocks + 1) * sizeof *offsets);
    uint32_t *probes = malloc(CHUNKS * group * per_query * sizeof *probes);
    uint32_t *scratch = malloc(group * per_query * sizeof *scratch);
    uint32_t *placed = NULL;
    size_t placed_capacity = 0;
    int status = offsets == NULL || probes == NULL || scratch == NULL ? -1 : 0;
    for (Py_ssize_t first = 0; first < count && status == 0; first += (Py_ssize_t)group) {
        size_t members = (size_t)(count - first) < group ? (size_t)(count - first) : group;
        size_t per_chunk = members * per_query;
        for (int chunk = 0; chunk < CHUNKS; chunk++) {
            uint32_t *chunk_probes = probes + (size_t)chunk * per_chunk;
            for (size_t local = 0; local < members; local++) {
                const uint16_t *keys = (const uint16_t *)(queries + (first + local) * WORDS);
                for (size_t flip = 0; flip < per_query; flip++) {
                    uint32_t key = keys[chunk] ^ (flip == 0 ? 0u : 1u << (flip - 1));
                    chunk_probes[local * per_query + flip] = key << 16 | (uint32_t)local;
                }
            }
            sort_probes(chunk_probes, scratch, per_chunk);
        }
        memset(offsets, 0, (blocks + 1) * sizeof *offsets);
        visit_candidates(table, probes, per_chunk, offsets, NULL);
        for (size_t block = 0; block < blocks; block++) {
            offsets[block + 1] += offsets[block];
        }
        if (offsets[blocks] > placed_capacity) {
            free(placed);
            placed_capacity = offsets[blocks];
            placed = malloc(placed_capacity * sizeof *placed);
            if (placed == NULL) {
                status = -1;
                break;
            }
        }
        /* Placing moves offsets[b] on to where block b ends. */
        visit_candidates(table, probes, per_chunk, offsets, placed);
        status = check_blocks(table, queries, first, offsets, blocks, placed, radius, hits);
    }
    free(offsets);
    free(probes);
    free(scratch);
    free(placed);
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
    Py_ssize_t count = queries.len / (WORDS * 8);
    /* Sorting pays once a batch's candidates would read a good share of the table's hashes
       (at a million hashes, from about 120 queries: below, sorting made lookups half again
       as slow). */
    if ((size_t)count * expected_candidates(&table, radius) >= (size_t)table.count / 2) {
        status = search_swept(&table, queries.buf, count, radius, &hits);
    } else {
        status = search_each(&table, queries.buf, count, radius, &hits);
    }
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
