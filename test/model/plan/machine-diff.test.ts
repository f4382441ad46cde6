/** The machine diff: three-way, tolerant of fields KubeVirt adds, and patch ops that leave others' fields alone. */
import { changeKey, covers, liveReason, machineChanges, machineOps } from '../../../src/model/plan/machine-diff';

function vm(spec: Record<string, any> = {}, template: Record<string, any> = {}, domain: Record<string, any> = {}): any {
  return {
    spec: {
      ...spec,
      template: {
        spec: {
          ...template,
          domain: { cpu: { cores: 1 }, memory: { guest: '1Gi' }, devices: { disks: [{ name: 'containerdisk', disk: { bus: 'virtio' } }, { name: 'cloudinitdisk', disk: { bus: 'virtio' } }] }, ...domain },
          volumes: template.volumes ?? [{ name: 'containerdisk', containerDisk: { image: 'a' } }, { name: 'cloudinitdisk', cloudInitNoCloud: {} }],
        },
      },
    },
  };
}

/** Applies ops the way the API server does for the ops used here (RFC 6902 add, replace, remove, test). */
function apply(doc: any, ops: Array<{ op: string; path: string; value?: unknown }>): any {
  const out = structuredClone(doc);
  for (const o of ops) {
    const keys = o.path.split('/').slice(1).map(k => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    const parent = keys.reduce((p, k) => p[k], out);
    if (o.op === 'test') expect(parent[last]).toEqual(o.value);
    else if (o.op === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (Array.isArray(parent) && last === '-') parent.push(o.value);
    else if (Array.isArray(parent) && o.op === 'add') parent.splice(Number(last), 0, o.value);
    else parent[last] = o.value;
  }
  return out;
}

describe('covers', () => {
  it('takes extra keys in what is there, but not extra or missing list entries', () => {
    expect(covers({ cores: 2, sockets: 1 }, { cores: 2 })).toBe(true);
    expect(covers({ name: 'u1', kind: 'K', revisionName: 'r1' }, { name: 'u1', kind: 'K' })).toBe(true);
    expect(covers([{ key: 'a' }, { key: 'b' }], [{ key: 'a' }])).toBe(false);
    expect(covers(undefined, { cores: 2 })).toBe(false);
  });
});

describe('machineChanges and machineOps', () => {
  it('sees no change where KubeVirt added fields of its own', () => {
    const live = vm({ instancetype: { kind: 'K', name: 'u1', revisionName: 'rev-1' } }, {}, { cpu: { cores: 1, sockets: 1, threads: 1 } });
    expect(machineChanges(live, vm({ instancetype: { kind: 'K', name: 'u1' } }))).toEqual([]);
  });

  it('writes a changed field leaf by leaf, keeping what someone else set beside it', () => {
    const live = vm({}, {}, { cpu: { cores: 1, model: 'host-passthrough' }, resources: { limits: { 'example.com/gpu': '1' } } });
    const want = vm({}, {}, { cpu: { cores: 4 }, resources: { limits: { cpu: '4' } } });
    const changes = machineChanges(live, want);
    expect(changes.map(changeKey)).toEqual(['cpu', 'resources']);
    const after = apply(live, machineOps(live, changes));
    expect(after.spec.template.spec.domain.cpu).toEqual({ cores: 4, model: 'host-passthrough' });
    expect(after.spec.template.spec.domain.resources).toEqual({ limits: { 'example.com/gpu': '1', 'cpu': '4' } });
  });

  it('removes a field only when Wukong wrote it last time', () => {
    const live = vm({}, { nodeSelector: { zone: 'a' }, tolerations: [{ key: 'x', operator: 'Exists' }] });
    const applied = vm({}, { nodeSelector: { zone: 'a' } });
    const changes = machineChanges(live, vm(), applied);
    expect(changes.map(changeKey)).toEqual(['nodeSelector']);
    expect(machineOps(live, changes, applied)).toEqual([{ op: 'remove', path: '/spec/template/spec/nodeSelector' }]);
  });

  it('adds, replaces and removes disks and volumes by name with guarded indexes, and leaves foreign ones', () => {
    const foreign = { name: 'scratch', disk: { bus: 'virtio' } };
    const live = vm({}, {
      volumes: [{ name: 'containerdisk', containerDisk: { image: 'a' } }, { name: 'old', persistentVolumeClaim: { claimName: 'old' } },
        { name: 'scratch', emptyDisk: { capacity: '1Gi' } }, { name: 'cloudinitdisk', cloudInitNoCloud: {} }],
    },
    { devices: { disks: [{ name: 'containerdisk', disk: { bus: 'virtio' } }, { name: 'old', disk: { bus: 'virtio' } }, foreign, { name: 'cloudinitdisk', disk: { bus: 'virtio' } }] } });
    const applied = vm({}, { volumes: [{ name: 'old', persistentVolumeClaim: { claimName: 'old' } }] }, { devices: { disks: [{ name: 'old', disk: { bus: 'virtio' } }] } });
    const want = vm({ dataVolumeTemplates: [{ metadata: { name: 'vm-new' }, spec: { source: { http: { url: 'https://x' } }, storage: { resources: { requests: { storage: '1Gi' } } } } }] },
      { volumes: [{ name: 'containerdisk', containerDisk: { image: 'b' } }, { name: 'new', dataVolume: { name: 'vm-new' } }, { name: 'cloudinitdisk', cloudInitNoCloud: {} }] },
      { devices: { disks: [{ name: 'containerdisk', disk: { bus: 'virtio' } }, { name: 'new', disk: { bus: 'virtio' } }, { name: 'cloudinitdisk', disk: { bus: 'virtio' } }] } });
    const changes = machineChanges(live, want, applied);
    expect(changes.map(changeKey).sort()).toEqual(['dataVolumeTemplate/vm-new', 'disk/new', 'disk/old', 'volume/containerdisk', 'volume/new', 'volume/old']);
    const after = apply(live, machineOps(live, changes, applied));
    expect(after.spec.template.spec.domain.devices.disks.map((d: any) => d.name)).toEqual(['containerdisk', 'scratch', 'cloudinitdisk', 'new']);
    expect(after.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['containerdisk', 'scratch', 'cloudinitdisk', 'new']);
    expect(after.spec.template.spec.volumes[0].containerDisk.image).toBe('b');
    expect(after.spec.dataVolumeTemplates).toEqual(want.spec.dataVolumeTemplates);
  });
});

describe('liveReason', () => {
  const memory = (from: string, to: string) => ({ kind: 'field' as const, label: 'memory', pointer: '', from: { guest: from }, value: { guest: to } });

  it('hot-plugs memory upward from 1Gi, 2Mi-aligned, up to 4×', () => {
    expect(liveReason(memory('1Gi', '4Gi'))).toMatch(/memory hot-plug/);
    expect(liveReason(memory('1Gi', '5Gi'))).toBeUndefined();
    expect(liveReason(memory('2Gi', '1Gi'))).toBeUndefined();
    expect(liveReason(memory('512Mi', '1Gi'))).toBeUndefined();
    expect(liveReason(memory('1Gi', '1025Mi'))).toBeUndefined();
  });

  it('moves scheduling constraints live, but never cores or disks', () => {
    expect(liveReason({ kind: 'field', label: 'affinity', pointer: '' })).toMatch(/updates the running VMI/);
    expect(liveReason({ kind: 'field', label: 'cpu', pointer: '', from: { cores: 1 }, value: { cores: 2 } })).toBeUndefined();
    expect(liveReason({ kind: 'entry', label: 'disk', pointer: '', name: 'data', value: {} })).toBeUndefined();
  });

  it('hot-plugs CPU sockets upward to the running VMI\'s maxSockets, when nothing else of the CPU changes', () => {
    const cpu = (from: object, to: object) => ({ kind: 'field' as const, label: 'cpu', pointer: '', from, value: to });
    expect(liveReason(cpu({ sockets: 2, cores: 2 }, { sockets: 4, cores: 2 }), { maxSockets: 8 })).toBe('CPU hot-plug: KubeVirt adds the sockets to the running guest (up to its 8)');
    expect(liveReason(cpu({ cores: 2 }, { sockets: 2, cores: 2 }), { maxSockets: 4 })).toMatch(/CPU hot-plug/);
    expect(liveReason(cpu({ sockets: 2 }, { sockets: 9 }), { maxSockets: 8 })).toBeUndefined();
    expect(liveReason(cpu({ sockets: 4 }, { sockets: 2 }), { maxSockets: 8 })).toBeUndefined();
    expect(liveReason(cpu({ sockets: 2, cores: 1 }, { sockets: 4, cores: 2 }), { maxSockets: 8 })).toBeUndefined();
    expect(liveReason(cpu({ sockets: 2 }, { sockets: 4 }))).toBeUndefined();
  });
});
