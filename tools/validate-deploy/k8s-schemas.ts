/**
 * Kubernetes JSON schemas that kubeconform can read offline. The kubernetes-validate wheel ships one schema per
 * kind whose `$ref`s point into a shared `_definitions.json` by an absolute path ("/api/_definitions.json#/
 * $defs/..."), which kubeconform resolves against nothing. Here each wanted kind becomes a standalone schema: its
 * refs rewritten to "#/$defs/...", with every definition they reach (transitively) copied into its own `$defs`.
 * Local refs, not inlined copies, so recursive definitions stay finite.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A ref into the shared definitions: by absolute path from a kind's file, or local within _definitions.json. */
const DEFINITION_REF = /^(?:\/api\/_definitions\.json)?#\/\$defs\/(.+)$/;

/** A copy of `node` with shared refs made local; each definition name met is added to `reached`. */
function localise(node: Json, reached: Set<string>): Json {
  if (Array.isArray(node)) return node.map((n) => localise(n, reached));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    const match = key === '$ref' && typeof value === 'string' ? DEFINITION_REF.exec(value) : null;
    if (match?.[1] !== undefined) {
      reached.add(match[1]);
      out[key] = `#/$defs/${match[1]}`;
    } else {
      out[key] = localise(value, reached);
    }
  }
  return out;
}

/** The file name kubernetes-validate (and kubeconform's KindSuffix) gives a kind: deployment-apps-v1.json, service-v1.json. */
export function k8sSchemaFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupPart = group === undefined || group === '' ? '' : `-${group.split('.')[0] ?? ''}`;
  return `${kind.toLowerCase()}${groupPart}-${version ?? ''}.json`.toLowerCase();
}

/**
 * Writes standalone schemas of `files` for Kubernetes `version` (e.g. "1.37.0") from the wheel's
 * `schemaRoot` into `outRoot`/v<version>-standalone-strict/. A kind the version does not have is left out
 * (kubeconform then reports its schema missing, which fails the check).
 */
export function writeStandaloneSchemas(schemaRoot: string, version: string, files: readonly string[], outRoot: string): string {
  const source = join(schemaRoot, `v${version}-local-strict`);
  const definitions = (JSON.parse(readFileSync(join(source, '_definitions.json'), 'utf8')) as { $defs: Record<string, Json> }).$defs;
  const out = join(outRoot, `v${version}-standalone-strict`);
  mkdirSync(out, { recursive: true });
  for (const file of files) {
    let schema: Json;
    try {
      schema = JSON.parse(readFileSync(join(source, file), 'utf8')) as Json;
    } catch {
      continue;
    }
    const reached = new Set<string>();
    const root = localise(schema, reached);
    const defs: Record<string, Json> = {};
    const pending = [...reached];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (name in defs) continue;
      const definition = definitions[name];
      if (definition === undefined) throw new Error(`${file}: $ref to ${name}, not in _definitions.json of ${version}`);
      const more = new Set<string>();
      defs[name] = localise(definition, more);
      for (const m of more) if (!(m in defs)) pending.push(m);
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new Error(`${file}: not a schema object`);
    writeFileSync(join(out, file), JSON.stringify({ ...root, $defs: defs }));
  }
  return out;
}
