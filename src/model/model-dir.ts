/**
 * Loads and validates a model directory: relstream-model.json, tokenizer.json (+ optional
 * tokenizer_config.json) and model.onnx, whose sha256 must match the config. Every failure names the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { RelstreamError } from '../errors.js';
import { MODEL_CONFIG_FILE, modelConfigSchema, type ModelConfig } from './model-config.js';
import { createWordTokenizer, type WordTokenizer } from './word-tokenizer.js';

/** The four marker token ids of one entity type. */
export interface MarkerIds {
  readonly subjectOpen: number;
  readonly subjectClose: number;
  readonly objectOpen: number;
  readonly objectClose: number;
}

export interface ModelBundle {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly onnxPath: string;
  readonly tokenizer: WordTokenizer;
  /** Types whose markers the tokenizer has; a type missing here can never be a relation argument. */
  readonly markerIds: ReadonlyMap<string, MarkerIds>;
  /** Types named by the constraints but lacking markers in tokenizer.json (pairs with them are never formed). */
  readonly typesWithoutMarkers: readonly string[];
  /** The start-up self-check's pairs and tolerances; absent in a directory exported before it existed. */
  readonly selfCheck?: SelfCheckReference;
  /**
   * Whether the graph carries SkipLayerNormalization nodes (slow on CPU, ../inference/model-session.ts): what the
   * export recorded, or, where it did not (optimised exports before the record), whether model.onnx names the op.
   */
  readonly fusesSkipLayerNorm: boolean;
}

export interface SelfCheckCase {
  readonly inputIds: readonly number[];
  readonly spanIdxs: readonly [number, number, number, number];
  /** The exporting framework's fp32 logits, one per label. */
  readonly logits: readonly number[];
}

export interface SelfCheckReference {
  readonly cases: readonly SelfCheckCase[];
  readonly minArgmaxAgreement: number;
  readonly maxAbsLogitDifference: number;
}

/** A few dozen pairs are the point; the bound keeps a damaged file from costing the start-up much. */
const MAX_SELF_CHECK_CASES = 256;

const selfCheckFileSchema = z.object({
  cases: z.array(z.object({
    input_ids: z.array(z.number().int().min(0)).min(4),
    span_idxs: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]),
    logits: z.array(z.number()),
  })).min(1).max(MAX_SELF_CHECK_CASES),
});

