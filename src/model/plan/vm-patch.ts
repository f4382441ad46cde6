/**
 * The JSON patch that applies a plan to a live VirtualMachine: one patch per update, guarded by a `test` on
 * `metadata.resourceVersion`, touching only the entries the plan names (each index-based op guarded by a `test` of
 * that entry's name), never a whole list: fields and interfaces written by others survive.
 */
import { LiveVm } from './live';
import { changeKey, machineChanges, machineOps, pointerKey } from './machine-diff';
import { Plan } from './plan-types';
import { RenderedVm } from '../render/render';
import { KvInterface, KvNetwork, KvVirtualMachine, cloudInitVolumeName } from '../render/vm-spec';
import { APPLIED_ANNOTATION, LAST_APPLIED_ANNOTATION, RECORD_ANNOTATIONS, STARTED_INTERFACES_ANNOTATION } from '../spec/last-applied';

/**
 * One operation of a JSON patch (RFC 6902), the subset Wukong writes; `test` guards a patch against concurrent changes.
 * @see https://datatracker.ietf.org/doc/html/rfc6902
 */
export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'test';
  readonly path: string;
  readonly value?: unknown;
}

const IFACES = '/spec/template/spec/domain/devices/interfaces';
const NETS = '/spec/template/spec/networks';


/** Ops that make the map at `path` hold `want` for `keys`, leaving every other key as it is. */
function mapOps(path: string, have: Record<string, string>, exists: boolean, want: Record<string, string>, keys: Iterable<string>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const key of new Set(keys)) {
    const target = `${path}/${pointerKey(key)}`;
    if (want[key] === undefined) {
      if (have[key] !== undefined) ops.push({ op: 'remove', path: target });
    } else if (have[key] !== want[key]) {
      ops.push({ op: 'add', path: target, value: want[key] });
    }
  }
  if (!exists && ops.some(o => o.op === 'add')) return [{ op: 'add', path, value: {} }, ...ops.filter(o => o.op === 'add')];
  return exists ? ops : [];
}

/** Keys of a map this project manages: what it wants now, and what it wrote last time. */
function managedKeys(want: Record<string, string> | undefined, lastApplied: Record<string, string> | undefined): string[] {
  return [...Object.keys(want ?? {}), ...Object.keys(lastApplied ?? {})];
}

/** What `vmPatch` builds the VM's JSON patch from: the plan, the live VM, the desired and last applied renderings. */
export interface PatchInput {
  readonly plan: Plan;
  readonly live: LiveVm;
  readonly desired: RenderedVm;
  /** Labels, annotations and template annotations written at the last apply (to remove those no longer wanted). */
  readonly lastApplied?: RenderedVm;
  /** The digest of the record entry this apply wrote (recordDigest), for the VM's `vm.novasphere.dev/applied`. */
  readonly appliedDigest: string;
}

