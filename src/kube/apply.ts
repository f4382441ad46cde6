/**
 * Applying one VM, shared by `wukong apply` and the Pulumi provider. Order: NADs, Subnets and the cloud-init Secret
 * first; then the VM's record entry and one JSON patch of the VM guarded by a `test` on its resourceVersion (re-read,
 * re-planned and retried a bounded number of times when the VM moved meanwhile); NADs of unplugged NICs only once the
 * VMI no longer lists them. Interrupted, it leaves a state that running it again completes.
 */
import {
  KubeVirtVersion, LastApplied, NicStatus, Plan, RenderedVm, ResolvedVm, WukongValidationError, encodeLastApplied, formatKubeVirtVersion,
  parseLiveVm, permissionsForPlan, recordDigest, renderResolvedVm, resolveVm, withoutMultus,
} from '../model';
import { apiStatus, apiStatusCode, describeApiError } from './api-errors';
import { ClusterClient } from './client';
import { deleteUnused } from './delete';
import { PlanRejectedError } from './errors';
import { ClusterFacts } from './facts';
import { LiveState, liveStatus, planLive, statusOf } from './read';
import { WaitOptions, waitForDetach, waitForPlugs } from './wait';
import { Desired, writeAll } from './write';

export interface ApplyOptions extends WaitOptions {
  /** Apply restart-required changes to the template (the VM is never restarted by Wukong). @default false */
  readonly allowRestart?: boolean;
  /** Wait until hot-plugged NICs are plugged (or a migration is required). @default false */
  readonly wait?: boolean;
  /** The KubeVirt version to plan for. @default - read from the cluster's KubeVirt CR, else the newest documented */
  readonly kubevirtVersion?: KubeVirtVersion;
  /** Create, update and delete the VM's NADs, Subnets and Secret too. @default true */
  readonly manageOwnedObjects?: boolean;
  /** Wait for unplugged NICs to leave the VMI (whoever deletes their NADs next needs it). @default true */
  readonly waitForUnplug?: boolean;
  /** Attempts when the VM moved between read and write. @default 5 */
  readonly maxRetries?: number;
  /** What this run already learnt about the cluster, shared by the VMs of a fleet. @default - a new ClusterFacts */
  readonly facts?: ClusterFacts;
}

/** The outcome of `applyVm`: the plan it carried out, the VirtualMachine and its NICs afterwards, and any warnings. */
export interface ApplyResult {
  readonly plan: Plan;
  readonly vm: any;
  readonly nics: NicStatus[];
  readonly restartRequired: boolean;
  readonly warnings: string[];
}

/** A VM to apply: its description, and that description resolved once by whoever read it. */
export interface ResolvedInput {
  readonly manifest: LastApplied;
  readonly vm: ResolvedVm;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function isConflict(e: unknown): boolean {
  const code = apiStatusCode(e);
  if (code === 409) return true;
  // A failed JSON-patch `test` op comes back as a bare 422 ("the server rejected our request due to an error in our
  // request") without causes; a schema violation names its fields.
  return code === 422 && !((apiStatus(e)?.details?.causes?.length ?? 0) > 0);
}

function resolveInput(input: LastApplied | ResolvedInput): ResolvedInput {
  if ('manifest' in input) return input;
  const { vm, issues } = resolveVm(input.metadata, input.spec);
  if (!vm) throw new WukongValidationError(`VM '${input.metadata?.name}'`, issues);
  return { manifest: input, vm };
}

/** Validates the VM description (metadata + spec, or already resolved) and makes the cluster match it. */
export async function applyVm(client: ClusterClient, input: LastApplied | ResolvedInput, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { manifest, vm: desired } = resolveInput(input);
  const facts = opts.facts ?? new ClusterFacts(client);
  const log = opts.log ?? (() => undefined);
  const manage = opts.manageOwnedObjects ?? true;
  const { namespace: ns, name } = desired;
  const [kubevirt, multus] = await Promise.all([opts.kubevirtVersion ? undefined : facts.kubevirt(), facts.multus(ns)]);
  const version = opts.kubevirtVersion ?? kubevirt?.version;
  const source: 'given' | 'cluster' = opts.kubevirtVersion ? 'given' : 'cluster';
  const rendered = renderResolvedVm(desired);
  // Without Multus the VM goes without its Multus NICs (onMissingMultus: pod-network-only); owned objects as rendered.
  const vmManifest = multus ? rendered.virtualMachine : renderResolvedVm(withoutMultus(desired)).virtualMachine;
  const encoded = encodeLastApplied(manifest);
  const target: Desired = { vm: desired, rendered, vmManifest, record: { encoded, digest: recordDigest(encoded) } };
  const maxRetries = opts.maxRetries ?? 5;
  let plan: Plan | undefined;
  let applied: RenderedVm | undefined;
  let live: LiveState | undefined;
  let written: any;
  for (let attempt = 0; ; attempt++) {
    ({ plan, live, applied } = await planLive(client, desired, {
      kubevirtVersion: version,
      kubevirtVersionSource: source,
      vmRolloutStrategy: kubevirt?.rolloutStrategy,
      multusInstalled: multus,
      allowRestart: opts.allowRestart,
      manageOwnedObjects: manage,
      // The planner renders the VM without its Multus NICs itself when Multus is missing.
      rendered: multus ? rendered : undefined,
    }));
    if (plan.rejected) throw new PlanRejectedError(plan);
    if (attempt === 0) await facts.require(permissionsForPlan(plan), ns);
    log(`plan for ${ns}/${name} (KubeVirt ${formatKubeVirtVersion(plan.kubevirtVersion)}, ${plan.kubevirtVersionSource}): `
      + `${plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`).join(', ') || 'no change'}`);
    try {
      written = await writeAll(client, plan, target, live, applied, manage, log);
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
  let waited = false;
  if (manage) {
    waited = await deleteUnused(client, plan, applied?.vm, live, ns, name, opts);
  } else if (opts.waitForUnplug ?? true) {
    const unplugged = plan.entries.filter(e => e.subject === 'nic' && e.action === 'unplug' && e.applies).map(e => e.name);
    const absent = (parseLiveVm(live.vm)?.nics ?? []).filter(n => n.absent).map(n => n.name);
    const detaching = plan.running ? [...new Set([...unplugged, ...absent])] : [];
    await waitForDetach(client, ns, name, detaching, opts);
    waited = detaching.length > 0;
  }
  const waitWarnings = opts.wait ? await waitForPlugs(facts, plan, desired, opts) : [];
  // Without a wait the VM as written and the VMI as read are the state: reading them again would only cost requests.
  const status = opts.wait || waited ? await liveStatus(client, ns, name) : statusOf(written, live.vmi);
  return {
    plan,
    vm: status?.raw,
    nics: status?.nics ?? [],
    restartRequired: plan.restartRequired || (status?.restartRequired ?? false),
    warnings: [...plan.warnings, ...plan.entries.flatMap(e => e.warnings.map(w => `${e.name}: ${w}`)), ...waitWarnings],
  };
}
