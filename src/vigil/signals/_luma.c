/* C kernels over a decoded 8-bit luma picture: PDQ hashes of it and of its turned and
mirrored copies, and the spread of its outermost lines (for finding letterbox borders).

PDQ samples a picture at 64x64 cell centres after blurring it (two passes of a box filter,
after the reference's nearest-neighbour resize to 512x512), takes the 16x16 low DCT
coefficients of the samples and thresholds them at their median. Resize, blur and decimation
are linear and separable, so each of the 64 samples along an axis is a weighted sum of a few
pixels: Python works those pixels and weights out once per picture size
(``vigil.signals.pdq_fast``), for the picture as it lies and mirrored, and this module applies
them and does the rest. In C because it runs on every picture of a seizure: in numpy the same
work took longer than a fifth of libjpeg's decode of a 1024x768 photo, mostly in overheads.

hashes(image, rows, cols, row_taps, row_weights, col_taps, col_weights, dct, variants)
    -> (bytes of 32 per variant, quality)

  image        rows x cols uint8 luma, C order: bytes-like, or an object exporting it through
               the Arrow PyCapsule interface as one uint8 array (a Pillow "L" image), which is
               read in place rather than copied; when Pillow cannot export it (rows not in one
               run of memory), a copy from its tobytes()
  row_taps     int32 [R][64][KR]: the image rows each sample row reads, for R row mappings
               (R is 1 or 2: as the picture lies, and mirrored)
  row_weights  float32 [64][KR]: their weights (the same for every mapping)
  col_taps     int32 [C][64][KC], col_weights float32 [64][KC]: likewise for columns (KC at
               most 16)
  dct          float32 [16][64]: the DCT rows
  variants     uint8 [V][3]: per hash wanted, (row mapping, column mapping, transposed)

The quality is the picture's as it lies (mappings 0 and 0). Every tap must lie inside the
image: checked here, so a bad table is a ValueError, never a read outside the buffer.

edge_spreads(image, rows, cols, enough=255) -> (top, bottom, left, right)

  The range (largest minus smallest value) of each outermost line of the image. A line is
  read only until its range exceeds ``enough``: then some value over ``enough`` is given.
  (A column is read across every row of the picture, one memory line per pixel: most
  pictures' edge columns are told apart from a uniform bar long before their end.)

pixels(image, rows, cols) -> bytes

  A copy of the image's rows x cols bytes (Pillow's tobytes() encodes in chunks and joins
  them: several times slower).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 64

/* The Arrow C data interface's array (https://arrow.apache.org/docs/format/CDataInterface.html),
   a stable ABI: only the fields read here matter. */
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

static int
check_size(Py_buffer *buffer, Py_ssize_t expected, const char *what)
{
    if (buffer->len != expected) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, expected %zd", what, buffer->len,
                     expected);
        return -1;
    }
    return 0;
}

/* The pixels of ``source``: its buffer, or its Arrow export. ``*keep`` holds what must stay
   alive while they are read (the Arrow capsules, released with it). */
