import { Inventory } from './inventory';
import { BaseResolution, resolveBase } from './resolve-base';
import { resolveIpConfig, resolveRoutes } from './resolve-ip';
import { resolveMachine } from './resolve-machine';
import { NicPlacement, VmContext, checkInt, resolveMac, resolveNic } from './resolve-nic';
import { Binding, ResolvedNic, ResolvedVm } from './resolved';
import { DEFAULT_USER_DATA } from '../net/addressing';
import { dns1123LabelProblem, labelValueProblem, metadataKeyProblem } from '../net/names';
import { OTHER_PCI_DEVICES, canonicalQuantity, hotplugPortBudget, quantityToBytes } from '../plan/hotplug-budget';
import { NEWEST_DOCUMENTED_KUBEVIRT } from '../plan/kubevirt-version';
import { FieldPaths, Issue, IssueCollector, show, withFieldPaths } from '../spec/issues';
import { RECORD_ANNOTATIONS } from '../spec/last-applied';
import { checkShape, present } from '../spec/shape';
import {
  DEFAULT_CPU, DEFAULT_IMAGE, DEFAULT_MEMORY, DEFAULT_NAMESPACE, DEFAULT_POD_NETWORK_NAME, PodNetworkConfig,
  RunStrategy, WukongMetadata, WukongSpec,
} from '../spec/types';
import { METADATA_SHAPE, SPEC_SHAPE } from '../spec/wukong-schema';

/** Labels this project sets itself; a user label with one of these keys is overridden. */
export const RESERVED_LABELS = ['app.kubernetes.io/managed-by', 'vm.novasphere.dev/name', 'kubevirt.io/domain'];

/** The outcome of `resolveVm`: the resolved VM when the metadata and spec are valid, and every issue found. */
export interface ResolveResult {
  /** Undefined when there are errors. */
  readonly vm?: ResolvedVm;
  /** Every error and warning, in field order. */
  readonly issues: Issue[];
}

function checkMetadata(meta: WukongMetadata, issues: IssueCollector): void {
  for (const [field, value] of [['name', meta.name], ['namespace', meta.namespace]] as const) {
    if (value === undefined) continue;
    const problem = dns1123LabelProblem(value);
    if (problem) issues.error(field, `${show(value)} ${problem}`);
  }
  for (const [field, map] of [['labels', meta.labels], ['annotations', meta.annotations]] as const) {
    for (const [key, value] of Object.entries(map ?? {})) {
      const keyProblem = metadataKeyProblem(key);
      if (keyProblem) issues.error(`${field}.${key}`, `key ${show(key)} ${keyProblem}`);
      const valueProblem = field === 'labels' ? labelValueProblem(value) : undefined;
      if (valueProblem) issues.error(`${field}.${key}`, `${show(value)} ${valueProblem}`);
      if (field === 'labels' && RESERVED_LABELS.includes(key)) {
        issues.warn(`${field}.${key}`, `is set by Wukong itself; your value ${show(value)} is replaced`);
      }
      if (field === 'annotations' && RECORD_ANNOTATIONS.includes(key)) {
        issues.warn(`${field}.${key}`, `is Wukong's record of what it applied; your value ${show(value)} is ignored`);
      }
    }
  }
}

function checkMachine(spec: WukongSpec, issues: IssueCollector): void {
  if (spec.cpu !== undefined && !(Number.isInteger(spec.cpu) && spec.cpu >= 1 && spec.cpu <= 1024)) {
    issues.error('cpu', `${show(spec.cpu)} is out of range 1..1024 (whole cores)`);
  }
  if (spec.memory !== undefined) {
    const bytes = quantityToBytes(spec.memory);
    if (bytes === undefined) issues.error('memory', `${show(spec.memory)} is not a Kubernetes quantity like '4Gi'`);
    else if (bytes < 64 * 1024 ** 2) issues.error('memory', `${show(spec.memory)} is below 64Mi, too little to boot a guest`);
  }
  if (spec.image !== undefined && (spec.image.length === 0 || /\s/.test(spec.image))) {
    issues.error('image', `${show(spec.image)} is not a container image reference`);
  }
  // Found by the test bed: KubeVirt's VM admission refuses it without that gate
  // (pkg/virt-api/webhooks/validating-webhook/admitters/vms-admitter.go).
  if (spec.runStrategy === 'WaitAsReceiver') {
    issues.warn('runStrategy', '\'WaitAsReceiver\' (the receiving side of a decentralized live migration) is admitted by KubeVirt only with '
      + 'the DecentralizedLiveMigration feature gate enabled in the KubeVirt CR; without it the VM is rejected');
  }
}

