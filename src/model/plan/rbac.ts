/**
 * The least privilege `wukong apply`, the Pulumi provider and `wukong status` need, as RBAC rules: reads of the VM, its
 * VMI and what it owns; guarded writes; nothing else. One place, used by the RBAC manifests and the permission
 * preflight that runs before any write.
 */
import { Plan } from './plan-types';
import { RESOURCES, ResourceType } from './resources';
import { dns1123LabelProblem } from '../net/names';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../render/vm-spec';
import { IssueCollector, show, throwIfErrors } from '../spec/issues';

/**
 * A Kubernetes RBAC policy rule of a Role or ClusterRole: verbs allowed on resources of API groups.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */
export interface RbacRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** Which optional permissions Wukong's RBAC includes: Kube-OVN Subnets, and reading the KubeVirt CR for its version. */
export interface RbacOptions {
  /** Kube-OVN Subnets are managed (cluster-scoped rules). @default true */
  readonly kubeOvn?: boolean;
  /** Read the KubeVirt CR for the cluster's version (cluster-wide list). @default true */
  readonly readKubeVirtVersion?: boolean;
}

/** One permission: a verb on a resource, in the VM's namespace or cluster-wide. */
export interface PermissionSpec {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly clusterScoped: boolean;
}

const scoped = (r: ResourceType) => ({ group: r.group, resource: r.plural, clusterScoped: !r.namespaced || r.listedClusterWide === true });
const VMS = scoped(RESOURCES.VirtualMachine);
const VMIS = scoped(RESOURCES.VirtualMachineInstance);
const NADS = scoped(RESOURCES.NetworkAttachmentDefinition);
const SECRETS = scoped(RESOURCES.Secret);
const SUBNETS = scoped(RESOURCES.Subnet);
const KUBEVIRTS = scoped(RESOURCES.KubeVirt);

/**
 * Every permission Wukong uses. The permission preflight also creates SelfSubjectAccessReviews, which Kubernetes' default
 * `system:basic-user` ClusterRole grants every authenticated user, so the roles leave them out.
 */
export function wukongPermissions(opts: RbacOptions = {}): PermissionSpec[] {
  const p = (verbs: string[], r: Omit<PermissionSpec, 'verb'>) => verbs.map(verb => ({ ...r, verb }));
  return [
    ...p(['get', 'create', 'patch', 'delete'], VMS),
    ...p(['get'], VMIS),
    ...p(['get', 'list', 'create', 'patch', 'delete'], NADS),
    ...p(['get', 'create', 'patch', 'delete'], SECRETS),
    ...(opts.kubeOvn ?? true ? p(['get', 'list', 'create', 'patch', 'delete'], SUBNETS) : []),
    ...(opts.readKubeVirtVersion ?? true ? p(['list'], KUBEVIRTS) : []),
  ];
}

function rulesOf(perms: PermissionSpec[]): RbacRule[] {
  const byResource = new Map<string, RbacRule>();
  for (const p of perms) {
    const key = `${p.group}/${p.resource}`;
    const rule = byResource.get(key) ?? { apiGroups: [p.group], resources: [p.resource], verbs: [] as string[] };
    byResource.set(key, { ...rule, verbs: [...rule.verbs, p.verb] });
  }
  return [...byResource.values()];
}

/** The rules of the namespaced Role (the VM's namespace) and of the ClusterRole (cluster-scoped resources). */
export function wukongRbacRules(opts: RbacOptions = {}): { namespaced: RbacRule[]; cluster: RbacRule[] } {
  const all = wukongPermissions(opts);
  return { namespaced: rulesOf(all.filter(p => !p.clusterScoped)), cluster: rulesOf(all.filter(p => p.clusterScoped)) };
}

const ACTION_PERMISSIONS: Record<string, Array<[string, Omit<PermissionSpec, 'verb'>]>> = {
  // A create that finds the object already there (a retried or concurrent run) reads it before patching.
  'nad-create': [['create', NADS], ['get', NADS]],
  'nad-update': [['patch', NADS]],
  'nad-delete': [['delete', NADS]],
  'subnet-create': [['create', SUBNETS], ['get', SUBNETS]],
  'subnet-update': [['patch', SUBNETS]],
  'subnet-delete': [['delete', SUBNETS]],
  'secret-create': [['create', SECRETS], ['get', SECRETS]],
  'secret-update': [['patch', SECRETS]],
};

