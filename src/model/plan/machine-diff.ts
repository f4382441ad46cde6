/**
 * The machine part of a VirtualMachine (size, instance type, disks, scheduling) as one list of places in the object:
 * the planner compares them to say what changes, and the VM patch writes exactly those places. Three-way, like
 * `kubectl apply`: a field Wukong does not want is removed only when Wukong wrote it last time, and a value counts as
 * unchanged when the live one holds everything wanted (KubeVirt's mutator and controllers add fields of their own,
 * such as an instance type's `revisionName`).
 */
import { quantityToBytes } from './hotplug-budget';
import type { JsonPatchOp } from './vm-patch';
import { KvVirtualMachine, cloudInitVolumeName } from '../render/vm-spec';
import { CLOUD_INIT_DISK } from '../resolve/resolve-machine';
import { isJsonObject, stableStringify } from '../spec/stable-json';

/** One field of the machine, by its JSON pointer (RFC 6901) in a VirtualMachine. */
interface MachineField {
  readonly label: string;
  readonly pointer: string;
}

const FIELDS: readonly MachineField[] = [
  { label: 'cpu', pointer: '/spec/template/spec/domain/cpu' },
  { label: 'memory', pointer: '/spec/template/spec/domain/memory' },
  { label: 'resources', pointer: '/spec/template/spec/domain/resources' },
  { label: 'instancetype', pointer: '/spec/instancetype' },
  { label: 'preference', pointer: '/spec/preference' },
  { label: 'nodeSelector', pointer: '/spec/template/spec/nodeSelector' },
  { label: 'affinity', pointer: '/spec/template/spec/affinity' },
  { label: 'tolerations', pointer: '/spec/template/spec/tolerations' },
  { label: 'evictionStrategy', pointer: '/spec/template/spec/evictionStrategy' },
  { label: 'terminationGracePeriodSeconds', pointer: '/spec/template/spec/terminationGracePeriodSeconds' },
];

/** Lists whose entries are matched by the name at `nameAt`; the cloud-init disk and volume follow the network data. */
const LISTS: ReadonlyArray<MachineField & { readonly nameAt: string }> = [
  { label: 'disk', pointer: '/spec/template/spec/domain/devices/disks', nameAt: '/name' },
  { label: 'volume', pointer: '/spec/template/spec/volumes', nameAt: '/name' },
  { label: 'dataVolumeTemplate', pointer: '/spec/dataVolumeTemplates', nameAt: '/metadata/name' },
];

/** Wukong's own cloud-init disk and volume. */
const WUKONG_CLOUD_INIT: ReadonlySet<string | undefined> = new Set([CLOUD_INIT_DISK]);

/** The name of a list entry, or undefined for the cloud-init disk and volume (`cloudInit`), which the machine does not cover. */
function keyOf(entry: unknown, nameAt: string, cloudInit = WUKONG_CLOUD_INIT): string | undefined {
  const name = at(entry, nameAt);
  return typeof name === 'string' && !cloudInit.has(name) ? name : undefined;
}

/** A change of the machine: a field set or removed, or a list entry added, replaced or removed. */
export type MachineChange =
  | { readonly kind: 'field'; readonly label: string; readonly pointer: string; readonly value?: unknown; readonly from?: unknown }
  | { readonly kind: 'entry'; readonly label: string; readonly pointer: string; readonly name: string; readonly value?: unknown; readonly from?: unknown };

function at(obj: unknown, pointer: string): unknown {
  let cur: any = obj;
  for (const key of pointer.split('/').slice(1)) cur = cur?.[key];
  return cur;
}

/** True when `have` holds everything `want` has (objects by key, lists entry by entry and of the same length). */
export function covers(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(have[i], w));
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => v === undefined || covers((have as Record<string, unknown>)[k], v));
  }
  return stableStringify(have) === stableStringify(want);
}

/**
 * What must change for `live` (a VirtualMachine) to have the machine of `want`; `applied` is the VirtualMachine Wukong
 * rendered last time, whose fields it may remove. Without it, nothing is removed: it may be someone else's.
 */
