/** A throwaway CA and a server certificate for 127.0.0.1, made with openssl, for the local broker's TLS listener. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hasCommand } from './commands.js';

export interface TestCerts {
  readonly dir: string;
  /** The CA certificate clients trust. */
  readonly caFile: string;
  /** Server private key (PKCS#8) + certificate chain, what Kafka's PEM keystore reads. */
  readonly keystorePem: string;
}

export const hasOpenssl = (): boolean => hasCommand('openssl', ['version']);

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'relstream-certs-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=relstream test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('ext.cnf'));
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', file('server.key'), '-out', file('server.pk8'));
  writeFileSync(file('keystore.pem'), [file('server.pk8'), file('server.pem'), file('ca.pem')].map((f) => readFileSync(f, 'utf8')).join(''));
  return { dir, caFile: file('ca.pem'), keystorePem: file('keystore.pem') };
}