static const uint8_t *
image_pixels(PyObject *source, Py_ssize_t expected, Py_buffer *buffer, PyObject **keep)
{
    *keep = NULL;
    if (PyObject_CheckBuffer(source)) {
        if (PyObject_GetBuffer(source, buffer, PyBUF_SIMPLE) < 0) {
            return NULL;
        }
        if (check_size(buffer, expected, "image") < 0) {
            PyBuffer_Release(buffer);
            return NULL;
        }
        return buffer->buf;
    }
    PyObject *capsules = PyObject_CallMethod(source, "__arrow_c_array__", NULL);
    if (capsules == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
        /* Pillow refuses to export an image whose rows are not one run of memory (a large
           image is stored in several blocks): read a copy of its pixels instead. */
        PyErr_Clear();
        PyObject *copy = PyObject_CallMethod(source, "tobytes", NULL);
        if (copy == NULL) {
            return NULL;
        }
        const uint8_t *pixels = image_pixels(copy, expected, buffer, keep);
        Py_DECREF(copy); /* the buffer holds its own reference */
        return pixels;
    }
    if (capsules == NULL) {
        return NULL;
    }
    *keep = capsules;
    PyObject *schema_capsule, *array_capsule;
    if (!PyArg_ParseTuple(capsules, "OO", &schema_capsule, &array_capsule)) {
        return NULL;
    }
    struct ArrowSchema *schema = PyCapsule_GetPointer(schema_capsule, "arrow_schema");
    struct ArrowArray *array = PyCapsule_GetPointer(array_capsule, "arrow_array");
    if (schema == NULL || array == NULL) {
        return NULL;
    }
    if (strcmp(schema->format, "C") != 0 || array->n_buffers != 2 || array->buffers[1] == NULL ||
        array->length != expected) {
        PyErr_Format(PyExc_ValueError,
                     "image exports Arrow format '%s' with %lld values, expected %zd uint8",
                     schema->format, (long long)array->length, expected);
        return NULL;
    }
    return (const uint8_t *)array->buffers[1] + array->offset;
}

/* The pixels of a ``rows`` x ``cols`` picture in ``source`` (see image_pixels), or NULL with
   an error set; an empty size is a ValueError. */
static const uint8_t *
picture_pixels(PyObject *source, Py_ssize_t rows, Py_ssize_t cols, Py_buffer *buffer,
               PyObject **keep)
{
    *keep = NULL;
    if (rows <= 0 || cols <= 0) {
        PyErr_SetString(PyExc_ValueError, "empty image");
        return NULL;
    }
    return image_pixels(source, rows * cols, buffer, keep);
}

/* Let go of what image_pixels (or picture_pixels) held. */
static void
release_pixels(Py_buffer *buffer, PyObject *keep)
{
    if (buffer->obj != NULL) {
        PyBuffer_Release(buffer);
    }
    Py_XDECREF(keep);
}

/* The loops over pixels and samples: on x86-64, also built for AVX2 and AVX-512, the best the
   machine has being picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WIDE_VECTORS __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WIDE_VECTORS
#endif

static int
check_taps(const int32_t *taps, Py_ssize_t count, Py_ssize_t limit, const char *what)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        if (taps[i] < 0 || taps[i] >= limit) {
            PyErr_Format(PyExc_ValueError, "%s tap %zd is %d, outside 0..%zd", what, i,
                         (int)taps[i], limit - 1);
            return -1;
        }
    }
    return 0;
}

/* line[j] = sum over k of weight[k] * image[tap[k]][j], for every column j.

Taps are taken four at a time so that each pass over the line does four multiply-adds per
load and store of it. */
WIDE_VECTORS static void
blur_row(const uint8_t *image, Py_ssize_t cols, const int32_t *tap, const float *weight,
         Py_ssize_t taps_per_sample, float *line)
{
    memset(line, 0, (size_t)cols * sizeof(float));
    Py_ssize_t k = 0;
    for (; k + 4 <= taps_per_sample; k += 4) {
        const uint8_t *s0 = image + (Py_ssize_t)tap[k] * cols;
        const uint8_t *s1 = image + (Py_ssize_t)tap[k + 1] * cols;
        const uint8_t *s2 = image + (Py_ssize_t)tap[k + 2] * cols;
        const uint8_t *s3 = image + (Py_ssize_t)tap[k + 3] * cols;
        const float w0 = weight[k], w1 = weight[k + 1], w2 = weight[k + 2], w3 = weight[k + 3];
        for (Py_ssize_t j = 0; j < cols; j++) {
            line[j] += w0 * (float)s0[j] + w1 * (float)s1[j] + w2 * (float)s2[j] +
                       w3 * (float)s3[j];
        }
    }
    for (; k + 2 <= taps_per_sample; k += 2) {
        const uint8_t *s0 = image + (Py_ssize_t)tap[k] * cols;
        const uint8_t *s1 = image + (Py_ssize_t)tap[k + 1] * cols;
        const float w0 = weight[k], w1 = weight[k + 1];
        for (Py_ssize_t j = 0; j < cols; j++) {
            line[j] += w0 * (float)s0[j] + w1 * (float)s1[j];
        }
    }
    for (; k < taps_per_sample; k++) {
        const uint8_t *s0 = image + (Py_ssize_t)tap[k] * cols;
        const float w0 = weight[k];
        for (Py_ssize_t j = 0; j < cols; j++) {
            line[j] += w0 * (float)s0[j];
        }
    }
}

