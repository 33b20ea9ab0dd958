/**
 * Asks the cluster for its metadata every few seconds through an admin client that does not retry, so an
 * outage shows on /readyz and relstream_kafka_reachable within seconds, long before the producer's and
 * consumer's own retries give up (and a recovery shows as soon as the broker is back).
 */
import { RelstreamError } from '../errors.js';
import type { KafkaConnectivity } from './connectivity.js';
import type { KafkaAdmin } from './types.js';

export interface ClusterProbe {
  stop(): Promise<void>;
}

export function startClusterProbe(admin: KafkaAdmin, connectivity: KafkaConnectivity, intervalMs: number): ClusterProbe {
  let probing: Promise<void> | undefined;
  const probe = async (): Promise<void> => {
    try {
      await admin.describeCluster();
      connectivity.ok();
    } catch (error) {
      if (error instanceof RelstreamError && error.retriable) connectivity.failed(error);
    }
  };
  const timer = setInterval(() => { probing ??= probe().finally(() => { probing = undefined; }); }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await probing;
      await admin.disconnect().catch(() => undefined);
    },
  };
}
