/**
 * What the planner reads from the cluster: the live VirtualMachine (its template's interfaces and networks) and the
 * VirtualMachineInstance (what is actually plugged), parsed from plain JSON.
 */
import { DEFAULT_NAMESPACE } from '../spec/types';

/** One interface of the live VM template, with its network and their positions (for index-guarded JSON patches). */
export interface LiveNic {
  readonly name: string;
  readonly iface: Record<string, unknown>;
  readonly network?: Record<string, unknown>;
  readonly ifaceIndex: number;
  readonly networkIndex: number;
  /** `state: absent` is set: KubeVirt is unplugging it (or will, once the VM runs). */
  readonly absent: boolean;
}

/** The parts of a live KubeVirt VirtualMachine the planner reads: metadata, run strategy, template NICs and conditions. */
export interface LiveVm {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly runStrategy?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly templateLabels: Record<string, string>;
  readonly templateAnnotations: Record<string, string>;
  readonly nics: LiveNic[];
  readonly conditions: Array<{ type: string; status: string; message?: string }>;
  readonly raw: Record<string, any>;
}

/** One entry of the VMI's `status.interfaces` (kubevirt-hotplug.md §8). */
export interface LiveVmiInterface {
  readonly name?: string;
  readonly mac?: string;
  readonly ipAddresses: string[];
  readonly interfaceName?: string;
  readonly infoSource: string[];
  readonly linkState?: string;
  readonly podInterfaceName?: string;
}

/** The parts of a live KubeVirt VirtualMachineInstance the planner reads: phase, interfaces in spec and status, conditions. */
export interface LiveVmi {
  readonly uid?: string;
  readonly phase?: string;
  readonly running: boolean;
  readonly specInterfaces: Array<{ name: string; state?: string }>;
  /** `spec.domain.memory.guest`: with an instance type, the only place the guest's memory is written. */
  readonly guestMemory?: string;
  /**
   * `spec.domain.cpu.maxSockets`: how many sockets the running guest can grow to, set when it starts under LiveUpdate
   * (pkg/defaults/defaults.go, setupCPUHotplug).
   */
  readonly maxSockets?: number;
  readonly interfaces: LiveVmiInterface[];
  readonly conditions: Array<{ type: string; status: string; message?: string }>;
}

function obj(v: unknown): Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, any> : {};
}

function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(obj(v)).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

/** Parses a VirtualMachine object; undefined when `raw` is not one. */
export function parseLiveVm(raw: unknown): LiveVm | undefined {
  const vm = obj(raw);
  if (vm.kind !== 'VirtualMachine') return undefined;
  const spec = obj(obj(obj(vm.spec).template).spec);
  const ifaces = list(obj(obj(spec.domain).devices).interfaces);
  const networks = list(spec.networks);
  const nics = ifaces.map((iface, ifaceIndex) => {
    const networkIndex = networks.findIndex(n => obj(n).name === obj(iface).name);
    return {
      name: String(obj(iface).name),
      iface: obj(iface),
      network: networkIndex >= 0 ? obj(networks[networkIndex]) : undefined,
      ifaceIndex,
      networkIndex,
      absent: obj(iface).state === 'absent',
    };
  });
  const meta = obj(vm.metadata);
  const tmeta = obj(obj(obj(vm.spec).template).metadata);
  return {
    name: String(meta.name ?? ''),
    namespace: String(meta.namespace ?? DEFAULT_NAMESPACE),
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: meta.generation,
    // The deprecated `running` of a VM made elsewhere reads as the strategy KubeVirt takes it for.
    runStrategy: obj(vm.spec).runStrategy ?? (typeof obj(vm.spec).running === 'boolean' ? (obj(vm.spec).running ? 'Always' : 'Halted') : undefined),
    labels: strings(meta.labels),
    annotations: strings(meta.annotations),
    templateLabels: strings(tmeta.labels),
    templateAnnotations: strings(tmeta.annotations),
    nics,
    conditions: list(obj(vm.status).conditions).map(c => ({ type: String(obj(c).type), status: String(obj(c).status), message: obj(c).message })),
    raw: vm,
  };
}

/** Parses a VirtualMachineInstance object; undefined when `raw` is not one. */
export function parseLiveVmi(raw: unknown): LiveVmi | undefined {
  const vmi = obj(raw);
  if (vmi.kind !== 'VirtualMachineInstance') return undefined;
  const status = obj(vmi.status);
  const phase = typeof status.phase === 'string' ? status.phase : undefined;
  return {
    uid: typeof obj(vmi.metadata).uid === 'string' ? obj(vmi.metadata).uid : undefined,
    phase,
    running: phase === 'Running' || phase === 'Scheduled' || phase === 'Scheduling' || phase === 'Pending',
    specInterfaces: list(obj(obj(obj(vmi.spec).domain).devices).interfaces).map(i => ({ name: String(obj(i).name), state: obj(i).state })),
    guestMemory: typeof obj(obj(obj(vmi.spec).domain).memory).guest === 'string' ? obj(obj(obj(vmi.spec).domain).memory).guest : undefined,
    maxSockets: typeof obj(obj(obj(vmi.spec).domain).cpu).maxSockets === 'number' ? obj(obj(obj(vmi.spec).domain).cpu).maxSockets : undefined,
    interfaces: list(status.interfaces).map(i => {
      const o = obj(i);
      return {
        name: o.name,
        mac: o.mac,
        ipAddresses: list(o.ipAddresses).filter(x => typeof x === 'string'),
        interfaceName: o.interfaceName,
        infoSource: typeof o.infoSource === 'string' ? o.infoSource.split(',').map((s: string) => s.trim()).filter(Boolean) : [],
        linkState: o.linkState,
        podInterfaceName: o.podInterfaceName,
      };
    }),
    conditions: list(status.conditions).map(c => ({ type: String(obj(c).type), status: String(obj(c).status), message: obj(c).message })),
  };
}

/** True when the VMI's domain has the interface plugged (`infoSource` contains `domain`, §8). */
export function isPlugged(vmi: LiveVmi, name: string): boolean {
  return vmi.interfaces.some(i => i.name === name && i.infoSource.includes('domain'));
}

/** True when the VMI still lists the interface in its spec or status (an unplug is not finished, §3, §8). */
export function isListed(vmi: LiveVmi, name: string): boolean {
  return vmi.specInterfaces.some(i => i.name === name) || vmi.interfaces.some(i => i.name === name);
}

/** The interface count the running VMI started with, when `recorded` (`<vmi uid>:<count>`) is for this very VMI. */
export function startedInterfaces(recorded: string | undefined, vmi: LiveVmi | undefined): number | undefined {
  const m = recorded ? /^(.+):(\d+)$/.exec(recorded) : null;
  return m && vmi?.uid && m[1] === vmi.uid ? Number(m[2]) : undefined;
}

/** True when `conditions` has a condition of `type` with status `True` (e.g. KubeVirt's `RestartRequired`). */
export function hasCondition(conditions: Array<{ type: string; status: string }>, type: string): boolean {
  return conditions.some(c => c.type === type && c.status === 'True');
}
