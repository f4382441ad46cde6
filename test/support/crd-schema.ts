/**
 * Validates manifests against the shipped CRDs' `openAPIV3Schema`, as closely to the API server as JSON Schema allows:
 * Kubernetes extensions are translated, and objects without `x-kubernetes-preserve-unknown-fields` reject unknown
 * fields, because the server would silently prune them (a typo that never reaches the cluster).
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const CRD_DIR = join(__dirname, '..', '..', 'crds');

type Schema = Record<string, unknown>;

function translate(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, translate(v)]));
    } else if (key === 'items' && value && typeof value === 'object' && !Array.isArray(value)) {
      out.items = translate(value as Schema);
    } else if (key === 'additionalProperties' && value && typeof value === 'object') {
      out.additionalProperties = translate(value as Schema);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(v => translate(v as Schema));
    } else if (!key.startsWith('x-kubernetes-') && key !== 'nullable' && key !== 'default' && key !== 'format') {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}

export interface CrdInfo {
  readonly group: string;
  readonly kind: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly validate: ValidateFunction;
}

let cache: Map<string, CrdInfo> | undefined;

/** Every CRD under crds/, by `apiVersion/kind`. */
export function crdValidators(): Map<string, CrdInfo> {
  if (cache) return cache;
  const ajv = new Ajv({ strict: false, allErrors: true });
  cache = new Map();
  for (const file of readdirSync(CRD_DIR).filter(f => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(CRD_DIR, file), 'utf8'));
    for (const version of crd.spec.versions) {
      if (!version.served) continue;
      const schema = translate(version.schema.openAPIV3Schema);
      // metadata is ObjectMeta, which CRD schemas leave open; checked separately.
      (schema.properties as Record<string, Schema>).metadata = { type: 'object' };
      cache.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, {
        group: crd.spec.group, kind: crd.spec.names.kind, scope: crd.spec.scope, validate: ajv.compile(schema),
      });
    }
  }
  return cache;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems of one manifest against its CRD (or, for core kinds, the few rules checked here); empty when valid. */
export function schemaProblems(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const problems: string[] = [];
  const name = obj.metadata?.name;
  if (!name || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) problems.push(`${where}: metadata.name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') {
    const secret = obj as { stringData?: Record<string, unknown>; type?: string };
    if (!obj.metadata?.namespace) problems.push(`${where}: a Secret needs a namespace`);
    for (const [k, v] of Object.entries(secret.stringData ?? {})) if (typeof v !== 'string') problems.push(`${where}: stringData.${k} is not a string`);
    return problems;
  }
  const crd = crdValidators().get(`${obj.apiVersion}/${obj.kind}`);
  if (!crd) return [...problems, `${where}: no CRD for ${obj.apiVersion} ${obj.kind} under crds/`];
  if (crd.scope === 'Namespaced' && !obj.metadata?.namespace) problems.push(`${where}: namespaced kind without metadata.namespace`);
  if (crd.scope === 'Cluster' && obj.metadata?.namespace) problems.push(`${where}: cluster-scoped kind with metadata.namespace`);
  if (!crd.validate(obj)) {
    for (const e of crd.validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}' (the server would prune it)` : '';
      problems.push(`${where}: ${e.instancePath || '/'} ${e.message}${extra}`);
    }
  }
  return problems;
}