/** Primary NIC and ranks, decided from all NICs at once. */
function placeNics(spec: WukongSpec, pod: PodNetworkConfig | undefined, issues: IssueCollector) {
  const nets = spec.networks ?? [];
  const podEnabled = pod?.enabled ?? true;
  const netsPath = 'networks';
  const explicit: string[] = [];
  if (podEnabled && pod?.primary) explicit.push('podNetwork');
  for (const [n, i] of present(nets)) if (n.primary) explicit.push(`${netsPath}[${i}]`);
  for (const extra of explicit.slice(1)) {
    issues.error(`${extra}.primary`, `only one NIC may be primary and ${explicit[0]} already is; remove one of the flags`);
  }
  let primary: string | undefined = explicit[0];
  if (!primary) {
    // A NIC being unplugged cannot carry the default route.
    const first = nets.findIndex(n => n && n.primary !== false && n.state !== 'absent');
    primary = first >= 0 ? `${netsPath}[${first}]` : podEnabled && pod?.primary !== false ? 'podNetwork' : undefined;
  }
  const entries = [
    // The pod network ranks after the secondary NICs unless it carries the default route.
    ...(podEnabled ? [{ path: 'podNetwork', priority: pod?.priority, index: -1, order: pod?.primary ? -1 : nets.length }] : []),
    ...present(nets).map(([n, i]) => ({ path: `${netsPath}[${i}]`, priority: n.priority, index: i, order: i })),
  ];
  // The primary NIC ranks first whatever its priority: guests whose renderer keeps DHCP default routes on every NIC
  // (cloud-init's sysconfig) pick the default route by metric, so the primary must have the lowest.
  const first = (e: { path: string }) => (e.path === primary ? 0 : 1);
  // A NIC being unplugged ranks last, so the others keep the metrics they have without it.
  const gone = (e: { index: number }) => (e.index >= 0 && nets[e.index]?.state === 'absent' ? 1 : 0);
  const ranked = [...entries].sort((a, b) => (gone(a) - gone(b)) || (first(a) - first(b))
    || ((a.priority ?? Infinity) - (b.priority ?? Infinity)) || a.order - b.order);
  const placement = new Map<string, NicPlacement>();
  ranked.forEach((e, rank) => placement.set(e.path, { index: e.index, primary: e.path === primary, rank, metric: 100 * (rank + 1) }));
  return placement;
}

function checkNames(spec: WukongSpec, podName: string | undefined, attach: BaseResolution | undefined, issues: IssueCollector): void {
  const seen = new Map<string, string>(attach?.names);
  if (podName !== undefined) seen.set(podName, attach ? attach.base.interfaces.length ? `the VM's pod network '${podName}'` : 'KubeVirt\'s default pod network' : 'podNetwork.name');
  for (const [n, i] of present(spec.networks)) {
    const path = `networks[${i}].name`;
    const other = seen.get(n.name);
    if (other) issues.error(path, `${show(n.name)} is already used by ${other}; NIC names must be unique within a VM`, other.includes(' ') ? [] : [other]);
    else seen.set(n.name, path);
  }
}

