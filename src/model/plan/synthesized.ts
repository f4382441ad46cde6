/**
 * VMs read back from synthesized manifests (what `wukong synth` or a cdk8s app wrote, e.g. two Git revisions), so that
 * a pull request can be planned like any change: the manifests stay what is compared, and the model is rebuilt from
 * them for the rules that need it (binding, NAD ownership, link state, how each NIC is addressed).
 */
import { parse } from 'yaml';
import { Plan } from './plan-types';
import { PlanInput, planVm } from './planner';
import { RESOURCE_NAME_ANNOTATION } from '../net/cni-config';
import { Cidr, parseCidr, parseIp } from '../net/ip';
import { parseNadRef, vmKey } from '../net/names';
import { NadManifest, SecretManifest, SubnetManifest, secretAsManifest } from '../render/manifests';
import { RenderedVm } from '../render/render';
import {
  KvInterface, KvNetwork, KvVirtualMachine, MANAGED_BY, MANAGED_BY_LABEL, MULTINIC_LABEL, VM_NAME_LABEL, VM_NAMESPACE_LABEL,
} from '../render/vm-spec';
import { ResolvedDisk, ResolvedMachine } from '../resolve/resolve-machine';
import { Binding, ResolvedIp, ResolvedNad, ResolvedNic, ResolvedRoute, ResolvedSubnet, ResolvedVm } from '../resolve/resolved';
import { AccessMode, DiskBus, VolumeMode } from '../spec/machine';
import { definedOnly } from '../spec/stable-json';
import { DEFAULT_NAMESPACE, NetworkType } from '../spec/types';

type Json = Record<string, any>;

/** One VM of a synthesized output: its manifests as written, and the model rebuilt from them. */
export interface SynthesizedVm {
  readonly key: string;
  /** The manifests exactly as in the output (the Secret's data as `stringData`). */
  readonly rendered: RenderedVm;
}

const TYPES: Record<string, NetworkType> = { 'bridge': 'bridge', 'ovs': 'ovs', 'kube-ovn': 'kube-ovn', 'sriov': 'sriov', 'macvtap': 'macvlan' };

function bindingOf(iface: KvInterface): Binding {
  if (iface.masquerade) return 'masquerade';
  if (iface.sriov) return 'sriov';
  if (iface.binding?.name === 'macvtap') return 'macvtap';
  return 'bridge';
}

function cidrs(texts: unknown): Cidr[] {
  return (Array.isArray(texts) ? texts : []).map(parseCidr).filter((c): c is Cidr => c !== undefined);
}

/** The NAD a network names, and who owns it: this VM, a MultiNic, or nobody in this output. */
function nadOf(network: KvNetwork | undefined, vm: KvVirtualMachine, nads: NadManifest[]): ResolvedNad | undefined {
  if (!network?.multus) return undefined;
  const ref = parseNadRef(network.multus.networkName, vm.metadata.namespace ?? DEFAULT_NAMESPACE);
  const found = nads.find(n => n.metadata.name === ref.name && (n.metadata.namespace ?? DEFAULT_NAMESPACE) === ref.namespace);
  const labels = found?.metadata.labels ?? {};
  const owner = !found ? 'external' : labels[VM_NAME_LABEL] === vm.metadata.name && labels[MANAGED_BY_LABEL] === MANAGED_BY ? 'vm' : labels[MULTINIC_LABEL] ? 'shared' : 'external';
  let config: Record<string, unknown> | undefined;
  try {
    config = found ? JSON.parse(found.spec.config) : undefined;
  } catch {
    config = undefined;
  }
  return { ...ref, owner, config, resourceName: found?.metadata.annotations?.[RESOURCE_NAME_ANNOTATION] };
}

function subnetOf(provider: string, subnets: SubnetManifest[]): ResolvedSubnet | undefined {
  const s = subnets.find(x => x.spec.provider === provider);
  return s && { name: s.metadata.name, spec: s.spec, cidrs: s.spec.cidrBlock.split(',').map(parseCidr).filter((c): c is Cidr => c !== undefined) };
}

