/**
 * Applying a plan, shared by `wukong apply` and the Pulumi provider. Order: NADs, Subnets and the cloud-init Secret
 * first; then one JSON patch of the VM guarded by a `test` on its resourceVersion (re-read, re-planned and retried a
 * bounded number of times when the VM moved meanwhile); NADs of unplugged NICs only once the VMI no longer lists them.
 * Interrupted, it leaves a state that running it again completes.
 */
import {
  KubeVirtVersion, LAST_APPLIED_ANNOTATION, LastApplied, LiveVm, LiveVmi, NicStatus, PermissionSpec, Plan, PlanInput, RenderedVm, ResolvedVm,
  WukongValidationError, cloudInitSecretName, decodeLastApplied, encodeLastApplied, formatKubeVirtVersion, hasCondition, isListed, isPlugged,
  nicStatuses, parseLiveVm, parseLiveVmi, parseNadRef, permissionsForDelete, permissionsForPlan, planVm, renderResolvedVm, resolveVm, vmPatch,
  withoutMultus,
} from '../model';
import { apiStatus, apiStatusCode, describeApiError, objectRef } from './api-errors';
import { Cluster, MissingPermissionsError, ObjectRef, describePermission } from './cluster';

export interface ApplyOptions {
  /** Apply restart-required changes to the template (the VM is never restarted by Wukong). @default false */
  readonly allowRestart?: boolean;
  /** Wait until hot-plugged NICs are plugged (or a migration is required). @default false */
  readonly wait?: boolean;
  /** Limit for every wait, in seconds. @default 300 */
  readonly timeoutSeconds?: number;
  /** The KubeVirt version to plan for. @default - read from the cluster's KubeVirt CR, else the newest documented */
  readonly kubevirtVersion?: KubeVirtVersion;
  /** Create, update and delete the VM's NADs, Subnets and Secret too. @default true */
  readonly manageOwnedObjects?: boolean;
  /** Wait for unplugged NICs to leave the VMI (whoever deletes their NADs next needs it). @default true */
  readonly waitForUnplug?: boolean;
  /** Attempts when the VM moved between read and write. @default 5 */
  readonly maxRetries?: number;
  /** @default 1000 */
  readonly pollMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface ApplyResult {
  readonly plan: Plan;
  readonly vm: any;
  readonly nics: NicStatus[];
  readonly restartRequired: boolean;
  readonly warnings: string[];
}

/** The plan has a rejected entry; nothing was applied. */
export class PlanRejectedError extends Error {
  public constructor(public readonly plan: Plan) {
    super(`nothing applied, the plan is rejected:\n${plan.entries.filter(e => e.action === 'rejected').map(e => `  ${e.subject} ${e.name}: ${e.reason}`).join('\n')}`);
    this.name = 'PlanRejectedError';
  }
}

/** A wait ran out of time; running the same apply again picks up where this one stopped. */
export class ApplyTimeoutError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ApplyTimeoutError';
  }
}

/** The VM and what it owns, as they are in the cluster. */
export interface LiveState {
  readonly vm?: any;
  readonly vmi?: any;
  readonly nads: any[];
  readonly subnets: any[];
  readonly secret?: any;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export function vmRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', namespace, name };
}

export function vmiRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace, name };
}

/**
 * Reads the VM, its VMI and (with `withOwned`) the objects it owns. Subnets are listed cluster-wide; a caller whose
 * role leaves Kube-OVN out (`wukong rbac --no-kube-ovn`) may not list them, which is fine as long as neither
 * `desired` nor the applied spec has a Kube-OVN NIC (without the permission none can have been created).
 */