function resolvePodNic(pod: PodNetworkConfig | undefined, place: NicPlacement, ctx: VmContext, binding: Binding = 'masquerade'): ResolvedNic {
  const path = 'podNetwork';
  const name = pod?.name ?? DEFAULT_POD_NETWORK_NAME;
  const problem = dns1123LabelProblem(name);
  if (problem) ctx.issues.error(`${path}.name`, `${show(name)} ${problem}`);
  checkInt(pod?.priority, `${path}.priority`, 0, 1_000_000, ctx.issues);
  const ipCtx = { path, primary: place.primary, metric: place.metric, issues: ctx.issues };
  const ip = resolveIpConfig({ mode: 'dhcp' }, ipCtx);
  const { mac, macSource } = resolveMac(pod?.macAddress, `${path}.macAddress`, ctx.namespace, ctx.vmName, name, ctx.issues);
  return {
    index: -1,
    path,
    name,
    type: 'pod',
    binding,
    mac,
    macSource,
    primary: place.primary,
    rank: place.rank,
    metric: place.metric,
    ip,
    routes: resolveRoutes(pod?.routes, ip, ipCtx, `${path}.routes`),
    state: 'present',
    linkState: 'up',
  };
}

function checkDuplicateMacs(nics: ResolvedNic[], attach: BaseResolution | undefined, issues: IssueCollector): void {
  const seen = new Map<string, string>([...attach?.macs ?? []].map(([path, mac]) => [mac, path]));
  for (const nic of nics) {
    const other = seen.get(nic.mac);
    // Two NICs of one name derive one MAC; the duplicate name is already reported.
    if (other && nic.macSource === 'derived' && nics.some(n => n.path === other && n.name === nic.name)) continue;
    if (other) issues.error(`${nic.path}.macAddress`, `${show(nic.mac)} is already used by ${other}; every NIC needs its own MAC`, [other]);
    else seen.set(nic.mac, nic.path);
  }
}

/**
 * Subnets are cluster-scoped: two NICs of one VM may not create one Subnet name twice, nor overlap in one VPC. Only
 * NICs with a NAD of their own create their Subnet; one on a reused NAD gives it to check addresses against.
 */
function checkSubnets(nics: ResolvedNic[], issues: IssueCollector): void {
  const subnets = new Inventory();
  for (const nic of nics) {
    if (!nic.kubeOvn?.subnet || nic.nad?.owner !== 'vm') continue;
    for (const i of subnets.addSubnet(nic.kubeOvn.subnet, nic.path, `${nic.path}.subnet`)) issues.error(i.path, i.message);
  }
}

/** `memory` undefined (an instance type sets it) counts as the least, which leaves the fewest ports: the safe side. */
function warnPortBudget(interfaces: number, memory: string | undefined, issues: IssueCollector): void {
  const input = { interfaces, otherDevices: OTHER_PCI_DEVICES, guestMemoryBytes: quantityToBytes(memory ?? '0') ?? 0 };
  const old = hotplugPortBudget({ ...input, version: { major: 1, minor: 5 } });
  if (old > 0) return;
  const newest = hotplugPortBudget({ ...input, version: NEWEST_DOCUMENTED_KUBEVIRT });
  issues.warn('networks', `${interfaces} interfaces exceed KubeVirt's 4 reserved hot-plug slots: on KubeVirt 1.0-1.5 no NIC can be `
    + `hot-plugged into this VM without a restart (max(0, 4 - ${interfaces}) = 0); 1.6+ leaves ${newest} PCIe ports for hot-plugged NICs and disks`);
}

/**
 * Validates a VM description and applies every default. All errors and warnings of the spec are collected and returned
 * together; `vm` is set only when there is no error. Untyped input (YAML) is checked for types and unknown fields first.
 * Issue paths are relative to the spec (or, `scope: 'metadata'`, the metadata); `paths` adds a front end's prefixes.
 */
export function resolveVm(metadataInput: unknown, specInput: unknown, paths?: FieldPaths): ResolveResult {
  const metaIssues = new IssueCollector('', 'metadata');
  const meta = (checkShape(metadataInput ?? {}, METADATA_SHAPE, '', metaIssues) ?? {}) as WukongMetadata;
  checkMetadata(meta, metaIssues);
  const result = resolveSpec(meta, specInput);
  const issues = [...metaIssues.issues, ...result.issues];
  const out = paths ? withFieldPaths(issues, paths) : issues;
  return metaIssues.hasErrors || !result.vm ? { issues: out } : { issues: out, vm: result.vm };
}

