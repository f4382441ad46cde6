/**
 * The NIC change planner: what applying a desired VM to what exists would do, entry by entry, and whether KubeVirt
 * can do it live. Every rule follows kubevirt-hotplug.md (sections cited as §n) and seed 000 (primary protection, NAD
 * lifecycle). Pure: the live objects are passed in.
 */
import { OTHER_PCI_DEVICES, hotplugPortBudget, quantityToBytes } from './hotplug-budget';
import { KubeVirtVersion, NEWEST_DOCUMENTED_KUBEVIRT, atLeast, formatKubeVirtVersion } from './kubevirt-version';
import { LiveNic, LiveVm, LiveVmi, hasCondition, parseLiveVm, parseLiveVmi, startedInterfaces } from './live';
import { changeKey, describeChange, liveReason, machineChanges } from './machine-diff';
import { Plan, PlanAction, PlanEntry, PlanSubject } from './plan-types';
import { NicAddressing, nicAddressing, notLiveWarning } from '../net/addressing';
import { RESOURCE_NAME_ANNOTATION } from '../net/cni-config';
import { NadManifest, SecretManifest, SubnetManifest, secretAsManifest } from '../render/manifests';
import { RenderedVm, renderResolvedVm } from '../render/render';
import { kvInterface, kvNetwork, vmMetadata } from '../render/vm-spec';
import { CONTAINER_DISK } from '../resolve/resolve-machine';
import { ResolvedNic, ResolvedVm } from '../resolve/resolved';
import { RECORD_ANNOTATIONS, sameUserData } from '../spec/last-applied';
import { stableStringify } from '../spec/stable-json';

/** What exists in the cluster (all optional: without it the plan compares with the last applied spec only). */
export interface LiveObjects {
  /** The VirtualMachine, or null when it does not exist. */
  readonly vm?: unknown;
  /** The VirtualMachineInstance, or null when the VM is not running. */
  readonly vmi?: unknown;
  /** NADs this VM owns (labelled with its name). */
  readonly nads?: unknown[];
  /** Subnets this VM owns. */
  readonly subnets?: unknown[];
  /** The cloud-init Secret, or null. */
  readonly secret?: unknown;
}

/** What `planVm` plans from: the desired VM, what was applied last and what exists in the cluster, and the options of the apply. */
export interface PlanInput {
  readonly desired: ResolvedVm;
  /** The spec applied last time (from Wukong's record of the VM). */
  readonly applied?: ResolvedVm;
  /** The recorded interface count the running VMI started with (`<vmi uid>:<count>`; see STARTED_INTERFACES_KEY). */
  readonly startedInterfaces?: string;
  readonly live?: LiveObjects;
  /** The cluster's KubeVirt version, when known. */
  readonly kubevirtVersion?: KubeVirtVersion;
  readonly kubevirtVersionSource?: 'cluster' | 'given';
  /** False when the cluster has no NetworkAttachmentDefinition CRD. @default true */
  readonly multusInstalled?: boolean;
  /** Apply restart-required changes to the template (never restarts the VM). @default false */
  readonly allowRestart?: boolean;
  /**
   * The KubeVirt CR's `spec.configuration.vmRolloutStrategy`: under `LiveUpdate` memory and scheduling changes reach a
   * running VM (see machine-diff.ts, liveReason).
   * @default 'LiveUpdate' from KubeVirt 1.5 (its default since, pkg/virt-config/virt-config.go), 'Stage' before
   */
  readonly vmRolloutStrategy?: 'LiveUpdate' | 'Stage';
  /** Plan NADs, Subnets and the Secret too (the CLI); the Pulumi component manages them as resources. @default true */
  readonly manageOwnedObjects?: boolean;
  /** `desired` as already rendered (synthesized manifests): compared as it is instead of rendering `desired` again. */
  readonly rendered?: RenderedVm;
  /** `applied` as the caller already rendered it (for its VM patch), so it is rendered once per plan and write. */
  readonly appliedRendered?: RenderedVm;
  /**
   * A NIC that left the spec is unplugged (`state: absent`), as `wukong apply` and Pulumi do. False for manifests
   * applied as they are (GitOps): a NIC that left the template just leaves it. @default true
   */
  readonly unplugRemoved?: boolean;
}