/** A NIC's addressing from its network data entry (cloud-init.ts writes it), its NAD's IPAM and Kube-OVN annotations. */
function ipOf(eth: Json | undefined, nad: ResolvedNad | undefined, kubeOvn: { ips?: string; subnet?: ResolvedSubnet }):
{ ip: ResolvedIp; routes: ResolvedRoute[]; primary: boolean; metric?: number } {
  const routes: Json[] = Array.isArray(eth?.routes) ? eth!.routes : [];
  const fallback = routes.find(r => r.to === '0.0.0.0/0' || r.to === 'default');
  const ipam = nad?.config?.ipam as Json | undefined;
  const ipamAddress = ipam?.type === 'static' ? cidrs((ipam.addresses ?? []).map((a: Json) => a.address)) : [];
  const own = cidrs(eth?.addresses);
  // A fixed Kube-OVN address carries no prefix: it has its subnet's.
  const prefixOf = (a: string) => kubeOvn.subnet?.cidrs.find(c => c.family === (a.includes(':') ? 6 : 4))?.prefix ?? (a.includes(':') ? 128 : 32);
  const ovn = kubeOvn.ips ? cidrs(kubeOvn.ips.split(',').map(a => `${a}/${prefixOf(a)}`)) : [];
  const dhcp = eth?.dhcp4 === true;
  const addresses = own.length ? [...ipamAddress.filter(a => !own.some(o => o.text === a.text)), ...own] : ipamAddress.length ? ipamAddress : ovn;
  const mode = own.length || ipamAddress.length || ovn.length ? 'static' : dhcp ? 'dhcp' : 'none';
  const delivery = ipamAddress.length ? (own.length ? 'both' : 'cni-ipam') : 'network-data';
  const overrides = eth?.['dhcp4-overrides'] as Json | undefined;
  const primary = !!fallback || eth?.gateway6 !== undefined || (dhcp && overrides !== undefined && overrides['use-routes'] !== false);
  const ip: ResolvedIp = {
    mode,
    delivery,
    addresses,
    gateway4: parseIp(fallback?.via) ?? parseIp(ipam?.routes?.find((r: Json) => r.dst === '0.0.0.0/0')?.gw),
    gateway6: parseIp(eth?.gateway6),
    dnsServers: [...eth?.nameservers?.addresses ?? []],
    searchDomains: [...eth?.nameservers?.search ?? []],
  };
  const resolvedRoutes = routes.filter(r => r !== fallback).flatMap(r => {
    const destination = parseCidr(r.to);
    return destination ? [{ destination, gateway: parseIp(r.via), metric: Number(r.metric ?? 0) }] : [];
  });
  return { ip, routes: resolvedRoutes, primary, metric: overrides?.['route-metric'] ?? fallback?.metric };
}

/** The container disk's image and the machine of a synthesized VirtualMachine, the inverse of vm-spec.ts. */
function machineFrom(vm: KvVirtualMachine): { image?: string; machine: ResolvedMachine } {
  const { spec } = vm;
  const tspec = spec.template.spec;
  const image = tspec.volumes.find(v => v.containerDisk)?.containerDisk?.image;
  const disks = tspec.domain.devices.disks.flatMap((d): ResolvedDisk[] => {
    const volume = tspec.volumes.find(v => v.name === d.name);
    const base = { name: d.name, bus: d.disk.bus as DiskBus, ...(d.bootOrder !== undefined ? { bootOrder: d.bootOrder } : {}) };
    if (volume?.persistentVolumeClaim) return [{ ...base, persistentVolumeClaim: volume.persistentVolumeClaim }];
    const template = volume?.dataVolume && spec.dataVolumeTemplates?.find(t => t.metadata.name === volume.dataVolume!.name);
    if (!template) return [];
    const { storage } = template.spec;
    return [{
      ...base,
      dataVolume: {
        name: template.metadata.name,
        config: {
          source: template.spec.source,
          size: storage.resources.requests.storage,
          ...(storage.storageClassName !== undefined ? { storageClassName: storage.storageClassName } : {}),
          ...(storage.accessModes ? { accessModes: storage.accessModes as AccessMode[] } : {}),
          ...(storage.volumeMode !== undefined ? { volumeMode: storage.volumeMode as VolumeMode } : {}),
        },
      },
    }];
  });
  const optional = {
    instancetype: spec.instancetype as ResolvedMachine['instancetype'],
    preference: spec.preference as ResolvedMachine['preference'],
    resources: tspec.domain.resources,
    nodeSelector: tspec.nodeSelector,
    affinity: tspec.affinity,
    tolerations: tspec.tolerations,
    evictionStrategy: tspec.evictionStrategy,
    terminationGracePeriodSeconds: tspec.terminationGracePeriodSeconds,
  };
  const machine = definedOnly(optional);
  return { ...(image !== undefined ? { image } : {}), machine: { disks, ...machine } };
}

