/**
 * The local single-node broker is a development tool (tools/local-kafka: the demo, the tests and the
 * benchmarks use it), not part of the shipped service: the container images carry dist/src only. The CLI
 * loads it when a command needs it and says so clearly where it is absent.
 */
import { RelstreamError } from '../errors.js';

type LocalKafka = typeof import('../../tools/local-kafka/index.js');

// A computed specifier: the service's own module graph never names the tool.
const LOCAL_KAFKA = ['..', '..', 'tools', 'local-kafka', 'index.js'].join('/');

export async function loadLocalKafka(): Promise<LocalKafka> {
  try {
    return (await import(LOCAL_KAFKA)) as LocalKafka;
  } catch (error) {
    throw new RelstreamError('RELSTREAM_CLI_USAGE', 'the local Kafka broker (tools/local-kafka) is a development tool and is not part of this installation; pass --kafka-brokers', { cause: error });
  }
}