interface Ctx {
  readonly input: PlanInput;
  readonly version: KubeVirtVersion;
  readonly running: boolean;
  readonly desired: RenderedVm;
  /** `input.applied` rendered, on first use unless the caller gave it. */
  readonly applied: () => RenderedVm | undefined;
  readonly current?: { vm: LiveVm; nads: NadManifest[]; subnets: SubnetManifest[]; secret?: SecretManifest };
  readonly vmi?: LiveVmi;
  readonly entries: PlanEntry[];
  readonly warnings: string[];
}

function entry(
  ctx: Ctx, subject: PlanSubject, name: string, action: PlanAction, reason: string, warnings: string[] = [], fields?: string[],
): PlanEntry {
  const applies = action === 'rejected' || action === 'skipped' ? false : action === 'restart-required' ? !!ctx.input.allowRestart : true;
  const e = { subject, name, action, reason, applies, warnings, ...(fields?.length ? { fields } : {}) };
  ctx.entries.push(e);
  return e;
}

/** The interface fields KubeVirt treats as identity: any change but `state` needs a restart (§6). */
function bindingOf(iface: Record<string, unknown>): string {
  for (const k of ['masquerade', 'bridge', 'sriov', 'slirp', 'passt', 'passtBinding', 'macvtap']) if (iface[k] !== undefined) return k;
  const b = iface.binding as { name?: string } | undefined;
  return b?.name ?? 'none';
}

function networkOf(net: Record<string, unknown> | undefined): string {
  if (!net) return 'none';
  if (net.pod !== undefined) return 'pod';
  const multus = net.multus as { networkName?: string } | undefined;
  return multus?.networkName ? `multus ${multus.networkName}` : 'none';
}

/** Same CNI config, whatever the key order and NAD name. */
function sameConfig(a: NadManifest | undefined, b: NadManifest | undefined): boolean {
  return (a !== undefined && a.spec.config === b?.spec.config) || configOf(a) === configOf(b);
}

function configOf(nad: NadManifest | undefined): string | undefined {
  if (!nad) return undefined;
  try {
    const c = JSON.parse(nad.spec.config);
    delete c.name;
    return stableStringify(c);
  } catch {
    return nad.spec.config;
  }
}

function versionWarnings(ctx: Ctx): string[] {
  const v = ctx.version;
  const out: string[] = [];
  if (atLeast(v, 1, 1) && !atLeast(v, 1, 4)) out.push(`KubeVirt ${formatKubeVirtVersion(v)} needs the HotplugNICs feature gate for this (§1)`);
  if (atLeast(v, 1, 2) && !atLeast(v, 1, 6)) {
    out.push(`KubeVirt ${formatKubeVirtVersion(v)} also marks the VM RestartRequired for any NIC change, although the plug itself works (§6)`);
  }
  return out;
}

/** Interfaces the VMI has now, and those it started with (as recorded; else assumed to be all of them). */
function vmiInterfaces(ctx: Ctx): { now: number; atStart: number } {
  const now = ctx.vmi?.specInterfaces.length ?? ctx.current?.vm.nics.filter(n => !n.absent).length ?? 0;
  return { now, atStart: Math.min(now, startedInterfaces(ctx.input.startedInterfaces, ctx.vmi) ?? now) };
}

/** Free PCIe ports for hot-plugged NICs: reserved when the VMI started, minus those hot-plugging used since (§7). */
function freePorts(ctx: Ctx): number {
  const { now, atStart } = vmiInterfaces(ctx);
  // An instance type's memory is only in the VMI; not knowing it, counting none leaves the fewest ports, the safe side.
  const memory = quantityToBytes(ctx.input.desired.memory ?? ctx.vmi?.guestMemory ?? '0') ?? 0;
  const reserved = hotplugPortBudget({ version: ctx.version, interfaces: atStart, otherDevices: OTHER_PCI_DEVICES, guestMemoryBytes: memory });
  return Math.max(0, reserved - (now - atStart));
}

