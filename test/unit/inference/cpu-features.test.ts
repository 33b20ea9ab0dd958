/**
 * Exact int8 kernels where the fast ones saturate (issue 21): the CPU features read, the rule, and onnxruntime-node
 * really running the kernels the rule picks on masked CPUs (scripts/as-cpu.sh; the probe graph is
 * models/tests/int8_probe.py's: [255, 255] u8 times [127, 127] s8, exactly 64,770, saturated 32,767).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { describeCpu, exactInt8Kernels, INT8_KERNELS, int8KernelsSaturate, readCpuFeatures } from '../../../src/inference/cpu-features.js';
import { ortSessionOptions } from '../../../src/inference/model-session.js';
import { packageRoot } from '../../../src/paths.js';

const CPUINFO = 'processor\t: 0\nmodel name\t: Some Xeon\nflags\t\t: fpu sse4_1 avx avx2 fma avx512f avx512_vnni avx_vnni amx_int8\n';
const EPYC = 'processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx avx2 fma\n';
const EXACT = 64_770;
const SATURATED = 32_767;

describe('CPU features and int8 kernels', () => {
  it('names the CPU and the features that pick the kernels, masked ones as masked', () => {
    assert.equal(describeCpu(readCpuFeatures(EPYC, undefined)), 'AMD EPYC 7B13 (avx2 fma)');
    assert.equal(describeCpu(readCpuFeatures('', undefined)), 'unknown CPU (none of avx2, avx512f, vnni, amx)');
    assert.equal(describeCpu(readCpuFeatures(CPUINFO, 'avx2')), 'Some Xeon (avx2 fma; masked as avx2 by scripts/as-cpu.sh)');
    assert.deepEqual([...readCpuFeatures(CPUINFO, 'avx512').flags], ['avx2', 'fma', 'avx512f']);
    assert.deepEqual([...readCpuFeatures(CPUINFO, 'native').flags], ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_int8']);
  });

  it('asks for exact kernels on x86 CPUs without VNNI only, unless told', () => {
    const avx2 = readCpuFeatures(EPYC, undefined);
    const vnni = readCpuFeatures(CPUINFO, undefined);
    assert.equal(int8KernelsSaturate(avx2, 'x64'), true);
    assert.equal(int8KernelsSaturate(readCpuFeatures(CPUINFO, 'avx512'), 'x64'), true);
    assert.equal(int8KernelsSaturate(readCpuFeatures(CPUINFO, 'avx2-vnni'), 'x64'), false);
    assert.equal(int8KernelsSaturate(vnni, 'x64'), false);
    assert.equal(int8KernelsSaturate(readCpuFeatures('', undefined), 'arm64'), false);
    assert.deepEqual(INT8_KERNELS.map((s) => exactInt8Kernels(s, avx2)), [true, true, false]);
    assert.deepEqual(INT8_KERNELS.map((s) => exactInt8Kernels(s, vnni)), [false, true, false]);
    const sessionKeys = (exactInt8: boolean): unknown => (ortSessionOptions('cpu', { provider: 'cpu', exactInt8 }).extra as { session?: unknown }).session;
    assert.deepEqual(sessionKeys(true), { x64quantprecision: '1' });
    assert.equal(sessionKeys(false), undefined);
  });

  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const hasCompiler = (process.env['PATH'] ?? '').split(':').some((dir) => existsSync(join(dir, 'cc')));
  const unavailable = !/\bcpuid_fault\b/.test(cpuinfo) ? 'this CPU or hypervisor has no CPUID faulting (cpuid_fault)'
    : !hasCompiler ? 'no C compiler (cc) to build tools/cpu-mask' : false;
  for (const profile of ['avx2', 'avx512', 'avx2-vnni', 'avx512-vnni']) {
    it(`onnxruntime-node picks exact kernels on a CPU masked as ${profile}`, { skip: unavailable }, async () => {
      // The child reports the probe's product with fast kernels, exact ones, and what relstream's rule picks there.
      const child = `
        import ort from 'onnxruntime-node';
        import { exactInt8Kernels, readCpuFeatures } from ${JSON.stringify(join(packageRoot, 'dist/src/inference/cpu-features.js'))};
        import { ortSessionOptions } from ${JSON.stringify(join(packageRoot, 'dist/src/inference/model-session.js'))};
        const product = async (exactInt8) => {
          const session = await ort.InferenceSession.create(${JSON.stringify(join(packageRoot, 'test/fixtures/int8-probe.onnx'))}, ortSessionOptions('cpu', { provider: 'cpu', exactInt8 }));
          const out = await session.run({ a: new ort.Tensor('uint8', Uint8Array.of(255, 255), [1, 2]) });
          return Number(out.y.data[0]);
        };
        console.log(JSON.stringify({ fast: await product(false), exact: await product(true), chosen: await product(exactInt8Kernels('auto')), flags: [...readCpuFeatures().flags] }));`;
      const { stdout } = await promisify(execFile)('bash', [join(packageRoot, 'scripts/as-cpu.sh'), profile, '--', process.execPath, '--input-type=module', '-e', child], { cwd: packageRoot });
      const got = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { fast: number; exact: number; chosen: number; flags: string[] };
      // A profile hides features; it cannot add what the real CPU lacks.
      const saturates = int8KernelsSaturate(readCpuFeatures(cpuinfo, profile));
      assert.deepEqual(got, { fast: saturates ? SATURATED : EXACT, exact: EXACT, chosen: EXACT, flags: [...readCpuFeatures(cpuinfo, profile).flags] });
    });
  }
});
