import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { loadModelDir } from '../../../src/model/model-dir.js';
import { tinyModelDir } from '../../helpers/model.js';

const scratch = await mkdtemp(join(tmpdir(), 'relstream-model-'));
after(() => rm(scratch, { recursive: true, force: true }));
let copies = 0;

/** A copy of the tiny model directory, damaged by `damage`. */
async function damagedCopy(damage: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(scratch, `copy-${copies++}`);
  await cp(tinyModelDir, dir, { recursive: true });
  await damage(dir);
  return dir;
}

async function editConfig(dir: string, edit: (config: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, 'relstream-model.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(path, JSON.stringify(config));
}

function rejectsNaming(file: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof Error);
    assert.equal((error as { code?: string }).code, 'RELSTREAM_MODEL_DIR_INVALID');
    assert.ok(error.message.includes(file), `"${error.message}" names ${file}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('loadModelDir', () => {
  it('loads the shipped tiny model: labels, marker ids from tokenizer.json, pad id', async () => {
    const bundle = await loadModelDir(tinyModelDir);
    assert.equal(bundle.config.labels.length, 8);
    assert.equal(bundle.config.labels[4], 'Has_Frequency');
    assert.equal(bundle.config.demoOnly, true);
    assert.deepEqual(bundle.typesWithoutMarkers, []);
    const chem = bundle.markerIds.get('CHEM');
    assert.ok(chem);
    assert.equal(bundle.tokenizer.addedTokens.get('<S:CHE>'), chem.subjectOpen);
    assert.equal(new Set([chem.subjectOpen, chem.subjectClose, chem.objectOpen, chem.objectClose]).size, 4);
  });

  it('tells a graph with SkipLayerNormalization (slow on CPU) from one without: the record, else the graph\'s bytes', async () => {
    /** The tiny model's directory with `onnx` edited and, when given, model.onnx replaced by `graph` (its sha256 recorded). */
    const fuses = async (edit: (o: Record<string, unknown>) => void, graph?: Buffer): Promise<boolean> => {
      const dir = await damagedCopy(async (d) => {
        if (graph !== undefined) await writeFile(join(d, 'model.onnx'), graph);
        await editConfig(d, (c) => {
          const o = c['onnx'] as Record<string, unknown>;
          if (graph !== undefined) o['sha256'] = createHash('sha256').update(graph).digest('hex');
          edit(o);
        });
      });
      return (await loadModelDir(dir)).fusesSkipLayerNorm;
    };
    assert.equal((await loadModelDir(tinyModelDir)).fusesSkipLayerNorm, false);
    assert.equal(await fuses((o) => { o['optimized'] = true; o['skipLayerNormFused'] = false; }), false);
    assert.equal(await fuses((o) => { o['optimized'] = true; o['skipLayerNormFused'] = true; }), true, 'the record is believed');
    // Optimised exports before the record: the graph's bytes say. The op's name placed across the stream's 64 KiB
    // chunks, and nowhere.
    const named = (at: number): Buffer => { const b = Buffer.alloc(200_000, 7); b.write('SkipLayerNormalization', at, 'latin1'); return b; };
    for (const at of [10, 65_536 - 11, 65_536 - 1, 150_000]) assert.equal(await fuses((o) => { o['optimized'] = true; }, named(at)), true, `named at ${at}`);
    assert.equal(await fuses((o) => { o['optimized'] = true; }, Buffer.alloc(200_000, 7)), false, 'an optimised export without the op');
    assert.equal(await fuses((o) => { o['optimized'] = true; }), false, 'the tiny graph has none');
    assert.equal(await fuses((o) => { o['optimized'] = false; }, named(10)), false, 'an export not optimised is not read for it');
    await assert.rejects(fuses((o) => { o['skipLayerNormFused'] = 'no'; }), rejectsNaming('relstream-model.json', /skipLayerNormFused/));
  });

  it('names a missing relstream-model.json', async () => {
    const dir = await damagedCopy((d) => unlink(join(d, 'relstream-model.json')));
    await assert.rejects(loadModelDir(dir), rejectsNaming('relstream-model.json', /missing/));
  });

  it('names the invalid field of relstream-model.json', async () => {
    const dir = await damagedCopy((d) => editConfig(d, (c) => { c['pooling'] = 'mean'; }));
    await assert.rejects(loadModelDir(dir), rejectsNaming('relstream-model.json', /pooling/));
  });

  it('rejects constraints naming a label the model does not have', async () => {
    const dir = await damagedCopy((d) => editConfig(d, (c) => { (c['constraints'] as Record<string, unknown>)['Causes'] = { subjects: ['CHEM'], objects: ['DISO'] }; }));
    await assert.rejects(loadModelDir(dir), rejectsNaming('relstream-model.json', /Causes/));
  });

  it('names a missing model.onnx', async () => {
    const dir = await damagedCopy((d) => unlink(join(d, 'model.onnx')));
    await assert.rejects(loadModelDir(dir), rejectsNaming('model.onnx', /missing/));
  });

  it('rejects a model.onnx whose sha256 differs from the config', async () => {
    const dir = await damagedCopy(async (d) => {
      const bytes = await readFile(join(d, 'model.onnx'));
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      await writeFile(join(d, 'model.onnx'), bytes);
    });
    await assert.rejects(loadModelDir(dir), rejectsNaming('model.onnx', /sha256 .* does not match/));
  });

  it('names a missing or corrupt tokenizer.json', async () => {
    const missing = await damagedCopy((d) => unlink(join(d, 'tokenizer.json')));
    await assert.rejects(loadModelDir(missing), rejectsNaming('tokenizer.json', /missing/));
    const corrupt = await damagedCopy((d) => writeFile(join(d, 'tokenizer.json'), '{"model":'));
    await assert.rejects(loadModelDir(corrupt), rejectsNaming('tokenizer.json', /not valid JSON/));
  });

  it('loads the self-check pairs and tolerances; names a self-check.json that does not fit the model', async () => {
    const bundle = await loadModelDir(tinyModelDir);
    assert.ok(bundle.selfCheck !== undefined && bundle.selfCheck.cases.length >= 8);
    assert.equal(bundle.selfCheck.cases[0]?.logits.length, bundle.config.labels.length);
    const edit = (change: (check: { cases: { logits: number[]; span_idxs: number[] }[] }) => void) => damagedCopy(async (d) => {
      const path = join(d, 'self-check.json');
      const check = JSON.parse(await readFile(path, 'utf8')) as { cases: { logits: number[]; span_idxs: number[] }[] };
      change(check);
      await writeFile(path, JSON.stringify(check));
    });
    await assert.rejects(loadModelDir(await edit((c) => { c.cases[0]?.logits.pop(); })), rejectsNaming('self-check.json', /7 logits for 8 labels/));
    await assert.rejects(loadModelDir(await edit((c) => { if (c.cases[0]) c.cases[0].span_idxs[3] = 100_000; })), rejectsNaming('self-check.json', /span position/));
    await assert.rejects(loadModelDir(await damagedCopy((d) => unlink(join(d, 'self-check.json')))), rejectsNaming('self-check.json', /missing/));
    // A directory exported before self-checks existed loads without one.
    const older = await damagedCopy((d) => editConfig(d, (c) => { delete c['selfCheck']; }));
    assert.equal((await loadModelDir(older)).selfCheck, undefined);
  });

  it('a type whose markers are not in the tokenizer can never be an argument', async () => {
    const dir = await damagedCopy((d) => editConfig(d, (c) => { (c['typeTags'] as Record<string, string>)['CHEM'] = 'XYZ'; }));
    const bundle = await loadModelDir(dir);
    assert.deepEqual(bundle.typesWithoutMarkers, ['CHEM']);
    assert.equal(bundle.markerIds.has('CHEM'), false);
  });
});
