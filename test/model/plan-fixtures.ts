import {
  KubeVirtVersion, LiveObjects, Plan, PlanEntry, PlanInput, PlanSubject, ResolvedVm, SecretManifest, renderResolvedVm, resolveVm,
} from '../../src/model';

/** A JSON object as the Kubernetes API returns it. */
export type Json = Record<string, any>;

export const META = { name: 'web', namespace: 'ns' };

export function v(minor: number, major = 1): KubeVirtVersion {
  return { major, minor };
}

export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Resolves a spec that must be valid (warnings are fine) for VM `ns/web`. */
export function vmOf(wukongSpec: unknown, meta: unknown = META): ResolvedVm {
  const result = resolveVm(meta, wukongSpec);
  if (!result.vm) throw new Error(`invalid spec: ${JSON.stringify(result.issues)}`);
  return result.vm;
}

/** The primary NIC of most tests: bridge, VLAN 10, static IP. */
export const DATA = { name: 'data', vlanId: 10, ipConfig: { address: '192.168.10.5/24', gateway: '192.168.10.1' } };
/** A second, removable bridge NIC. */
export const STOR = { name: 'stor', vlanId: 20, ipConfig: { address: '10.0.20.5/24' } };
export const MGMT = { name: 'mgmt', vlanId: 30 };
export const OVS = { name: 'ovs1', type: 'ovs', vlanId: 40 };
export const OVN = { name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.0/24' } };
export const VF = { name: 'vf1', type: 'sriov', resourceName: 'intel.com/sriov_netdevice' };
export const MACVLAN = { name: 'mv', type: 'macvlan' };

/** A NIC reusing the existing NAD `nadName`. */
export function ext(nadName: string): Json {
  return { name: 'ext', nadName };
}

/** A spec with the NICs DATA and STOR followed by `extra`; `fields` are merged in. */
export function spec(extra: unknown[] = [], fields: Json = {}): Json {
  return { networks: [DATA, STOR, ...extra], ...fields };
}

/** The VirtualMachine as the cluster returns it after `vm` was applied (resourceVersion '1'); `edit` changes the copy. */
export function liveVmOf(vm: ResolvedVm, edit?: (json: Json) => void): Json {
  const json = clone(renderResolvedVm(vm).virtualMachine) as Json;
  json.metadata.resourceVersion = '1';
  edit?.(json);
  return json;
}

export function interfacesOf(json: Json): Json[] {
  return json.spec.template.spec.domain.devices.interfaces ?? [];
}

export function networksOf(json: Json): Json[] {
  return json.spec.template.spec.networks;
}

/** Sets `state: absent` on the live VM's interface `name`. */
export function markAbsent(name: string): (json: Json) => void {
  return json => {
    const iface = interfacesOf(json).find(i => i.name === name);
    if (!iface) throw new Error(`no interface ${name}`);
    iface.state = 'absent';
  };
}

export interface VmiOptions {
  readonly phase?: string;
  /** `status.interfaces`; defaults to every name attached (`domain, multus-status`). */
  readonly status?: Json[];
  readonly conditions?: Json[];
  /** `state` per interface name in the VMI spec. */
  readonly states?: Record<string, string>;
}

/** A VirtualMachineInstance listing `names` in its spec. */
export function vmiOf(names: string[], opts: VmiOptions = {}): Json {
  return {
    kind: 'VirtualMachineInstance',
    spec: { domain: { devices: { interfaces: names.map(name => ({ name, ...(opts.states?.[name] ? { state: opts.states[name] } : {}) })) } } },
    status: {
      phase: opts.phase ?? 'Running',
      interfaces: opts.status ?? names.map(name => ({ name, infoSource: 'domain, multus-status' })),
      conditions: opts.conditions ?? [],
    },
  };
}

/** A Secret as the API returns it: base64 `data`, no `stringData`. */
export function liveSecretOf(secret: SecretManifest): Json {
  const { stringData, ...rest } = clone(secret);
  const data = Object.fromEntries(Object.entries(stringData).map(([k, x]) => [k, Buffer.from(x, 'utf8').toString('base64')]));
  return { ...rest, metadata: { ...rest.metadata, resourceVersion: '1' }, data };
}

export interface LiveOptions {
  /** Default true: a VMI listing every NIC of `vm` runs. */
  readonly running?: boolean;
  readonly editVm?: (json: Json) => void;
  /** Replaces the VMI. */
  readonly vmi?: Json | null;
}

/** Everything in the cluster after `vm` was applied. */
export function liveOf(vm: ResolvedVm, opts: LiveOptions = {}): LiveObjects {
  const rendered = renderResolvedVm(vm);
  const running = opts.running ?? true;
  const vmJson = liveVmOf(vm, opts.editVm);
  const vmi = opts.vmi !== undefined ? opts.vmi : running ? vmiOf(interfacesOf(vmJson).map(i => i.name)) : null;
  return {
    vm: vmJson,
    vmi,
    nads: clone(rendered.nads),
    subnets: clone(rendered.subnets),
    secret: rendered.secret ? liveSecretOf(rendered.secret) : null,
  };
}

export interface ScenarioOptions extends LiveOptions {
  /** KubeVirt minor version of v1; default 9. */
  readonly minor?: number;
  readonly allowRestart?: boolean;
  readonly manageOwnedObjects?: boolean;
  readonly multusInstalled?: boolean;
  /** Leave out the last applied spec. */
  readonly noApplied?: boolean;
  readonly vmRolloutStrategy?: 'LiveUpdate' | 'Stage';
}

/** Plan input: `before` was applied and is live, `after` is desired. */
export function scenario(before: unknown, after: unknown, opts: ScenarioOptions = {}): PlanInput {
  const applied = vmOf(before);
  return {
    desired: vmOf(after),
    applied: opts.noApplied ? undefined : applied,
    live: liveOf(applied, opts),
    kubevirtVersion: v(opts.minor ?? 9),
    allowRestart: opts.allowRestart,
    manageOwnedObjects: opts.manageOwnedObjects,
    multusInstalled: opts.multusInstalled,
    vmRolloutStrategy: opts.vmRolloutStrategy,
  };
}

/** `subject name action` of every entry, in order. */
export function rows(plan: Plan): string[] {
  return plan.entries.map(e => `${e.subject} ${e.name} ${e.action}`);
}

/** The single entry for `name`; fails when there is none or more than one. */
export function entryOf(plan: Plan, name: string, subject: PlanSubject = 'nic'): PlanEntry {
  const found = plan.entries.filter(e => e.subject === subject && e.name === name);
  if (found.length !== 1) throw new Error(`${found.length} entries for ${subject} ${name}: ${rows(plan).join('; ')}`);
  return found[0];
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A small RFC 6902 applier (add, remove, replace, test) for the ops vmPatch produces; throws when a test fails. */
export function applyJsonPatch(doc: Json, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): Json {
  const out = clone(doc);
  for (const o of ops) {
    const tokens = o.path.split('/').slice(1).map(unescape);
    const last = tokens.pop()!;
    let parent: any = out;
    for (const t of tokens) {
      parent = Array.isArray(parent) ? parent[Number(t)] : parent?.[t];
      if (parent === undefined) throw new Error(`${o.op} ${o.path}: no parent`);
    }
    const value = o.value === undefined ? undefined : clone(o.value);
    if (o.op === 'test') {
      const have = Array.isArray(parent) ? parent[Number(last)] : parent[last];
      if (JSON.stringify(have) !== JSON.stringify(value)) throw new Error(`test ${o.path}: ${JSON.stringify(have)} is not ${JSON.stringify(value)}`);
    } else if (o.op === 'add') {
      if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
      else parent[last] = value;
    } else if (o.op === 'replace' || o.op === 'remove') {
      const exists = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
      if (!exists) throw new Error(`${o.op} ${o.path}: missing`);
      if (Array.isArray(parent)) parent.splice(Number(last), 1, ...(o.op === 'replace' ? [value] : []));
      else if (o.op === 'replace') parent[last] = value;
      else delete parent[last];
    } else {
      throw new Error(`unsupported op ${o.op}`);
    }
  }
  return out;
}