/** The JSON patch for `input.plan`, or an empty list when there is nothing to write. */
export function vmPatch(input: PatchInput): JsonPatchOp[] {
  const { plan, live, desired } = input;
  const ops: JsonPatchOp[] = [];
  const want = desired.virtualMachine;
  const wantIfaces = new Map<string, KvInterface>((want.spec.template.spec.domain.devices.interfaces ?? []).map(i => [i.name, i]));
  const wantNets = new Map<string, KvNetwork>((want.spec.template.spec.networks ?? []).map(n => [n.name, n]));
  // A VM without NICs is stored without the lists: the first append creates them.
  const tspec = live.raw.spec?.template?.spec;
  const lists = new Map([[IFACES, Array.isArray(tspec?.domain?.devices?.interfaces)], [NETS, Array.isArray(tspec?.networks)]]);
  const append = (path: string, value: unknown) => {
    ops.push(lists.get(path) ? { op: 'add', path: `${path}/-`, value } : { op: 'add', path, value: [value] });
    lists.set(path, true);
  };
  const removals: Array<{ index: number; path: string; name: string }> = [];
  for (const e of plan.entries) {
    if (e.subject !== 'nic' || !e.applies) continue;
    const cur = live.nics.find(n => n.name === e.name);
    const iface = wantIfaces.get(e.name);
    const net = wantNets.get(e.name);
    if (!cur && iface && net && ['hotplug', 'hotplug-via-migration', 'restart-required'].includes(e.action)) {
      append(IFACES, iface);
      append(NETS, net);
    } else if (cur && e.action === 'unplug' && plan.running) {
      ops.push({ op: 'test', path: `${IFACES}/${cur.ifaceIndex}/name`, value: cur.name }, { op: 'add', path: `${IFACES}/${cur.ifaceIndex}/state`, value: 'absent' });
    } else if (cur && (e.action === 'unplug' || (e.action === 'restart-required' && !iface))) {
      removals.push({ index: cur.ifaceIndex, path: IFACES, name: cur.name });
      if (cur.networkIndex >= 0) removals.push({ index: cur.networkIndex, path: NETS, name: cur.name });
    } else if (cur && iface && net && ['restart-required', 'hotplug-via-migration', 'vm-update', 'link-change'].includes(e.action)) {
      ops.push({ op: 'test', path: `${IFACES}/${cur.ifaceIndex}/name`, value: cur.name }, { op: 'replace', path: `${IFACES}/${cur.ifaceIndex}`, value: iface });
      if (cur.networkIndex >= 0) {
        ops.push({ op: 'test', path: `${NETS}/${cur.networkIndex}/name`, value: cur.name }, { op: 'replace', path: `${NETS}/${cur.networkIndex}`, value: net });
      }
    }
  }
  // Remove from the end so earlier indices stay valid.
  for (const r of removals.sort((a, b) => (a.path === b.path ? b.index - a.index : a.path.localeCompare(b.path)))) {
    ops.push({ op: 'test', path: `${r.path}/${r.index}/name`, value: r.name }, { op: 'remove', path: `${r.path}/${r.index}` });
  }
  ops.push(...vmFieldOps(input));
  // The record pointer only rides along with a real change: it is what makes the change's record entry the applied one.
  if (ops.length === 0) return [];
  const annotationsCreated = ops.some(o => o.op === 'add' && o.path === '/metadata/annotations');
  return [{ op: 'test', path: '/metadata/resourceVersion', value: live.resourceVersion }, ...ops, ...recordOps(input, annotationsCreated)];
}

/** Points the VM at this apply's record entry, and moves an earlier release's annotations off it. */
function recordOps(input: PatchInput, annotationsCreated: boolean): JsonPatchOp[] {
  const have = input.live.annotations;
  if (input.live.raw.metadata?.annotations === undefined && !annotationsCreated) {
    return [{ op: 'add', path: '/metadata/annotations', value: { [APPLIED_ANNOTATION]: input.appliedDigest } }];
  }
  const legacy = [LAST_APPLIED_ANNOTATION, STARTED_INTERFACES_ANNOTATION].filter(k => have[k] !== undefined);
  return [
    ...(have[APPLIED_ANNOTATION] === input.appliedDigest ? [] : [{ op: 'add' as const, path: `/metadata/annotations/${pointerKey(APPLIED_ANNOTATION)}`, value: input.appliedDigest }]),
    ...legacy.map(k => ({ op: 'remove' as const, path: `/metadata/annotations/${pointerKey(k)}` })),
  ];
}

/**
 * The cloud-init volume as wanted: replaced, guarded by its name, or added with its disk (a VM Wukong attaches NICs
 * to may have had none).
 */
