/**
 * The CLI as a user meets it: --help on every command and subcommand, `topics create|describe` against the
 * run's broker, `run` naming a missing topic with the command that creates it, and the demo speaking to a
 * person on stdout with nothing but warnings on stderr; `run` refusing the capacity probe outside a benchmark and
 * a model whose start-up self-check fails unless allowed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { sha256File } from '../../src/model/model-dir.js';

import { cliPath, startCli } from '../helpers/cli.js';
import { testBrokers, uniqueTopic, useKafka } from '../helpers/kafka.js';
import { tinyModelDir } from '../helpers/model.js';

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('relstream CLI', () => {
  const kafka = useKafka();

  const commands = [['run'], ['demo'], ['produce'], ['consume'], ['replay'], ['topics'], ['topics', 'create'], ['topics', 'describe'],
    ['kafka'], ['kafka', 'start'], ['kafka', 'stop'], ['kafka', 'status'], ['kafka', 'fetch'], ['docs']];
  for (const command of commands) {
    it(`relstream ${command.join(' ')} --help prints its usage on stdout and exits 0`, () => {
      const { code, stdout, stderr } = cli([...command, '--help']);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /usage|relstream kafka </);
      assert.equal(stderr, '');
    });
  }

  it('an unknown flag is a usage error (exit 2) that names it', () => {
    const { code, stderr } = cli(['produce', '--no-such-flag']);
    assert.equal(code, 2);
    assert.match(stderr, /no-such-flag/);
  });

  it('topics create makes the three topics with the flags given, leaves existing ones, and describe shows them with the lag', async (t) => {
    const topics = { RELSTREAM_INPUT_TOPIC: uniqueTopic('cli-in'), RELSTREAM_OUTPUT_TOPIC: uniqueTopic('cli-out'), RELSTREAM_DEAD_LETTER_TOPIC: uniqueTopic('cli-dlq') };
    const env = { RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_GROUP_ID: `cli-${topics.RELSTREAM_INPUT_TOPIC}`, ...topics };
    t.after(() => kafka.admin.deleteTopics(Object.values(topics)).catch(() => undefined));

    const created = cli(['topics', 'create', '--partitions', '4', '--replication-factor', '1', '--min-insync-replicas', '1', '--retention-ms', '86400000'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`${topics.RELSTREAM_INPUT_TOPIC}: created with 4 partitions`));
    assert.match(created.stdout, new RegExp(`${topics.RELSTREAM_DEAD_LETTER_TOPIC}: created with 1 partition,`));
    assert.deepEqual((await kafka.admin.fetchTopicOffsets(topics.RELSTREAM_OUTPUT_TOPIC)).length, 4);

    const again = cli(['topics', 'create'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/exists, left as it is/g)?.length, 3);

    const producer = await kafka.client.producer();
    t.after(() => producer.disconnect());
    await producer.send(topics.RELSTREAM_INPUT_TOPIC, [{ key: 'a', value: Buffer.from('x'), partition: 2 }, { key: 'b', value: Buffer.from('y'), partition: 2 }]);
    const described = cli(['topics', 'describe'], env);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, new RegExp(`${topics.RELSTREAM_INPUT_TOPIC} \\(input\\): 4 partitions, 2 messages, group \\S+ lag 2`));
    assert.match(described.stdout, /^\s+2\s+0\s+2\s+-\s+2$/m, 'partition 2: low 0, high 2, nothing committed, lag 2');
  });

  it('describe says which topic is missing and exits 1', () => {
    const env = { RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_INPUT_TOPIC: uniqueTopic('absent') };
    const described = cli(['topics', 'describe'], env);
    assert.equal(described.code, 1);
    assert.match(described.stdout, /absent\S* \(input\): MISSING/);
  });

  it('run stops at start naming the missing topic and the command that creates it', async () => {
    const missing = uniqueTopic('missing-in');
    const run = startCli(['run'], { RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_INPUT_TOPIC: missing, RELSTREAM_HTTP_PORT: '0' });
    const { code } = await run.exited;
    assert.equal(code, 1);
    const text = [...run.errors, ...run.logs.map((l) => JSON.stringify(l))].join('\n');
    assert.match(text, new RegExp(`missing Kafka topics?: .*${missing} \\(input\\)`));
    assert.match(text, /relstream topics create/);
    assert.doesNotMatch(text, /does not host this topic-partition/);
  });

  it('run checks the model where it runs: passes the tiny model, refuses one whose outputs were altered unless allowed', async (t) => {
    // Altered: the start-marker head under the span-max model's name and files (its sha256 in the config, so the
    // directory itself is valid): the self-check pairs' logits are not what this graph computes.
    const dir = await mkdtemp(join(tmpdir(), 'relstream-altered-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await cp(tinyModelDir, dir, { recursive: true });
    await copyFile(join(tinyModelDir, '..', 'tiny-re-ct-start-marker', 'model.onnx'), join(dir, 'model.onnx'));
    const config = JSON.parse(await readFile(join(dir, 'relstream-model.json'), 'utf8')) as { onnx: { sha256: string } };
    config.onnx.sha256 = await sha256File(join(dir, 'model.onnx'));
    await writeFile(join(dir, 'relstream-model.json'), JSON.stringify(config));
    const base = { RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_HTTP_PORT: '0', RELSTREAM_INPUT_TOPIC: uniqueTopic('check-in') };
    const textOf = (run: ReturnType<typeof startCli>): string => [...run.errors, ...run.logs.map((l) => JSON.stringify(l))].join('\n');

    const tiny = startCli(['run'], base);
    assert.equal((await tiny.exited).code, 1, 'past the model, it stops at the missing topic');
    const passed = tiny.logs.find((l) => l['msg'] === 'model self-check passed');
    assert.ok(passed, textOf(tiny));
    assert.equal(passed['argmaxAgreement'], 1);
    t.diagnostic(`self-check of the tiny model: ${String(passed['pairs'])} pairs in ${String(passed['ms'])} ms`);

    const refused = startCli(['run'], { ...base, RELSTREAM_MODEL_DIR: dir });
    assert.equal((await refused.exited).code, 1);
    assert.match(textOf(refused), /RELSTREAM_MODEL_SELF_CHECK: tiny-re-ct computes something else here .*argmax agreement [\d.]+ .*largest logit difference [\d.]+ \(at most 0\.02\).*the CPU provider on .*\(.*\).*allowDegradedModel=true \(RELSTREAM_ALLOW_DEGRADED_MODEL\)/);
    assert.doesNotMatch(textOf(refused), /missing Kafka topic/);

    const allowed = startCli(['run'], { ...base, RELSTREAM_MODEL_DIR: dir, RELSTREAM_ALLOW_DEGRADED_MODEL: 'true' });
    assert.equal((await allowed.exited).code, 1);
    assert.ok(allowed.logs.some((l) => l['msg'] === 'model self-check failed; running it anyway (allowDegradedModel)'), textOf(allowed));
    assert.match(textOf(allowed), /missing Kafka topic/);
  });

  it('run refuses the capacity probe (export.py --null) unless benchmark is set, and runs it when it is', async (t) => {
    const base = { RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_MODEL_DIR: 'models/null-re-ct', RELSTREAM_HTTP_PORT: '0', RELSTREAM_INPUT_TOPIC: uniqueTopic('probe-in') };
    const refused = startCli(['run'], base);
    const { code } = await refused.exited;
    assert.equal(code, 1);
    assert.match([...refused.errors, ...refused.logs.map((l) => JSON.stringify(l))].join('\n'), /RELSTREAM_MODEL_CAPACITY_PROBE.*benchmark/);
    // With benchmark set it gets past the model (and stops at the missing topic instead).
    const allowed = startCli(['run'], { ...base, RELSTREAM_BENCHMARK: 'true' });
    t.after(() => { allowed.child.kill('SIGKILL'); });
    await allowed.exited;
    const text = [...allowed.errors, ...allowed.logs.map((l) => JSON.stringify(l))].join('\n');
    assert.doesNotMatch(text, /RELSTREAM_MODEL_CAPACITY_PROBE/);
    assert.match(text, /running a capacity probe/);
    assert.match(text, /missing Kafka topic/);
  });

  it('the demo prints human lines on stdout and no info logs on stderr', { timeout: 300_000 }, () => {
    const { code, stdout, stderr } = cli(['demo', '--timeout-ms', '120000'], {
      RELSTREAM_KAFKA_BROKERS: testBrokers().join(','), RELSTREAM_INPUT_TOPIC: uniqueTopic('demo-in'), RELSTREAM_OUTPUT_TOPIC: uniqueTopic('demo-out'),
      RELSTREAM_DEAD_LETTER_TOPIC: uniqueTopic('demo-dlq'),
    });
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.some((l) => l.startsWith('done: ')), stdout);
    assert.ok(lines.every((l) => !l.startsWith('{')), 'no JSON on stdout');
    const logged = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level?: string });
    assert.deepEqual(logged.filter((l) => l.level !== 'warn' && l.level !== 'error'), [], 'stderr carries warnings and errors only');
  });
});
