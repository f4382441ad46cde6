/**
 * Wukong's NICs on a VM defined elsewhere (`spec.virtualMachine`, the VM's own KubeVirt spec): what Wukong reads from
 * that spec, and the rules for adding to it. The VM keeps its machine, disks, user data and interfaces; Wukong appends
 * its interfaces and networks, and its NICs' entries to the guest's network data.
 *
 * - The pod NIC: a VM without network data of its own gets Wukong's, which must find the pod NIC by MAC, so Wukong
 *   takes that NIC over (pinning a MAC when it has none). A VM with no interfaces at all gets KubeVirt's default pod
 *   interface written out, as KubeVirt adds it only to a VM without interfaces
 *   (pkg/network/vmispec/interface.go, SetDefaultNetworkInterface).
 * - A VM with its own inline network data keeps every entry of it; that data decides its default route.
 */
import { parse } from 'yaml';
import type { Binding } from './resolved';
import { normalizeMac } from '../net/mac';
import { IssueCollector, show } from '../spec/issues';
import { isJsonObject } from '../spec/stable-json';
import { PodNetworkConfig, WukongSpec } from '../spec/types';

type Json = Record<string, any>;

/** Where a VM's fields live in `spec.virtualMachine`, for the machine fields of a Wukong spec. */
const OWN_FIELDS: Record<string, string> = {
  cpu: 'template.spec.domain.cpu',
  memory: 'template.spec.domain.memory',
  image: 'template.spec.volumes',
  disks: 'template.spec.volumes',
  runStrategy: 'runStrategy',
  userData: 'the cloudInitNoCloud volume',
  podNetwork: 'template.spec.networks',
  instancetype: 'instancetype',
  preference: 'preference',
  resources: 'template.spec.domain.resources',
  nodeSelector: 'template.spec.nodeSelector',
  affinity: 'template.spec.affinity',
  tolerations: 'template.spec.tolerations',
  evictionStrategy: 'template.spec.evictionStrategy',
  terminationGracePeriodSeconds: 'template.spec.terminationGracePeriodSeconds',
};

const BASE = 'virtualMachine';
const TEMPLATE = `${BASE}.template.spec`;
const INTERFACES = `${TEMPLATE}.domain.devices.interfaces`;

/** The network-config v2 document a VM gives its guest itself (`ethernets`, and whatever else it has). */
export interface GuestNetworkData {
  readonly version: 2;
  readonly ethernets: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** What Wukong uses of the VM it attaches NICs to. */
export interface ResolvedBase {
  /** The VM's spec as given, `running` read as the `runStrategy` KubeVirt takes it for. Never modified. */
  readonly spec: Record<string, any>;
  /** Names of the VM's own interfaces and networks: the VM's, never planned by Wukong. */
  readonly interfaces: readonly string[];
  /** Name of the cloudInitNoCloud volume; absent when the VM has none and Wukong adds its own. */
  readonly cloudInitVolume?: string;
  /** The VM's own network data, when it gives it inline: Wukong adds its NICs' entries and keeps the rest. */
  readonly networkData?: GuestNetworkData;
}

/** The base and how the rest of the spec resolves against it. */
export interface BaseResolution {
  readonly base: ResolvedBase;
  /** The pod NIC Wukong takes over (see the module comment), or disabled. */
  readonly podNetwork: PodNetworkConfig;
  /** Binding of a taken-over pod NIC, as the VM has it. */
  readonly podBinding?: Binding;
  /** MACs of the VM's own interfaces, by field path: no NIC of Wukong's may take one. */
  readonly macs: Map<string, string>;
  /** Names of the VM's own interfaces and networks, with their field paths: no NIC of Wukong's may take one. */
  readonly names: Map<string, string>;
  /** How many interfaces the VM has besides those Wukong resolves, for the hot-plug port budget. */
  readonly ownInterfaces: number;
  readonly runStrategy: string;
  /** The VM's inline user data, for telling whether the guest brings hot-plugged NICs up; '' when not inline. */
  readonly userData?: string;
}

function list(value: unknown, path: string, issues: IssueCollector): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.error(path, `must be a list, got ${show(value)}`);
    return [];
  }
  return value.map(v => (isJsonObject(v) ? v : {}));
}

