/* Prints the CPUID feature bits that decide ONNX Runtime's (MLAS) CPU kernels, as this process sees them:
   scripts/as-cpu.sh PROFILE --show runs it under the mask to prove the mask holds. */
#include <cpuid.h>
#include <stdio.h>

int main(void) {
  unsigned a, b, c, d, a1 = 0, b1, c1, d1 = 0;
  __cpuid_count(7, 0, a, b, c, d);
  if (a >= 1) __cpuid_count(7, 1, a1, b1, c1, d1);
  const struct { const char *name; unsigned reg; int bit; } features[] = {
      {"avx2", b, 5},         {"avx512f", b, 16},   {"avx512bw", b, 30},    {"avx512vl", b, 31},
      {"avx512_vnni", c, 11}, {"avx_vnni", a1, 4},  {"avx512_bf16", a1, 5}, {"amx_tile", d, 24},
      {"amx_int8", d, 25},    {"avx_vnni_int8", d1, 4},
  };
  const char *sep = "";
  for (unsigned i = 0; i < sizeof features / sizeof features[0]; i++)
    if (features[i].reg >> features[i].bit & 1) printf("%s%s", sep, features[i].name), sep = " ";
  printf("\n");
  return 0;
}
