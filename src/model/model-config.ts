/**
 * relstream-model.json, the one config file of a model directory (written by models/export.py). Nothing
 * model-specific is hard-coded in relstream: labels, markers, pooling, type rules and pad id come from here.
 */
import { z } from 'zod';

export const MODEL_CONFIG_FILE = 'relstream-model.json';

const markerTemplate = z.string().regex(/\{T\}/, 'must contain {T}');

export const modelConfigSchema = z.object({
  format: z.literal('relstream-model/1'),
  name: z.string().min(1),
  version: z.string().min(1),
  source: z.string(),
  labels: z.array(z.string().min(1)).min(1),
  markers: z.object({ subjectOpen: markerTemplate, subjectClose: markerTemplate, objectOpen: markerTemplate, objectClose: markerTemplate }),
  /** Corpus entity type -> T in <S:T>. */
  typeTags: z.record(z.string(), z.string().min(1)),
  /** Baked into model.onnx; recorded so a reader knows which head it is. */
  pooling: z.enum(['span-max', 'start-marker']),
  constraints: z.record(z.string(), z.object({ subjects: z.array(z.string()), objects: z.array(z.string()) })),
  maxLength: z.number().int().min(8).max(8192),
  padId: z.number().int().min(0),
  onnx: z.object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    precision: z.enum(['fp32', 'fp16', 'int8']),
    optimized: z.boolean(),
    opset: z.number().int(),
    /** An optimised graph's residual Add and LayerNormalization fused (fp16 exports); older exports do not say. */
    skipLayerNormFused: z.boolean().optional(),
  }),
  demoOnly: z.boolean().default(false),
  /** export.py --null: logits are a cheap function of the inputs; `run` refuses it unless `benchmark` is set. */
  capacityProbe: z.boolean().default(false),
  notes: z.string().optional(),
  /** How far an optimised, int8 or fp16 export agrees with the plain fp32 export (models/relstream_model/agreement.py). */
  agreement: z.object({ pairs: z.number().int(), argmaxAgreement: z.number().min(0).max(1) }).loose().optional(),
  /** Reference pairs run at start where the model runs, and the tolerances they must meet (src/inference/self-check.ts). */
  selfCheck: z.object({
    file: z.string().min(1),
    minArgmaxAgreement: z.number().min(0).max(1),
    maxAbsLogitDifference: z.number().positive(),
  }).loose().optional(),
});

export type ModelConfig = z.output<typeof modelConfigSchema>;
