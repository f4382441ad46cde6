/**
 * The dynamic provider of `WukongVmResource`, loaded by Pulumi's dynamic-provider host from the installed wukong-iac
 * package (see vm-provider.ts). It plans and applies through the same code as `wukong apply`.
 *
 * Credentials are read here, at run time: the `kubeconfig` input (a Pulumi secret) for check/diff/create/update; for
 * refresh and destroy, which only see stored outputs, `kubeconfigPath` or the ambient KUBECONFIG. They are never
 * returned as outputs.
 */
import type * as pulumi from '@pulumi/pulumi';
import { ApplyResult, Cluster, PlanRejectedError, applyVm, deleteVm, describeApiError, apiStatusCode, readLive, statusOf } from '../kube';
import {
  DEFAULT_NAMESPACE, LastApplied, MANIFEST_PATHS, NicStatus, PlanEntry, WukongSpec, WukongValidationError,
  isUserDataDigest, parseKubeVirtVersion, resolveVm, stableStringify, userDataDigest,
} from '../model';

/** Inputs of the dynamic resource (plain values, as the engine passes them). */
export interface VmInputs {
  readonly metadata: LastApplied['metadata'];
  readonly spec: WukongSpec;
  readonly kubeconfig?: string;
  readonly kubeconfigPath?: string;
  readonly context?: string;
  readonly allowRestart?: boolean;
  readonly wait?: boolean;
  readonly timeoutSeconds?: number;
  readonly kubevirtVersion?: string;
  readonly manageOwnedObjects?: boolean;
  /** The spec's user data, split off as a secret input by `WukongVmResource` (else taken from `spec.userData`). */
  readonly userData?: string;
}

/** Outputs: the inputs but the kubeconfig and the user data (a digest instead), plus the last apply's plan and NICs. */
export interface VmOutputs extends Omit<VmInputs, 'kubeconfig' | 'userData'> {
  readonly userDataDigest?: string;
  readonly uid: string;
  readonly plan: Array<Pick<PlanEntry, 'subject' | 'name' | 'action' | 'reason' | 'applies' | 'addressing'>>;
  readonly restartRequired: boolean;
  readonly nics: NicStatus[];
}

/** Input fields whose change means an update (the rest only shape how it is done). */
const DIFFED = ['metadata', 'spec', 'allowRestart', 'kubevirtVersion', 'manageOwnedObjects', 'kubeconfigPath', 'context'] as const;

function clusterFor(props: Partial<VmInputs>): Cluster {
  return Cluster.connect({ kubeconfig: props.kubeconfig, kubeconfigPath: props.kubeconfigPath, context: props.context });
}

/** Namespace defaulted, and the user data back in the spec (where the model expects it). */
function withDefaults(inputs: VmInputs): VmInputs {
  const userData = inputs.userData ?? inputs.spec?.userData;
  const spec = userData === undefined ? inputs.spec : { ...inputs.spec, userData };
  return { ...inputs, spec, metadata: { ...inputs.metadata, namespace: inputs.metadata.namespace ?? DEFAULT_NAMESPACE } };
}

/** The spec without user data, and the digest that stands for it (from plain text, or a stored digest). */
function splitUserData(spec: WukongSpec | undefined, digest?: string): { spec: WukongSpec; userDataDigest?: string } {
  const { userData, ...rest } = spec ?? {};
  if (userData === undefined) return { spec: rest, userDataDigest: digest };
  return { spec: rest, userDataDigest: isUserDataDigest(userData) ? userData : userDataDigest(userData) };
}

/** Turns errors into messages the engine prints: never a stack, never credentials. */
function explain(e: unknown): Error {
  if (e instanceof PlanRejectedError || e instanceof WukongValidationError) return new Error(e.message);
  if (apiStatusCode(e) !== undefined) return new Error(describeApiError(e).join('\n'));
  return new Error((e as Error)?.message ?? String(e));
}