export function machineChanges(live: unknown, want: unknown, applied?: unknown): MachineChange[] {
  const out: MachineChange[] = [];
  // A VM Wukong attaches NICs to names its cloud-init volume itself.
  const cloudInit = new Set([CLOUD_INIT_DISK, ...[want, applied].map(vm => cloudInitVolumeName(vm as KvVirtualMachine | undefined))]);
  for (const { label, pointer } of FIELDS) {
    const have = at(live, pointer);
    const value = at(want, pointer);
    if (value !== undefined) {
      if (!covers(have, value)) out.push({ kind: 'field', label, pointer, value, from: have });
    } else if (have !== undefined && at(applied, pointer) !== undefined) {
      out.push({ kind: 'field', label, pointer, from: have });
    }
  }
  for (const { label, pointer, nameAt } of LISTS) {
    const entries = (list: unknown) => new Map((Array.isArray(list) ? list : []).flatMap(e => {
      const name = keyOf(e, nameAt, cloudInit);
      return name === undefined ? [] : [[name, e] as const];
    }));
    const have = entries(at(live, pointer));
    const wanted = entries(at(want, pointer));
    for (const [name, value] of wanted) {
      if (!covers(have.get(name), value)) out.push({ kind: 'entry', label, pointer, name, value, from: have.get(name) });
    }
    for (const name of entries(at(applied, pointer)).keys()) {
      if (!wanted.has(name) && have.has(name)) out.push({ kind: 'entry', label, pointer, name, from: have.get(name) });
    }
  }
  return out;
}

/** The key a plan entry names a change by: the field's label, or `label/name` for a list entry. */
export function changeKey(c: MachineChange): string {
  return c.kind === 'field' ? c.label : `${c.label}/${c.name}`;
}

/** Fields KubeVirt copies to a running VMI under the LiveUpdate rollout strategy (pkg/virt-controller/watch/vm/vm.go, syncRestartRequired). */
const SCHEDULING = ['nodeSelector', 'affinity', 'tolerations'];
/** KubeVirt's default maxHotplugRatio: memory may grow live up to this multiple (pkg/defaults/defaults.go, setupMemoryHotplug). */
const MAX_HOTPLUG_RATIO = 4;

/** What the running VMI allows beyond the change itself. */
export interface LiveLimits {
  /** The VMI's `spec.domain.cpu.maxSockets`. */
  readonly maxSockets?: number;
}

/**
 * Why a change reaches a running VM without a restart, or undefined when it needs one. Under LiveUpdate KubeVirt
 * updates the VMI's scheduling constraints, hot-plugs memory upward (x86_64, from 1Gi, 2Mi-aligned, up to 4× what it
 * has: pkg/liveupdate/memory/memory.go) by a live migration, and hot-plugs CPU sockets upward to the VMI's maxSockets
 * when nothing else of the CPU changes (pkg/virt-controller/watch/vm/vm.go, handleCPUChangeRequest). Wukong's own `cpu`
 * sets cores, which never hot-plug, and disks are not hot-pluggable volumes, so both need a restart.
 */
export function liveReason(c: MachineChange, limits: LiveLimits = {}): string | undefined {
  if (c.kind === 'field' && SCHEDULING.includes(c.label)) return 'KubeVirt updates the running VMI; it applies at its next scheduling (a migration)';
  if (c.kind === 'field' && c.label === 'cpu' && socketsOnly(c.from, c.value, limits.maxSockets)) {
    return `CPU hot-plug: KubeVirt adds the sockets to the running guest (up to its ${limits.maxSockets})`;
  }
  if (c.kind === 'field' && c.label === 'memory') {
    const from = quantityToBytes(String((c.from as any)?.guest ?? ''));
    const to = quantityToBytes(String((c.value as any)?.guest ?? ''));
    const mib2 = 2 * 1024 ** 2;
    if (from && to && to > from && from >= 1024 ** 3 && to % mib2 === 0 && to <= MAX_HOTPLUG_RATIO * from) {
      return 'memory hot-plug: KubeVirt adds it to the running guest by a live migration';
    }
  }
  return undefined;
}

/** True when `to` only adds sockets to `from`, within `maxSockets`. */
function socketsOnly(from: unknown, to: unknown, maxSockets: number | undefined): boolean {
  const [a, b] = [from, to].map(v => (isJsonObject(v) ? v : {}));
  const sockets = (v: Record<string, unknown>) => (typeof v.sockets === 'number' ? v.sockets : 1);
  const rest = (v: Record<string, unknown>) => stableStringify(Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'sockets' && k !== 'maxSockets')));
  return maxSockets !== undefined && sockets(b) > sockets(a) && sockets(b) <= maxSockets && rest(a) === rest(b);
}

