/** Reading the operator's `Wukong` objects (`vm.novasphere.dev/v1alpha1`) from untyped input. */
import { resolveVm } from './resolve';
import { ResolvedVm } from './resolved';
import { Issue, IssueCollector, MANIFEST_PATHS, show } from '../spec/issues';
import { LastApplied } from '../spec/last-applied';
import { definedOnly, isJsonObject } from '../spec/stable-json';
import { WUKONG_API_VERSION, WUKONG_KIND, WukongManifest } from '../spec/types';

/** Metadata fields a server adds; harmless in input exported from a cluster, and ignored. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'finalizers', 'ownerReferences'];
const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** The outcome of `readWukong`: the resolved VM and its manifest when the document is valid, and every issue found. */
export interface WukongReadResult {
  readonly vm?: ResolvedVm;
  /** With `vm`: the document's metadata (server fields dropped, namespace filled in) and spec, as the VM was resolved. */
  readonly manifest?: LastApplied;
  readonly issues: Issue[];
}

/** Validates a `Wukong` object (apiVersion, kind, metadata, spec) and resolves its VM; never throws. */
export function readWukong(doc: unknown): WukongReadResult {
  const issues = new IssueCollector();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    issues.error('', `a Wukong document must be an object with apiVersion, kind, metadata and spec, got ${show(doc)}`);
    return { issues: issues.issues };
  }
  const o = doc as Record<string, unknown>;
  if (o.apiVersion !== WUKONG_API_VERSION) issues.error('apiVersion', `${show(o.apiVersion)} is not '${WUKONG_API_VERSION}'`);
  if (o.kind !== WUKONG_KIND) issues.error('kind', `${show(o.kind)} is not '${WUKONG_KIND}'`);
  for (const key of Object.keys(o)) if (!TOP_LEVEL.includes(key)) issues.error(key, `unknown field; a Wukong object has ${TOP_LEVEL.join(', ')}`);
  if (o.metadata === undefined) issues.error('metadata', 'is required');
  if (o.spec === undefined) issues.error('spec', 'is required');
  let metadata = o.metadata;
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !SERVER_METADATA.includes(k)));
  }
  const result = o.metadata === undefined || o.spec === undefined ? { issues: [] as Issue[] } : resolveVm(metadata, o.spec, MANIFEST_PATHS);
  const all = [...issues.issues, ...result.issues];
  if (issues.hasErrors || !result.vm) return { issues: all };
  const manifest = { metadata: { ...(metadata as LastApplied['metadata']), namespace: result.vm.namespace }, spec: o.spec as LastApplied['spec'] };
  return { vm: result.vm, manifest, issues: all };
}

/** What a NICs document for `attachedWukong` may hold: the fields of a Wukong spec that are not the VM's own. */
const ATTACH_FIELDS = ['networks', 'networkDataDelivery', 'onMissingMultus'];
/** kubectl's record on objects it applied: the VM's tooling's business, not a label or annotation to carry over. */
const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The outcome of `attachedWukong`: the Wukong object it built, or the problems of the two documents. */
export interface AttachedWukong {
  /** The Wukong object of the VM with the NICs attached (`spec.virtualMachine`), when both documents are usable. */
  readonly manifest?: WukongManifest;
  /** Problems of the VM document (`source: 'vm'`, paths in it) and of the NICs document (`source: 'nics'`). */
  readonly issues: Array<Issue & { readonly source: 'vm' | 'nics' }>;
}

/**
 * The Wukong object that attaches the NICs of `nics` (`networks`, and optionally `networkDataDelivery` and
 * `onMissingMultus`) to the VirtualMachine manifest `vm`: its metadata become the Wukong's, its spec `spec.virtualMachine`.
 * Only the envelopes are checked here; resolving the object checks the rest.
 */
export function attachedWukong(vm: unknown, nics: unknown): AttachedWukong {
  const issues: Array<Issue & { source: 'vm' | 'nics' }> = [];
  const error = (source: 'vm' | 'nics', path: string, message: string) => issues.push({ severity: 'error', path, message, source });
  if (!isJsonObject(vm)) {
    error('vm', '', `must be a VirtualMachine manifest (apiVersion kubevirt.io/v1), got ${show(vm)}`);
  } else {
    if (vm.apiVersion !== 'kubevirt.io/v1') error('vm', 'apiVersion', `${show(vm.apiVersion)} is not 'kubevirt.io/v1'`);
    if (vm.kind !== 'VirtualMachine') error('vm', 'kind', `${show(vm.kind)} is not 'VirtualMachine'; Wukong attaches NICs to a VirtualMachine`);
    if (!isJsonObject(vm.metadata) || typeof vm.metadata.name !== 'string') error('vm', 'metadata.name', 'is required');
    if (!isJsonObject(vm.spec)) error('vm', 'spec', 'is required: the VirtualMachine\'s spec, template included');
  }
  if (!isJsonObject(nics)) {
    error('nics', '', `must be a map with networks (and optionally networkDataDelivery, onMissingMultus), got ${show(nics)}`);
  } else {
    for (const key of Object.keys(nics)) {
      if (!ATTACH_FIELDS.includes(key)) {
        error('nics', key, `is not a field of attached NICs (${ATTACH_FIELDS.join(', ')}); the VM's own fields stay in its manifest`);
      }
    }
  }
  if (issues.length || !isJsonObject(vm) || !isJsonObject(nics)) return { issues };
  const { name, namespace, labels, annotations } = vm.metadata;
  const kept = isJsonObject(annotations) ? Object.fromEntries(Object.entries(annotations).filter(([k]) => k !== KUBECTL_LAST_APPLIED)) : undefined;
  const metadata = definedOnly({ name, namespace, labels, annotations: kept && Object.keys(kept).length ? kept : undefined });
  return {
    issues,
    manifest: { apiVersion: WUKONG_API_VERSION, kind: WUKONG_KIND, metadata, spec: { ...nics, virtualMachine: vm.spec } },
  };
}
