/** The profile summary attributes self time to the right place and leaves idle time out of the shares. */
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { area, summarise } from '../../../tools/cpuprofile-summary.js';

it('names where code lives: a relstream folder, an npm package (scoped too), node internals, V8 pseudo-frames', () => {
  assert.equal(area('file:///app/dist/src/encoding/splice-encoder.js', 'encode'), 'src/encoding');
  assert.equal(area('file:///app/node_modules/@platformatic/kafka/dist/x.js', 'f'), '@platformatic/kafka');
  assert.equal(area('file:///app/node_modules/avsc/lib/utils.js', 'f'), 'avsc');
  assert.equal(area('node:internal/buffer', 'FastBuffer'), 'node internals');
  assert.equal(area('', '(garbage collector)'), '(garbage collector)');
});

it('shares are of busy time, by self time', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const text = summarise({
    nodes: [{ id: 1, callFrame: frame('(idle)', '') }, { id: 2, callFrame: frame('encode', 'file:///a/dist/src/encoding/e.js') }, { id: 3, callFrame: frame('(garbage collector)', '') }],
    samples: [1, 2, 2, 3, 1],
    timeDeltas: [500, 300, 300, 200, 500],
  }, 5);
  assert.match(text, /busy 0\.00 s \(44\.4%\)/);
  assert.match(text, /75\.0% +1 ms {2}src\/encoding/);
  assert.match(text, /25\.0% +0 ms {2}\(garbage collector\)/);
  assert.doesNotMatch(text, /idle\)/);
});
