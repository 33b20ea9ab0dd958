/**
 * A Confluent-compatible Schema Registry client for the two calls relstream makes: register a schema under a
 * subject (start-up), and fetch a schema by id (input records). Plain node:http(s), because the registry client
 * libraries did not fit (docs/schema-registry.md): basic auth and TLS from configuration, one timeout per
 * request, answers bounded in size, and every failure a RelstreamError saying whether a retry can help.
 */
import http from 'node:http';
import https from 'node:https';

import { RelstreamError } from '../errors.js';

export interface RegistryClientOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM texts, for an https registry. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly timeoutMs: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const TLS_TRUST_ERRORS = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);
/** A schema answer is a few KB; a bigger one is not a registry talking. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class SchemaRegistryClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly authorization: string | undefined;

  constructor(private readonly options: RegistryClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const secure = this.base.protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, ...(options.ca === undefined ? {} : { ca: options.ca }), ...(options.cert === undefined ? {} : { cert: options.cert }), ...(options.key === undefined ? {} : { key: options.key }) })
      : new http.Agent({ keepAlive: true });
    this.authorization = options.username ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` : undefined;
  }

  /** The id of `schema` under `subject`, registering it as a new version if the subject lacks it. */
  async register(subject: string, schema: string): Promise<number> {
    const answer = await this.request('POST', `subjects/${encodeURIComponent(subject)}/versions`, JSON.stringify({ schema }));
    return schemaId(answer, `registering under ${subject}`);
  }

  /** The schema text registered as `id`. */
  async schemaById(id: number): Promise<string> {
    const answer = await this.request('GET', `schemas/ids/${id}`);
    const schema = (answer as { schema?: unknown }).schema;
    if (typeof schema !== 'string') throw unavailable(`schema ${id}: the answer has no schema text`);
    return schema;
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: 'GET' | 'POST', path: string, body?: string): Promise<unknown> {
    const url = new URL(path, this.base);
    const where = `${method} ${url.pathname}`;
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.authorization !== undefined) headers['authorization'] = this.authorization;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent: this.agent, timeout: this.options.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            request.destroy(unavailable(`${where}: answer larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => { reject(unavailable(`${where}: ${error.message}`, error)); });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? {} : JSON.parse(text);
          } catch (error) {
            reject(unavailable(`${where}: answer is not JSON (HTTP ${response.statusCode ?? 0})`, error));
            return;
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed);
          else reject(httpError(where, status, parsed));
        });
      });
      request.on('timeout', () => { request.destroy(unavailable(`${where}: no answer within ${this.options.timeoutMs} ms`)); });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof RelstreamError) reject(error);
        // A certificate the configured CAs do not vouch for: configuration, not an outage; retrying cannot help.
        else if (TLS_TRUST_ERRORS.has(error.code ?? '')) reject(new RelstreamError('RELSTREAM_REGISTRY_REFUSED', `Schema Registry: ${where}: TLS: ${error.message} (schemaRegistryCaFile)`, { cause: error }));
        else reject(unavailable(`${where}: ${error.message}`, error));
      });
      request.end(body);
    });
  }
}

function unavailable(message: string, cause?: unknown): RelstreamError {
  return new RelstreamError('RELSTREAM_REGISTRY_UNAVAILABLE', `Schema Registry: ${message}`, { retriable: true, cause });
}

function schemaId(answer: unknown, what: string): number {
  const id = (answer as { id?: unknown }).id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) throw unavailable(`${what}: the answer has no schema id`);
  return id;
}

/** Confluent error bodies: {"error_code": 40403, "message": "..."}. */
function httpError(where: string, status: number, body: unknown): RelstreamError {
  const { error_code: code, message } = body as { error_code?: unknown; message?: unknown };
  const detail = `${where}: HTTP ${status}${typeof code === 'number' ? ` (error ${code})` : ''}${typeof message === 'string' ? `: ${message}` : ''}`;
  // 40403: schema not found. Retriable: a registry (or a replica of it) may lag behind the producer.
  if (status === 404 && code === 40403) return new RelstreamError('RELSTREAM_REGISTRY_SCHEMA_NOT_FOUND', `Schema Registry: ${detail}`, { retriable: true });
  if (status === 409 || status === 422 || status === 401 || status === 403) {
    const why = status === 409 ? 'incompatible with the subject\'s earlier versions under its compatibility level' : status === 422 ? 'invalid schema' : 'credentials refused';
    return new RelstreamError('RELSTREAM_REGISTRY_REFUSED', `Schema Registry refused (${why}): ${detail}`);
  }
  // 5xx, 429, and Karapace's 50003 while it elects a primary: try again.
  return unavailable(detail);
}
