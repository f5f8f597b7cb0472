/* Single-core read bandwidth: an AVX2 sum over buffers of growing size, best of 5 passes each.
 * A warm embed_text of a short query reads every weight of the model once and does little
 * arithmetic per byte (9 tokens: 9 multiply-adds per weight), so its floor on a CPU is the fp32
 * weight bytes (42.5 MB for MiniLM-L6's MatMuls) divided by this bandwidth.
 * Hand-written because no packaged tool measures exactly this; bench/bench.py compiles and runs it:
 *   cc -O2 -mavx2 bench/membw.c -o target/bench/membw && target/bench/membw
 * Prints "<KiB> <GB/s>" per buffer size. */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const size_t sizes[] = {1u << 20, 8u << 20, 44u << 20, 256u << 20};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s] / sizeof(float);
        float *a = aligned_alloc(64, sizes[s]);
        if (!a) return 1;
        for (size_t i = 0; i < n; i++) a[i] = 1.0f;
        double best = 0;
        float sink = 0;
        for (int pass = 0; pass < 5; pass++) {
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            int reps = (int)(1000000000ull / sizes[s]) + 1;
            double t = now();
            for (int r = 0; r < reps; r++)
                for (size_t i = 0; i < n; i += 32) {
                    s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
                    s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
                    s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
                    s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
                }
            double gbs = (double)sizes[s] * reps / (now() - t) / 1e9;
            float o[8];
            _mm256_storeu_ps(o, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
            sink += o[0];
            if (gbs > best) best = gbs;
        }
        printf("%zu %.1f\n", sizes[s] >> 10, best + (sink < 0 ? 1e-9 : 0));
        free(a);
    }
    return 0;
}
