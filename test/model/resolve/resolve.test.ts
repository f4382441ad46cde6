import { MANIFEST_PATHS, RECORD_ANNOTATIONS, resolveVm } from '../../../src/model';
import { DEFAULT_USER_DATA } from '../../../src/model/net/addressing';
import { deriveMac } from '../../../src/model/net/mac';
import { RESERVED_LABELS } from '../../../src/model/resolve/resolve';
import { DEFAULT_IMAGE } from '../../../src/model/spec/types';
import { errorsOf, expectError, expectIssue, expectWarning, nicOf, resolve, resolveOk, warningsOf, withNets } from '../fixtures';

describe('resolveVm defaults', () => {
  it('applies every default to an empty spec', () => {
    const { vm, issues } = resolveVm({ name: 'vm1' }, {});
    expect(issues).toEqual([]);
    expect(vm).toEqual({
      name: 'vm1',
      namespace: 'default',
      labels: {},
      annotations: {},
      cpu: 1,
      memory: '1Gi',
      image: DEFAULT_IMAGE,
      machine: { disks: [] },
      runStrategy: 'Always',
      userData: DEFAULT_USER_DATA,
      networkDataDelivery: 'secret',
      onMissingMultus: 'fail',
      nics: [{
        index: -1,
        path: 'podNetwork',
        name: 'default',
        type: 'pod',
        binding: 'masquerade',
        mac: deriveMac('default', 'vm1', 'default'),
        macSource: 'derived',
        primary: true,
        rank: 0,
        metric: 100,
        ip: { mode: 'dhcp', delivery: 'network-data', addresses: [], dnsServers: [], searchDomains: [] },
        routes: [],
        state: 'present',
        linkState: 'up',
      }],
    });
    expect(DEFAULT_IMAGE).toBe('quay.io/containerdisks/fedora:41');
  });

  it('keeps the machine fields as given', () => {
    const vm = resolveOk({
      cpu: 4,
      memory: '8Gi',
      image: 'quay.io/containerdisks/ubuntu:24.04',
      runStrategy: 'Manual',
      userData: '#cloud-config\nusers: []\n',
      networkDataDelivery: 'inline',
      onMissingMultus: 'pod-network-only',
    }, { name: 'vm1', namespace: 'prod', labels: { app: 'web' }, annotations: { note: 'any text at all' } });
    expect(vm).toMatchObject({
      name: 'vm1',
      namespace: 'prod',
      labels: { app: 'web' },
      annotations: { note: 'any text at all' },
      cpu: 4,
      memory: '8Gi',
      image: 'quay.io/containerdisks/ubuntu:24.04',
      runStrategy: 'Manual',
      userData: '#cloud-config\nusers: []\n',
      networkDataDelivery: 'inline',
      onMissingMultus: 'pod-network-only',
    });
  });

  it('warns that runStrategy WaitAsReceiver needs KubeVirt\'s DecentralizedLiveMigration feature gate (its admission rejects it otherwise)', () => {
    expectWarning({ runStrategy: 'WaitAsReceiver' }, 'runStrategy', /admitted by KubeVirt only with the DecentralizedLiveMigration feature gate/);
    expect(warningsOf(resolve({ runStrategy: 'Manual' }).issues)).toEqual([]);
  });

  it('puts the pod network first, then networks[] in declaration order', () => {
    const vm = resolveOk(withNets({ name: 'eth1' }, { name: 'eth2' }));
    expect(vm.nics.map(n => [n.name, n.path, n.index])).toEqual([['default', 'podNetwork', -1], ['eth1', 'networks[0]', 0], ['eth2', 'networks[1]', 1]]);
  });

  it('prefixes every issue path with metadata. and spec. for a Wukong object, and keeps NIC paths relative to the spec', () => {
    const { vm } = resolveVm({ name: 'vm1' }, withNets({ name: 'eth1' }), MANIFEST_PATHS);
    expect(vm?.nics.map(n => n.path)).toEqual(['podNetwork', 'networks[0]']);
    const { issues } = resolveVm({ name: 'Bad' }, { cpu: 0, networks: [{ name: 'eth1', vlanId: 0 }] }, MANIFEST_PATHS);
    // The derived NAD name 'Bad-eth1-nad' is not reported again: metadata.name already says what to fix.
    expect(errorsOf(issues).map(i => i.path)).toEqual(['metadata.name', 'spec.cpu', 'spec.networks[0].vlanId']);
  });

  it('prefixes the paths a message names with the same spec. as the issue path', () => {
    const { issues } = resolveVm({ name: 'vm1' }, withNets({ name: 'eth1' }, { name: 'eth1' }), MANIFEST_PATHS);
    expect(errorsOf(issues).map(i => `${i.path}: ${i.message}`)).toContainEqual(
      'spec.networks[1].name: \'eth1\' is already used by spec.networks[0].name; NIC names must be unique within a VM');
  });
});

