/** One finding about a spec: which field, and a message that shows the value and says how to fix it. */
export interface Issue {
  readonly severity: 'error' | 'warning';
  /** Field path, e.g. `networks[1].vlanId`. */
  readonly path: string;
  readonly message: string;
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

  public constructor(private readonly prefix = '') {}

  public error(path: string, message: string): void {
    this._issues.push({ severity: 'error', path: this.join(path), message });
  }

  public warn(path: string, message: string): void {
    this._issues.push({ severity: 'warning', path: this.join(path), message });
  }

  public get issues(): Issue[] {
    return [...this._issues];
  }

  public get errors(): Issue[] {
    return this._issues.filter(i => i.severity === 'error');
  }

  public get warnings(): Issue[] {
    return this._issues.filter(i => i.severity === 'warning');
  }

  public get hasErrors(): boolean {
    return this._issues.some(i => i.severity === 'error');
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