function decode(text: unknown, base64: unknown): string | undefined {
  if (typeof text === 'string') return text;
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('utf8') : undefined;
}

/** The VM's inline network data as v2, or an error saying how to make it so. */
function readNetworkData(text: string, path: string, issues: IssueCollector): GuestNetworkData | undefined {
  let doc: unknown;
  try {
    doc = parse(text, { version: '1.1' });
  } catch (e) {
    issues.error(path, `is not YAML (${(e as Error).message.split('\n')[0]}); Wukong adds its NICs to the guest's network data and must read it`);
    return undefined;
  }
  // cloud-init takes the document bare or under `network:`.
  const data = isJsonObject(doc) && isJsonObject(doc.network) ? doc.network : doc;
  if (!isJsonObject(data) || data.version !== 2) {
    issues.error(path, `is network-config version ${isJsonObject(data) ? show(data.version) : '(none)'}; Wukong adds its NICs to version 2 entries by MAC: `
      + 'convert it (https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html)');
    return undefined;
  }
  if (data.ethernets !== undefined && !isJsonObject(data.ethernets)) {
    issues.error(path, `has ethernets ${show(data.ethernets)}, not a map of NICs`);
    return undefined;
  }
  return { ...data, version: 2, ethernets: { ...(data.ethernets ?? {}) } } as GuestNetworkData;
}

/** Errors for the fields of `spec` that the VM's own spec holds when NICs are attached to it. */
function checkOwnFields(spec: WukongSpec, issues: IssueCollector): void {
  for (const [field, where] of Object.entries(OWN_FIELDS)) {
    if ((spec as Json)[field] === undefined) continue;
    issues.error(field, `belongs to the VM's own spec when NICs are attached to it (${BASE}); set it there, in ${where.includes(' ') ? where : `${BASE}.${where}`}`);
  }
}

/**
 * Reads `spec.virtualMachine` and checks it against the rest of `spec`. Undefined when it is unusable (reported).
 */