/** Rebuilds the VM of one synthesized VirtualMachine from it and the objects beside it. */
function resolvedFrom(vm: KvVirtualMachine, nads: NadManifest[], subnets: SubnetManifest[], secret: SecretManifest | undefined): ResolvedVm {
  const tspec = vm.spec.template.spec;
  const noCloud = tspec.volumes.find(v => v.cloudInitNoCloud)?.cloudInitNoCloud ?? {};
  const networkData = parse(secret?.stringData.networkdata ?? noCloud.networkData ?? '') as Json | null;
  const ethernets = Object.values((networkData?.ethernets ?? {}) as Record<string, Json>);
  const annotations = vm.spec.template.metadata.annotations ?? {};
  const namespace = vm.metadata.namespace ?? DEFAULT_NAMESPACE;
  const nics = (tspec.domain.devices.interfaces ?? []).map((iface, index): ResolvedNic => {
    const network = tspec.networks?.find(n => n.name === iface.name);
    const nad = nadOf(network, vm, nads);
    const binding = bindingOf(iface);
    const type: ResolvedNic['type'] = network?.pod ? 'pod' : TYPES[String(nad?.config?.type)] ?? (binding === 'sriov' ? 'sriov' : binding === 'macvtap' ? 'macvlan' : 'bridge');
    const mac = String(iface.macAddress ?? '').toLowerCase();
    const eth = ethernets.find(e => String(e.match?.macaddress ?? '').toLowerCase() === mac);
    const provider = type === 'kube-ovn' ? String(nad?.config?.provider ?? '') : undefined;
    const subnet = provider ? subnetOf(provider, subnets) : undefined;
    const { ip, routes, primary, metric } = ipOf(eth, nad, { ips: provider ? annotations[`${provider}.kubernetes.io/ip_address`] : undefined, subnet });
    return {
      index: type === 'pod' ? -1 : index,
      path: type === 'pod' ? 'podNetwork' : `networks[${index}]`,
      name: iface.name,
      type,
      binding,
      mac,
      macSource: 'given',
      nad: type === 'pod' ? undefined : nad,
      kubeOvn: provider ? { provider, subnet } : undefined,
      primary,
      rank: 0,
      metric: metric ?? 100 * (index + 1),
      mtu: typeof eth?.mtu === 'number' ? eth.mtu : undefined,
      ip,
      routes,
      state: iface.state === 'absent' ? 'absent' : 'present',
      linkState: iface.state === 'down' ? 'down' : 'up',
    };
  });
  const ranked = [...nics].sort((a, b) => a.metric - b.metric);
  const { [MANAGED_BY_LABEL]: _m, [VM_NAME_LABEL]: _n, ...labels } = vm.metadata.labels ?? {};
  return {
    name: vm.metadata.name,
    namespace,
    labels,
    annotations: { ...vm.metadata.annotations },
    ...(tspec.domain.cpu ? { cpu: tspec.domain.cpu.cores } : {}),
    ...(tspec.domain.memory ? { memory: tspec.domain.memory.guest } : {}),
    ...machineFrom(vm),
    runStrategy: vm.spec.runStrategy as ResolvedVm['runStrategy'],
    userData: secret?.stringData.userdata ?? noCloud.userData ?? '',
    networkDataDelivery: noCloud.networkDataSecretRef ? 'secret' : 'inline',
    onMissingMultus: 'fail',
    nics: nics.map(n => ({ ...n, rank: ranked.indexOf(n) })),
  };
}

/** The outcome of `readSynthesized`: the VMs read back from synthesized manifests, and those that could not be. */
export interface SynthesizedOutput {
  /** By `namespace/name`. */
  readonly vms: Map<string, SynthesizedVm>;
  /** VMs labelled as Wukong's that cannot be read back (edited by hand into another shape). */
  readonly errors: string[];
}

/**
 * The VMs Wukong wrote among `docs` (other documents are ignored), by `namespace/name`, with the NADs, Subnets and
 * Secret labelled as theirs and the shared NADs they use.
 */