function planNewNic(ctx: Ctx, nic: ResolvedNic, budget: { left: number }): void {
  const warnings = versionWarnings(ctx);
  if (nic.type === 'pod') {
    entry(ctx, 'nic', nic.name, 'restart-required', 'adding a pod network to a VMI that has none needs a restart (§6)');
    return;
  }
  if (!ctx.running) {
    entry(ctx, 'nic', nic.name, 'hotplug', 'added to the template; the VM is not running, so it is attached when the VM starts');
    return;
  }
  if (!atLeast(ctx.version, 1, 1)) {
    entry(ctx, 'nic', nic.name, 'restart-required', `KubeVirt ${formatKubeVirtVersion(ctx.version)} has no declarative NIC hot-plug (added in v1.1, §10)`);
    return;
  }
  if (nic.binding === 'sriov') {
    const how = atLeast(ctx.version, 1, 6)
      ? 'v1.6+ migrates by itself with the LiveUpdate rollout strategy and workloadUpdateMethods [LiveMigrate]; otherwise create a VirtualMachineInstanceMigration'
      : 'create a VirtualMachineInstanceMigration to apply it';
    entry(ctx, 'nic', nic.name, 'hotplug-via-migration', `SR-IOV VFs are allocated when the pod starts, so KubeVirt plugs it only through a live migration (§4); ${how}`, warnings);
    return;
  }
  if (nic.binding !== 'bridge') {
    entry(ctx, 'nic', nic.name, 'restart-required',
      `KubeVirt hot-plugs only bridge and SR-IOV interfaces; a ${nic.binding} interface added now would sit pending, silently, until the next restart (§4)`);
    return;
  }
  if (budget.left <= 0) {
    entry(ctx, 'nic', nic.name, 'rejected',
      `no PCIe port is left for hot-plugging it on KubeVirt ${formatKubeVirtVersion(ctx.version)} (§7: ports are reserved when the VM starts); restart the VM with the NIC in its spec instead`);
    return;
  }
  budget.left--;
  if (nic.linkState === 'down' && !atLeast(ctx.version, 1, 6)) {
    warnings.push(`KubeVirt ${formatKubeVirtVersion(ctx.version)} plugs it with its link up (a plug straight into down came with v1.6, §2); apply again to set it down`);
  }
  entry(ctx, 'nic', nic.name, 'hotplug',
    'interface (pinned MAC) and network appended to the VM template; KubeVirt plugs it in place with thick Multus and the dynamic-networks controller, or at the next live migration (§1)',
    warnings);
}

function linkStateOf(iface: Record<string, unknown>): 'up' | 'down' {
  return iface.state === 'down' ? 'down' : 'up';
}

/** A NIC the spec marks `state: absent`: unplugged while KubeVirt still has it, then left alone. */
function planAbsentNic(ctx: Ctx, nic: ResolvedNic, live: LiveNic | undefined): void {
  if (!ctx.current) {
    entry(ctx, 'nic', nic.name, 'unchanged', 'created with state: absent: KubeVirt never attaches it and drops its entries (§3)');
  } else if (!live) {
    entry(ctx, 'nic', nic.name, 'unchanged', 'unplugged: KubeVirt has detached it and removed its entries; remove it from the spec to drop its NAD');
  } else {
    planRemovedNic(ctx, live, false, 'absent');
  }
}

/** A link state change of a NIC that is otherwise unchanged. */
function planLinkChange(ctx: Ctx, nic: ResolvedNic, from: 'up' | 'down'): void {
  const what = `link ${from} → ${nic.linkState}`;
  if (!ctx.running) {
    entry(ctx, 'nic', nic.name, 'vm-update', `${what}: the VM is not running, so the guest starts with it`);
  } else if (!atLeast(ctx.version, 1, 5)) {
    entry(ctx, 'nic', nic.name, 'rejected', `${what}: KubeVirt ${formatKubeVirtVersion(ctx.version)} has no link state (added in v1.5, §2) and rejects state: ${nic.linkState}`);
  } else {
    entry(ctx, 'nic', nic.name, 'link-change', `${what}, set live on the guest's NIC; the device and its addresses stay (§2)`, versionWarnings(ctx));
  }
}

