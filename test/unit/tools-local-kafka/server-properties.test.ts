import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderServerProperties } from '../../../tools/local-kafka/server-properties.js';

function parse(text: string): Map<string, string> {
  return new Map(text.trim().split('\n').map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)] as const;
  }));
}

describe('renderServerProperties', () => {
  const props = parse(renderServerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, dataDir: '/tmp/k' }));

  it('runs broker and controller in one KRaft process with no ZooKeeper', () => {
    assert.equal(props.get('process.roles'), 'broker,controller');
    assert.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:19093');
    assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    assert.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:19092');
    assert.equal(props.has('zookeeper.connect'), false);
  });

  it('sizes internal topics for a single replica and never auto-creates topics', () => {
    assert.equal(props.get('offsets.topic.replication.factor'), '1');
    assert.equal(props.get('transaction.state.log.min.isr'), '1');
    assert.equal(props.get('auto.create.topics.enable'), 'false');
  });

  it('lets extra properties override defaults', () => {
    const custom = parse(renderServerProperties({ host: 'h', port: 1, controllerPort: 2, dataDir: '/d', extra: { 'auto.create.topics.enable': 'true', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256' } }));
    assert.equal(custom.get('auto.create.topics.enable'), 'true');
    assert.equal(custom.get('sasl.enabled.mechanisms'), 'SCRAM-SHA-256');
  });
});