/* The most taps a sample has: the blur reaches at most 7 samples of a 512-sample side. */
#define MAX_TAPS 16

/* sampled[j] = sum over k of weights[k][j] * line[taps[k][j]], tables tap-major: summed tap
   by tap over all 64 samples at once, so the 64 sums proceed side by side rather than each
   as one dependent chain. (Left scalar: AVX gathers were slower here.) */
static void
blur_columns(const float *line, const int32_t *taps, const float *weights,
             Py_ssize_t taps_per_sample, float *sampled)
{
    for (int j = 0; j < SIDE; j++) {
        sampled[j] = weights[j] * line[taps[j]];
    }
    for (Py_ssize_t k = 1; k < taps_per_sample; k++) {
        const int32_t *tap = taps + k * SIDE;
        const float *weight = weights + k * SIDE;
        for (int j = 0; j < SIDE; j++) {
            sampled[j] += weight[j] * line[tap[j]];
        }
    }
}

/* A [64][K] table as [K][64]. */
static void
tap_major(const void *table, Py_ssize_t taps_per_sample, size_t item, void *out)
{
    for (int j = 0; j < SIDE; j++) {
        for (Py_ssize_t k = 0; k < taps_per_sample; k++) {
            memcpy((char *)out + (k * SIDE + j) * item,
                   (const char *)table + (j * taps_per_sample + k) * item, item);
        }
    }
}

#define DCT_SIDE 16
#define HASH_BITS (DCT_SIDE * DCT_SIDE)

/* coefficients = dct . grid . dct^T, dct being rows 1..16 of the 64-point DCT-II. Row i of
   it is even about the middle for even i and odd for odd i (dct[i][63 - k] = (-1)^i
   dct[i][k]), so each product runs on sums and differences of mirrored halves: half the
   multiply-adds. The innermost loops run over contiguous floats. */
WIDE_VECTORS static void
dct_block(const float *dct, const float *grid, float *coefficients)
{
    const int fold = SIDE / 2;
    float sums[32 * SIDE], differences[32 * SIDE], half[DCT_SIDE * SIDE];
    float half_sums[DCT_SIDE * 32], half_differences[DCT_SIDE * 32], folded[32 * DCT_SIDE];
    for (int k = 0; k < fold; k++) {
        const float *top = grid + k * SIDE, *bottom = grid + (SIDE - 1 - k) * SIDE;
        for (int j = 0; j < SIDE; j++) {
            sums[k * SIDE + j] = top[j] + bottom[j];
            differences[k * SIDE + j] = top[j] - bottom[j];
        }
    }
    for (int i = 0; i < DCT_SIDE; i++) {
        /* Row i of the block is frequency i + 1: odd frequencies pair with differences. */
        const float *source = (i % 2 == 0) ? differences : sums;
        float *row = half + i * SIDE;
        memset(row, 0, SIDE * sizeof(float));
        for (int k = 0; k < fold; k++) {
            const float factor = dct[i * SIDE + k];
            for (int j = 0; j < SIDE; j++) {
                row[j] += factor * source[k * SIDE + j];
            }
        }
    }
    for (int i = 0; i < DCT_SIDE; i++) {
        for (int k = 0; k < fold; k++) {
            half_sums[i * 32 + k] = half[i * SIDE + k] + half[i * SIDE + SIDE - 1 - k];
            half_differences[i * 32 + k] = half[i * SIDE + k] - half[i * SIDE + SIDE - 1 - k];
        }
    }
    for (int k = 0; k < fold; k++) {
        for (int j = 0; j < DCT_SIDE; j++) {
            folded[k * DCT_SIDE + j] = dct[j * SIDE + k];
        }
    }
    for (int i = 0; i < DCT_SIDE; i++) {
        float *row = coefficients + i * DCT_SIDE;
        float even[DCT_SIDE] = {0}, odd[DCT_SIDE] = {0};
        for (int k = 0; k < fold; k++) {
            const float with_sum = half_sums[i * 32 + k];
            const float with_difference = half_differences[i * 32 + k];
            for (int j = 0; j < DCT_SIDE; j++) {
                even[j] += with_sum * folded[k * DCT_SIDE + j];
                odd[j] += with_difference * folded[k * DCT_SIDE + j];
            }
        }
        for (int j = 0; j < DCT_SIDE; j++) {
            row[j] = (j % 2 == 0) ? odd[j] : even[j];
        }
    }
}

