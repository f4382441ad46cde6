/**
 * The last applied spec, kept on the VM as an annotation (like kubectl's last-applied-configuration) so that the next
 * apply knows which NICs and objects it manages. User data is stored as a digest only: it may hold secrets.
 */
import { createHash } from 'crypto';
import { WukongSpec } from './types';

export const LAST_APPLIED_ANNOTATION = 'vm.novasphere.dev/last-applied';
const USER_DATA_DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface LastApplied {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: WukongSpec;
}

export function userDataDigest(userData: string): string {
  return `sha256:${createHash('sha256').update(userData).digest('hex')}`;
}

/** The annotation value for a spec: JSON, with `userData` replaced by its digest. */
export function encodeLastApplied(applied: LastApplied): string {
  const spec = applied.spec.userData === undefined ? applied.spec : { ...applied.spec, userData: userDataDigest(applied.spec.userData) };
  const { annotations, ...metadata } = applied.metadata;
  const rest = annotations ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== LAST_APPLIED_ANNOTATION)) : undefined;
  return JSON.stringify({ metadata: { ...metadata, ...(rest && Object.keys(rest).length ? { annotations: rest } : {}) }, spec });
}

/** Parses the annotation; undefined when absent or not ours. A digest stands in for user data it cannot restore. */
export function decodeLastApplied(value: string | undefined): LastApplied | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as LastApplied;
    const spec = parsed?.spec as unknown;
    if (typeof parsed?.metadata?.name !== 'string' || typeof spec !== 'object' || spec === null || Array.isArray(spec)) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** True when `value` is a user-data digest (`sha256:<hex>`) rather than user data. */
export function isUserDataDigest(value: string): boolean {
  return USER_DATA_DIGEST.test(value);
}

/** True when `stored` (a digest or text) stands for `userData`. */
export function sameUserData(stored: string | undefined, userData: string | undefined): boolean {
  if (stored === undefined || userData === undefined) return stored === userData;
  if (USER_DATA_DIGEST.test(stored)) return stored === userDataDigest(userData);
  return stored === userData;
}