function resolveSpec(meta: WukongMetadata, specInput: unknown): ResolveResult {
  const issues = new IssueCollector();
  const given = (checkShape(specInput ?? {}, SPEC_SHAPE, '', issues) ?? {}) as WukongSpec;
  // Attached to a VM defined elsewhere, the machine is that VM's; without one, Wukong's own fields describe it.
  const attach = given.virtualMachine !== undefined ? resolveBase(given, issues) : undefined;
  if (given.virtualMachine === undefined) checkMachine(given, issues);
  const spec = attach ? attachedSpec(given, attach, issues) : given;
  const vmName = meta.name ?? '';
  const namespace = meta.namespace ?? DEFAULT_NAMESPACE;
  // The VM's pod NIC keeps the default route it has unless an attached NIC asks for it.
  const pod = attach ? { ...attach.podNetwork, primary: !spec.networks?.some(n => n?.primary) } : spec.podNetwork;
  const podEnabled = pod?.enabled ?? true;
  checkNames(spec, podEnabled ? pod?.name ?? DEFAULT_POD_NETWORK_NAME : undefined, attach, issues);
  const placement = placeNics(spec, pod, issues);
  const ctx: VmContext = { vmName, namespace, issues, networksPath: 'networks' };
  const nics: ResolvedNic[] = [];
  if (podEnabled) nics.push(resolvePodNic(pod, placement.get('podNetwork')!, ctx, attach?.podBinding));
  for (const [n, i] of present(spec.networks)) nics.push(resolveNic(n, placement.get(`${ctx.networksPath}[${i}]`)!, ctx));
  checkDuplicateMacs(nics, attach, issues);
  checkSubnets(nics, issues);
  const machine = resolveMachine(spec, vmName, issues);
  // An instance type sizes the VM itself; without one, Wukong's defaults do.
  const sized = !spec.instancetype && !attach;
  const memory = sized ? canonicalQuantity(spec.memory ?? DEFAULT_MEMORY) ?? DEFAULT_MEMORY : undefined;
  warnPortBudget(nics.length + (attach?.ownInterfaces ?? 0), memory, issues);
  if (issues.hasErrors) return { issues: issues.issues };
  return {
    issues: issues.issues,
    vm: {
      name: vmName,
      namespace,
      labels: { ...meta.labels },
      annotations: { ...meta.annotations },
      ...(sized ? { cpu: spec.cpu ?? DEFAULT_CPU, memory } : {}),
      ...(!attach && (spec.image !== undefined || !machine.disks.length) ? { image: spec.image ?? DEFAULT_IMAGE } : {}),
      machine,
      runStrategy: (attach?.runStrategy ?? spec.runStrategy ?? 'Always') as RunStrategy,
      userData: attach?.userData ?? spec.userData ?? DEFAULT_USER_DATA,
      networkDataDelivery: spec.networkDataDelivery ?? 'secret',
      onMissingMultus: spec.onMissingMultus ?? 'fail',
      nics,
      ...(attach ? { base: attach.base } : {}),
    },
  };
}

/**
 * The spec as resolved on a VM with network data of its own: that data keeps the default route, so an attached NIC
 * is never primary by default, and may not be made so.
 */
function attachedSpec(spec: WukongSpec, attach: BaseResolution, issues: IssueCollector): WukongSpec {
  if (!attach.base.networkData) return spec;
  for (const [n, i] of present(spec.networks)) {
    if (n.primary) {
      issues.error(`networks[${i}].primary`, 'is set, but the VM\'s own network data decides its default route; remove primary here, or move the '
        + 'default route to this NIC in that network data');
    }
  }
  return { ...spec, networks: spec.networks?.map(n => n && { primary: false, ...n }) };
}
