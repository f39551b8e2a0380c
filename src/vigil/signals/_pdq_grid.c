/* PDQ's 64x64 blurred samples of a luma image, for every mirroring of the picture at once.

PDQ samples a picture at 64x64 cell centres after blurring it (two passes of a box filter,
after the reference's nearest-neighbour resize to 512x512). All of that is linear and
separable, so each of the 64 samples along an axis is a weighted sum of a few pixels: Python
works those pixels and weights out once per picture size (``vigil.signals.pdq_fast``), for the
picture as it is and mirrored, and this module only applies them. Written in C because it is
the one part of ingest that touches every pixel after the decoder: numpy needed ~0.6 ms a
picture here for temporary arrays alone, a quarter of the time libjpeg takes to decode one.

sample(image, rows, cols, row_taps, row_weights, col_taps, col_weights, out)

  image        bytes-like, rows x cols uint8 luma, C order
  row_taps     int32 [R][64][KR]: the image rows each output row reads, for R row mappings
  row_weights  float32 [64][KR]: their weights (the same for every mapping)
  col_taps     int32 [C][64][KC], col_weights float32 [64][KC]: likewise for columns
  out          writable float32 [R][C][64][64]

Every tap must lie inside the image: checked here, so a bad table is a ValueError, never a
read outside the buffer.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 64

/* The row pass touches every pixel: on x86-64, also build it for AVX2, picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WIDE_VECTORS __attribute__((target_clones("avx2", "default")))
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

/* line[j] = sum over k of weight[k] * image[tap[k]][j], for every column j.

Taps are taken four at a time so that each pass over the line does four multiply-adds per
load and store of it. */
WIDE_VECTORS static void
blur_row(const uint8_t *image, Py_ssize_t cols, const int32_t *tap, const float *weight,
         Py_ssize_t taps_per_sample, float *line)
{
    {
        memset(line, 0, (size_t)cols * sizeof(float));
        Py_ssize_t k = 0;
        for (; k + 4 <= taps_per_sample; k += 4) {
            const uint8_t *s0 = image + (Py_ssize_t)tap[k] * cols;
            const uint8_t *s1 = image + (Py_ssize_t)tap[k + 1] * cols;
            const uint8_t *s2 = image + (Py_ssize_t)tap[k + 2] * cols;
            const uint8_t *s3 = image + (Py_ssize_t)tap[k + 3] * cols;
            const float w0 = weight[k], w1 = weight[k + 1], w2 = weight[k + 2],
                        w3 = weight[k + 3];
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
}

/* sampled[j] = sum over k of weights[j][k] * line[taps[j][k]]. */
static void
blur_columns(const float *line, const int32_t *taps, const float *weights,
             Py_ssize_t taps_per_sample, float *sampled)
{
    for (int j = 0; j < SIDE; j++) {
        const int32_t *tap = taps + j * taps_per_sample;
        const float *weight = weights + j * taps_per_sample;
        float total = 0.0f;
        for (Py_ssize_t k = 0; k < taps_per_sample; k++) {
            total += weight[k] * line[tap[k]];
        }
        sampled[j] = total;
    }
}

static PyObject *
sample(PyObject *self, PyObject *args)
{
    Py_buffer image, row_taps, row_weights, col_taps, col_weights, out;
    Py_ssize_t rows, cols;
    PyObject *result = NULL;
    float *line = NULL;

    if (!PyArg_ParseTuple(args, "y*nny*y*y*y*w*", &image, &rows, &cols, &row_taps,
                          &row_weights, &col_taps, &col_weights, &out)) {
        return NULL;
    }
    Py_ssize_t row_k = row_weights.len / (Py_ssize_t)(SIDE * sizeof(float));
    Py_ssize_t col_k = col_weights.len / (Py_ssize_t)(SIDE * sizeof(float));
    Py_ssize_t row_maps = row_k ? row_taps.len / (Py_ssize_t)(SIDE * row_k * 4) : 0;
    Py_ssize_t col_maps = col_k ? col_taps.len / (Py_ssize_t)(SIDE * col_k * 4) : 0;
    if (rows <= 0 || cols <= 0 || row_k == 0 || col_k == 0 || row_maps == 0 || col_maps == 0) {
        PyErr_SetString(PyExc_ValueError, "empty image or empty tap table");
        goto done;
    }
    if (check_size(&image, rows * cols, "image") < 0 ||
        check_size(&row_weights, SIDE * row_k * 4, "row weights") < 0 ||
        check_size(&col_weights, SIDE * col_k * 4, "column weights") < 0 ||
        check_size(&row_taps, row_maps * SIDE * row_k * 4, "row taps") < 0 ||
        check_size(&col_taps, col_maps * SIDE * col_k * 4, "column taps") < 0 ||
        check_size(&out, row_maps * col_maps * SIDE * SIDE * 4, "output") < 0 ||
        check_taps(row_taps.buf, row_maps * SIDE * row_k, rows, "row") < 0 ||
        check_taps(col_taps.buf, col_maps * SIDE * col_k, cols, "column") < 0) {
        goto done;
    }
    line = malloc((size_t)cols * sizeof(float));
    if (line == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    /* One blurred line at a time, kept in cache while every column mapping samples it. */
    for (Py_ssize_t r = 0; r < row_maps; r++) {
        for (int i = 0; i < SIDE; i++) {
            blur_row(image.buf, cols, (const int32_t *)row_taps.buf + (r * SIDE + i) * row_k,
                     (const float *)row_weights.buf + i * row_k, row_k, line);
            for (Py_ssize_t c = 0; c < col_maps; c++) {
                blur_columns(line, (const int32_t *)col_taps.buf + c * SIDE * col_k,
                             col_weights.buf, col_k,
                             (float *)out.buf + ((r * col_maps + c) * SIDE + i) * SIDE);
            }
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    free(line);
    PyBuffer_Release(&image);
    PyBuffer_Release(&row_taps);
    PyBuffer_Release(&row_weights);
    PyBuffer_Release(&col_taps);
    PyBuffer_Release(&col_weights);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"sample", sample, METH_VARARGS,
     "sample(image, rows, cols, row_taps, row_weights, col_taps, col_weights, out): "
     "PDQ's 64x64 blurred samples for every pair of row and column mappings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pdq_grid", "PDQ's blurred 64x64 samples, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__pdq_grid(void)
{
    return PyModule_Create(&module);
}