export async function readLive(cluster: Cluster, namespace: string, name: string, withOwned: boolean, desired?: ResolvedVm): Promise<LiveState> {
  const vmAndVmi = Promise.all([cluster.get(vmRef(namespace, name)), cluster.get(vmiRef(namespace, name))]);
  if (!withOwned) {
    const [vm, vmi] = await vmAndVmi;
    return { vm, vmi, nads: [], subnets: [] };
  }
  const [[vm, vmi], nads, secret, subnets] = await Promise.all([
    vmAndVmi,
    cluster.ownedNads(namespace, name),
    cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: cloudInitSecretName(name) }),
    cluster.ownedSubnets(namespace, name).catch((e: unknown) => e as Error),
  ]);
  if (subnets instanceof Error) {
    const kubeOvn = (v?: ResolvedVm) => (v?.nics ?? []).some(n => n.type === 'kube-ovn');
    if (!(subnets instanceof MissingPermissionsError) || kubeOvn(desired) || kubeOvn(appliedSpecOf(vm))) throw subnets;
    return { vm, vmi, nads, subnets: [], secret };
  }
  return { vm, vmi, nads, subnets, secret };
}

/** A VM as it is now: parsed, with its VMI and the state of each NIC. */
export interface LiveStatus {
  /** The VirtualMachine as the server returned it. */
  readonly raw: any;
  readonly vm: LiveVm;
  readonly vmi?: LiveVmi;
  readonly nics: NicStatus[];
  /** KubeVirt's RestartRequired condition is set. */
  readonly restartRequired: boolean;
}

/** What `wukong status`, the end of an apply and Pulumi's refresh show; undefined when the VM does not exist. */
export async function liveStatus(cluster: Cluster, namespace: string, name: string): Promise<LiveStatus | undefined> {
  const live = await readLive(cluster, namespace, name, false);
  const vm = parseLiveVm(live.vm);
  if (!vm) return undefined;
  const vmi = parseLiveVmi(live.vmi);
  return { raw: live.vm, vm, vmi, nics: nicStatuses(vm, vmi), restartRequired: hasCondition(vm.conditions, 'RestartRequired') };
}

/** The spec last applied to a live VM, resolved; undefined when it has none or it no longer validates. */
export function appliedSpecOf(vm: any): ResolvedVm | undefined {
  const last = decodeLastApplied(vm?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION]);
  return last ? resolveVm(last.metadata, last.spec).vm : undefined;
}

/** How to plan against the cluster: everything of `PlanInput` but what `planLive` reads. */
export type LivePlanOptions = Omit<PlanInput, 'desired' | 'applied' | 'live'>;

/** Reads what the cluster has for `desired` and plans against it: `wukong plan --live` and each attempt of `applyVm`. */
export async function planLive(
  cluster: Cluster, desired: ResolvedVm, opts: LivePlanOptions,
): Promise<{ readonly plan: Plan; readonly live: LiveState; readonly applied?: ResolvedVm }> {
  const live = await readLive(cluster, desired.namespace, desired.name, opts.manageOwnedObjects ?? true, desired);
  const applied = appliedSpecOf(live.vm);
  const plan = planVm({
    ...opts,
    desired,
    applied,
    live: { vm: live.vm ?? null, vmi: live.vmi ?? null, nads: live.nads, subnets: live.subnets, secret: live.secret ?? null },
  });
  return { plan, live, applied };
}

function isConflict(e: unknown): boolean {
  const code = apiStatusCode(e);
  if (code === 409) return true;
  // A failed JSON-patch `test` op comes back as a bare 422 ("the server rejected our request due to an error in our
  // request") without causes; a schema violation names its fields.
  return code === 422 && !hasCauses(e);
}

function hasCauses(e: unknown): boolean {
  return (apiStatus(e)?.details?.causes?.length ?? 0) > 0;
}