function cloudInitOps(live: any, want: KvVirtualMachine): JsonPatchOp[] {
  const name = cloudInitVolumeName(want)!;
  const volume = want.spec.template.spec.volumes.find(v => v.name === name)!;
  const volumes = (live.spec?.template?.spec?.volumes ?? undefined) as Array<{ name: string }> | undefined;
  const i = volumes?.findIndex(x => x.name === name) ?? -1;
  if (i >= 0) return [{ op: 'test', path: `/spec/template/spec/volumes/${i}/name`, value: name }, { op: 'replace', path: `/spec/template/spec/volumes/${i}`, value: volume }];
  const disk = want.spec.template.spec.domain.devices.disks.find(d => d.name === name)!;
  const disks = live.spec?.template?.spec?.domain?.devices?.disks as unknown[] | undefined;
  return [
    volumes ? { op: 'add', path: '/spec/template/spec/volumes/-', value: volume } : { op: 'add', path: '/spec/template/spec/volumes', value: [volume] },
    disks ? { op: 'add', path: '/spec/template/spec/domain/devices/disks/-', value: disk } : { op: 'add', path: '/spec/template/spec/domain/devices/disks', value: [disk] },
  ];
}

function vmFieldOps(input: PatchInput): JsonPatchOp[] {
  const { plan, live, desired, lastApplied } = input;
  const want = desired.virtualMachine;
  const ops: JsonPatchOp[] = [];
  const vmEntries = plan.entries.filter(e => e.subject === 'VirtualMachine' && e.applies);
  if (vmEntries.some(e => e.action === 'vm-update')) {
    if (live.runStrategy !== want.spec.runStrategy) {
      // KubeVirt rejects `running` beside `runStrategy`: a VM that has it (one made elsewhere) trades it for the strategy.
      if (live.raw.spec?.running !== undefined) ops.push({ op: 'remove', path: '/spec/running' }, { op: 'add', path: '/spec/runStrategy', value: want.spec.runStrategy });
      else ops.push({ op: 'replace', path: '/spec/runStrategy', value: want.spec.runStrategy });
    }
    ops.push(...mapOps('/metadata/labels', live.labels, live.raw.metadata?.labels !== undefined, want.metadata.labels ?? {},
      managedKeys(want.metadata.labels, lastApplied?.virtualMachine.metadata.labels)));
    const annotations = { ...want.metadata.annotations };
    ops.push(...mapOps('/metadata/annotations', live.annotations, live.raw.metadata?.annotations !== undefined, annotations,
      managedKeys(annotations, lastApplied?.virtualMachine.metadata.annotations).filter(k => !RECORD_ANNOTATIONS.includes(k))));
  }
  // The machine fields the applying entries name: live ones (vm-update), and restart ones when allowed or the VM is stopped.
  const fields = new Set(vmEntries.flatMap(e => e.fields ?? []));
  if (fields.size) {
    const changes = machineChanges(live.raw, want, lastApplied?.virtualMachine).filter(c => fields.has(changeKey(c)));
    ops.push(...machineOps(live.raw, changes, lastApplied?.virtualMachine));
  }
  // On a stopped VM the same template edits are a vm-update: there is no running instance to restart.
  if (vmEntries.some(e => e.action === 'restart-required' || (e.action === 'vm-update' && !plan.running))) {
    ops.push(...cloudInitOps(live.raw, want));
  }
  // Template labels and Kube-OVN annotations follow the NICs and fields applied above.
  const templateExists = live.raw.spec?.template?.metadata !== undefined;
  const tmeta = want.spec.template.metadata;
  const touchesTemplate = ops.length > 0 || plan.entries.some(e => e.subject === 'nic' && e.applies && e.action !== 'unchanged');
  if (touchesTemplate && templateExists) {
    ops.push(...mapOps('/spec/template/metadata/labels', live.templateLabels, live.raw.spec.template.metadata.labels !== undefined, tmeta.labels,
      managedKeys(tmeta.labels, lastApplied?.virtualMachine.spec.template.metadata.labels)));
    const ovnKeys = (a: Record<string, string> | undefined) => Object.keys(a ?? {}).filter(k => k.includes('.kubernetes.io/ip_address') || k.includes('.kubernetes.io/mac_address'));
    const keys = [...ovnKeys(tmeta.annotations), ...ovnKeys(lastApplied?.virtualMachine.spec.template.metadata.annotations)];
    ops.push(...mapOps('/spec/template/metadata/annotations', live.templateAnnotations, live.raw.spec.template.metadata.annotations !== undefined,
      tmeta.annotations ?? {}, keys));
  }
  return ops;
}