export function readSynthesized(docs: readonly unknown[]): SynthesizedOutput {
  const objects = docs.filter((d): d is Json => typeof d === 'object' && d !== null && !Array.isArray(d));
  const nads = objects.filter(o => o.kind === 'NetworkAttachmentDefinition') as NadManifest[];
  const subnets = objects.filter(o => o.kind === 'Subnet') as SubnetManifest[];
  const owned = (o: Json, vm: KvVirtualMachine) => o.metadata?.labels?.[VM_NAME_LABEL] === vm.metadata.name
    && (o.metadata?.labels?.[VM_NAMESPACE_LABEL] ?? DEFAULT_NAMESPACE) === (vm.metadata.namespace ?? DEFAULT_NAMESPACE);
  const out: SynthesizedOutput = { vms: new Map(), errors: [] };
  for (const o of objects) {
    if (o.kind !== 'VirtualMachine' || o.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) continue;
    const vm = o as KvVirtualMachine;
    const raw = objects.find(s => s.kind === 'Secret' && owned(s, vm));
    const secret = raw ? secretAsManifest(raw) : undefined;
    let resolved: ResolvedVm;
    try {
      resolved = resolvedFrom(vm, nads, subnets, secret);
    } catch (e) {
      out.errors.push(`VirtualMachine ${vmKey(vm.metadata)} is labelled as Wukong's but is not in the shape Wukong writes (${(e as Error).message}); `
        + 'synthesize it again, or remove its app.kubernetes.io/managed-by label');
      continue;
    }
    out.vms.set(vmKey(vm.metadata), {
      key: vmKey(vm.metadata),
      rendered: {
        vm: resolved,
        virtualMachine: vm,
        nads: nads.filter(n => owned(n, vm)),
        subnets: subnets.filter(s => owned(s, vm)),
        secret,
        networkData: secret?.stringData.networkdata ?? '',
        warnings: [],
      },
    });
  }
  return out;
}

/** What merging one synthesized output over another does to one VM. */
export interface SynthesizedPlan {
  /** `namespace/name`. */
  readonly vm: string;
  /** Undefined when the VM leaves the output (`deleted`). */
  readonly plan?: Plan;
  /** The VM is in the old output only: a GitOps tool with pruning deletes it, and its VMI stops. */
  readonly deleted?: boolean;
}

/** The VMI KubeVirt runs for `vm` once every interface it lists is plugged (the old output, running). */
function runningVmiOf(vm: KvVirtualMachine): Json | null {
  if (vm.spec.runStrategy === 'Halted') return null;
  const ifaces = (vm.spec.template.spec.domain.devices.interfaces ?? []).filter(i => i.state !== 'absent');
  return {
    kind: 'VirtualMachineInstance',
    spec: { domain: { devices: { interfaces: ifaces.map(i => ({ name: i.name, ...(i.state ? { state: i.state } : {}) })) } } },
    status: { phase: 'Running', interfaces: ifaces.map(i => ({ name: i.name, infoSource: 'domain, multus-status' })) },
  };
}

/**
 * What merging `after` over `before` (two synthesized outputs, e.g. a pull request's base and head) does to VMs that
 * run `before`: applied as they are, the way a GitOps tool applies them (a NIC that leaves the template is not
 * unplugged; restart-required changes reach the template too).
 */
export function planSynthesized(before: ReadonlyMap<string, SynthesizedVm>, after: ReadonlyMap<string, SynthesizedVm>,
  options: Pick<PlanInput, 'kubevirtVersion' | 'kubevirtVersionSource'> = {}): SynthesizedPlan[] {
  const out: SynthesizedPlan[] = [];
  for (const [key, next] of after) {
    const prev = before.get(key)?.rendered;
    const live = prev
      ? { vm: prev.virtualMachine, vmi: runningVmiOf(prev.virtualMachine), nads: prev.nads, subnets: prev.subnets, secret: prev.secret ?? null }
      : { vm: null };
    out.push({
      vm: key,
      plan: planVm({
        ...options, desired: next.rendered.vm, rendered: next.rendered, applied: prev?.vm, live, allowRestart: true, unplugRemoved: false,
      }),
    });
  }
  for (const key of before.keys()) if (!after.has(key)) out.push({ vm: key, deleted: true });
  return out;
}