function planChangedNic(ctx: Ctx, nic: ResolvedNic, live: LiveNic): void {
  if (live.absent) {
    entry(ctx, 'nic', nic.name, 'rejected', `'${nic.name}' is still being unplugged (state: absent); run again once KubeVirt has removed it (§3)`);
    return;
  }
  const want = kvInterface(nic) as unknown as Record<string, unknown>;
  const wantNet = kvNetwork(nic, ctx.input.desired.namespace) as unknown as Record<string, unknown>;
  const changes: string[] = [];
  if (bindingOf(live.iface) !== bindingOf(want)) changes.push(`binding ${bindingOf(live.iface)} → ${bindingOf(want)}`);
  if (String(live.iface.macAddress ?? '').toLowerCase() !== String(want.macAddress ?? '').toLowerCase()) {
    changes.push(`MAC ${live.iface.macAddress ?? '(none)'} → ${want.macAddress}`);
  }
  const [from, to] = [networkOf(live.network), networkOf(wantNet)];
  const nadChange = nic.nad?.owner === 'vm' ? nadDiff(ctx, nic) : undefined;
  // Static IPAM is read only when the pod interface is attached (a restart or migration), and it carries the address
  // the network data gives the guest anyway: a change of it alone never needs a restart.
  const ipamOnly = nadChange !== undefined && nadChange.every(c => c.startsWith('ipam '));
  const ovn = kubeOvnDiff(ctx, nic);
  if (!ctx.running && (changes.length || from !== to || (nadChange && !ipamOnly) || ovn)) {
    const what = [...changes, ...(from !== to ? [`network ${from} → ${to}`] : []), ...(nadChange && !ipamOnly ? [`NAD ${nadChange.join(', ')}`] : []), ...(ovn ? [`Kube-OVN ${ovn}`] : [])];
    entry(ctx, 'nic', nic.name, 'vm-update', `${what.join(', ')}: the VM is not running, so the template change applies when it starts`);
    return;
  }
  if (changes.length) {
    entry(ctx, 'nic', nic.name, 'restart-required', `${changes.join(', ')}: KubeVirt applies changes to an existing interface only at a restart (§6)`);
    return;
  }
  if (from !== to) {
    if (from.startsWith('multus') && to.startsWith('multus') && atLeast(ctx.version, 1, 8)) {
      const warnings = atLeast(ctx.version, 1, 9) ? [] : ['KubeVirt v1.8 needs the LiveUpdateNADRef feature gate for this (§4)'];
      entry(ctx, 'nic', nic.name, 'hotplug-via-migration',
        `NAD reference ${from.slice(7)} → ${to.slice(7)} is applied by a live migration (§4); not with the dynamic-networks controller, and the guest keeps its IP configuration`, warnings);
    } else {
      entry(ctx, 'nic', nic.name, 'restart-required', `network ${from} → ${to} changes only at a restart on KubeVirt ${formatKubeVirtVersion(ctx.version)} (§4, §6)`);
    }
    return;
  }
  if (nadChange && !ipamOnly) {
    entry(ctx, 'nic', nic.name, 'restart-required', `its NAD's CNI config changes (${nadChange.join(', ')}); an attached interface keeps the old config until it is attached again at a restart`);
    return;
  }
  if (ovn) {
    entry(ctx, 'nic', nic.name, 'restart-required', `Kube-OVN fixed ${ovn} changes; Kube-OVN assigns it when the pod is created, so it takes a restart`);
    return;
  }
  if (linkStateOf(live.iface) !== nic.linkState) {
    planLinkChange(ctx, nic, linkStateOf(live.iface));
    return;
  }
  entry(ctx, 'nic', nic.name, 'unchanged', ipamOnly
    ? 'only its NAD\'s static IPAM changes, which KubeVirt\'s DHCP serves from the next attach (restart or migration) on; the guest keeps the address of its network data'
    : 'no change');
}

/** The changed keys of a NIC's own NAD config, each as `key old → new`. */
function nadDiff(ctx: Ctx, nic: ResolvedNic): string[] | undefined {
  const want = ctx.desired.nads.find(n => n.metadata.name === nic.nad!.name);
  const have = ctx.current?.nads.find(n => n.metadata.name === nic.nad!.name);
  if (!want || !have) return undefined;
  if (sameConfig(have, want)) return undefined;
  try {
    const [x, y] = [JSON.parse(have.spec.config), JSON.parse(want.spec.config)];
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter(k => k !== 'name' && JSON.stringify(x[k]) !== JSON.stringify(y[k]));
    return keys.map(k => `${k} ${JSON.stringify(x[k]) ?? 'unset'} → ${JSON.stringify(y[k]) ?? 'unset'}`);
  } catch {
    return ['config'];
  }
}

function kubeOvnDiff(ctx: Ctx, nic: ResolvedNic): string | undefined {
  if (!ctx.current || !nic.nad) return undefined;
  const want = ctx.desired.virtualMachine.spec.template.metadata.annotations ?? {};
  const have = ctx.current.vm.templateAnnotations;
  // Keys are named after the NAD (the provider is `<nad>.<ns>.ovn`), so a NIC that stops being kube-ovn on the same
  // NAD still finds its fixed IP/MAC keys to drop.
  const prefix = `${nic.nad.name}.${nic.nad.namespace}.`;
  const keys = Object.keys({ ...want, ...have }).filter(k => k.startsWith(prefix) && k.includes('.kubernetes.io/'));
  const changed = keys.filter(k => want[k] !== have[k]);
  return changed.length ? changed.map(k => `${k.includes('ip_address') ? 'IP' : 'MAC'} ${have[k] ?? 'unset'} → ${want[k] ?? 'unset'}`).join(', ') : undefined;
}

