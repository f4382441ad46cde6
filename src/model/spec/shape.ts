import { IssueCollector, show } from './issues';

/** A field type of the small schema used to check untyped input (YAML, JavaScript callers). */
export type Shape =
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'stringMap' }
  | { readonly kind: 'list'; readonly item: Shape }
  | { readonly kind: 'object'; readonly fields: Record<string, Shape>; readonly required?: readonly string[] }
  /** Any JSON object, taken as it is: an upstream object whose own API server checks it (a VirtualMachine's spec). */
  | { readonly kind: 'json' };

export const S = {
  string: { kind: 'string' } as Shape,
  number: { kind: 'number' } as Shape,
  bool: { kind: 'bool' } as Shape,
  stringMap: { kind: 'stringMap' } as Shape,
  json: { kind: 'json' } as Shape,
  enum: (values: readonly string[]): Shape => ({ kind: 'enum', values }),
  list: (item: Shape): Shape => ({ kind: 'list', item }),
  object: (fields: Record<string, Shape>, required: readonly string[] = []): Shape => ({ kind: 'object', fields, required }),
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${show(value)}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}

function suggestion(key: string, known: string[]): string {
  const best = known.map(k => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean '${best.k}'?` : `; known fields: ${known.join(', ')}`;
}

/**
 * The items of a checked list that passed, with their original index. Failed items stay in checked lists as
 * `undefined`, so the paths of later errors keep pointing at the right entry.
 */
export function present<T>(list: ReadonlyArray<T | undefined> | undefined): Array<[T, number]> {
  const out: Array<[T, number]> = [];
  (list ?? []).forEach((item, i) => { if (item !== undefined && item !== null) out.push([item, i]); });
  return out;
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Checks `value` against `shape`, reporting wrong types, missing required fields and unknown fields (with a
 * suggestion). Returns a copy without the fields that failed, so later rules only ever see well-typed values.
 */
export function checkShape(value: unknown, shape: Shape, path: string, issues: IssueCollector): unknown {
  switch (shape.kind) {
    case 'string':
    case 'number':
    case 'bool':
    case 'enum':
      if (isValidScalar(value, shape)) return value;
      issues.error(path, scalarProblem(value, shape));
      return undefined;
    case 'stringMap':
      return checkStringMap(value, path, issues);
    case 'list':
      if (!Array.isArray(value)) {
        issues.error(path, `must be a list, got ${typeName(value)}`);
        return undefined;
      }
      return value.map((item, i) => checkShape(item, shape.item, child(path, i), issues));
    case 'object':
      return checkObject(value, shape, path, issues);
    case 'json':
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
      issues.error(path, `must be an object, got ${typeName(value)}`);
      return undefined;
  }
}

function checkStringMap(value: unknown, path: string, issues: IssueCollector): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.error(path, `must be a map of strings, got ${typeName(value)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else issues.error(child(path, k), `must be a string, got ${typeName(v)}; quote it in YAML`);
  }
  return out;
}

/** Why `value` does not fit a scalar shape. */
function scalarProblem(value: unknown, shape: Shape): string {
  switch (shape.kind) {
    case 'string': return `must be a string, got ${typeName(value)}`;
    case 'number': return `must be a number, got ${typeName(value)}`;
    case 'bool': return `must be true or false, got ${typeName(value)}`;
    case 'enum': return `${show(value)} is not one of ${shape.values.map(v => `'${v}'`).join(', ')}`;
    default: return `must be ${shape.kind}, got ${typeName(value)}`;
  }
}

/** The one rule of what a scalar shape takes: checkShape returns such a value unchanged and without an issue. */
function isValidScalar(value: unknown, shape: Shape): boolean {
  switch (shape.kind) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'bool': return typeof value === 'boolean';
    case 'enum': return typeof value === 'string' && shape.values.includes(value);
    default: return false;
  }
}

function checkObject(value: unknown, shape: Extract<Shape, { kind: 'object' }>, path: string, issues: IssueCollector): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.error(path, `must be an object, got ${typeName(value)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    const fieldShape = shape.fields[key];
    if (!fieldShape) {
      issues.error(child(path, key), `unknown field${suggestion(key, Object.keys(shape.fields))}`);
      continue;
    }
    if (v === undefined || v === null) continue;
    // A well-typed scalar needs no path: only a problem is reported with one, and a fleet checks many thousands.
    if (isValidScalar(v, fieldShape)) {
      out[key] = v;
      continue;
    }
    const checked = checkShape(v, fieldShape, child(path, key), issues);
    if (checked !== undefined) out[key] = checked;
  }
  // An object without a usable required field is dropped whole: no later rule could make sense of it.
  let complete = true;
  for (const key of shape.required ?? []) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || v === null) issues.error(child(path, key), 'is required');
    if (out[key] === undefined) complete = false;
  }
  return complete ? out : undefined;
}