async function writeOwned(cluster: Cluster, plan: Plan, desired: RenderedVm, live: LiveState, log: (l: string) => void): Promise<void> {
  for (const e of plan.entries) {
    if (!e.applies) continue;
    if (e.action === 'nad-create' || e.action === 'nad-update') {
      const nad = desired.nads.find(n => `${n.metadata.namespace}/${n.metadata.name}` === e.name)!;
      await createOrUpdate(cluster, nad, live.nads.find(n => n.metadata.name === nad.metadata.name), [
        { op: 'replace', path: '/spec/config', value: nad.spec.config },
        // `add` sets the member whether or not the NAD has annotations yet (RFC 6902 §4.1); `replace` needs it to exist.
        { op: 'add', path: '/metadata/annotations', value: nad.metadata.annotations ?? {} },
      ]);
      log(`${e.action} ${e.name}`);
    } else if (e.action === 'subnet-create' || e.action === 'subnet-update') {
      const subnet = desired.subnets.find(s => s.metadata.name === e.name)!;
      await createOrUpdate(cluster, subnet, live.subnets.find(s => s.metadata.name === subnet.metadata.name),
        Object.entries(subnet.spec).map(([k, v]) => ({ op: 'add' as const, path: `/spec/${k}`, value: v })));
      log(`${e.action} ${e.name}`);
    } else if (e.action === 'secret-create' || e.action === 'secret-update') {
      const secret = desired.secret!;
      const data = Object.entries(secret.stringData).map(([k, v]) => ({ op: 'add' as const, path: `/data/${k}`, value: Buffer.from(v).toString('base64') }));
      await createOrUpdate(cluster, secret, live.secret, [{ op: 'add', path: '/data', value: {} }, ...data]);
      log(`${e.action} ${e.name}`);
    }
  }
}

/** Creates `obj`, or patches the existing one (guarded by its resourceVersion) when it is ours. */
async function createOrUpdate(cluster: Cluster, obj: any, existing: any, ops: Array<{ op: 'add' | 'replace'; path: string; value: unknown }>): Promise<void> {
  const ref = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
  let current = existing;
  if (!current) {
    try {
      await cluster.create(obj);
      return;
    } catch (e) {
      if (apiStatusCode(e) !== 409) throw e;
      current = await cluster.get(ref);
      // Said to exist, yet gone: a conflict like any other, so the caller re-reads and re-plans.
      if (!current) throw e;
    }
  }
  const labels = current?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (labels[k] !== v) {
      throw new Error(`${objectRef(obj)} already exists and is not managed by Wukong for this VM (label ${k} is ${JSON.stringify(labels[k])}); `
        + 'rename it, delete it, or reuse it with nadName');
    }
  }
  await cluster.patch(ref, [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }, ...ops]);
}

async function waitFor(opts: ApplyOptions, what: string, done: () => Promise<boolean>, timeoutMessage: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + (opts.timeoutSeconds ?? 300) * 1000;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new ApplyTimeoutError(await timeoutMessage());
    opts.log?.(`waiting: ${what}`);
    await sleep(opts.pollMs ?? 1000);
  }
}

async function deleteUnused(
  cluster: Cluster, plan: Plan, applied: ResolvedVm | undefined, live: LiveState | undefined, ns: string, name: string, opts: ApplyOptions,
): Promise<void> {
  const deletes = plan.entries.filter(e => e.applies && (e.action === 'nad-delete' || e.action === 'subnet-delete'));
  if (!deletes.length) return;
  const nadNames = deletes.filter(e => e.action === 'nad-delete').map(e => e.name.split('/')[1]);
  // Users of those NADs: by the applied spec, and by the live VM (the spec may already say they are gone when an
  // earlier run's patch landed but its answer was lost).
  const byApplied = (applied?.nics ?? []).filter(n => n.nad && nadNames.includes(n.nad.name)).map(n => n.name);
  const byLive = (parseLiveVm(live?.vm)?.nics ?? []).filter(n => nadNames.includes(nadNameOf(n.network, ns) ?? '')).map(n => n.name);
  await waitForDetach(cluster, ns, name, [...new Set([...byApplied, ...byLive])], opts);
  for (const e of deletes.filter(d => d.action === 'nad-delete')) {
    await cluster.delete({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: ns, name: e.name.split('/')[1] });
    opts.log?.(`nad-delete ${e.name}`);
  }
  for (const e of deletes.filter(d => d.action === 'subnet-delete')) {
    await cluster.delete({ apiVersion: 'kubeovn.io/v1', kind: 'Subnet', name: e.name });
    opts.log?.(`subnet-delete ${e.name}`);
  }
}

