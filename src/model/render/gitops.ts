/**
 * Synthesized manifests for GitOps tools (Argo CD, Flux), which apply what Git holds and prune what left it. A NIC
 * removed from the code must not simply leave the output: KubeVirt would keep it in the guest and mark the VM
 * RestartRequired, and the tool would prune its NAD while the VMI still uses it. So a NIC that is in the previous output
 * but gone from the code becomes a tombstone: its interface with `state: absent`, its network and its NAD, as they
 * were, until the user finishes it once KubeVirt has detached it (guest-addressing-and-gitops.md, part B).
 */
import { NadManifest, SubnetManifest } from './manifests';
import type { RenderedVm } from './render';
import { KvInterface, KvNetwork, ObjectMeta } from './vm-spec';
import { parseNadRef, vmKey } from '../net/names';
import { ResolvedVm } from '../resolve/resolved';

/** The GitOps tool the manifests are written for. */
export type GitOpsTool = 'argocd' | 'flux' | 'none';
/** Every `GitOpsTool`, for checking a tool name given as text. */
export const GITOPS_TOOLS: readonly GitOpsTool[] = ['argocd', 'flux', 'none'];

/** A NIC in the previous output but gone from the code: kept, unplugged, with the objects it needs. */
export interface Tombstone {
  readonly name: string;
  /** The previous interface entry with `state: absent` (same MAC and binding). */
  readonly iface: KvInterface;
  readonly network: KvNetwork;
  /** The NAD the previous output created for it, as it was; undefined when the NIC used a NAD made elsewhere. */
  readonly nad?: NadManifest;
  /** Its Kube-OVN Subnet, as it was. */
  readonly subnet?: SubnetManifest;
}

/** The outcome of `tombstonesOf`: a VM's tombstones, and what to tell the user about them. */
export interface TombstoneResult {
  readonly tombstones: Tombstone[];
  /** One per tombstone, saying what finishes it; and one per removed NIC KubeVirt cannot unplug. */
  readonly warnings: string[];
  /** `finish` names that are not tombstones of this VM. */
  readonly errors: string[];
}

/**
 * The tombstones of `vm`: interfaces of its previous output that the code no longer has, unless `finish` names them
 * (NIC names: the user saw KubeVirt detach them). A tombstone in the previous output stays one, so that synthesizing
 * twice gives the same output. `finishHint` says how the user names a NIC to finish (per front end).
 */
export function tombstonesOf(vm: ResolvedVm, previousOutput: RenderedVm | undefined, finish: ReadonlySet<string>,
  finishHint: (nic: string) => string): TombstoneResult {
  const result: TombstoneResult = { tombstones: [], warnings: [], errors: [] };
  // A VM Wukong attaches NICs to keeps its own interfaces: they are in the code, in its spec.
  const current = new Set([...vm.nics.map(n => n.name), ...vm.base?.interfaces ?? []]);
  const previous = previousOutput && previousOf(previousOutput);
  const removed = (previous?.interfaces ?? []).filter(i => !current.has(i.name));
  for (const name of finish) {
    if (removed.some(i => i.name === name && i.state === 'absent')) {
      result.warnings.push(finishedNotice(vm, previous!, name));
      continue;
    }
    if (!current.has(name) && !removed.some(i => i.name === name)) {
      // Finishing twice is harmless (a re-run of the same command); a typo shows here too.
      result.warnings.push(`NIC '${name}' of VM ${vmKey(vm)} is no tombstone of the previous output: nothing to finish`);
      continue;
    }
    const what = current.has(name) ? 'is still in the code' : 'was in use in the previous output, not yet a tombstone';
    result.errors.push(`NIC '${name}' of VM ${vmKey(vm)} cannot be finished: it ${what}; finish only a tombstone (state: absent) of the previous output`);
  }
  for (const iface of removed) {
    if (finish.has(iface.name)) continue;
    const network = previous!.networks.find(n => n.name === iface.name);
    if (iface.bridge === undefined || !network?.multus || network.multus.default) {
      result.warnings.push(`NIC '${iface.name}' of VM ${vmKey(vm)} left the code, but KubeVirt can unplug only bridge-binding NICs on a secondary network: `
        + 'it stays in the guest until the VM restarts, and KubeVirt marks the VM RestartRequired');
      continue;
    }
    const ref = parseNadRef(network.multus.networkName, vm.namespace);
    const nad = previous!.nads.find(n => n.metadata.name === ref.name && (n.metadata.namespace ?? vm.namespace) === ref.namespace);
    const provider = `${ref.name}.${ref.namespace}.ovn`;
    const subnet = nad ? previous!.subnets.find(s => s.spec.provider === provider) : undefined;
    result.tombstones.push({ name: iface.name, iface: { ...iface, state: 'absent' }, network, nad, subnet });
    const kept = nad ? `; its NAD ${ref.namespace}/${ref.name}${subnet ? ` and Subnet ${subnet.metadata.name}` : ''} kept` : '';
    result.warnings.push(`NIC '${iface.name}' of VM ${vmKey(vm)} is in the previous output but not in the code: kept as a tombstone (state: absent), so KubeVirt `
      + `unplugs it${kept}. Once KubeVirt has detached it (wukong status no longer lists it), finish it with ${finishHint(iface.name)}`);
  }
  return result;
}