/** The write permissions applying `plan` needs; checked before anything is written. */
export function permissionsForPlan(plan: Plan): PermissionSpec[] {
  const out = new Map<string, PermissionSpec>();
  const add = (verb: string, r: Omit<PermissionSpec, 'verb'>) => out.set(`${verb} ${r.group}/${r.resource}`, { ...r, verb });
  for (const e of plan.entries) {
    if (!e.applies) continue;
    for (const [verb, r] of ACTION_PERMISSIONS[e.action] ?? []) add(verb, r);
    if (e.subject === 'VirtualMachine' && e.action === 'create') add('create', VMS);
    else if ((e.subject === 'nic' || e.subject === 'VirtualMachine') && !['unchanged', 'create', 'skipped'].includes(e.action)) add('patch', VMS);
  }
  // Every VM write first writes its record entry into the VM's record Secret; after it, the apply reads the VM and
  // its VMI (waiting for plugs and detaches, showing the NICs), which a new VM's apply has not read before writing.
  if (out.has('create kubevirt.io/virtualmachines') || out.has('patch kubevirt.io/virtualmachines')) {
    for (const verb of ['get', 'create', 'patch']) add(verb, SECRETS);
    add('get', VMS);
    add('get', VMIS);
  }
  return [...out.values()];
}

/** The permissions deleting a VM needs, reads after the first write included (so none fails half-way). */
export function permissionsForDelete(opts: { manageOwnedObjects?: boolean; kubeOvn?: boolean } = {}): PermissionSpec[] {
  const p = (verbs: string[], r: Omit<PermissionSpec, 'verb'>) => verbs.map(verb => ({ ...r, verb }));
  const owned = opts.manageOwnedObjects ?? true;
  return [
    ...p(['delete'], VMS),
    ...p(['get'], VMIS),
    ...(owned ? p(['list', 'delete'], NADS) : []),
    // The record Secret goes with the VM whoever manages the rest.
    ...p(['delete'], SECRETS),
    ...(owned && opts.kubeOvn ? p(['list', 'delete'], SUBNETS) : []),
  ];
}

/** Who a RoleBinding or ClusterRoleBinding grants Wukong's permissions to: a user, a group or a service account. */
export interface RbacSubject {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  readonly name: string;
  /** For ServiceAccount subjects. */
  readonly namespace?: string;
}

/** What `renderRbac` renders: the VMs' namespace, the role name, and who is bound to the roles. */
export interface RbacManifestOptions extends RbacOptions {
  /** Namespace of the VMs. */
  readonly namespace: string;
  /** @default 'wukong' */
  readonly name?: string;
  /** Who gets the permissions (bindings are rendered only with subjects). */
  readonly subjects?: RbacSubject[];
}

/** Role + ClusterRole (and their bindings when subjects are given) as plain manifests. */
export function renderRbac(o: RbacManifestOptions): Array<Record<string, any>> {
  const name = o.name ?? 'wukong';
  const clusterName = `${name}-${o.namespace}`;
  const issues = new IssueCollector();
  const label = (path: string, value: string, fix: string) => {
    const problem = dns1123LabelProblem(value);
    if (problem) issues.error(path, `${show(value)} ${problem}; ${fix}`);
  };
  label('namespace', o.namespace, 'give the namespace of the VMs');
  label('name', name, 'choose another role name');
  if (!dns1123LabelProblem(name) && !dns1123LabelProblem(o.namespace) && clusterName.length > 253) issues.error('name', `${show(clusterName)} is too long for a ClusterRole name`);
  (o.subjects ?? []).forEach((s, i) => {
    if (!s.name?.trim()) issues.error(`subjects[${i}].name`, `${show(s.name)} is empty; name the ${s.kind}`);
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind)) issues.error(`subjects[${i}].kind`, `${show(s.kind)} is not one of User, Group, ServiceAccount`);
    if (s.kind === 'ServiceAccount') label(`subjects[${i}].name`, s.name ?? '', 'service account names are DNS-1123 labels');
    if (s.kind === 'ServiceAccount' && s.namespace !== undefined) label(`subjects[${i}].namespace`, s.namespace, 'give the service account\'s namespace');
  });
  throwIfErrors('RBAC for Wukong', issues.issues);
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
  const rules = wukongRbacRules(o);
  const rbac = 'rbac.authorization.k8s.io/v1';
  const subjects = (o.subjects ?? []).map(s => ({
    kind: s.kind, name: s.name, ...(s.kind === 'ServiceAccount' ? { namespace: s.namespace ?? o.namespace } : { apiGroup: 'rbac.authorization.k8s.io' }),
  }));
  const out: Array<Record<string, any>> = [
    { apiVersion: rbac, kind: 'Role', metadata: { name, namespace: o.namespace, labels }, rules: rules.namespaced },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: clusterName, labels }, rules: rules.cluster },
  ];
  if (subjects.length) {
    out.push(
      { apiVersion: rbac, kind: 'RoleBinding', metadata: { name, namespace: o.namespace, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects },
      { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: clusterName, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName }, subjects },
    );
  }
  return out;
}