describe('metadata rules', () => {
  it('fails if the name is not a DNS-1123 label', () => {
    expectError({}, 'name', /'Web_1' is not a DNS-1123 label; use lower-case letters, digits and '-'/, { meta: { name: 'Web_1' } });
  });

  it('fails if the name is longer than 63 characters', () => {
    const name = 'v'.repeat(64);
    expectError({}, 'name', new RegExp(`'${name}' is 64 characters long; the limit is 63`), { meta: { name } });
  });

  it('fails if the namespace is not a DNS-1123 label', () => {
    expectError({}, 'namespace', /'Prod' is not a DNS-1123 label/, { meta: { name: 'vm1', namespace: 'Prod' } });
  });

  it('fails if a label key is invalid', () => {
    expectError({}, 'labels.bad key', /key 'bad key' is not a valid key: the name part needs 1-63 letters/, { meta: { name: 'vm1', labels: { 'bad key': 'x' } } });
  });

  it('fails if a label key prefix is not a DNS subdomain', () => {
    expectError({}, 'labels.Example.com/app', /key 'Example\.com\/app' has a prefix that is not a DNS subdomain/,
      { meta: { name: 'vm1', labels: { 'Example.com/app': 'x' } } });
  });

  it('fails if a label value is invalid', () => {
    expectError({}, 'labels.app', /'web server' is not a valid label value: up to 63 letters, digits/, { meta: { name: 'vm1', labels: { app: 'web server' } } });
  });

  it('fails if an annotation key is invalid, but takes any annotation value', () => {
    expectError({}, 'annotations.-note', /key '-note' is not a valid key/, { meta: { name: 'vm1', annotations: { '-note': 'x' } } });
    resolveOk({}, { name: 'vm1', annotations: { note: 'free text: with spaces / and more' } });
  });

  it.each(RESERVED_LABELS.map(k => [k]))('warns if the reserved label %s is set', key => {
    expectWarning({}, `labels.${key}`, /is set by Wukong itself; your value 'mine' is replaced/, { name: 'vm1', labels: { [key]: 'mine' } });
  });

  it.each(RECORD_ANNOTATIONS.map(k => [k]))('warns if Wukong\'s record annotation %s is set', key => {
    expectWarning({}, `annotations.${key}`, /is Wukong's record of what it applied; your value 'mine' is ignored/, { name: 'vm1', annotations: { [key]: 'mine' } });
  });
});

describe('machine rules', () => {
  it.each([[0], [1.5], [1025], [-2]])('fails if cpu %p is out of range 1..1024', cpu => {
    expectError({ cpu }, 'cpu', new RegExp(`^${String(cpu).replace('.', '\\.')} is out of range 1\\.\\.1024 \\(whole cores\\)$`));
  });

  it('accepts 1 and 1024 cores', () => {
    expect(resolveOk({ cpu: 1 }).cpu).toBe(1);
    expect(resolveOk({ cpu: 1024 }).cpu).toBe(1024);
  });

  it.each([['4GB'], ['lots'], ['4 Gi']])('fails if memory %j is not a quantity', memory => {
    expectError({ memory }, 'memory', new RegExp(`'${memory}' is not a Kubernetes quantity like '4Gi'`));
  });

  it('fails if memory is below 64Mi', () => {
    expectError({ memory: '32Mi' }, 'memory', /'32Mi' is below 64Mi, too little to boot a guest/);
    expectError({ memory: '67108863' }, 'memory', /'67108863' is below 64Mi/);
  });

  it('accepts exactly 64Mi', () => {
    expect(resolveOk({ memory: '64Mi' }).memory).toBe('64Mi');
  });

  it.each([[''], ['quay.io/x/y :1'], ['a\tb']])('fails if image %j is not an image reference', image => {
    expectError({ image }, 'image', /is not a container image reference/);
  });

  it('shows the bad image in the message', () => {
    expectError({ image: 'my image' }, 'image', /^'my image' is not a container image reference$/);
  });
});

describe('NIC names within a VM', () => {
  it('fails if two NICs share a name', () => {
    expectError(withNets({ name: 'eth1' }, { name: 'eth1' }), 'networks[1].name',
      /'eth1' is already used by networks\[0\]\.name; NIC names must be unique within a VM/, { only: false });
  });

  it('fails if a NIC takes the pod network name', () => {
    expectError(withNets({ name: 'default' }), 'networks[0].name', /'default' is already used by podNetwork\.name; NIC names must be unique/,
      { only: false });
    expectError({ podNetwork: { name: 'pod' }, networks: [{ name: 'pod' }] }, 'networks[0].name', /'pod' is already used by podNetwork\.name/,
      { only: false });
  });

  it('lets a NIC take the pod network name when the pod network is disabled', () => {
    const vm = resolveOk({ podNetwork: { enabled: false }, networks: [{ name: 'default' }] });
    expect(vm.nics.map(n => n.name)).toEqual(['default']);
  });

  it('fails if the pod network name is not a DNS-1123 label', () => {
    expectError({ podNetwork: { name: 'Pod_Net' } }, 'podNetwork.name', /'Pod_Net' is not a DNS-1123 label/);
  });
});

describe('primary NIC and ranks', () => {
  it('makes the first NIC primary by default and ranks the pod network last', () => {
    const vm = resolveOk(withNets({ name: 'eth1' }, { name: 'eth2' }));
    expect(vm.nics.map(n => [n.name, n.primary, n.rank, n.metric])).toEqual([
      ['default', false, 2, 300], ['eth1', true, 0, 100], ['eth2', false, 1, 200],
    ]);
  });

  it('skips NICs marked primary: false when picking the default primary', () => {
    const vm = resolveOk(withNets({ name: 'eth1', primary: false }, { name: 'eth2' }));
    expect(nicOf(vm, 'eth2').primary).toBe(true);
    expect(nicOf(vm, 'eth1').primary).toBe(false);
  });

  it('falls back to the pod network when every NIC is primary: false', () => {
    const vm = resolveOk(withNets({ name: 'eth1', primary: false }));
    expect(nicOf(vm, 'default').primary).toBe(true);
  });

  it('has no primary NIC when the pod network is also primary: false', () => {
    const vm = resolveOk({ podNetwork: { primary: false }, networks: [{ name: 'eth1', primary: false }] });
    expect(vm.nics.filter(n => n.primary)).toEqual([]);
  });

  it('honours an explicit primary on a later NIC', () => {
    const vm = resolveOk(withNets({ name: 'eth1' }, { name: 'eth2', primary: true }));
    expect(vm.nics.filter(n => n.primary).map(n => n.name)).toEqual(['eth2']);
  });

  it('makes the pod network primary and ranks it first with podNetwork.primary', () => {
    const vm = resolveOk({ podNetwork: { primary: true }, networks: [{ name: 'eth1' }, { name: 'eth2' }] });
    expect(vm.nics.map(n => [n.name, n.primary, n.rank, n.metric])).toEqual([
      ['default', true, 0, 100], ['eth1', false, 1, 200], ['eth2', false, 2, 300],
    ]);
  });

  it('ranks the primary first (its default route must have the lowest metric), then by priority, then declaration order', () => {
    const vm = resolveOk({ podNetwork: { priority: 1 }, networks: [{ name: 'eth1', priority: 10 }, { name: 'eth2', priority: 5 }, { name: 'eth3' }] });
    expect(vm.nics.map(n => [n.name, n.rank, n.metric])).toEqual([['default', 1, 200], ['eth1', 0, 100], ['eth2', 2, 300], ['eth3', 3, 400]]);
    expect(nicOf(vm, 'eth1').primary).toBe(true);
  });

  it('makes the first NIC primary when the pod network is disabled', () => {
    const vm = resolveOk({ podNetwork: { enabled: false, primary: true }, networks: [{ name: 'eth1' }] });
    expect(vm.nics.map(n => [n.name, n.primary])).toEqual([['eth1', true]]);
  });

  it('fails if two NICs are primary', () => {
    expectError(withNets({ name: 'eth1', primary: true }, { name: 'eth2', primary: true }), 'networks[1].primary',
      /only one NIC may be primary and networks\[0\] already is; remove one of the flags/);
  });

  it('fails if a NIC is primary as well as the pod network', () => {
    expectError({ podNetwork: { primary: true }, networks: [{ name: 'eth1', primary: true }] }, 'networks[0].primary',
      /only one NIC may be primary and podNetwork already is/);
  });
});

describe('Kube-OVN Subnets within a VM', () => {
  const ovn = (name: string, subnet: Record<string, unknown>) => ({ name, type: 'kube-ovn', subnet });

  it('fails if two NICs create a Subnet of one name', () => {
    expectError({ networks: [ovn('a', { name: 'tenant', cidrBlock: '10.20.0.0/24' }), ovn('b', { name: 'tenant', cidrBlock: '10.21.0.0/24' })] },
      'networks[1].subnet.name', /^Subnet 'tenant' is also created by networks\[0\] \(networks\[0\]\.subnet\); Subnets are cluster-scoped, so give this one another name$/);
  });

  it('fails if two NICs create overlapping Subnets in one VPC', () => {
    expectError({ networks: [ovn('a', { cidrBlock: '10.20.0.0/16' }), ovn('b', { cidrBlock: '10.20.5.0/24' })] },
      'networks[1].subnet.cidrBlock', /^10\.20\.5\.0\/24 overlaps Subnet 'vm1-a-nad' of networks\[0\] \(networks\[0\]\.subnet\) in the same VPC; Kube-OVN rejects overlapping subnets, pick a disjoint CIDR$/);
  });

  it('accepts overlapping Subnets in different VPCs, and a reused NAD\'s subnet given twice for checking', () => {
    resolveOk({ networks: [ovn('a', { cidrBlock: '10.20.0.0/16' }), ovn('b', { cidrBlock: '10.20.0.0/16', vpc: 'tenant-vpc' })] });
    resolveOk({ networks: [{ ...ovn('a', { cidrBlock: '10.20.0.0/16' }), nadName: 'ovn-net' }, { ...ovn('b', { cidrBlock: '10.20.0.0/16' }), nadName: 'ovn-net' }] });
  });
});

describe('pod network priority', () => {
  it.each([-1, 1.5, 1_000_001])('fails if podNetwork.priority is %s', priority => {
    expectError({ podNetwork: { priority } }, 'podNetwork.priority', new RegExp(`^${String(priority).replace('.', '\\.')} is out of range 0\\.\\.1000000$`));
  });
});

describe('MACs within a VM', () => {
  it('fails if two NICs have the same MAC, whatever its case', () => {
    expectError({ podNetwork: { macAddress: '02:00:00:00:00:aa' }, networks: [{ name: 'eth1', macAddress: '02:00:00:00:00:AA' }] },
      'networks[0].macAddress', /'02:00:00:00:00:aa' is already used by podNetwork; every NIC needs its own MAC/);
  });

  it('fails if the pod network MAC is invalid', () => {
    expectError({ podNetwork: { macAddress: '02:00:00:00:00' } }, 'podNetwork.macAddress', /'02:00:00:00:00' is not a MAC address; write six hex octets/);
  });

  it('uses a given pod network MAC', () => {
    const pod = nicOf(resolveOk({ podNetwork: { macAddress: '02:00:00:00:00:AA' } }), 'default');
    expect([pod.mac, pod.macSource]).toEqual(['02:00:00:00:00:aa', 'given']);
  });
});

describe('hot-plug budget', () => {
  it('warns when the VM starts with 4 interfaces, giving the 1.6+ budget', () => {
    const issues = expectWarning(withNets({ name: 'eth1' }, { name: 'eth2' }, { name: 'eth3' }), 'networks', /^4 interfaces exceed KubeVirt's 4 reserved/);
    expect(warningsOf(issues).map(i => i.message)).toEqual([
      '4 interfaces exceed KubeVirt\'s 4 reserved hot-plug slots: on KubeVirt 1.0-1.5 no NIC can be hot-plugged into this VM without a restart '
      + '(max(0, 4 - 4) = 0); 1.6+ leaves 3 PCIe ports for hot-plugged NICs and disks',
    ]);
  });

  it('counts the larger 1.6+ budget above 2 GiB of memory', () => {
    const issues = expectWarning({ memory: '4Gi', networks: [{ name: 'eth1' }, { name: 'eth2' }, { name: 'eth3' }, { name: 'eth4' }] }, 'networks',
      /^5 interfaces exceed .*\(max\(0, 4 - 5\) = 0\); 1\.6\+ leaves 9 PCIe ports/);
    expect(warningsOf(issues)).toHaveLength(1);
  });

  it('does not warn with 3 interfaces', () => {
    expect(resolve(withNets({ name: 'eth1' }, { name: 'eth2' })).issues).toEqual([]);
  });

  it('does not count a disabled pod network', () => {
    expect(resolve({ podNetwork: { enabled: false }, networks: [{ name: 'eth1' }, { name: 'eth2' }, { name: 'eth3' }] }).issues).toEqual([]);
  });
});

describe('reporting', () => {
  it('reports all violations of one spec together, in field order', () => {
    const { vm, issues } = resolveVm({ name: 'vm1' }, {
      cpu: 0,
      memory: 'lots',
      colour: 'blue',
      networks: [
        { name: 'eth1', vlanId: 5000 },
        { name: 'eth2', macAddress: 'zz', ipConfig: { address: '10.0.0.0/24' } },
      ],
    });
    expect(vm).toBeUndefined();
    expect(errorsOf(issues).map(i => i.path)).toEqual([
      'colour', 'cpu', 'memory', 'networks[0].vlanId', 'networks[1].ipConfig.address', 'networks[1].macAddress',
    ]);
    expectIssue(issues, 'error', 'networks[0].vlanId', /^5000 is out of range 1\.\.4094$/);
    expectIssue(issues, 'error', 'networks[1].macAddress', /'zz' is not a MAC address/);
    expectIssue(issues, 'error', 'networks[1].ipConfig.address', /'10\.0\.0\.0\/24' is the network or broadcast address/);
  });

  it('returns warnings along with errors', () => {
    const { issues } = resolve({ cpu: 0, networks: [{ name: 'mv', type: 'macvlan' }] });
    expect(errorsOf(issues).map(i => i.path)).toEqual(['cpu']);
    expect(warningsOf(issues).map(i => i.path)).toEqual(['networks[0].type']);
  });

  it('accepts missing metadata and spec as empty objects', () => {
    const { issues } = resolveVm(undefined, undefined);
    expect(issues).toEqual([{ severity: 'error', path: 'name', message: 'is required', scope: 'metadata' }]);
  });
});

describe('untyped input that fails its shape', () => {
  it.each([
    ['a networks[] entry that is null', { networks: [null] }, 'networks[0]'],
    ['a networks[] entry that is a string', { networks: ['eth1'] }, 'networks[0]'],
    ['a route that is null', { networks: [{ name: 'eth1', routes: [null] }] }, 'networks[0].routes[0]'],
    ['a pod network route that is a string', { podNetwork: { routes: ['10.0.0.0/8'] } }, 'podNetwork.routes[0]'],
    ['a kube-ovn subnet without cidrBlock', { networks: [{ name: 'o', type: 'kube-ovn', subnet: { gateway: '10.0.0.1' } }] }, 'networks[0].subnet.cidrBlock'],
    ['a kube-ovn subnet with a numeric cidrBlock', { networks: [{ name: 'o', type: 'kube-ovn', subnet: { cidrBlock: 10 } }] }, 'networks[0].subnet.cidrBlock'],
    ['a numeric excludeIps entry', { networks: [{ name: 'o', type: 'kube-ovn', subnet: { cidrBlock: '10.0.0.0/24', excludeIps: [5] } }] },
      'networks[0].subnet.excludeIps[0]'],
  ])('fails (without throwing) if the spec has %s', (_what, spec, path) => {
    const result = resolveVm({ name: 'vm1' }, spec);
    expect(result.vm).toBeUndefined();
    expect(result.issues.filter(i => i.severity === 'error').map(i => i.path)).toContain(path);
  });

  it('fails if NICs have no name, reporting only the missing names', () => {
    const { issues } = resolveVm({ name: 'vm1' }, { networks: [{}, {}] });
    expect(issues.map(i => `${i.path}: ${i.message}`)).toEqual(['networks[0].name: is required', 'networks[1].name: is required']);
  });
});
