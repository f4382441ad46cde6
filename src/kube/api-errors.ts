/** Readable messages for errors from the Kubernetes API, naming the object and the fields the server rejected. */

/** One field-level cause of a Kubernetes Status (`details.causes[]`). */
export interface StatusCause {
  readonly field?: string;
  readonly message?: string;
  readonly reason?: string;
}

/** The Kubernetes `Status` (meta/v1) an API error carries: https://kubernetes.io/docs/reference/using-api/api-concepts/#status */
export interface Status {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: { readonly causes?: StatusCause[] };
}

const SKIPPED_RULES = 'some validation rules were not checked because the object was invalid';

/** HTTP status of an error from @kubernetes/client-node, or undefined for other errors. */
export function apiStatusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Kubernetes Status an API error carries, parsed from its body (a plain-text body becomes the message). */
export function apiStatus(e: unknown): Status | undefined {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === 'object' && body !== null) return body as Status;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as Status;
  } catch {
    return { message: body };
  }
}

/** Where an object lives, for messages: `VirtualMachine prod/web`. */
export function objectRef(obj: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind ?? 'object'} ${ns ? `${ns}/` : ''}${obj.metadata?.name ?? '(unnamed)'}`;
}

/**
 * One line per rejected field (`<object>: <field>: <message>`), or one line with the server's message. Never a stack
 * trace, never a token: only the Status the server returned.
 */
export function describeApiError(e: unknown, obj?: { kind?: string; metadata?: { name?: string; namespace?: string } }): string[] {
  const prefix = obj ? `${objectRef(obj)}: ` : '';
  const status = apiStatus(e);
  // Wukong's own errors that carry a status code (a refused permission) already say everything.
  if (!status && e instanceof Error && !('body' in e)) return e.message.split('\n').map(l => `${prefix}${l}`);
  const code = apiStatusCode(e);
  // Since Kubernetes 1.28 a schema error also brings a field-less cause saying CEL rules were skipped: not a finding.
  const causes = status?.details?.causes?.filter(c => c.message && !(c.field === '<nil>' && c.message.includes(SKIPPED_RULES))) ?? [];
  if (causes.length) return causes.map(c => `${prefix}${c.field ? `${c.field}: ` : ''}${c.message}`);
  const text = status?.message ?? (e as Error)?.message ?? String(e);
  return [`${prefix}${code ? `HTTP ${code}: ` : ''}${text}`];
}
