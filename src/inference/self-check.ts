/**
 * The start-up self-check (issue 21): the model directory's reference pairs (self-check.json, the exporting
 * framework's fp32 logits, models/relstream_model/self_check.py) run on the provider and CPU this process landed
 * on, as one padded batch as pairs are run, and compared with the tolerances relstream-model.json records. An int8
 * graph on a CPU whose integer kernels saturate, an fp16 graph on another GPU or another ONNX Runtime build can
 * compute something else than what the export checked; below the tolerances `run` refuses to start unless
 * allowDegradedModel is set.
 */
import type { SelfCheckReference } from '../model/model-dir.js';
import type { EncodedPair } from '../encoding/splice-encoder.js';

export interface SelfCheckResult {
  readonly pairs: number;
  readonly argmaxAgreement: number;
  readonly maxAbsLogitDifference: number;
  readonly ms: number;
  readonly passed: boolean;
}

/** `infer`: the logits of the pairs run as one padded batch, row after row. */
export async function runSelfCheck(infer: (pairs: readonly EncodedPair[]) => Promise<Float32Array>, reference: SelfCheckReference): Promise<SelfCheckResult> {
  const started = performance.now();
  const logits = await infer(reference.cases.map((c) => ({ inputIds: Int32Array.from(c.inputIds), spanIdxs: c.spanIdxs })));
  let agreeing = 0;
  let worst = 0;
  reference.cases.forEach((c, row) => {
    const labels = c.logits.length;
    const got = logits.subarray(row * labels, (row + 1) * labels);
    if (argmax(got) === argmax(c.logits)) agreeing++;
    // NaN from a broken kernel counts as the worst difference there is.
    c.logits.forEach((expected, i) => { worst = Math.max(worst, Number.isNaN(got[i]) ? Infinity : Math.abs((got[i] ?? Infinity) - expected)); });
  });
  const argmaxAgreement = agreeing / reference.cases.length;
  return {
    pairs: reference.cases.length, argmaxAgreement, maxAbsLogitDifference: worst, ms: performance.now() - started,
    passed: argmaxAgreement >= reference.minArgmaxAgreement && worst <= reference.maxAbsLogitDifference,
  };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}
