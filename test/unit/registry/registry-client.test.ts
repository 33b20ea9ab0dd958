/** The registry client against a local HTTP server playing the registry: requests as the protocol has them, every failure classified. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { isRelstreamError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { SchemaRegistryClient } from '../../../src/registry/registry-client.js';
import { registryClientFromConfig } from '../../../src/registry/registry-from-config.js';
import { hasOpenssl, makeTestCerts } from '../../helpers/test-certs.js';

interface Seen { method: string; url: string; authorization: string | undefined; contentType: string | undefined; body: string }

describe('SchemaRegistryClient', () => {
  const seen: Seen[] = [];
  let reply: (request: http.IncomingMessage, response: http.ServerResponse) => void = () => undefined;
  let server: http.Server;
  let url = '';
  before(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, contentType: request.headers['content-type'], body });
        reply(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
  });
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }));
  const answer = (status: number, body: unknown) => (_: http.IncomingMessage, response: http.ServerResponse): void => {
    response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify(body));
  };
  const failsWith = async (work: Promise<unknown>, code: string, retriable: boolean, pattern: RegExp): Promise<void> => {
    await assert.rejects(work, (error: unknown) => {
      assert.ok(isRelstreamError(error), String(error));
      assert.equal(error.code, code);
      assert.equal(error.retriable, retriable);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('registers under a subject and fetches by id, with basic auth and the registry content type', async () => {
    const client = new SchemaRegistryClient({ url, username: 'u', password: 'p w', timeoutMs: 2000 });
    reply = answer(200, { id: 42 });
    assert.equal(await client.register('a.b-value', '{"type":"string"}'), 42);
    reply = answer(200, { schema: '"string"' });
    assert.equal(await client.schemaById(42), '"string"');
    client.close();
    const [register, fetchById] = seen.slice(-2);
    assert.ok(register && fetchById);
    assert.deepEqual([register.method, register.url, JSON.parse(register.body)], ['POST', '/base/subjects/a.b-value/versions', { schema: '{"type":"string"}' }]);
    assert.equal(register.contentType, 'application/vnd.schemaregistry.v1+json');
    assert.equal(register.authorization, `Basic ${Buffer.from('u:p w').toString('base64')}`);
    assert.deepEqual([fetchById.method, fetchById.url], ['GET', '/base/schemas/ids/42']);
  });

  it('classifies failures: refused (409, 422, 401) stops, unknown id and server errors are retried', async () => {
    const client = new SchemaRegistryClient({ url, timeoutMs: 2000 });
    reply = answer(409, { error_code: 409, message: 'Incompatible schema' });
    await failsWith(client.register('s', '"int"'), 'RELSTREAM_REGISTRY_REFUSED', false, /incompatible.*Incompatible schema/s);
    reply = answer(422, { error_code: 42201, message: 'Invalid schema' });
    await failsWith(client.register('s', 'nope'), 'RELSTREAM_REGISTRY_REFUSED', false, /invalid schema/);
    reply = answer(401, { error_code: 401, message: 'Unauthorized' });
    await failsWith(client.schemaById(1), 'RELSTREAM_REGISTRY_REFUSED', false, /credentials refused/);
    reply = answer(404, { error_code: 40403, message: 'Schema not found' });
    await failsWith(client.schemaById(1), 'RELSTREAM_REGISTRY_SCHEMA_NOT_FOUND', true, /40403/);
    reply = answer(500, { error_code: 50003, message: 'Error while forwarding the request to the master' });
    await failsWith(client.register('s', '"int"'), 'RELSTREAM_REGISTRY_UNAVAILABLE', true, /50003/);
    reply = (_, response) => { response.writeHead(200).end('<html>'); };
    await failsWith(client.schemaById(1), 'RELSTREAM_REGISTRY_UNAVAILABLE', true, /not JSON/);
    reply = answer(200, { nothing: true });
    await failsWith(client.register('s', '"int"'), 'RELSTREAM_REGISTRY_UNAVAILABLE', true, /no schema id/);
    client.close();
  });

  it('a registry that does not answer in time, or is not there, is retriable', async () => {
    const slow = new SchemaRegistryClient({ url, timeoutMs: 100 });
    reply = () => undefined; // never answers
    await failsWith(slow.schemaById(1), 'RELSTREAM_REGISTRY_UNAVAILABLE', true, /within 100 ms/);
    slow.close();
    const nowhere = new SchemaRegistryClient({ url: 'http://127.0.0.1:1', timeoutMs: 1000 });
    await failsWith(nowhere.schemaById(1), 'RELSTREAM_REGISTRY_UNAVAILABLE', true, /ECONNREFUSED/);
    nowhere.close();
  });
});

describe('SchemaRegistryClient over TLS', { skip: hasOpenssl() ? false : 'openssl is not installed (.ci/run installs it)' }, () => {
  it('verifies an https registry with schemaRegistryCaFile and sends the password from its file; an untrusted certificate is refused, not retried', async (t) => {
    const certs = makeTestCerts();
    const authorizations: (string | undefined)[] = [];
    const server = https.createServer({ key: readFileSync(join(certs.dir, 'server.key')), cert: readFileSync(join(certs.dir, 'server.pem')) }, (request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify({ schema: '"string"' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(join(certs.dir, 'registry-password'), 'from-file\n');
    const env = { RELSTREAM_SCHEMA_REGISTRY_URL: url, RELSTREAM_SCHEMA_REGISTRY_USERNAME: 'relstream', RELSTREAM_SCHEMA_REGISTRY_PASSWORD_FILE: join(certs.dir, 'registry-password') };
    const trusted = registryClientFromConfig(loadConfig({ env: { ...env, RELSTREAM_SCHEMA_REGISTRY_CA_FILE: certs.caFile } }));
    assert.equal(await trusted?.schemaById(1), '"string"');
    trusted?.close();
    assert.deepEqual(authorizations, [`Basic ${Buffer.from('relstream:from-file').toString('base64')}`]);
    const untrusted = registryClientFromConfig(loadConfig({ env }));
    await assert.rejects(untrusted?.schemaById(1) ?? Promise.resolve(), (error: unknown) => {
      assert.ok(isRelstreamError(error) && error.code === 'RELSTREAM_REGISTRY_REFUSED' && !error.retriable, String(error));
      assert.match(error.message, /TLS: .*certificate/);
      return true;
    });
    untrusted?.close();
  });
});
