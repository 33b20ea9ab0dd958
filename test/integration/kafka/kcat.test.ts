import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { hasCommand } from '../../helpers/commands.js';
import { testBrokers, testClient, uniqueTopic, withTopics } from '../../helpers/kafka.js';

const run = promisify(execFile);
const hasKcat = hasCommand('kcat', ['-V']);

// An independent client (Debian's kcat, librdkafka) sees the project's broker and its topics.
describe('the local broker answers kcat', { skip: hasKcat ? false : 'kcat is not installed (.ci/run installs it)' }, () => {
  it('lists the broker and a topic created through the adapter', async (t) => {
    const admin = await testClient().admin();
    const topic = uniqueTopic('kcat');
    // node:test runs after-hooks in the order they were added: delete the topic, then disconnect.
    t.after(await withTopics(admin, [{ topic, partitions: 3 }]));
    t.after(() => admin.disconnect());

    const { stdout } = await run('kcat', ['-L', '-J', '-b', testBrokers().join(','), '-t', topic]);
    const metadata = JSON.parse(stdout) as { brokers: { id: number }[]; topics: { topic: string; partitions: unknown[] }[] };
    assert.deepEqual(metadata.brokers.map((b) => b.id), [1]);
    const [listed] = metadata.topics;
    assert.equal(listed?.topic, topic);
    assert.equal(listed.partitions.length, 3);
  });
});