/** What a previous output held for one VM. */
interface PreviousVm {
  readonly interfaces: KvInterface[];
  readonly networks: KvNetwork[];
  readonly nads: NadManifest[];
  readonly subnets: SubnetManifest[];
}

function previousOf(r: RenderedVm): PreviousVm {
  const spec = r.virtualMachine.spec?.template?.spec;
  return { interfaces: [...spec?.domain?.devices?.interfaces ?? []], networks: [...spec?.networks ?? []], nads: r.nads, subnets: r.subnets };
}

/** What finishing a tombstone leaves to the user: a NAD the GitOps tool was told never to prune. */
function finishedNotice(vm: ResolvedVm, previous: PreviousVm, nic: string): string {
  const network = previous.networks.find(n => n.name === nic);
  const ref = network?.multus ? parseNadRef(network.multus.networkName, vm.namespace) : undefined;
  const nad = ref && previous.nads.find(n => n.metadata.name === ref.name);
  const protectedBy = Object.keys(nad?.metadata.annotations ?? {}).filter(k => k === ARGOCD_SYNC_OPTIONS || k === FLUX_PRUNE);
  const done = `NIC '${nic}' of VM ${vmKey(vm)} is finished: its interface, network and NAD leave the output`;
  if (!ref || !protectedBy.length) return done;
  return `${done}; the GitOps tool never prunes that NAD (${protectedBy.join(', ')}), so delete it once synced: `
    + `kubectl delete network-attachment-definitions.k8s.cni.cncf.io -n ${ref.namespace} ${ref.name}`;
}

/** The VM with its tombstones after its NICs. */
export function withTombstones(vm: ResolvedVm, tombstones: readonly Tombstone[]): ResolvedVm {
  return tombstones.length ? { ...vm, tombstones: [...tombstones] } : vm;
}

/** What an object is to a GitOps tool. */
export type GitOpsRole =
  /** A NAD, Subnet or Secret a VM refers to: applied before the VM. */
  | 'prerequisite'
  /** The NAD or Subnet of a tombstone: never pruned or deleted by the tool while a VMI may still use it. */
  | 'tombstone-prerequisite'
  | 'vm';

export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/**
 * Annotations for `tool` on an object with `role`: Argo CD applies waves lowest first and prunes highest first
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/); `Prune=false,Delete=false` and Flux's
 * `prune: disabled` keep an object the tool would otherwise remove
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/,
 * https://fluxcd.io/flux/components/kustomize/kustomizations/#prune).
 */
export function gitOpsAnnotations(tool: GitOpsTool, role: GitOpsRole): Record<string, string> {
  if (tool === 'argocd') {
    if (role === 'vm') return {};
    return {
      [ARGOCD_SYNC_WAVE]: '-1',
      ...(role === 'tombstone-prerequisite' ? { [ARGOCD_SYNC_OPTIONS]: 'Prune=false,Delete=false' } : {}),
    };
  }
  if (tool === 'flux' && role === 'tombstone-prerequisite') return { [FLUX_PRUNE]: 'disabled' };
  return {};
}

/** A copy of `object` without the annotations `gitOpsAnnotations` writes (a tombstone's objects are re-annotated). */
export function withoutGitOpsAnnotations<T extends { readonly metadata: ObjectMeta }>(object: T): T {
  const ours = [ARGOCD_SYNC_WAVE, ARGOCD_SYNC_OPTIONS, FLUX_PRUNE];
  const annotations = Object.entries(object.metadata.annotations ?? {}).filter(([k]) => !ours.includes(k));
  const { annotations: _, ...metadata } = object.metadata;
  return { ...object, metadata: { ...metadata, ...(annotations.length ? { annotations: Object.fromEntries(annotations) } : {}) } };
}

/**
 * The `spec.ignoreDifferences` of an Argo CD Application that holds Wukong VMs: what KubeVirt writes into a VM itself.
 * An absent interface and its network: KubeVirt deletes both once the NIC is detached, and Git keeps the tombstone
 * until it is finished (the network expression comes first, while its interface is still there to select it by).
 * The PCI topology annotation and the firmware UUID and serial are defaulted by KubeVirt's VM mutator and controller.
 * Sync without `RespectIgnoreDifferences`: it would keep the `absent` state from ever being applied.
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/)
 */
export function argoCdIgnoreDifferences(): Array<Record<string, unknown>> {
  return [{
    group: 'kubevirt.io',
    kind: 'VirtualMachine',
    jqPathExpressions: [
      '. as $vm | .spec.template.spec.networks[]? | select(.name as $n | any($vm.spec.template.spec.domain.devices.interfaces[]?; .name == $n and .state == "absent"))',
      '.spec.template.spec.domain.devices.interfaces[]? | select(.state == "absent")',
    ],
    jsonPointers: [
      '/spec/template/metadata/annotations/kubevirt.io~1pci-topology-version',
      '/spec/template/spec/domain/firmware/uuid',
      '/spec/template/spec/domain/firmware/serial',
    ],
  }];
}