async function loadSelfCheck(dir: string, config: ModelConfig): Promise<SelfCheckReference | undefined> {
  if (config.selfCheck === undefined) return undefined;
  const path = join(dir, config.selfCheck.file);
  const parsed = selfCheckFileSchema.safeParse(await readJson(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(path, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const cases = parsed.data.cases.map((c, i): SelfCheckCase => {
    if (c.logits.length !== config.labels.length) throw invalid(path, `cases.${i}: ${c.logits.length} logits for ${config.labels.length} labels`);
    if (c.input_ids.length > config.maxLength || c.span_idxs.some((p) => p >= c.input_ids.length)) throw invalid(path, `cases.${i}: longer than maxLength or a span position past its ids`);
    return { inputIds: c.input_ids, spanIdxs: c.span_idxs, logits: c.logits };
  });
  return { cases, minArgmaxAgreement: config.selfCheck.minArgmaxAgreement, maxAbsLogitDifference: config.selfCheck.maxAbsLogitDifference };
}

function invalid(file: string, problem: string, cause?: unknown): RelstreamError {
  return new RelstreamError('RELSTREAM_MODEL_DIR_INVALID', `${file}: ${problem}`, cause === undefined ? {} : { cause });
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(path, 'missing or unreadable', error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(path, 'not valid JSON', error);
  }
}

export async function sha256File(path: string): Promise<string> {
  return (await readOnnxFile(path)).sha256;
}

/**
 * A file's sha256 and, with `find`, whether its bytes hold that text, in one pass: an ONNX graph stores each node's
 * op type as a plain protobuf string, so an op's name in model.onnx says the graph has such a node.
 */
export async function readOnnxFile(path: string, find?: string): Promise<{ sha256: string; holds: boolean }> {
  const hash = createHash('sha256');
  const needle = find === undefined ? undefined : Buffer.from(find);
  let holds = false;
  // The end of the last chunk, so a name split across two chunks is still found.
  let tail = Buffer.alloc(0);
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    if (needle === undefined || holds) continue;
    const keep = needle.length - 1;
    // Across the boundary: the last chunk's end and this one's start; then this chunk alone (no copy of it).
    const seam = Buffer.concat([tail, bytes.subarray(0, keep)]);
    holds = seam.includes(needle) || bytes.includes(needle);
    tail = Buffer.from((bytes.length >= keep ? bytes : Buffer.concat([tail, bytes])).subarray(-keep));
  }
  return { sha256: hash.digest('hex'), holds };
}

function markerText(template: string, tag: string): string {
  return template.replaceAll('{T}', tag);
}

export async function loadModelDir(dir: string): Promise<ModelBundle> {
  const configPath = join(dir, MODEL_CONFIG_FILE);
  const parsed = modelConfigSchema.safeParse(await readJson(configPath));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(configPath, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const config = parsed.data;
  for (const [label, rule] of Object.entries(config.constraints)) {
    if (!config.labels.includes(label)) throw invalid(configPath, `constraints name "${label}", which is not in labels`);
    for (const type of [...rule.subjects, ...rule.objects]) {
      if (config.typeTags[type] === undefined) throw invalid(configPath, `constraint type "${type}" has no entry in typeTags`);
    }
  }

  const onnxPath = join(dir, config.onnx.file);
  const onnxStat = await stat(onnxPath).catch((error: unknown) => { throw invalid(onnxPath, 'missing', error); });
  if (!onnxStat.isFile()) throw invalid(onnxPath, 'not a file');
  // An optimised export that does not say whether it fused SkipLayerNormalization is read for the op's name.
  const unrecorded = config.onnx.optimized && config.onnx.skipLayerNormFused === undefined;
  const { sha256: actual, holds: namesSkipLayerNorm } = await readOnnxFile(onnxPath, unrecorded ? 'SkipLayerNormalization' : undefined);
  if (actual !== config.onnx.sha256) {
    throw invalid(onnxPath, `sha256 ${actual} does not match ${config.onnx.sha256} in ${MODEL_CONFIG_FILE} (a different or damaged model)`);
  }

  const tokenizerPath = join(dir, 'tokenizer.json');
  const tokenizerJson = await readJson(tokenizerPath);
  const tokenizerConfigPath = join(dir, 'tokenizer_config.json');
  const tokenizerConfig = await readFile(tokenizerConfigPath, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => ({}));
  let tokenizer: WordTokenizer;
  try {
    tokenizer = createWordTokenizer(tokenizerJson, tokenizerConfig);
  } catch (error) {
    throw invalid(tokenizerPath, `not a usable tokenizer: ${(error as Error).message}`, error);
  }

  const markerIds = new Map<string, MarkerIds>();
  const typesWithoutMarkers: string[] = [];
  for (const [type, tag] of Object.entries(config.typeTags)) {
    const ids = {
      subjectOpen: tokenizer.addedTokens.get(markerText(config.markers.subjectOpen, tag)),
      subjectClose: tokenizer.addedTokens.get(markerText(config.markers.subjectClose, tag)),
      objectOpen: tokenizer.addedTokens.get(markerText(config.markers.objectOpen, tag)),
      objectClose: tokenizer.addedTokens.get(markerText(config.markers.objectClose, tag)),
    };
    if (ids.subjectOpen === undefined || ids.subjectClose === undefined || ids.objectOpen === undefined || ids.objectClose === undefined) {
      typesWithoutMarkers.push(type);
    } else {
      markerIds.set(type, { subjectOpen: ids.subjectOpen, subjectClose: ids.subjectClose, objectOpen: ids.objectOpen, objectClose: ids.objectClose });
    }
  }
  if (markerIds.size === 0) throw invalid(tokenizerPath, 'contains no entity marker tokens for any type in typeTags');
  const selfCheck = await loadSelfCheck(dir, config);
  const fusesSkipLayerNorm = unrecorded ? namesSkipLayerNorm : config.onnx.skipLayerNormFused === true;
  return { dir, config, onnxPath, tokenizer, markerIds, typesWithoutMarkers, fusesSkipLayerNorm, ...(selfCheck === undefined ? {} : { selfCheck }) };
}