/* The k-th smallest of values[0..count) (quickselect; reorders values). */
static float
select_kth(float *values, int count, int k)
{
    int low = 0, high = count - 1;
    while (low < high) {
        const float pivot = values[(low + high) / 2];
        int i = low, j = high;
        while (i <= j) {
            while (values[i] < pivot) {
                i++;
            }
            while (values[j] > pivot) {
                j--;
            }
            if (i <= j) {
                const float swap = values[i];
                values[i] = values[j];
                values[j] = swap;
                i++;
                j--;
            }
        }
        if (k <= j) {
            high = j;
        } else if (k >= i) {
            low = i;
        } else {
            break;
        }
    }
    return values[k];
}

/* The median of a 16x16 block: the lower of the two middle values, as the reference's Torben
   median. A block and its transpose share it. */
static float
block_median(const float *coefficients)
{
    float scratch[HASH_BITS];
    memcpy(scratch, coefficients, sizeof(scratch));
    return select_kth(scratch, HASH_BITS, HASH_BITS / 2 - 1);
}

/* The hash of one 16x16 block, transposed or not: coefficient k (row-major) is bit k, set
   when above the median. Written most significant bit first: bit k lands in byte
   (255 - k) / 8. */
static void
block_hash(const float *coefficients, float median, int transposed, uint8_t *out)
{
    memset(out, 0, HASH_BITS / 8);
    for (int i = 0; i < DCT_SIDE; i++) {
        for (int j = 0; j < DCT_SIDE; j++) {
            const float value =
                transposed ? coefficients[j * DCT_SIDE + i] : coefficients[i * DCT_SIDE + j];
            if (value > median) {
                const int position = HASH_BITS - 1 - (i * DCT_SIDE + j);
                out[position / 8] |= (uint8_t)(0x80u >> (position % 8));
            }
        }
    }
}

/* The reference's quality: significant gradients between neighbouring samples, 0..100. */
WIDE_VECTORS static int
grid_quality(const float *grid)
{
    int total = 0;
    for (int i = 0; i + 1 < SIDE; i++) {
        for (int j = 0; j < SIDE; j++) {
            const int step = (int)((grid[i * SIDE + j] - grid[(i + 1) * SIDE + j]) * 100.0f / 255.0f);
            total += abs(step);
        }
    }
    for (int i = 0; i < SIDE; i++) {
        for (int j = 0; j + 1 < SIDE; j++) {
            const int step = (int)((grid[i * SIDE + j] - grid[i * SIDE + j + 1]) * 100.0f / 255.0f);
            total += abs(step);
        }
    }
    const int quality = total / 90;
    return quality > 100 ? 100 : quality;
}