/** The NAD a live network refers to, when it is in `ns` (`name` or `ns/name`). */
function nadNameOf(network: Record<string, any> | undefined, ns: string): string | undefined {
  const ref = network?.multus?.networkName;
  if (typeof ref !== 'string') return undefined;
  const nad = parseNadRef(ref, ns);
  return nad.namespace === ns ? nad.name : undefined;
}

/** Waits until the VMI no longer lists `nics` (or the VM is not running): then their NADs may go. */
async function waitForDetach(cluster: Cluster, ns: string, name: string, nics: string[], opts: ApplyOptions): Promise<void> {
  if (!nics.length) return;
  const listed = async () => {
    const vmi = parseLiveVmi(await cluster.get(vmiRef(ns, name)));
    return vmi?.running ? nics.filter(n => isListed(vmi, n)) : [];
  };
  await waitFor(opts, `KubeVirt to detach ${nics.join(', ')}`, async () => (await listed()).length === 0, async () =>
    `${(await listed()).join(', ')} still attached to ${ns}/${name} after ${opts.timeoutSeconds ?? 300} s; their NADs are kept. `
    + 'Run the same apply again to finish: it deletes them once KubeVirt has detached the NICs.');
}

/** Run strategies under which KubeVirt starts the VM by itself. */
const STARTS = ['Always', 'RerunOnFailure', 'Once'];

/** Waits for the plugs; returns a warning when they wait for a migration that KubeVirt will not start by itself. */
async function waitForPlugs(cluster: Cluster, plan: Plan, desired: ResolvedVm, opts: ApplyOptions): Promise<string[]> {
  const { namespace: ns, name } = desired;
  const created = plan.entries.some(e => e.subject === 'VirtualMachine' && e.action === 'create');
  // A new VM that KubeVirt starts: wait for all its NICs; a running one: for the NICs being plugged.
  const plugs = created
    ? (STARTS.includes(desired.runStrategy) ? desired.nics.map(n => n.name) : [])
    : plan.entries.filter(e => e.subject === 'nic' && e.applies && (e.action === 'hotplug' || e.action === 'hotplug-via-migration')).map(e => e.name);
  if (!plugs.length || (!plan.running && !created)) return [];
  let said = false;
  let manual: string[] = [];
  const state = async () => {
    const vmi = parseLiveVmi(await cluster.get(vmiRef(ns, name)));
    if (!vmi?.running) return { pending: created ? plugs : [], migration: false };
    return { pending: plugs.filter(n => !isPlugged(vmi, n)), migration: hasCondition(vmi.conditions, 'MigrationRequired') };
  };
  await waitFor(opts, `KubeVirt to plug ${plugs.join(', ')}`, async () => {
    const s = await state();
    if (s.migration && s.pending.length && !said) {
      said = true;
      // Found by the test bed: without LiveMigrate in the KubeVirt CR's workloadUpdateMethods nothing migrates the VM,
      // and waiting would only end in a timeout.
      if ((await cluster.kubevirt())?.autoMigrate === false) {
        manual = [`${s.pending.join(', ')}: MigrationRequired, and this KubeVirt does not migrate by itself (its KubeVirt CR's `
          + `spec.workloadUpdateStrategy.workloadUpdateMethods lacks LiveMigrate): run \`virtctl migrate ${name} -n ${ns}\` to plug them`];
        opts.log?.(manual[0]);
        return true;
      }
      opts.log?.(`MigrationRequired: ${s.pending.join(', ')} will be plugged by a live migration`);
    }
    return s.pending.length === 0;
  }, async () => {
    const s = await state();
    return `${s.pending.join(', ')} not plugged into ${ns}/${name} after ${opts.timeoutSeconds ?? 300} s`
      + (s.migration ? ' (MigrationRequired: waiting for a live migration)' : '') + '; the VM spec is applied, so `wukong status` shows the progress.';
  });
  return manual;
}

