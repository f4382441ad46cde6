/** The machine fields: disks, instance types, scheduling; each rule as KubeVirt, CDI or the API server has it. */
import { renderResolvedVm } from '../../../src/model';
import { expectError, resolveOk } from '../fixtures';

const DV = { source: { registry: { url: 'docker://quay.io/containerdisks/fedora:41' } }, size: '30Gi' };
const root = (extra: object = {}) => ({ name: 'root', dataVolume: DV, ...extra });

describe('disks', () => {
  it('boots from a DataVolume imported with the VM, with no container disk, and renders its template and volume', () => {
    const vm = resolveOk({
      disks: [root({ dataVolume: { ...DV, storageClassName: 'fast', accessModes: ['ReadWriteMany'], volumeMode: 'Block' } }),
        { name: 'data', bus: 'scsi', persistentVolumeClaim: { claimName: 'vm1-data', readOnly: true } }],
    });
    expect(vm.image).toBeUndefined();
    const spec = renderResolvedVm(vm).virtualMachine.spec;
    expect(spec.dataVolumeTemplates).toEqual([{
      metadata: { name: 'vm1-root' },
      spec: {
        source: { registry: { url: 'docker://quay.io/containerdisks/fedora:41' } },
        storage: { resources: { requests: { storage: '30Gi' } }, storageClassName: 'fast', accessModes: ['ReadWriteMany'], volumeMode: 'Block' },
      },
    }]);
    expect(spec.template.spec.domain.devices.disks).toEqual([
      { name: 'root', disk: { bus: 'virtio' } }, { name: 'data', disk: { bus: 'scsi' } }, { name: 'cloudinitdisk', disk: { bus: 'virtio' } },
    ]);
    expect(spec.template.spec.volumes.slice(0, 2)).toEqual([
      { name: 'root', dataVolume: { name: 'vm1-root' } }, { name: 'data', persistentVolumeClaim: { claimName: 'vm1-data', readOnly: true } },
    ]);
  });

  it('keeps the container disk first when an image is given beside the disks', () => {
    const vm = resolveOk({ image: 'quay.io/containerdisks/debian:12', disks: [{ name: 'data', bootOrder: 2, persistentVolumeClaim: { claimName: 'd' } }] });
    const spec = renderResolvedVm(vm).virtualMachine.spec;
    expect(spec.template.spec.domain.devices.disks.map(d => [d.name, d.bootOrder])).toEqual([['containerdisk', undefined], ['data', 2], ['cloudinitdisk', undefined]]);
    expect(spec.dataVolumeTemplates).toBeUndefined();
  });

  it('fails if a disk has no volume, or two', () => {
    expectError({ disks: [{ name: 'a' }] }, 'disks[0]', /has no volume; give it a dataVolume .* or a persistentVolumeClaim/);
    expectError({ disks: [root({ persistentVolumeClaim: { claimName: 'x' } })] }, 'disks[0]', /sets both dataVolume and persistentVolumeClaim/);
  });

  it('fails if two disks share a name or a boot order, naming the other', () => {
    expectError({ disks: [root(), root()] }, 'disks[1].name', /'root' is already used by disks\[0\]\.name/);
    expectError({ disks: [root({ bootOrder: 1 }), { name: 'b', bootOrder: 1, persistentVolumeClaim: { claimName: 'b' } }] },
      'disks[1].bootOrder', /1 is already the boot order of disks\[0\]\.bootOrder/);
  });

  it('fails if a disk takes the name of Wukong\'s own disks, or a boot order below 1', () => {
    expectError({ disks: [root({ name: 'cloudinitdisk' })] }, 'disks[0].name', /'cloudinitdisk' is the name of Wukong's own cloud-init disk/);
    expectError({ disks: [root({ bootOrder: 0 })] }, 'disks[0].bootOrder', /0 must be a whole number, 1 or more/);
  });

  it('fails if the DataVolume name would exceed 63 characters', () => {
    expectError({ disks: [root({ name: 'a'.repeat(60) })] }, 'disks[0].name', /makes the DataVolume name 'vm1-a+', 64 characters long; .* the limit is 63/);
  });

  it('fails if a DataVolume source is missing, doubled or malformed', () => {
    expectError({ disks: [root({ dataVolume: { ...DV, source: {} } })] }, 'disks[0].dataVolume.source', /is empty; give one of registry/);
    expectError({ disks: [root({ dataVolume: { ...DV, source: { http: { url: 'https://x/y.qcow2' }, pvc: { name: 'p' } } } })] },
      'disks[0].dataVolume.source', /sets http and pvc; a DataVolume has exactly one source/);
    expectError({ disks: [root({ dataVolume: { ...DV, source: { registry: { url: 'quay.io/x:1' } } } })] },
      'disks[0].dataVolume.source.registry.url', /'quay.io\/x:1' needs the scheme CDI reads: 'docker:\/\/quay.io\/...'/);
    expectError({ disks: [root({ dataVolume: { ...DV, source: { http: { url: 'ftp://x' } } } })] }, 'disks[0].dataVolume.source.http.url', /not an http:\/\/ or https:\/\/ URL/);
    expectError({ disks: [root({ dataVolume: { ...DV, source: { snapshot: { name: 'Snap_1' } } } })] }, 'disks[0].dataVolume.source.snapshot.name', /not a DNS-1123 subdomain/);
  });

  it('fails if the size is not a quantity, or an access mode repeats', () => {
    expectError({ disks: [root({ dataVolume: { ...DV, size: '30 GB' } })] }, 'disks[0].dataVolume.size', /'30 GB' is not a storage size; write a quantity like '30Gi'/);
    expectError({ disks: [root({ dataVolume: { ...DV, accessModes: ['ReadWriteOnce', 'ReadWriteOnce'] } })] }, 'disks[0].dataVolume.accessModes', /lists a mode twice/);
  });

  it('fails if a field is unknown or of the wrong type, suggesting the right one', () => {
    expectError({ disks: [root({ dataVolume: { ...DV, storageClass: 'fast' } })] }, 'disks[0].dataVolume.storageClass', /unknown field; did you mean 'storageClassName'\?/);
    expectError({ disks: [root({ bus: 'ide' })] }, 'disks[0].bus', /'ide' is not one of 'virtio', 'sata', 'scsi', 'usb'/);
  });
});

describe('instance types and preferences', () => {
  it('leaves cpu and memory to the instance type and renders both references with their default kinds', () => {
    const vm = resolveOk({ instancetype: { name: 'u1.medium' }, preference: { name: 'fedora' } });
    expect([vm.cpu, vm.memory]).toEqual([undefined, undefined]);
    const spec = renderResolvedVm(vm).virtualMachine.spec;
    expect(spec.instancetype).toEqual({ kind: 'VirtualMachineClusterInstancetype', name: 'u1.medium' });
    expect(spec.preference).toEqual({ kind: 'VirtualMachineClusterPreference', name: 'fedora' });
    expect(spec.template.spec.domain.cpu).toBeUndefined();
    expect(spec.template.spec.domain.memory).toBeUndefined();
  });

  it('fails if the VM sets what the instance type sets, as KubeVirt\'s admission would', () => {
    expectError({ instancetype: { name: 'u1.medium' }, cpu: 2 }, 'cpu', /2 conflicts with the instance type 'u1.medium', which sets it .*; remove it, or drop the instancetype/);
    expectError({ instancetype: { name: 'u1.medium' }, memory: '2Gi' }, 'memory', /'2Gi' conflicts with the instance type/);
    expectError({ instancetype: { name: 'u1.medium' }, resources: { limits: { memory: '2Gi' } } }, 'resources.limits.memory', /conflicts with the instance type/);
  });

  it('fails if a kind is not an instancetype kind', () => {
    expectError({ instancetype: { name: 'u1', kind: 'VirtualMachineClusterPreference' } }, 'instancetype.kind', /is not one of 'VirtualMachineClusterInstancetype'/);
  });
});

describe('resources and scheduling', () => {
  it('renders resources, nodeSelector, affinity, tolerations, evictionStrategy and terminationGracePeriodSeconds into the template', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
    const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'vms', effect: 'NoExecute', tolerationSeconds: 60 }];
    const vm = resolveOk({
      resources: { requests: { cpu: '500m' }, limits: { cpu: '2' } },
      nodeSelector: { 'node-role.example.com/vm': 'true' },
      affinity,
      tolerations,
      evictionStrategy: 'LiveMigrate',
      terminationGracePeriodSeconds: 30,
    });
    const t = renderResolvedVm(vm).virtualMachine.spec.template.spec;
    expect(t.domain.resources).toEqual({ requests: { cpu: '500m' }, limits: { cpu: '2' } });
    expect([t.nodeSelector, t.affinity, t.tolerations, t.evictionStrategy, t.terminationGracePeriodSeconds])
      .toEqual([{ 'node-role.example.com/vm': 'true' }, affinity, tolerations, 'LiveMigrate', 30]);
  });

  it('fails if a request exceeds its limit, naming the limit', () => {
    expectError({ resources: { requests: { cpu: '3' }, limits: { cpu: '2' } } }, 'resources.requests.cpu', /'3' is more than the limit '2'/);
  });

  it('fails if a resource quantity or a node selector label is malformed', () => {
    expectError({ resources: { limits: { memory: 'lots' } } }, 'resources.limits.memory', /'lots' is not a Kubernetes quantity/);
    expectError({ nodeSelector: { zone: 'a b' } }, 'nodeSelector.zone', /'a b' is not a valid label value/);
  });

  it('fails if a selector requirement breaks the operator\'s rules', () => {
    const term = (r: object) => ({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [r] }] } } },
    });
    const at = 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values';
    expectError(term({ key: 'zone', operator: 'In' }), at, /must list at least one value for operator In/);
    expectError(term({ key: 'zone', operator: 'Exists', values: ['a'] }), at, /must be empty for operator Exists/);
    expectError(term({ key: 'cores', operator: 'Gt', values: ['many'] }), at, /must be exactly one whole number for operator Gt/);
  });

  it('fails if a pod affinity term lacks a topology key or takes an operator only node selectors have', () => {
    const pod = (term: object) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } });
    expectError(pod({ topologyKey: '' }), 'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey', /must not be empty/);
    expectError(pod({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] } }),
      'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator',
      /'Gt' is not one of 'In', 'NotIn', 'Exists', 'DoesNotExist'/);
  });

  it('fails if a toleration breaks the API server\'s rules', () => {
    expectError({ tolerations: [{ operator: 'Equal', value: 'x' }] }, 'tolerations[0].operator', /must be Exists when key is empty/);
    expectError({ tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }] }, 'tolerations[0].value', /'x' must be empty with operator Exists/);
    expectError({ tolerations: [{ key: 'a', effect: 'NoSchedule', tolerationSeconds: 5 }] }, 'tolerations[0].tolerationSeconds', /applies only to effect NoExecute \(effect is 'NoSchedule'\)/);
  });

  it('fails if the grace period is negative or fractional', () => {
    expectError({ terminationGracePeriodSeconds: -1 }, 'terminationGracePeriodSeconds', /-1 must be a whole number of seconds, 0 or more/);
    expectError({ terminationGracePeriodSeconds: 1.5 }, 'terminationGracePeriodSeconds', /1.5 must be a whole number of seconds/);
  });

  it('fails if the eviction strategy is not KubeVirt\'s', () => {
    expectError({ evictionStrategy: 'Migrate' }, 'evictionStrategy', /'Migrate' is not one of 'None', 'LiveMigrate', 'LiveMigrateIfPossible', 'External'/);
  });
});
