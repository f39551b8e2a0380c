/* The lookups of vigil.index.table.ChunkTable in one pass of C (see table.py for the layout
and why the search is exact).

In numpy a lookup at a million hashes was a dozen passes over its ~4,150 candidates (row
numbers, their gathering, the XOR, the popcount, the selection), each through a temporary
array. Here one query's candidates are checked in one pass, and a batch's are sorted by where
they lie before they are checked (search_swept), which saves most reads of memory.

A sketched table (vigil.index.table, ``sketched=True``) also keeps, beside each entry of the
lists of chunks 1-15, 96 other bits of its hash: a candidate is then checked first against
them, in the list it was found in, and its hash row is read only when they leave it within
the radius (about one random candidate in 4,000; the 15 lists of a stored hash that is asked
for pass it each time). Its searches (search_sketched_each and _swept) read hardly any hash
row at random. On one core of the benchmark machine (bench/README.md), at a million hashes:
20 instead of 85 microseconds a single query, 16 instead of 45 a query in batches of 1,000;
at ten million, 105 instead of 880 in batches. It costs 180 more bytes a hash.

search(words, starts, low, high, sketch, queries, radius) -> (numbers, rows, distances)

  words      the table's hashes: n rows of 4 native 64-bit words (n * 32 bytes)
  starts     uint32 or int64 [16][65537]: bucket starts (told apart by the buffer's size)
  low        uint16 [15 * n]: low 16 bits of the row numbers of chunks 1-15
  high       None, or uint8 or uint16 [15 * n]: the rest of those row numbers
  sketch     None, or uint16 [15 * n][6]: the entry's hash's chunks c+1..c+6 (mod 16), c being
             the chunk of its list (fill_sketch makes it)
  queries    m rows of 4 native 64-bit words
  radius     0..31: with 16 or more, each chunk's 16 one-bit neighbours are read too

  Returns three bytes objects, one entry per hit: the query's number (intp), the row (intp)
  and the distance (uint16), in no particular order. A row found through several chunks is
  given once per chunk.
  Runs without the GIL: searches from several threads proceed at once.

fill_sketch(words, low, high, sketch) fills a writable sketch buffer from the table.
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
/* A sketch: 6 chunks (96 bits) of the entry's hash beside it in its list. With 80 bits about
   3% of random candidates pass and must be read from the hash rows, which made a search at a
   million hashes twice as slow; with 96 bits, 0.03%. */
#define SKETCH_CHUNKS 6
#define SKETCH_BYTES (2 * SKETCH_CHUNKS)
/* Probes whose buckets are fetched ahead of their check in a sketched search: their bucket
   start STARTS_AHEAD on, their entries BUCKETS_AHEAD on (once the start has come). */
#define STARTS_AHEAD 32
#define BUCKETS_AHEAD 16
/* From this many queries a sketched search sorts its probes (search_sketched_swept); fewer
   are searched one by one (at a million hashes: 10 queries took 30 microseconds each either
   way, 1 took 23 one by one and 90 sorted, whose buckets then come too late). */
#define SWEEP_QUERIES 8
/* Queries a sketched search sorts together (at most as many as 16 bits tell apart). */
#define SKETCH_GROUP 16384

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
    const uint8_t *sketch; /* NULL for a table without sketches */
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

/* The query's sketch for the list of ``chunk``: its chunks chunk+1..chunk+6 (mod 16), as
   the table's sketches hold an entry's. */
static inline void
query_sketch(const uint64_t *query, int chunk, uint64_t *head, uint32_t *tail)
{
    const uint16_t *keys = (const uint16_t *)query;
    uint16_t parts[SKETCH_CHUNKS];
    for (int part = 0; part < SKETCH_CHUNKS; part++) {
        parts[part] = keys[(chunk + 1 + part) % CHUNKS];
    }
    memcpy(head, parts, sizeof *head);
    memcpy(tail, parts + 4, sizeof *tail);
}

/* Starts fetching what a sketched search will read of one bucket: chunk 0's hash rows, or
   another chunk's sketches. */