/** Checks, before any write, that the caller holds `needed`; throws naming every missing permission. */
async function requirePermissions(cluster: Cluster, needed: PermissionSpec[], namespace: string): Promise<void> {
  const missing = await cluster.missingPermissions(needed.map(p => ({
    verb: p.verb, group: p.group, resource: p.resource, namespace: p.clusterScoped ? undefined : namespace,
  })));
  if (missing.length) throw new MissingPermissionsError(missing.map(describePermission));
}

/** What one apply writes: the VM's objects as rendered, and its VirtualMachine as this cluster gets it. */
interface Desired {
  readonly vm: ResolvedVm;
  readonly rendered: RenderedVm;
  readonly vmManifest: RenderedVm['virtualMachine'];
}

/**
 * The writes of one attempt: owned objects first, then the VM (created whole, or one guarded JSON patch). A conflict (409, or the bare 422 of a failed `test`) propagates for the caller to re-plan.
 */
async function writeAll(
  cluster: Cluster, plan: Plan, desired: Desired, live: LiveState, applied: ResolvedVm | undefined, annotation: string, manage: boolean,
  log: (l: string) => void,
): Promise<void> {
  const { namespace: ns, name } = desired.vm;
  const { rendered, vmManifest } = desired;
  if (manage) await writeOwned(cluster, plan, rendered, live, log);
  if (!live.vm) {
    const annotations = { ...vmManifest.metadata.annotations, [LAST_APPLIED_ANNOTATION]: annotation };
    await cluster.create({ ...vmManifest, metadata: { ...vmManifest.metadata, annotations } });
    log(`create VirtualMachine ${ns}/${name}`);
    return;
  }
  const ops = vmPatch({
    plan,
    live: parseLiveVm(live.vm)!,
    desired: { ...rendered, virtualMachine: vmManifest },
    lastApplied: applied ? renderResolvedVm(applied) : undefined,
    lastAppliedAnnotation: annotation,
  });
  if (ops.length) {
    await cluster.patch(vmRef(ns, name), ops);
    log(`patch VirtualMachine ${ns}/${name}: ${ops.filter(o => o.op !== 'test').length} operations`);
  }
}

