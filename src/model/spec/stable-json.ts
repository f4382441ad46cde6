/** JSON with object keys sorted at every level: the API server returns maps sorted, so order must not matter. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map(k => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** True for a JSON object (a map): not null, not a list. */
export function isJsonObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o` without its undefined members, so the JSON carries only what was asked for. A plain loop: fleets call it per NIC. */
export function definedOnly<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out as T;
}
