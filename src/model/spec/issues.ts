/** One finding about a spec: which field, and a message that shows the value and says how to fix it. */
export interface Issue {
  readonly severity: 'error' | 'warning';
  /** Field path, e.g. `networks[1].vlanId`: relative to the spec, or to the metadata when `scope` says so. */
  readonly path: string;
  readonly message: string;
  /** Set on findings about the metadata (name, namespace, labels, annotations). */
  readonly scope?: 'metadata';
  /** Other field paths the message names, relative like `path`: `withFieldPaths` gives them the same prefix. */
  readonly cites?: readonly string[];
}

/** Where a front end keeps the fields: construct props at the top (no prefix), a Wukong object under `metadata` and `spec`. */
export interface FieldPaths {
  readonly metadata: string;
  readonly spec: string;
}

/** The field paths of a Wukong object (YAML, Pulumi inputs): metadata under `metadata`, the spec under `spec`. */
export const MANIFEST_PATHS: FieldPaths = { metadata: 'metadata', spec: 'spec' };

/** The issues with the front end's prefixes: the one place a path gets its `spec.` or `metadata.`. */
export function withFieldPaths(issues: Issue[], paths: FieldPaths): Issue[] {
  return issues.map(({ scope, cites, ...i }) => {
    const base = scope === 'metadata' ? paths.metadata : paths.spec;
    return { ...i, path: fieldPath(base, i.path), message: base && cites?.length ? citing(i.message, cites, base) : i.message };
  });
}

/** `message` with each cited path prefixed by `base`, in one pass so a path that begins another is prefixed once. */
function citing(message: string, cites: readonly string[], base: string): string {
  const pattern = [...cites].sort((a, b) => b.length - a.length).map(c => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return message.replace(new RegExp(pattern, 'g'), cited => fieldPath(base, cited));
}

/** Joins a base path and a field: `fieldPath('networks[0]', 'mtu')`, `fieldPath('', 'mtu')`. */
export function fieldPath(base: string, field: string): string {
  if (!base) return field;
  if (!field) return base;
  return field.startsWith('[') ? `${base}${field}` : `${base}.${field}`;
}

/** Formats an issue the way every front end prints it: `<field>: <message>`. */
export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Shows a user value inside a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** Collects every issue of one spec so they are reported together. */
export class IssueCollector {
  private readonly _issues: Issue[] = [];

  public constructor(private readonly prefix = '', private readonly scope?: 'metadata') {}

  /** Records an error at `path`; `cites` are the other field paths `message` names. */
  public error(path: string, message: string, cites?: string[]): void {
    this.add('error', path, message, cites);
  }

  /** Records a warning at `path`; `cites` are the other field paths `message` names. */
  public warn(path: string, message: string, cites?: string[]): void {
    this.add('warning', path, message, cites);
  }

  /** Every issue collected so far, errors and warnings, in the order they were recorded. */
  public get issues(): Issue[] {
    return [...this._issues];
  }

  /** The errors collected so far. */
  public get errors(): Issue[] {
    return this._issues.filter(i => i.severity === 'error');
  }

  /** The warnings collected so far. */
  public get warnings(): Issue[] {
    return this._issues.filter(i => i.severity === 'warning');
  }

  /** Whether any error was collected (warnings alone do not count). */
  public get hasErrors(): boolean {
    return this._issues.some(i => i.severity === 'error');
  }

  private add(severity: Issue['severity'], path: string, message: string, cites?: string[]): void {
    this._issues.push({
      severity,
      path: this.join(path),
      message,
      ...(this.scope ? { scope: this.scope } : {}),
      ...(cites?.length ? { cites: cites.map(c => this.join(c)) } : {}),
    });
  }

  private join(path: string): string {
    return fieldPath(this.prefix, path);
  }
}

/** Thrown when a spec has errors; carries all of them. */
export class WukongValidationError extends Error {
  public readonly issues: Issue[];

  public constructor(subject: string, issues: Issue[]) {
    const errors = issues.filter(i => i.severity === 'error');
    super(`${subject} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n`
      + errors.map(i => `  ${formatIssue(i)}`).join('\n'));
    this.name = 'WukongValidationError';
    this.issues = errors;
  }
}

/** Throws a `WukongValidationError` when the collected issues include an error. */
export function throwIfErrors(subject: string, issues: Issue[]): void {
  if (issues.some(i => i.severity === 'error')) throw new WukongValidationError(subject, issues);
}
