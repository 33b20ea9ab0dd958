/** `relstream produce [FILE]`: JSON lines (one TrialRecord each; stdin without FILE) -> Avro -> the input topic. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { loadConfig } from '../config/load-config.js';
import { RelstreamError } from '../errors.js';
import type { OutgoingMessage } from '../kafka/types.js';
import { kafkaClientFromConfig } from '../kafka/connection-from-config.js';
import { trialRecordCodec } from '../records/avro.js';
import { trialRecordFromJson } from '../records/json-record.js';
import { parseCommandArgs } from './args.js';
import type { CommandContext } from './command-context.js';

const CHUNK = 500;

export async function produceCommand(argv: readonly string[], ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { positionals, configFlags } = parseCommandArgs(argv);
  const config = loadConfig({ env, flags: configFlags });
  const codec = trialRecordCodec();
  const producer = await kafkaClientFromConfig(config, ctx.logger).producer();
  const input = positionals[0] ? createReadStream(positionals[0]) : process.stdin;
  let chunk: OutgoingMessage[] = [];
  let sent = 0;
  let lineNumber = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '') continue;
      const record = trialRecordFromJson(line, lineNumber);
      let value: Buffer;
      try {
        value = codec.encode(record);
      } catch (error) {
        throw new RelstreamError('RELSTREAM_CLI_USAGE', `line ${lineNumber}: not a TrialRecord: ${(error as Error).message}`, { cause: error });
      }
      chunk.push({ key: record.id, value });
      if (chunk.length >= CHUNK) {
        await producer.send(config.inputTopic, chunk);
        sent += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) await producer.send(config.inputTopic, chunk);
    sent += chunk.length;
  } finally {
    await producer.disconnect();
  }
  ctx.logger.info('records produced', { topic: config.inputTopic, records: sent });
  return 0;
}