/** A change in a few words, for a plan's reason: `cpu {"cores":2} → {"cores":4}`, `disk data added`. */
export function describeChange(c: MachineChange): string {
  // CPU and memory read as their one value: `cpu 1 → 2`, `memory 1Gi → 2Gi`.
  const show = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return String(v);
    const entries = Object.entries(v);
    return ['cpu', 'memory'].includes(c.label) && entries.length === 1 ? String(entries[0][1]) : JSON.stringify(v);
  };
  const image = (v: any): string | undefined => v?.containerDisk?.image;
  if (c.kind === 'entry' && image(c.value) && image(c.from)) return `image ${image(c.from)} → ${image(c.value)}`;
  if (c.kind === 'entry') return `${c.label} ${c.name} ${c.value === undefined ? 'removed' : c.from === undefined ? 'added' : 'changed'}`;
  if (c.value === undefined) return `${c.label} removed`;
  return c.from === undefined ? `${c.label} set to ${show(c.value)}` : `${c.label} ${show(c.from)} → ${show(c.value)}`;
}

/**
 * Ops that give `have` (at `pointer`) everything of `want` key by key, so fields others set beside Wukong's (a CPU
 * `model`, a resource Wukong does not name) stay; keys Wukong wrote last time (`applied`) and no longer wants go.
 */
function mergeOps(pointer: string, have: unknown, want: unknown, applied: unknown): JsonPatchOp[] {
  if (!isJsonObject(want) || !isJsonObject(have)) return covers(have, want) ? [] : [{ op: 'add', path: pointer, value: want }];
  const ops: JsonPatchOp[] = [];
  for (const [key, value] of Object.entries(want)) ops.push(...mergeOps(`${pointer}/${pointerKey(key)}`, have[key], value, isJsonObject(applied) ? applied[key] : undefined));
  for (const key of Object.keys(isJsonObject(applied) ? applied : {})) {
    if (want[key] === undefined && have[key] !== undefined) ops.push({ op: 'remove', path: `${pointer}/${pointerKey(key)}` });
  }
  return ops;
}

/** Escapes a key for a JSON pointer (RFC 6901). */
export function pointerKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON patch ops of `changes` over `live`: fields with `add` (which sets or replaces) and `remove`; list entries
 * by index, each guarded by a `test` of its name, replaced first, then removed from the highest index down, then
 * appended, so no op shifts the index of another.
 */
export function machineOps(live: unknown, changes: MachineChange[], applied?: unknown): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const c of changes) {
    if (c.kind !== 'field') continue;
    if (c.value === undefined) ops.push({ op: 'remove', path: c.pointer });
    else ops.push(...mergeOps(c.pointer, c.from, c.value, at(applied, c.pointer)));
  }
  for (const { pointer, nameAt } of LISTS) {
    const list = at(live, pointer);
    const have = Array.isArray(list) ? list : undefined;
    const mine = changes.filter((c): c is Extract<MachineChange, { kind: 'entry' }> => c.kind === 'entry' && c.pointer === pointer);
    if (!mine.length) continue;
    const index = (name: string) => have?.findIndex(e => keyOf(e, nameAt) === name) ?? -1;
    const guard = (i: number, name: string): JsonPatchOp => ({ op: 'test', path: `${pointer}/${i}${nameAt}`, value: name });
    for (const c of mine.filter(m => m.value !== undefined && index(m.name) >= 0)) {
      ops.push(guard(index(c.name), c.name), { op: 'replace', path: `${pointer}/${index(c.name)}`, value: c.value });
    }
    for (const c of mine.filter(m => m.value === undefined).sort((a, b) => index(b.name) - index(a.name))) {
      ops.push(guard(index(c.name), c.name), { op: 'remove', path: `${pointer}/${index(c.name)}` });
    }
    const added = mine.filter(m => m.value !== undefined && index(m.name) < 0).map(m => m.value);
    if (added.length && !have) ops.push({ op: 'add', path: pointer, value: added });
    else for (const value of added) ops.push({ op: 'add', path: `${pointer}/-`, value });
  }
  return ops;
}