export function resolveBase(spec: WukongSpec, issues: IssueCollector): BaseResolution | undefined {
  checkOwnFields(spec, issues);
  const vm = spec.virtualMachine as Json;
  const template = vm.template?.spec;
  if (!isJsonObject(template)) {
    issues.error(`${BASE}.template.spec`, 'is required: give the VirtualMachine\'s whole spec (its `spec:`), template included');
    return undefined;
  }
  if (vm.running !== undefined && vm.runStrategy !== undefined) {
    issues.error(`${BASE}.running`, 'and runStrategy are both set, which KubeVirt rejects; keep runStrategy');
  }
  // KubeVirt's VM mutator sets Halted when neither is given (pkg/virt-api/webhooks/mutating-webhook/mutators/vm-mutator.go).
  const runStrategy = typeof vm.runStrategy === 'string' ? vm.runStrategy : vm.running === true ? 'Always' : 'Halted';
  const interfaces = list(template.domain?.devices?.interfaces, INTERFACES, issues);
  const networks = list(template.networks, `${TEMPLATE}.networks`, issues);
  const volumes = list(template.volumes, `${TEMPLATE}.volumes`, issues);

  const configDrive = volumes.findIndex(v => v.cloudInitConfigDrive);
  if (configDrive >= 0) {
    issues.error(`${TEMPLATE}.volumes[${configDrive}]`, `('${volumes[configDrive].name}') is a cloudInitConfigDrive; Wukong writes network data for `
      + 'cloudInitNoCloud: make it a cloudInitNoCloud volume (same userData fields)');
  }
  const noCloudAt = volumes.findIndex(v => isJsonObject(v.cloudInitNoCloud));
  const noCloud: Json | undefined = noCloudAt >= 0 ? volumes[noCloudAt].cloudInitNoCloud : undefined;
  const noCloudPath = `${TEMPLATE}.volumes[${noCloudAt}].cloudInitNoCloud`;
  const networkDataField = noCloud?.networkData !== undefined ? 'networkData' : 'networkDataBase64';
  let networkData: GuestNetworkData | undefined;
  if (noCloud?.networkDataSecretRef) {
    issues.error(`${noCloudPath}.networkDataSecretRef`, `reads the guest's network data from Secret ${show(noCloud.networkDataSecretRef.name)}, which `
      + 'Wukong cannot add its NICs to: move that network data inline (networkData), or remove networkDataSecretRef and let Wukong write it');
  } else {
    const text = decode(noCloud?.networkData, noCloud?.networkDataBase64);
    if (text !== undefined) networkData = readNetworkData(text, `${noCloudPath}.${networkDataField}`, issues);
  }

  const macs = new Map<string, string>();
  interfaces.forEach((iface, i) => {
    const mac = typeof iface.macAddress === 'string' ? normalizeMac(iface.macAddress) : undefined;
    if (mac) macs.set(`${INTERFACES}[${i}].macAddress`, mac);
  });
  for (const [name, entry] of Object.entries(networkData?.ethernets ?? {})) {
    const mac = (entry as Json)?.match?.macaddress;
    if (typeof mac === 'string' && normalizeMac(mac)) macs.set(`${noCloudPath}.${networkDataField} (ethernets.${name})`, normalizeMac(mac)!);
  }

  const { taken, ...pod } = podTakeOver(template, interfaces, networks, networkData !== undefined, issues);
  // A taken-over pod NIC's MAC is Wukong's pod NIC's own.
  if (taken !== undefined) macs.delete(`${INTERFACES}[${taken}].macAddress`);
  const names = new Map<string, string>();
  networks.forEach((n, i) => names.set(String(n.name), `${TEMPLATE}.networks[${i}].name`));
  interfaces.forEach((n, i) => names.set(String(n.name), `${INTERFACES}[${i}].name`));
  const base: ResolvedBase = {
    spec: runStrategy === vm.runStrategy ? vm : { ...Object.fromEntries(Object.entries(vm).filter(([k]) => k !== 'running')), runStrategy },
    interfaces: [...names.keys()],
    ...(noCloudAt >= 0 ? { cloudInitVolume: String(volumes[noCloudAt].name) } : {}),
    ...(networkData ? { networkData } : {}),
  };
  if (pod.podNetwork.name !== undefined) names.delete(pod.podNetwork.name);
  return {
    base,
    ...pod,
    macs,
    names,
    runStrategy,
    ownInterfaces: interfaces.length - (taken === undefined ? 0 : 1),
    userData: noCloudAt >= 0 ? decode(noCloud?.userData, noCloud?.userDataBase64) ?? '' : undefined,
  };
}

/** The VM's pod NIC, taken over for Wukong's network data when the VM has none of its own. */
function podTakeOver(template: Json, interfaces: Json[], networks: Json[], ownNetworkData: boolean, issues: IssueCollector)
  : { podNetwork: PodNetworkConfig; podBinding?: Binding; taken?: number } {
  const off = { podNetwork: { enabled: false } };
  if (!interfaces.length && !networks.length) {
    return template.domain?.devices?.autoattachPodInterface === false || ownNetworkData ? off : { podNetwork: {} };
  }
  const podNet = networks.find(n => n.pod !== undefined);
  if (!podNet || ownNetworkData) return off;
  const at = interfaces.findIndex(i => i.name === podNet.name);
  if (at < 0) return off;
  const iface = interfaces[at];
  const binding: Binding | undefined = iface.masquerade ? 'masquerade' : iface.bridge ? 'bridge' : undefined;
  if (!binding && typeof iface.macAddress !== 'string') {
    issues.error(`${INTERFACES}[${at}]`, `('${podNet.name}', the pod network) has neither a MAC nor a masquerade or bridge binding, so Wukong's network data `
      + 'cannot find it in the guest: pin its macAddress, or give the VM inline network data for it (Wukong then adds only its own NICs)');
    return off;
  }
  return {
    podNetwork: { name: podNet.name, ...(typeof iface.macAddress === 'string' ? { macAddress: iface.macAddress } : {}) },
    podBinding: binding ?? 'bridge',
    taken: at,
  };
}