/** A NIC leaving the VM: marked `state: absent` in the spec (`absent`), or gone from it. */
function planRemovedNic(ctx: Ctx, live: LiveNic, wasPrimary: boolean, how: 'absent' | 'removed'): void {
  const binding = bindingOf(live.iface);
  if (live.absent) {
    entry(ctx, 'nic', live.name, 'unchanged', 'unplug in progress: KubeVirt removes the entries once the interface is detached (§3)');
    return;
  }
  if (networkOf(live.network) === 'pod') {
    entry(ctx, 'nic', live.name, 'rejected', 'the pod network is never removed: KubeVirt rejects state: absent on it (§2), and it carries the VM\'s cluster connectivity');
    return;
  }
  if (wasPrimary) {
    entry(ctx, 'nic', live.name, 'rejected', 'the primary NIC is never removed (seed 000 §6.3): it carries the default route; make another NIC primary first');
    return;
  }
  if (!ctx.running) {
    entry(ctx, 'nic', live.name, 'unplug', 'the VM is not running: its interface and network entries are removed directly, KubeVirt\'s advice for stopped VMs (§12)');
    return;
  }
  if (how === 'removed' && ctx.input.unplugRemoved === false) {
    entry(ctx, 'nic', live.name, 'restart-required',
      'it leaves the template without state: absent, so KubeVirt keeps it in the guest until a restart and marks the VM RestartRequired (§3); '
      + 'synthesize with --previous to keep it as a tombstone that unplugs it', [
        'its NAD, if pruned now, is gone while the VMI still uses it: the next restart or migration fails ("failed to locate network attachment definition")',
      ]);
    return;
  }
  if (binding === 'sriov') {
    entry(ctx, 'nic', live.name, 'rejected', 'SR-IOV interfaces cannot be unplugged: KubeVirt accepts state: absent only with the bridge binding (§2, §4)');
    return;
  }
  if (binding !== 'bridge') {
    entry(ctx, 'nic', live.name, 'restart-required',
      `only bridge interfaces can be unplugged (§2); a ${binding} interface removed from the template stays in the guest until the next restart (§3)`);
    return;
  }
  if (!atLeast(ctx.version, 1, 1)) {
    entry(ctx, 'nic', live.name, 'restart-required', `KubeVirt ${formatKubeVirtVersion(ctx.version)} has no declarative NIC unplug (added in v1.1, §10)`);
    return;
  }
  entry(ctx, 'nic', live.name, 'unplug',
    'state: absent; both entries are kept, KubeVirt detaches the interface and then removes them itself (§3)', versionWarnings(ctx));
}

function same(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return stableStringify(a ?? {}) === stableStringify(b ?? {});
}

