/** The shipped tiny demo/test model (models/tiny-re-ct) and its PyTorch parity fixture. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../../src/paths.js';

export const tinyModelDir = join(packageRoot, 'models', 'tiny-re-ct');
export const tinyStartMarkerDir = join(packageRoot, 'models', 'tiny-re-ct-start-marker');

export interface FixtureEntity { start: number; end: number; type: string; text: string }
export interface FixtureCase {
  sentence: string;
  text: string;
  subject: FixtureEntity;
  object: FixtureEntity;
  skipped: boolean;
  input_ids?: number[];
  span_idxs?: [number, number, number, number];
  logits?: Record<'span-max' | 'start-marker', number[]>;
}

export function parityFixture(): { heldOutAccuracy: number; cases: FixtureCase[] } {
  return JSON.parse(readFileSync(join(tinyModelDir, 'parity-fixture.json'), 'utf8')) as { heldOutAccuracy: number; cases: FixtureCase[] };
}