/** Validates the VM description (metadata + spec) and makes the cluster match it. */
export async function applyVm(cluster: Cluster, input: LastApplied, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { vm: desired, issues } = resolveVm(input.metadata, input.spec);
  if (!desired) throw new WukongValidationError(`VM '${input.metadata?.name}'`, issues);
  const log = opts.log ?? (() => undefined);
  const manage = opts.manageOwnedObjects ?? true;
  const { namespace: ns, name } = desired;
  let version = opts.kubevirtVersion;
  let source: 'given' | 'cluster' = 'given';
  if (!version) {
    version = await cluster.kubevirtVersion();
    source = 'cluster';
  }
  const multus = await cluster.hasMultus(ns);
  const annotation = encodeLastApplied(input);
  const rendered = renderResolvedVm(desired);
  // Without Multus the VM goes without its Multus NICs (onMissingMultus: pod-network-only); owned objects as rendered.
  const vmManifest = multus ? rendered.virtualMachine : renderResolvedVm(withoutMultus(desired)).virtualMachine;
  const target: Desired = { vm: desired, rendered, vmManifest };
  const maxRetries = opts.maxRetries ?? 5;
  let plan: Plan | undefined;
  let applied: ResolvedVm | undefined;
  let lastLive: LiveState | undefined;
  for (let attempt = 0; ; attempt++) {
    let live: LiveState;
    ({ plan, live, applied } = await planLive(cluster, desired, {
      kubevirtVersion: version,
      kubevirtVersionSource: source,
      multusInstalled: multus,
      allowRestart: opts.allowRestart,
      manageOwnedObjects: manage,
    }));
    if (plan.rejected) throw new PlanRejectedError(plan);
    if (attempt === 0) await requirePermissions(cluster, permissionsForPlan(plan), ns);
    log(`plan for ${ns}/${name} (KubeVirt ${formatKubeVirtVersion(plan.kubevirtVersion)}, ${plan.kubevirtVersionSource}): `
      + `${plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`).join(', ') || 'no change'}`);
    try {
      await writeAll(cluster, plan, target, live, applied, annotation, manage, log);
      lastLive = live;
      break;
    } catch (e) {
      // Someone else wrote first (or our own earlier write landed but its answer got lost): re-read and re-plan.
      if (!isConflict(e)) throw e;
      if (attempt >= maxRetries) {
        throw new Error(`${ns}/${name} kept changing under us (${maxRetries + 1} attempts; last: ${describeApiError(e).join('; ')}); run the same apply again`);
      }
      log(`${ns}/${name} changed meanwhile; re-reading and re-planning (attempt ${attempt + 2})`);
      await sleep(Math.min(2000, 100 * 2 ** attempt) + Math.floor(Math.random() * 100));
    }
  }
  if (manage) {await deleteUnused(cluster, plan, applied, lastLive, ns, name, opts);} else if (opts.waitForUnplug ?? true) {
    const unplugged = plan.entries.filter(e => e.subject === 'nic' && e.action === 'unplug' && e.applies).map(e => e.name);
    const absent = (parseLiveVm(lastLive?.vm)?.nics ?? []).filter(n => n.absent).map(n => n.name);
    await waitForDetach(cluster, ns, name, plan.running ? [...new Set([...unplugged, ...absent])] : [], opts);
  }
  const waitWarnings = opts.wait ? await waitForPlugs(cluster, plan, desired, opts) : [];
  const status = await liveStatus(cluster, ns, name);
  return {
    plan,
    vm: status?.raw,
    nics: status?.nics ?? [],
    restartRequired: plan.restartRequired || (status?.restartRequired ?? false),
    warnings: [...plan.warnings, ...plan.entries.flatMap(e => e.warnings.map(w => `${e.name}: ${w}`)), ...waitWarnings],
  };
}

export interface DeleteOptions {
  readonly manageOwnedObjects?: boolean;
  readonly timeoutSeconds?: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** Deletes the VM, waits for its VMI to go, then deletes the NADs, Subnets and Secret it owns. */
export async function deleteVm(cluster: Cluster, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
  const manage = opts.manageOwnedObjects ?? true;
  const applied = appliedSpecOf(await cluster.get(vmRef(namespace, name)));
  const kubeOvn = (applied?.nics ?? []).some(n => n.type === 'kube-ovn');
  await requirePermissions(cluster, permissionsForDelete({ manageOwnedObjects: manage, kubeOvn }), namespace);
  await cluster.delete(vmRef(namespace, name));
  opts.log?.(`delete VirtualMachine ${namespace}/${name}`);
  await waitFor(opts, `the VMI of ${namespace}/${name} to go`, async () => !(await cluster.get(vmiRef(namespace, name))),
    async () => `the VMI of ${namespace}/${name} still exists after ${opts.timeoutSeconds ?? 300} s; its NADs are kept. Run the delete again to finish.`);
  if (!manage) return;
  for (const nad of await cluster.ownedNads(namespace, name)) {
    await cluster.delete({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace, name: nad.metadata.name });
  }
  // A re-run after the VM is gone no longer knows its NICs: it looks for Subnets if it may.
  const subnets = await cluster.ownedSubnets(namespace, name).catch((e: unknown) => {
    if (e instanceof MissingPermissionsError && !kubeOvn) return [];
    throw e;
  });
  for (const subnet of subnets) await cluster.delete({ apiVersion: 'kubeovn.io/v1', kind: 'Subnet', name: subnet.metadata.name });
  await cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace, name: cloudInitSecretName(name) });
}
