/**
 * The x86 features that decide which kernels ONNX Runtime's CPU provider (MLAS) picks, and the one choice
 * relstream makes from them: exact or fast int8 kernels (issue 21).
 *
 * MLAS multiplies int8 matrices (u8 activations × s8 weights) with VPMADDUBSW on AVX2 and on AVX-512 without
 * VNNI: two products summed into a saturating int16, which clips where large activations meet large weights.
 * With VNNI (AVX512_VNNI or AVX-VNNI) the sum is int32 and exact. ONNX Runtime's `session.x64quantprecision`
 * rewrites the weights to u8 and uses its exact u8u8 kernels instead, which costs speed everywhere it applies
 * (also on VNNI CPUs, 2-3x there), so it is asked for only where saturation can happen. The full-size int8
 * export agreed with fp32 on 355 of 358 bench pairs on AVX2 kernels and 357 with exact ones (README).
 */
import { readFileSync } from 'node:fs';

export interface CpuFeatures {
  readonly model: string;
  /** The kernel-picking flags present, of KERNEL_FLAGS. */
  readonly flags: ReadonlySet<string>;
  /** scripts/as-cpu.sh's profile when this process runs under its CPUID mask. */
  readonly maskedAs?: string;
}

const KERNEL_FLAGS = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8'] as const;

/**
 * What each profile of scripts/as-cpu.sh (tools/cpu-mask/cpuid-mask.c) leaves visible to CPUID. /proc/cpuinfo
 * still shows the real CPU under the mask, so the same subtraction is made here.
 */
const MASK_PROFILES: Readonly<Record<string, readonly string[]>> = {
  'avx2': ['avx2', 'fma'],
  'avx2-vnni': ['avx2', 'fma', 'avx_vnni'],
  'avx512': ['avx2', 'fma', 'avx512f'],
  'avx512-vnni': ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni'],
  'native': KERNEL_FLAGS,
};

export function readCpuFeatures(cpuinfo = readCpuinfo(), mask = process.env['RELSTREAM_CPU_MASK']): CpuFeatures {
  const present = new Set(/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? []);
  const visible = mask ? new Set(MASK_PROFILES[mask] ?? []) : undefined;
  const flags = new Set(KERNEL_FLAGS.filter((f) => present.has(f) && (visible?.has(f) ?? true)));
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU';
  return mask ? { model, flags, maskedAs: mask } : { model, flags };
}

/** "MODEL (flags)", for logs and errors. */
export function describeCpu(features: CpuFeatures = readCpuFeatures()): string {
  const named = features.flags.size > 0 ? [...features.flags].join(' ') : 'none of avx2, avx512f, vnni, amx';
  return `${features.model} (${named}${features.maskedAs ? `; masked as ${features.maskedAs} by scripts/as-cpu.sh` : ''})`;
}

/** Whether MLAS's fast u8s8 int8 kernels can saturate here: an x86 CPU with neither kind of VNNI (SSE4.1 too). */
export function int8KernelsSaturate(features: CpuFeatures, arch: string = process.arch): boolean {
  if (arch !== 'x64') return false;
  return !features.flags.has('avx512_vnni') && !features.flags.has('avx_vnni');
}

/** The int8Kernels setting's choices, declared once (the config schema takes them from here). */
export const INT8_KERNELS = ['auto', 'exact', 'fast'] as const;
export type Int8Kernels = (typeof INT8_KERNELS)[number];

/** The int8Kernels setting resolved for this CPU: true asks ONNX Runtime for its exact u8u8 kernels. */
export function exactInt8Kernels(setting: Int8Kernels, features: CpuFeatures = readCpuFeatures()): boolean {
  return setting === 'exact' || (setting === 'auto' && int8KernelsSaturate(features));
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}
