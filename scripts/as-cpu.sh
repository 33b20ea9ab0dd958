#!/usr/bin/env bash
# scripts/as-cpu.sh PROFILE -- COMMAND...: run COMMAND as if the CPU had only PROFILE's instruction-set
# extensions, so ONNX Runtime picks the kernels that CPU would (tools/cpu-mask/cpuid-mask.c: CPUID faulting).
#   PROFILE: avx2 (no AVX-512, no VNNI: Haswell to Comet Lake, AMD Zen 1-3), avx2-vnni (Alder Lake),
#            avx512 (Skylake-SP: no VNNI), avx512-vnni (Cascade/Ice Lake, Zen 4: no AMX), native
#   scripts/as-cpu.sh avx2 --show          the feature bits a process sees under the mask
# Needs a C compiler and a CPU and kernel with CPUID faulting (the cpuid_fault flag in /proc/cpuinfo).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
profile=$1; shift
repo=$(cd "$(dirname "$0")/.." && pwd)
src=$repo/tools/cpu-mask
grep -qw cpuid_fault /proc/cpuinfo || { echo "as-cpu: this machine's CPU or hypervisor has no CPUID faulting (cpuid_fault); cannot mask" >&2; exit 2; }
command -v cc > /dev/null || { echo "as-cpu: needs a C compiler (apt install gcc)" >&2; exit 2; }
# Built once per source version, outside the repository.
key=$(cat "$src"/*.c | sha256sum | cut -c1-12)
out=${XDG_CACHE_HOME:-$HOME/.cache}/relstream/cpu-mask-$key
if [ ! -f "$out/cpuid-mask.so" ]; then
  mkdir -p "$out"
  cc -O2 -fPIC -shared -o "$out/cpuid-mask.so.tmp" "$src/cpuid-mask.c" -ldl
  cc -O2 -o "$out/cpu-features" "$src/cpu-features.c"
  mv "$out/cpuid-mask.so.tmp" "$out/cpuid-mask.so"
fi
export RELSTREAM_CPU_MASK=$profile
export LD_PRELOAD=$out/cpuid-mask.so${LD_PRELOAD:+:$LD_PRELOAD}
if [ "$1" = --show ]; then exec "$out/cpu-features"; fi
[ "$1" = -- ] && shift
exec "$@"
