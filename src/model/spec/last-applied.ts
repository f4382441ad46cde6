/**
 * The last applied spec (like kubectl's last-applied-configuration), so that the next apply knows which NICs and
 * objects it manages. User data is stored as a digest only: it may hold secrets.
 *
 * It is kept in the VM's record Secret, not on the VM: a NIC change then patches the VM with its NIC and a short
 * digest, not with the whole record (issue 14 measured the record at 70% of such a patch). The VM patch stays the
 * commit point: the Secret is written first with the new entry beside the current one, and the VM's
 * `vm.novasphere.dev/applied` annotation, written in the same guarded patch as the change, says which entry holds.
 * An apply that stops between the two leaves the VM pointing at the entry that matches it.
 */
import { createHash } from 'crypto';
import { WukongMetadata, WukongSpec } from './types';

/** On the VM: the digest of the record entry it was last applied with. */
export const APPLIED_ANNOTATION = 'vm.novasphere.dev/applied';
/** Where earlier releases kept the whole record on the VM; read when no record Secret holds it, removed at the next write. */
export const LAST_APPLIED_ANNOTATION = 'vm.novasphere.dev/last-applied';
/** Where earlier releases kept the interfaces the running VMI started with; read and removed like the record. */
export const STARTED_INTERFACES_ANNOTATION = 'vm.novasphere.dev/started-interfaces';
/** Annotations Wukong keeps on the VM for itself: never compared as user metadata. */
export const RECORD_ANNOTATIONS: readonly string[] = [APPLIED_ANNOTATION, LAST_APPLIED_ANNOTATION, STARTED_INTERFACES_ANNOTATION];
/** The record Secret's type, so nobody mistakes it for credentials to mount. */
export const RECORD_SECRET_TYPE = 'vm.novasphere.dev/applied';
/**
 * In the record Secret: how many interfaces the running VMI started with (`<vmi uid>:<count>`). KubeVirt reserves
 * hot-plug ports at start (kubevirt-hotplug.md §7), and the VMI itself does not say which interfaces came later.
 */
export const STARTED_INTERFACES_KEY = 'started-interfaces';
const ENTRY_PREFIX = 'applied.';
/** Entries of other appliers are kept this long, so a concurrent apply whose VM patch lands still finds its own. */
const KEEP_OTHERS_MS = 15 * 60 * 1000;
const USER_DATA_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The metadata (namespace resolved) and spec of the last apply of a VM, as Wukong records them. */
export interface LastApplied {
  readonly metadata: WukongMetadata & { readonly namespace: string };
  readonly spec: WukongSpec;
}

/** The digest (`sha256:<hex>`) that stands for user data in the record and in Pulumi outputs, which never keep the text. */
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

/** The digest the VM's annotation carries for an encoded record: 64 bits of its SHA-256, enough to tell entries apart. */
export function recordDigest(encoded: string): string {
  return createHash('sha256').update(encoded).digest('hex').slice(0, 16);
}

/** What Wukong recorded for a live VM. */
export interface AppliedRecord {
  /** The spec last applied, when the VM points at an entry the record holds (or carries the legacy annotation). */
  readonly applied?: LastApplied;
  /** `<vmi uid>:<count>`, when recorded. */
  readonly startedInterfaces?: string;
  /** The VM still carries an earlier release's annotations: the next write moves them into the record Secret. */
  readonly legacy: boolean;
}

/** Reads the record of a VM from its annotations and its record Secret's data (decoded). */
export function readAppliedRecord(annotations: Record<string, string>, data: Record<string, string> | undefined): AppliedRecord {
  const legacy = annotations[LAST_APPLIED_ANNOTATION] !== undefined || annotations[STARTED_INTERFACES_ANNOTATION] !== undefined;
  const digest = annotations[APPLIED_ANNOTATION];
  const entry = digest !== undefined ? data?.[`${ENTRY_PREFIX}${digest}`] : undefined;
  const decoded = decodeLastApplied(entry ?? annotations[LAST_APPLIED_ANNOTATION]) as (LastApplied & { writtenAt?: string }) | undefined;
  const applied = decoded && { metadata: decoded.metadata, spec: decoded.spec };
  return { applied, startedInterfaces: data?.[STARTED_INTERFACES_KEY] ?? annotations[STARTED_INTERFACES_ANNOTATION], legacy };
}

/**
 * The record Secret's data changes for applying `encoded`: its entry added, `startedInterfaces` recorded, and entries
 * dropped that are neither the VM's current one nor written in the last 15 minutes. `undefined` removes a key; an
 * empty result means the Secret already holds all of it.
 */
export function recordChanges(
  data: Record<string, string>, current: string | undefined, encoded: string, startedInterfaces: string | undefined, now: Date,
): Record<string, string | undefined> {
  const digest = recordDigest(encoded);
  const out: Record<string, string | undefined> = {};
  const key = `${ENTRY_PREFIX}${digest}`;
  if (data[key] === undefined) out[key] = JSON.stringify({ writtenAt: now.toISOString(), ...JSON.parse(encoded) });
  if (startedInterfaces !== undefined && data[STARTED_INTERFACES_KEY] !== startedInterfaces) out[STARTED_INTERFACES_KEY] = startedInterfaces;
  for (const [k, v] of Object.entries(data)) {
    if (!k.startsWith(ENTRY_PREFIX) || k === key || k === `${ENTRY_PREFIX}${current}`) continue;
    if (!(now.getTime() - writtenAt(v) < KEEP_OTHERS_MS)) out[k] = undefined;
  }
  return out;
}

/** When an entry was written, in ms since the epoch; NaN for one that does not say (it is dropped). */
function writtenAt(entry: string): number {
  try {
    return Date.parse(JSON.parse(entry).writtenAt);
  } catch {
    return NaN;
  }
}