static inline void
fetch_bucket(const Table *table, int chunk, uint64_t begin, uint64_t end)
{
    const char *first, *last;
    if (chunk == 0) {
        first = (const char *)(table->words + begin * WORDS);
        last = (const char *)(table->words + end * WORDS);
    } else {
        first = (const char *)(table->sketch + begin * SKETCH_BYTES);
        last = (const char *)(table->sketch + end * SKETCH_BYTES);
    }
    for (const char *line = first - ((uintptr_t)first & 63); line < last; line += 64) {
        __builtin_prefetch(line);
    }
}

static inline const void *
start_address(const Table *table, size_t slot)
{
    if (table->wide_starts) {
        return (const int64_t *)table->starts + slot;
    }
    return (const uint32_t *)table->starts + slot;
}

/* Checks one bucket of a sketched table's list for ``chunk`` (1-15) against ``query``: each
   entry first on its sketch, in the list; only those within ``radius`` there on their whole
   hash. ``own`` is 1 for a flipped key's bucket: its entries are one bit away in this chunk,
   which the sketch (other chunks) does not see. */
static inline int
check_sketched(const Table *table, uint64_t begin, uint64_t end, const uint64_t *query,
               uint64_t head, uint32_t tail, unsigned own, int radius, Py_ssize_t number,
               Hits *hits)
{
    if (own > (unsigned)radius) {
        return 0;
    }
    unsigned budget = (unsigned)radius - own;
    const uint8_t *sketch = table->sketch;
    for (uint64_t position = begin; position < end; position++) {
        const uint8_t *entry = sketch + position * SKETCH_BYTES;
        uint64_t entry_head;
        uint32_t entry_tail;
        memcpy(&entry_head, entry, sizeof entry_head);
        memcpy(&entry_tail, entry + sizeof entry_head, sizeof entry_tail);
        if ((unsigned)(__builtin_popcountll(entry_head ^ head) +
                       __builtin_popcount(entry_tail ^ tail)) > budget) {
            continue;
        }
        Py_ssize_t row = row_at(table, position);
        unsigned distance = distance_to(table->words + row * WORDS, query);
        if (distance <= (unsigned)radius && hits_add(hits, number, row, distance) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Checks one bucket of chunk 0 (a run of hash rows) against ``query``. */
static inline int
check_rows(const Table *table, uint64_t begin, uint64_t end, const uint64_t *query, int radius,
           Py_ssize_t number, Hits *hits)
{
    for (uint64_t row = begin; row < end; row++) {
        unsigned distance = distance_to(table->words + row * WORDS, query);
        if (distance <= (unsigned)radius &&
            hits_add(hits, number, (Py_ssize_t)row, distance) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Few queries against a sketched table, one at a time: all of a query's bucket starts read
   first (independent reads, which the CPU overlaps), then its buckets checked in turn, each
   fetched BUCKETS_AHEAD buckets before. */
static int
search_sketched_each(const Table *table, const uint64_t *queries, Py_ssize_t count, int radius,
                     Hits *hits)
{
    int per_chunk = (int)probes_per_chunk(radius);
    for (Py_ssize_t number = 0; number < count; number++) {
        const uint64_t *query = queries + number * WORDS;
        const uint16_t *keys = (const uint16_t *)query;
        uint64_t begins[CHUNKS * (CHUNKS + 1)], ends[CHUNKS * (CHUNKS + 1)];
        int buckets = 0;
        for (int chunk = 0; chunk < CHUNKS; chunk++) {
            size_t base = (size_t)chunk * (CHUNK_KEYS + 1);
            for (int flip = 0; flip < per_chunk; flip++) {
                unsigned key = keys[chunk] ^ (flip == 0 ? 0u : 1u << (flip - 1));
                begins[buckets] = start_at(table, base + key);
                ends[buckets] = start_at(table, base + key + 1);
                buckets++;
            }
        }
        for (int ahead = 0; ahead < BUCKETS_AHEAD && ahead < buckets; ahead++) {
            fetch_bucket(table, ahead / per_chunk, begins[ahead], ends[ahead]);
        }
        uint64_t heads[CHUNKS];
        uint32_t tails[CHUNKS];
        for (int chunk = 1; chunk < CHUNKS; chunk++) {
            query_sketch(query, chunk, &heads[chunk], &tails[chunk]);
        }
        for (int bucket = 0; bucket < buckets; bucket++) {
            int ahead = bucket + BUCKETS_AHEAD;
            if (ahead < buckets) {
                fetch_bucket(table, ahead / per_chunk, begins[ahead], ends[ahead]);
            }
            int chunk = bucket / per_chunk;
            int status;
            if (chunk == 0) {
                status = check_rows(table, begins[bucket], ends[bucket], query, radius, number,
                                    hits);
            } else {
                status = check_sketched(table, begins[bucket], ends[bucket], query, heads[chunk],
                                        tails[chunk], bucket % per_chunk != 0, radius, number,
                                        hits);
            }
            if (status < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Many queries against a sketched table, in groups of up to SKETCH_GROUP: each chunk's
   probes of a group sorted by key, so that its list is read in one forward sweep (each
   bucket fetched ahead), and almost no hash row is read at all. */
static int
search_sketched_swept(const Table *table, const uint64_t *queries, Py_ssize_t count, int radius,
                      Hits *hits)
{
    size_t per_query = probes_per_chunk(radius);
    size_t group = (size_t)count < SKETCH_GROUP ? (size_t)count : SKETCH_GROUP;
    uint32_t *probes = malloc(group * per_query * sizeof *probes);
    uint32_t *scratch = malloc(group * per_query * sizeof *scratch);
    uint64_t *heads = malloc(group * sizeof *heads);
    uint32_t *tails = malloc(group * sizeof *tails);
    int status = probes == NULL || scratch == NULL || heads == NULL || tails == NULL ? -1 : 0;
    for (Py_ssize_t first = 0; first < count && status == 0; first += (Py_ssize_t)group) {
        size_t members = (size_t)(count - first) < group ? (size_t)(count - first) : group;
        size_t total = members * per_query;
        const uint64_t *members_queries = queries + first * WORDS;
        for (int chunk = 0; chunk < CHUNKS && status == 0; chunk++) {
            for (size_t local = 0; local < members; local++) {
                const uint64_t *query = members_queries + local * WORDS;
                uint32_t key = ((const uint16_t *)query)[chunk];
                for (size_t flip = 0; flip < per_query; flip++) {
                    uint32_t probed = key ^ (flip == 0 ? 0u : 1u << (flip - 1));
                    probes[local * per_query + flip] = probed << 16 | (uint32_t)local;
                }
                query_sketch(query, chunk, &heads[local], &tails[local]);
            }
            sort_probes(probes, scratch, total);
            size_t base = (size_t)chunk * (CHUNK_KEYS + 1);
            for (size_t i = 0; i < total && status == 0; i++) {
                if (i + STARTS_AHEAD < total) {
                    __builtin_prefetch(start_address(table, base + (probes[i + STARTS_AHEAD] >> 16)));
                }
                if (i + BUCKETS_AHEAD < total) {
                    size_t slot = base + (probes[i + BUCKETS_AHEAD] >> 16);
                    fetch_bucket(table, chunk, start_at(table, slot), start_at(table, slot + 1));
                }
                uint32_t key = probes[i] >> 16, local = probes[i] & 0xffff;
                const uint64_t *query = members_queries + (size_t)local * WORDS;
                uint64_t begin = start_at(table, base + key), end = start_at(table, base + key + 1);
                Py_ssize_t number = first + (Py_ssize_t)local;
                if (chunk == 0) {
                    status = check_rows(table, begin, end, query, radius, number, hits);
                } else {
                    status = check_sketched(table, begin, end, query, heads[local], tails[local],
                                            key != ((const uint16_t *)query)[chunk], radius,
                                            number, hits);
                }
            }
        }
    }
    free(probes);
    free(scratch);
    free(heads);
    free(tails);
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

/* Reads a table's row lists from their buffers into ``table`` (its hashes already there):
   0, or -1 with an exception set. ``high`` is filled when ``high_object`` is not None. */
static int
read_lists(Table *table, Py_buffer *low, PyObject *high_object, Py_buffer *high)
{
    Py_ssize_t positions = (CHUNKS - 1) * table->count;
    if (check_length(low, positions * 2, "low") < 0) {
        return -1;
    }
    table->low = low->buf;
    if (high_object == Py_None) {
        return 0;
    }
    if (PyObject_GetBuffer(high_object, high, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    table->high = high->buf;
    table->high_size = positions && high->len == positions * 2 ? 2 : 1;
    return check_length(high, positions * table->high_size, "high");
}

static PyObject *
search(PyObject *module, PyObject *args)
{
    Py_buffer words, starts, low, high = {0}, sketch = {0}, queries;
    PyObject *high_object, *sketch_object;
    int radius;
    if (!PyArg_ParseTuple(args, "y*y*y*OOy*i", &words, &starts, &low, &high_object,
                          &sketch_object, &queries, &radius)) {
        return NULL;
    }
    PyObject *result = NULL;
    Hits hits = {0};
    Table table = {.words = words.buf, .starts = starts.buf};
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
        read_lists(&table, &low, high_object, &high) < 0) {
        goto done;
    }
    if (sketch_object != Py_None) {
        if (PyObject_GetBuffer(sketch_object, &sketch, PyBUF_SIMPLE) < 0) {
            goto done;
        }
        if (check_length(&sketch, positions * SKETCH_BYTES, "sketch") < 0) {
            goto done;
        }
        table.sketch = sketch.buf;
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
    if (table.sketch != NULL && count < SWEEP_QUERIES) {
        status = search_sketched_each(&table, queries.buf, count, radius, &hits);
    } else if (table.sketch != NULL) {
        status = search_sketched_swept(&table, queries.buf, count, radius, &hits);
    } else if ((size_t)count * expected_candidates(&table, radius) >= (size_t)table.count / 2) {
        /* Sorting pays once a batch's candidates would read a good share of the table's
           hashes (at a million hashes, from about 120 queries: below, sorting made lookups
           half again as slow). */
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
    if (high.obj != NULL) {
        PyBuffer_Release(&high);
    }
    if (sketch.obj != NULL) {
        PyBuffer_Release(&sketch);
    }
    PyBuffer_Release(&queries);
    return result;
}

static PyObject *
fill_sketch(PyObject *module, PyObject *args)
{
    Py_buffer words, low, high = {0}, sketch;
    PyObject *high_object;
    if (!PyArg_ParseTuple(args, "y*y*Ow*", &words, &low, &high_object, &sketch)) {
        return NULL;
    }
    PyObject *result = NULL;
    Table table = {.words = words.buf};
    table.count = words.len / (WORDS * 8);
    Py_ssize_t positions = (CHUNKS - 1) * table.count;
    if (words.len % (WORDS * 8)) {
        PyErr_SetString(PyExc_ValueError, "words must be rows of 32 bytes");
        goto done;
    }
    if (read_lists(&table, &low, high_object, &high) < 0 ||
        check_length(&sketch, positions * SKETCH_BYTES, "sketch") < 0) {
        goto done;
    }
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    uint8_t *out = sketch.buf;
    for (int chunk = 1; chunk < CHUNKS && bad < 0; chunk++) {
        for (Py_ssize_t at = 0; at < table.count; at++) {
            Py_ssize_t position = (chunk - 1) * table.count + at;
            Py_ssize_t row = row_at(&table, (uint64_t)position);
            if (row >= table.count) {
                bad = position;
                break;
            }
            const uint16_t *keys = (const uint16_t *)(table.words + row * WORDS);
            uint16_t parts[SKETCH_CHUNKS];
            for (int part = 0; part < SKETCH_CHUNKS; part++) {
                parts[part] = keys[(chunk + 1 + part) % CHUNKS];
            }
            memcpy(out + position * SKETCH_BYTES, parts, SKETCH_BYTES);
        }
    }
    Py_END_ALLOW_THREADS
    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError, "list entry %zd names a row past the table", bad);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&words);
    PyBuffer_Release(&low);
    if (high.obj != NULL) {
        PyBuffer_Release(&high);
    }
    PyBuffer_Release(&sketch);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS,
     "search(words, starts, low, high, sketch, queries, radius) -> (numbers, rows, distances)"},
    {"fill_sketch", fill_sketch, METH_VARARGS,
     "fill_sketch(words, low, high, sketch): write each list entry's sketch into sketch"},
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
