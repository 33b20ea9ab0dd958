/**
 * /metrics (Prometheus), /healthz (alive, and no partition stalled again after the watchdog healed it) and
 * /readyz (model warmed and consumer in its group).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string; port: number; registry: Registry; isReady: () => boolean;
  /** Why the process is unhealthy and should be restarted; undefined while healthy. */
  health?: () => string | undefined;
}): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405).end();
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => { response.writeHead(200, { 'content-type': options.registry.contentType }).end(body); },
        (error: unknown) => { response.writeHead(500).end(String(error)); },
      );
    } else if (path === '/healthz') {
      const problem = options.health?.();
      response.writeHead(problem === undefined ? 200 : 503, { 'content-type': 'text/plain' }).end(problem === undefined ? 'ok\n' : `unhealthy: ${problem}\n`);
    } else if (path === '/readyz') {
      const ready = options.isReady();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    }),
  };
}
