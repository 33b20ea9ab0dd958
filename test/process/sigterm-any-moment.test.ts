/**
 * SIGTERM at any moment ends `relstream run` with exit 0 (issue 17 item 6): during start-up (before the model
 * is loaded, once it is warmed, once the HTTP server listens) as well as mid-stream. Before, a SIGTERM during
 * start-up killed the process by the signal: Kubernetes deleting a pod that was still starting saw a crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startCli, waitFor } from '../helpers/cli.js';
import { memberEnv } from '../helpers/chaos.js';
import { useKafka } from '../helpers/kafka.js';
import { manyRecords, produceRecords, readTopic, testTopics } from '../helpers/processor.js';

/** The log line after which the SIGTERM is sent; undefined: at once, before the first line. */
const MOMENTS: readonly (string | undefined)[] = [undefined, 'configuration', 'model ready', 'http server listening', 'processor started'];

describe('SIGTERM at any moment', () => {
  const kafka = useKafka();

  for (const moment of MOMENTS) {
    it(`${moment === undefined ? 'right after spawn' : `after "${moment}"`}: exit 0`, { timeout: 300_000 }, async (t) => {
      const topics = testTopics('sigterm');
      await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 2 }, { topic: topics.outputTopic, partitions: 1 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
      await produceRecords(kafka.client, topics.inputTopic, manyRecords(2));
      const cli = startCli(['run'], memberEnv(topics, 'at-least-once', 'sigterm'));
      t.after(() => { cli.child.kill('SIGKILL'); });
      // Node installs no signal handler before the CLI's own code runs; right after spawn means the first line.
      await waitFor(() => (moment === undefined ? cli.logs[0] : cli.logs.find((l) => l['msg'] === moment)), moment ?? 'the first log line', 120_000);
      cli.child.kill('SIGTERM');
      const exit = await cli.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM; last lines: ${JSON.stringify(cli.logs.slice(-3))} ${cli.errors.join(' ')}`);
    });
  }

  it('mid-stream, with records in flight: exit 0', { timeout: 300_000 }, async (t) => {
    const topics = testTopics('sigterm-mid');
    await kafka.topics(t, [{ topic: topics.inputTopic, partitions: 2 }, { topic: topics.outputTopic, partitions: 1 }, { topic: topics.deadLetterTopic, partitions: 1 }]);
    await produceRecords(kafka.client, topics.inputTopic, manyRecords(50));
    const out = await readTopic(kafka.client, topics.outputTopic);
    t.after(() => out.close());
    const cli = startCli(['run'], memberEnv(topics, 'exactly-once', 'sigterm-mid', { RELSTREAM_BATCH_MAX_PAIRS: '4', RELSTREAM_QUEUE_MAX_PAIRS: '64' }));
    t.after(() => { cli.child.kill('SIGKILL'); });
    await out.until((m) => m.length > 0, 'the first events');
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });
});