function planVmFields(ctx: Ctx): void {
  const cur = ctx.current!.vm.raw;
  const want = ctx.desired.virtualMachine;
  const appliedVm = ctx.applied()?.virtualMachine;
  const changes = machineChanges(cur, want, appliedVm);
  const liveUpdate = ctx.running && (ctx.input.vmRolloutStrategy ?? (atLeast(ctx.version, 1, 5) ? 'LiveUpdate' : 'Stage')) === 'LiveUpdate';
  const limits = { maxSockets: ctx.vmi?.maxSockets };
  const liveChanges = liveUpdate ? changes.filter(c => liveReason(c, limits)) : [];
  const restartChanges = changes.filter(c => !liveChanges.includes(c));
  const restart = restartChanges.map(describeChange);
  const volumes = (cur?.spec?.template?.spec?.volumes ?? []) as Array<Record<string, any>>;
  const noCloud = volumes.find(v => v.cloudInitNoCloud)?.cloudInitNoCloud ?? {};
  const wantNoCloud = want.spec.template.spec.volumes.find(v => v.cloudInitNoCloud)!.cloudInitNoCloud!;
  // Inline data changes with every network change and goes with the Secret-less delivery; only the source kind counts.
  if ('networkDataSecretRef' in wantNoCloud ? stableStringify(noCloud) !== stableStringify(wantNoCloud) : noCloud.networkData === undefined) {
    restart.push('cloud-init source (networkDataDelivery)');
  }
  if (!('networkDataSecretRef' in wantNoCloud) && noCloud.networkData !== undefined
    && (noCloud.networkData !== wantNoCloud.networkData || noCloud.userData !== wantNoCloud.userData)) {
    restart.push('inline cloud-init data (it lives in the VM template; networkDataDelivery: secret changes it without a restart)');
  }
  const fields = restartChanges.map(changeKey);
  // With disks and no image the first disk boots: said out loud, as a VM that relied on the default image loses it.
  const dropped = restartChanges.find(c => changeKey(c) === `volume/${CONTAINER_DISK}` && c.value === undefined);
  const image = (dropped?.from as { containerDisk?: { image?: string } } | undefined)?.containerDisk?.image;
  const warnings = image ? [`the container disk (${image}) leaves the VM: with disks and no image, the first disk boots; set image to keep it`] : [];
  if (restart.length && !ctx.running) {
    entry(ctx, 'VirtualMachine', ctx.input.desired.name, 'vm-update', `${restart.join(', ')}: the VM is not running, so this applies when it starts`, warnings, fields);
  } else if (restart.length) {
    entry(ctx, 'VirtualMachine', ctx.input.desired.name, 'restart-required', `${restart.join(', ')}: not live-updatable here, applied at a restart (§6)`, warnings, fields);
  }
  const live: string[] = liveChanges.map(c => `${describeChange(c)} (${liveReason(c, limits)})`);
  if (cur?.spec?.runStrategy !== want.spec.runStrategy) live.push(`runStrategy ${cur?.spec?.runStrategy} → ${want.spec.runStrategy} (KubeVirt starts or stops the VM accordingly)`);
  // Only keys Wukong writes (wanted now, or written last time) count: other tools' labels and annotations are theirs.
  const applied = ctx.input.applied ? vmMetadata(ctx.input.applied) : undefined;
  const managed = (have: Record<string, string>, wanted: Record<string, string> | undefined, before: Record<string, string> | undefined) => {
    const keys = new Set([...Object.keys(wanted ?? {}), ...Object.keys(before ?? {})].filter(k => !RECORD_ANNOTATIONS.includes(k)));
    const pick = (m: Record<string, string> | undefined) => Object.fromEntries([...keys].filter(k => m?.[k] !== undefined).map(k => [k, m![k]]));
    return same(pick(have), pick(wanted));
  };
  if (!managed(ctx.current!.vm.labels, want.metadata.labels, applied?.labels)) live.push('labels (the pod gets template labels at its next start)');
  if (!managed(ctx.current!.vm.annotations, want.metadata.annotations, applied?.annotations)) live.push('annotations');
  if (live.length) entry(ctx, 'VirtualMachine', ctx.input.desired.name, 'vm-update', live.join('; '), [], liveChanges.map(changeKey));
}

function planOwnedObjects(ctx: Ctx, phase: 'before' | 'after'): void {
  const cur = ctx.current;
  const ns = ctx.input.desired.namespace;
  if (phase === 'before') {
    for (const nad of ctx.desired.nads) {
      const have = cur?.nads.find(n => n.metadata.name === nad.metadata.name);
      if (!have) {entry(ctx, 'NetworkAttachmentDefinition', `${ns}/${nad.metadata.name}`, 'nad-create', 'created before the VM refers to it');} else if (!sameConfig(have, nad) || have.metadata.annotations?.[RESOURCE_NAME_ANNOTATION] !== nad.metadata.annotations?.[RESOURCE_NAME_ANNOTATION]) {
        entry(ctx, 'NetworkAttachmentDefinition', `${ns}/${nad.metadata.name}`, 'nad-update', 'CNI config changed; attached interfaces pick it up when attached again');
      }
    }
    for (const subnet of ctx.desired.subnets) {
      const have = cur?.subnets.find(s => s.metadata.name === subnet.metadata.name);
      if (!have) {entry(ctx, 'Subnet', subnet.metadata.name, 'subnet-create', 'created before the VM refers to it');} else if (have.spec.cidrBlock !== subnet.spec.cidrBlock) {
        entry(ctx, 'Subnet', subnet.metadata.name, 'rejected', `cidrBlock ${have.spec.cidrBlock} → ${subnet.spec.cidrBlock}: Kube-OVN subnets' CIDRs are immutable; give the NIC a new subnet name`);
      } else if (stableStringify(have.spec) !== stableStringify(subnet.spec)) {
        const warnings = have.spec.gateway !== subnet.spec.gateway ? ['Kube-OVN rejects a gateway change while any IP of the subnet is in use'] : [];
        entry(ctx, 'Subnet', subnet.metadata.name, 'subnet-update', 'subnet settings changed', warnings);
      }
    }
    const secret = ctx.desired.secret;
    if (secret) {
      const have = cur?.secret;
      if (!have) {entry(ctx, 'Secret', `${ns}/${secret.metadata.name}`, 'secret-create', 'cloud-init data for the VM');} else if (have.stringData?.networkdata !== secret.stringData.networkdata || !sameSecretUserData(have, secret)) {
        entry(ctx, 'Secret', `${ns}/${secret.metadata.name}`, 'secret-update',
          'network or user data changed; the guest applies network data at its next boot (cloud-init updates.network.when: boot) or when applied in the guest');
      }
    }
    return;
  }
  for (const nad of cur?.nads ?? []) {
    if (!ctx.desired.nads.some(n => n.metadata.name === nad.metadata.name)) {
      entry(ctx, 'NetworkAttachmentDefinition', `${ns}/${nad.metadata.name}`, 'nad-delete', 'no longer used by this VM; deleted once the VMI no longer lists its NIC');
    }
  }
  for (const subnet of cur?.subnets ?? []) {
    if (!ctx.desired.subnets.some(s => s.metadata.name === subnet.metadata.name)) {
      entry(ctx, 'Subnet', subnet.metadata.name, 'subnet-delete', 'no longer used by this VM; deleted after its NAD');
    }
  }
}