static PyObject *
hashes(PyObject *self, PyObject *args)
{
    PyObject *source, *keep = NULL, *result = NULL;
    Py_buffer image = {0}, row_taps, row_weights, col_taps, col_weights, dct, variants;
    Py_ssize_t rows, cols;
    float *line = NULL, *grids = NULL;
    const uint8_t *pixels = NULL;

    if (!PyArg_ParseTuple(args, "Onny*y*y*y*y*y*", &source, &rows, &cols, &row_taps,
                          &row_weights, &col_taps, &col_weights, &dct, &variants)) {
        return NULL;
    }
    Py_ssize_t row_k = row_weights.len / (Py_ssize_t)(SIDE * sizeof(float));
    Py_ssize_t col_k = col_weights.len / (Py_ssize_t)(SIDE * sizeof(float));
    Py_ssize_t row_maps = row_k ? row_taps.len / (Py_ssize_t)(SIDE * row_k * 4) : 0;
    Py_ssize_t col_maps = col_k ? col_taps.len / (Py_ssize_t)(SIDE * col_k * 4) : 0;
    Py_ssize_t count = variants.len / 3;
    const uint8_t *steps = variants.buf;
    if (rows <= 0 || cols <= 0 || row_k == 0 || col_k == 0 || row_maps == 0 || col_maps == 0) {
        PyErr_SetString(PyExc_ValueError, "empty image or empty tap table");
        goto done;
    }
    if (row_maps > 2 || col_maps > 2 || col_k > MAX_TAPS) {
        PyErr_Format(PyExc_ValueError,
                     "at most 2 mappings a side and %d taps a column sample, not %zd, %zd, %zd",
                     MAX_TAPS, row_maps, col_maps, col_k);
        goto done;
    }
    if (check_size(&row_weights, SIDE * row_k * 4, "row weights") < 0 ||
        check_size(&col_weights, SIDE * col_k * 4, "column weights") < 0 ||
        check_size(&row_taps, row_maps * SIDE * row_k * 4, "row taps") < 0 ||
        check_size(&col_taps, col_maps * SIDE * col_k * 4, "column taps") < 0 ||
        check_size(&dct, DCT_SIDE * SIDE * 4, "DCT matrix") < 0 ||
        check_size(&variants, count * 3, "variants") < 0 ||
        check_taps(row_taps.buf, row_maps * SIDE * row_k, rows, "row") < 0 ||
        check_taps(col_taps.buf, col_maps * SIDE * col_k, cols, "column") < 0) {
        goto done;
    }
    for (Py_ssize_t v = 0; v < count; v++) {
        if (steps[3 * v] >= row_maps || steps[3 * v + 1] >= col_maps || steps[3 * v + 2] > 1) {
            PyErr_Format(PyExc_ValueError, "variant %zd asks for a mapping not given", v);
            goto done;
        }
    }
    pixels = image_pixels(source, rows * cols, &image, &keep);
    if (pixels == NULL) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, count * (HASH_BITS / 8));
    line = malloc((size_t)cols * sizeof(float));
    grids = malloc((size_t)(row_maps * col_maps) * (SIDE * SIDE + HASH_BITS) * sizeof(float));
    if (result == NULL || line == NULL || grids == NULL) {
        Py_CLEAR(result);
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto done;
    }
    float *coefficients = grids + row_maps * col_maps * SIDE * SIDE;
    int32_t column_taps[2][MAX_TAPS * SIDE];
    float column_weights[MAX_TAPS * SIDE];
    for (Py_ssize_t c = 0; c < col_maps; c++) {
        tap_major((const int32_t *)col_taps.buf + c * SIDE * col_k, col_k, sizeof(int32_t),
                  column_taps[c]);
    }
    tap_major(col_weights.buf, col_k, sizeof(float), column_weights);
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    int quality;
    Py_BEGIN_ALLOW_THREADS
    /* One blurred line at a time, kept in cache while every column mapping samples it. */
    for (Py_ssize_t r = 0; r < row_maps; r++) {
        for (int i = 0; i < SIDE; i++) {
            blur_row(pixels, cols, (const int32_t *)row_taps.buf + (r * SIDE + i) * row_k,
                     (const float *)row_weights.buf + i * row_k, row_k, line);
            for (Py_ssize_t c = 0; c < col_maps; c++) {
                blur_columns(line, column_taps[c], column_weights, col_k,
                             grids + ((r * col_maps + c) * SIDE + i) * SIDE);
            }
        }
    }
    float medians[4];
    for (Py_ssize_t g = 0; g < row_maps * col_maps; g++) {
        dct_block(dct.buf, grids + g * SIDE * SIDE, coefficients + g * HASH_BITS);
        medians[g] = block_median(coefficients + g * HASH_BITS);
    }
    for (Py_ssize_t v = 0; v < count; v++) {
        Py_ssize_t g = steps[3 * v] * col_maps + steps[3 * v + 1];
        block_hash(coefficients + g * HASH_BITS, medians[g], steps[3 * v + 2],
                   out + v * (HASH_BITS / 8));
    }
    quality = grid_quality(grids);
    Py_END_ALLOW_THREADS
    /* "N" hands the bytes over to the tuple. */
    result = Py_BuildValue("(Ni)", result, quality);