/** Outputs travel as protobuf Structs, which reject `undefined`: keep only JSON values. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function outputsOf(inputs: VmInputs, result: ApplyResult): VmOutputs {
  const { kubeconfig: _k, __provider: _p, userData: _u, spec, ...rest } = inputs as VmInputs & { __provider?: string };
  return plain({
    ...rest,
    ...splitUserData(spec),
    uid: result.vm?.metadata?.uid ?? '',
    plan: result.plan.entries.map(({ subject, name, action, reason, applies, addressing }) =>
      ({ subject, name, action, reason, applies, ...(addressing ? { addressing } : {}) })),
    restartRequired: result.restartRequired,
    nics: result.nics,
  });
}

async function apply(inputs: VmInputs): Promise<VmOutputs> {
  const i = withDefaults(inputs);
  const version = i.kubevirtVersion ? parseKubeVirtVersion(i.kubevirtVersion) : undefined;
  try {
    const result = await applyVm(clusterFor(i), { metadata: i.metadata, spec: i.spec }, {
      allowRestart: i.allowRestart,
      wait: i.wait,
      timeoutSeconds: i.timeoutSeconds,
      kubevirtVersion: version,
      manageOwnedObjects: i.manageOwnedObjects ?? true,
    });
    return outputsOf(i, result);
  } catch (e) {
    throw explain(e);
  }
}

export async function check(_olds: VmInputs, news: VmInputs): Promise<pulumi.dynamic.CheckResult> {
  const { issues } = resolveVm(news.metadata, withDefaults(news).spec, MANIFEST_PATHS);
  const failures = issues.filter(i => i.severity === 'error').map(i => ({ property: i.path, reason: i.message }));
  if (news.kubevirtVersion !== undefined && !parseKubeVirtVersion(news.kubevirtVersion)) {
    failures.push({ property: 'kubevirtVersion', reason: `'${news.kubevirtVersion}' is not a version like v1.6` });
  }
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

export async function diff(_id: string, olds: VmOutputs, news: VmInputs): Promise<pulumi.dynamic.DiffResult> {
  // Older state may still hold user data in the spec: both sides are compared by digest.
  const o = { ...withDefaults(olds as VmInputs), ...splitUserData(olds.spec, olds.userDataDigest) };
  const n = { ...withDefaults(news), ...splitUserData(withDefaults(news).spec) };
  const replaces = (['name', 'namespace'] as const).filter(k => o.metadata[k] !== n.metadata[k]).map(k => `metadata.${k}`);
  const changes = [...DIFFED, 'userDataDigest' as const].some(k => stableStringify(o[k] ?? null) !== stableStringify(n[k] ?? null));
  // NIC changes are in-place updates (hot-plug, unplug, or reported restart-required); only a new identity replaces.
  return { changes: changes || replaces.length > 0, replaces, deleteBeforeReplace: false };
}

export async function create(inputs: VmInputs): Promise<pulumi.dynamic.CreateResult> {
  const outs = await apply(inputs);
  return { id: `${outs.metadata.namespace}/${outs.metadata.name}`, outs };
}

export async function update(_id: string, _olds: VmOutputs, news: VmInputs): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await apply(news) };
}

export async function read(id: string, props: VmOutputs): Promise<pulumi.dynamic.ReadResult> {
  const [namespace, name] = id.split('/');
  try {
    const live = await readLive(clusterFor(props), namespace, name, false);
    const status = statusOf(live.vm, live.vmi);
    if (!status) return {};
    const { vm } = status;
    const { applied } = live.record;
    const { uid: _uid, plan: _plan, restartRequired: _rr, nics: _nics, userDataDigest: _d, ...options } = props;
    // What is live is what the next diff compares with (pulumi/pulumi#21315): the last applied spec, whose user data
    // the record holds as a digest only.
    const split = applied ? splitUserData(applied.spec) : undefined;
    const inputs = applied ? { ...options, metadata: applied.metadata, spec: split!.spec } : undefined;
    return plain({
      id,
      props: {
        ...props,
        ...(inputs ?? {}),
        userDataDigest: split ? split.userDataDigest : props.userDataDigest,
        uid: vm.uid ?? props.uid,
        restartRequired: status.restartRequired,
        nics: status.nics,
      },
      inputs,
    });
  } catch (e) {
    throw explain(e);
  }
}

async function remove(id: string, props: VmOutputs): Promise<void> {
  const [namespace, name] = id.split('/');
  try {
    const manageOwnedObjects = props.manageOwnedObjects ?? true;
    await deleteVm(clusterFor(props), namespace, name, { manageOwnedObjects, timeoutSeconds: props.timeoutSeconds });
  } catch (e) {
    throw explain(e);
  }
}

export { remove as delete };