function sameSecretUserData(have: SecretManifest, want: SecretManifest): boolean {
  // The last applied spec keeps only a digest of user data; a live Secret has the text.
  return sameUserData(have.stringData?.userdata, want.stringData.userdata);
}

function currentFrom(input: PlanInput, applied: Ctx['applied']): Ctx['current'] {
  const live = input.live;
  if (live?.vm !== undefined) {
    const vm = parseLiveVm(live.vm);
    if (!vm) return undefined;
    return {
      vm,
      nads: (live.nads ?? []) as NadManifest[],
      subnets: (live.subnets ?? []) as SubnetManifest[],
      secret: secretAsManifest(live.secret),
    };
  }
  const rendered = applied();
  if (!rendered) return undefined;
  return { vm: parseLiveVm(rendered.virtualMachine)!, nads: rendered.nads, subnets: rendered.subnets, secret: rendered.secret };
}

/** Plans applying `input.desired` over what exists. */
export function planVm(input: PlanInput): Plan {
  const version = input.kubevirtVersion ?? NEWEST_DOCUMENTED_KUBEVIRT;
  const vmi = input.live?.vmi ? parseLiveVmi(input.live.vmi) : undefined;
  let appliedRendered = input.appliedRendered;
  const applied = () => (appliedRendered ??= input.applied && renderResolvedVm(input.applied));
  const current = currentFrom(input, applied);
  // Without live objects the VM may be running: plan as if it were (the conservative case).
  const running = input.live === undefined || input.live.vm === undefined ? true : !!vmi?.running;
  const multus = input.multusInstalled ?? true;
  const desiredVm = multus || input.desired.onMissingMultus !== 'pod-network-only' ? input.desired : withoutMultus(input.desired);
  const desired = input.rendered ?? renderResolvedVm(desiredVm);
  const ctx: Ctx = { input, version, running, desired, applied, current, vmi, entries: [], warnings: [] };
  const manage = input.manageOwnedObjects ?? true;

  if (!multus) {
    for (const nic of input.desired.nics.filter(n => n.nad)) {
      if (input.desired.onMissingMultus === 'pod-network-only') {
        entry(ctx, 'nic', nic.name, 'skipped', 'Multus is not installed (no NetworkAttachmentDefinition CRD); onMissingMultus: pod-network-only leaves this NIC out');
      } else {
        entry(ctx, 'nic', nic.name, 'rejected', 'cannot attach: Multus is not installed (no NetworkAttachmentDefinition CRD); install Multus, or set onMissingMultus: pod-network-only');
      }
    }
    if (input.desired.onMissingMultus === 'pod-network-only') ctx.warnings.push('Multus is not installed: only the pod network is attached');
  }
  if (manage && (multus || desiredVm !== input.desired)) planOwnedObjects(ctx, 'before');

  if (!current) {
    for (const nic of multus ? desiredVm.nics : desiredVm.nics.filter(n => !n.nad)) {
      if (nic.state === 'absent') planAbsentNic(ctx, nic, undefined);
      else entry(ctx, 'nic', nic.name, 'create', 'created with the VM');
    }
    entry(ctx, 'VirtualMachine', input.desired.name, 'create', 'the VM does not exist yet');
  } else {
    if (hasCondition(current.vm.conditions, 'RestartRequired')) {
      ctx.warnings.push('the VM already reports RestartRequired: changes from before wait for a restart');
    }
    const budget = { left: freePorts(ctx) };
    const managed = new Set([...(input.applied?.nics.map(n => n.name) ?? []), ...input.desired.nics.map(n => n.name)]);
    for (const nic of multus ? desiredVm.nics : desiredVm.nics.filter(n => !n.nad)) {
      const live = current.vm.nics.find(n => n.name === nic.name);
      if (nic.state === 'absent') planAbsentNic(ctx, nic, live);
      else if (live) planChangedNic(ctx, nic, live);
      else planNewNic(ctx, nic, budget);
    }
    const wasPrimary = (name: string) => input.applied?.nics.find(n => n.name === name)?.primary ?? false;
    for (const live of current.vm.nics) {
      if (input.desired.nics.some(n => n.name === live.name)) continue;
      // A VM Wukong attaches NICs to has interfaces of its own: those are the VM's, as expected.
      if (!managed.has(live.name) && input.desired.base?.interfaces.includes(live.name)) continue;
      if (!managed.has(live.name)) {
        ctx.warnings.push(`interface '${live.name}' is on the VM but not in the spec or the last applied one: left alone`);
        continue;
      }
      planRemovedNic(ctx, live, wasPrimary(live.name), 'removed');
    }
    planVmFields(ctx);
  }
  if (manage && current) planOwnedObjects(ctx, 'after');

  followNics(ctx);
  addressNics(ctx);
  const rejected = ctx.entries.some(e => e.action === 'rejected');
  const start = vmi?.running && vmi.uid ? { uid: vmi.uid, interfaces: vmiInterfaces(ctx).atStart } : undefined;
  return {
    entries: ctx.entries,
    vmiStart: start,
    kubevirtVersion: version,
    kubevirtVersionSource: input.kubevirtVersion ? input.kubevirtVersionSource ?? 'given' : 'default',
    running,
    restartRequired: ctx.entries.some(e => e.action === 'restart-required'),
    rejected,
    warnings: [...ctx.warnings, ...(input.kubevirtVersion ? [] : [`KubeVirt version unknown: planned for ${formatKubeVirtVersion(version)}, the newest documented behaviour`])],
  };
}

