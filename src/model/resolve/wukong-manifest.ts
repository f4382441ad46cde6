/** Reading the operator's `Wukong` objects (`vm.novasphere.dev/v1alpha1`) from untyped input. */
import { resolveVm } from './resolve';
import { ResolvedVm } from './resolved';
import { Issue, IssueCollector, MANIFEST_PATHS, show } from '../spec/issues';
import { LastApplied } from '../spec/last-applied';
import { WUKONG_API_VERSION, WUKONG_KIND } from '../spec/types';

/** Metadata fields a server adds; harmless in input exported from a cluster, and ignored. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'finalizers', 'ownerReferences'];
const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

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