done:
    free(line);
    free(grids);
    release_pixels(&image, keep);
    PyBuffer_Release(&row_taps);
    PyBuffer_Release(&row_weights);
    PyBuffer_Release(&col_taps);
    PyBuffer_Release(&col_weights);
    PyBuffer_Release(&dct);
    PyBuffer_Release(&variants);
    return result;
}

/* The range of ``count`` values ``step`` apart from ``first``, once it exceeds ``enough``
   read no further (checked every 64 values: a row's blocks are vectorised). */
static int
spread(const uint8_t *first, Py_ssize_t count, Py_ssize_t step, int enough)
{
    uint8_t low = 255, high = 0;
    for (Py_ssize_t start = 0; start < count && high - low <= enough; start += 64) {
        const Py_ssize_t end = start + 64 < count ? start + 64 : count;
        for (Py_ssize_t i = start; i < end; i++) {
            const uint8_t value = first[i * step];
            low = value < low ? value : low;
            high = value > high ? value : high;
        }
    }
    return high < low ? 0 : high - low;
}

static PyObject *
edge_spreads(PyObject *self, PyObject *args)
{
    PyObject *source, *keep = NULL, *result = NULL;
    Py_buffer image = {0};
    Py_ssize_t rows, cols;
    int enough = 255;
    if (!PyArg_ParseTuple(args, "Onn|i", &source, &rows, &cols, &enough)) {
        return NULL;
    }
    const uint8_t *pixels = picture_pixels(source, rows, cols, &image, &keep);
    if (pixels != NULL) {
        result = Py_BuildValue("(iiii)", spread(pixels, cols, 1, enough),
                               spread(pixels + (rows - 1) * cols, cols, 1, enough),
                               spread(pixels, rows, cols, enough),
                               spread(pixels + cols - 1, rows, cols, enough));
    }
    release_pixels(&image, keep);
    return result;
}

static PyObject *
pixels(PyObject *self, PyObject *args)
{
    PyObject *source, *keep = NULL, *result = NULL;
    Py_buffer image = {0};
    Py_ssize_t rows, cols;
    if (!PyArg_ParseTuple(args, "Onn", &source, &rows, &cols)) {
        return NULL;
    }
    const uint8_t *data = picture_pixels(source, rows, cols, &image, &keep);
    if (data != NULL) {
        result = PyBytes_FromStringAndSize((const char *)data, rows * cols);
    }
    release_pixels(&image, keep);
    return result;
}

static PyMethodDef methods[] = {
    {"hashes", hashes, METH_VARARGS,
     "hashes(image, rows, cols, row_taps, row_weights, col_taps, col_weights, dct, variants)"
     " -> (hashes, quality): PDQ of the picture under each of the given mappings."},
    {"edge_spreads", edge_spreads, METH_VARARGS,
     "edge_spreads(image, rows, cols, enough=255) -> (top, bottom, left, right): the range "
     "of values along each outermost line, read until it exceeds enough."},
    {"pixels", pixels, METH_VARARGS, "pixels(image, rows, cols) -> bytes: a copy of the image."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_luma", "C kernels over a decoded 8-bit luma picture.", -1, methods,
};

PyMODINIT_FUNC
PyInit__luma(void)
{
    return PyModule_Create(&module);
}