/**
 * A NIC's own NAD and Subnet are written only together with the NIC: creating or updating them for a change that is
 * not applied (restart-required without opt-in) would apply half of it.
 */
function followNics(ctx: Ctx): void {
  for (const e of ctx.entries) {
    if (!['nad-create', 'nad-update', 'subnet-create', 'subnet-update'].includes(e.action)) continue;
    const objectName = e.name.split('/').pop();
    const nic = ctx.input.desired.nics.find(n => (e.subject === 'Subnet' ? n.kubeOvn?.subnet?.name : n.nad?.name) === objectName);
    const nicEntry = nic && ctx.entries.find(x => x.subject === 'nic' && x.name === nic.name);
    if (nicEntry && !nicEntry.applies) {
      const m = e as { applies: boolean; reason: string };
      m.applies = false;
      m.reason = `${e.reason}; waits with NIC ${nic!.name}, whose change is not applied`;
    }
  }
}

/**
 * Says per NIC how the guest gets its address and when, and warns before a hot-plug whose address will not be live.
 */
function addressNics(ctx: Ctx): void {
  const { desired } = ctx.input;
  for (const e of ctx.entries) {
    const nic = e.subject === 'nic' ? desired.nics.find(n => n.name === e.name) : undefined;
    if (!nic || nic.state === 'absent' || e.action === 'rejected' || e.action === 'skipped' || e.action === 'unplug') continue;
    const hotplug = ctx.running && (e.action === 'hotplug' || e.action === 'hotplug-via-migration');
    const addressing = nicAddressing(nic, desired.userData, hotplug);
    (e as { addressing?: NicAddressing }).addressing = addressing;
    const warning = notLiveWarning(addressing);
    if (warning) e.warnings.push(warning);
  }
}

/** The VM with its Multus NICs left out (onMissingMultus: pod-network-only). */
export function withoutMultus(vm: ResolvedVm): ResolvedVm {
  return { ...vm, nics: vm.nics.filter(n => !n.nad) };
}

