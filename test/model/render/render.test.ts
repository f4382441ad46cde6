import { MANIFEST_PATHS, WukongValidationError, renderResolvedVm, renderVm, resolveVm } from '../../../src/model';
import { DEFAULT_USER_DATA } from '../../../src/model/net/addressing';
import { INLINE_CLOUD_INIT_LIMIT, buildNetworkData, networkDataYaml } from '../../../src/model/render/cloud-init';
import { resolveOk, withNets } from '../fixtures';

const OWNED = { 'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/name': 'vm1', 'vm.novasphere.dev/namespace': 'prod' };

/** Catches the WukongValidationError thrown by `f`. */
function validationError(f: () => unknown): WukongValidationError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WukongValidationError);
    return e as WukongValidationError;
  }
  throw new Error('expected a WukongValidationError');
}

/** A spec whose network data is larger than KubeVirt's inline limit. */
function bigSpec(delivery: string) {
  const routes = Array.from({ length: 40 }, (_, i) => ({ destination: `10.${i + 1}.0.0/16`, gateway: '192.168.0.254' }));
  return { networkDataDelivery: delivery, networks: [{ name: 'eth1', ipConfig: { address: '192.168.0.10/24', gateway: '192.168.0.1' }, routes }] };
}

describe('renderVm', () => {
  const spec = withNets(
    { name: 'data', vlanId: 100 },
    { name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.0/24' } },
    { name: 'vf1', type: 'sriov', resourceName: 'intel.com/sriov_netdevice' },
    { name: 'ext', nadName: 'infra/ext-net' },
  );

  it('renders the NADs and Subnets the VM owns, labelled as owned', () => {
    const out = renderVm({ name: 'vm1', namespace: 'prod' }, spec);
    expect(out.nads.map(n => n.metadata.name)).toEqual(['vm1-data-nad', 'vm1-ovn-nad', 'vm1-vf1-nad']);
    expect(out.nads[0]).toEqual({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'vm1-data-nad', namespace: 'prod', labels: OWNED },
      spec: {
        config: '{\n  "cniVersion": "0.3.1",\n  "name": "vm1-data-nad",\n  "type": "bridge",\n  "bridge": "br-data",\n  "vlan": 100,\n  "ipam": {}\n}',
      },
    });
    expect(out.nads[2].metadata.annotations).toEqual({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_netdevice' });
    expect(out.subnets).toEqual([{
      apiVersion: 'kubeovn.io/v1',
      kind: 'Subnet',
      metadata: { name: 'vm1-ovn-nad', labels: OWNED },
      spec: {
        protocol: 'IPv4',
        cidrBlock: '10.20.0.0/24',
        gateway: '10.20.0.1',
        excludeIps: ['10.20.0.1'],
        provider: 'vm1-ovn-nad.prod.ovn',
        vpc: 'ovn-cluster',
        gatewayType: 'distributed',
        enableLb: true,
      },
    }]);
  });

  it('renders the cloud-init Secret with user data and the network data', () => {
    const out = renderVm({ name: 'vm1', namespace: 'prod' }, spec);
    expect(out.networkData).toBe(networkDataYaml(buildNetworkData(out.vm)));
    expect(out.secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vm1-cloudinit', namespace: 'prod', labels: OWNED },
      type: 'Opaque',
      stringData: { userdata: DEFAULT_USER_DATA, networkdata: out.networkData },
    });
    expect(out.virtualMachine.spec.template.spec.volumes[1].cloudInitNoCloud).toEqual({
      secretRef: { name: 'vm1-cloudinit' }, networkDataSecretRef: { name: 'vm1-cloudinit' },
    });
  });

  it('returns only the warnings', () => {
    const out = renderVm({ name: 'vm1' }, withNets({ name: 'mv', type: 'macvlan' }));
    expect(out.warnings.map(w => [w.severity, w.path])).toEqual([['warning', 'networks[0].type']]);
  });

  it('throws a WukongValidationError listing every error, and no warning', () => {
    const e = validationError(() => renderVm({ name: 'vm1' }, { cpu: 0, memory: 'lots', networks: [{ name: 'mv', type: 'macvlan', vlanId: 0 }] }));
    expect(e.name).toBe('WukongValidationError');
    expect(e.issues.map(i => i.path)).toEqual(['cpu', 'memory', 'networks[0].vlanId']);
    expect(e.message).toBe([
      'VM \'vm1\' is invalid (3 errors):',
      '  cpu: 0 is out of range 1..1024 (whole cores)',
      '  memory: \'lots\' is not a Kubernetes quantity like \'4Gi\'',
      '  networks[0].vlanId: 0 is out of range 1..4094',
    ].join('\n'));
  });

  it('names an unnamed VM (unnamed) in the error', () => {
    expect(validationError(() => renderVm({}, {})).message).toBe('VM \'(unnamed)\' is invalid (1 error):\n  name: is required');
  });

  it('renders inline cloud-init data into the VM and no Secret', () => {
    const out = renderVm({ name: 'vm1' }, { networkDataDelivery: 'inline', userData: '#cloud-config\nhostname: a\n' });
    expect(out.secret).toBeUndefined();
    expect(out.virtualMachine.spec.template.spec.volumes[1].cloudInitNoCloud).toEqual({ userData: '#cloud-config\nhostname: a\n', networkData: out.networkData });
  });

  it('fails if inline network data is over 2048 bytes', () => {
    const size = Buffer.byteLength(renderVm({ name: 'vm1' }, bigSpec('secret')).networkData);
    expect(size).toBeGreaterThan(INLINE_CLOUD_INIT_LIMIT);
    const e = validationError(() => renderVm({ name: 'vm1' }, bigSpec('inline')));
    expect(e.issues).toEqual([{
      severity: 'error',
      path: 'networkDataDelivery',
      message: `'inline' cannot carry this VM's network data: it is ${size} bytes and KubeVirt accepts at most 2048 inline; use 'secret'`,
    }]);
    expect(e.message).toMatch(/^VM 'default\/vm1' is invalid \(1 error\)/);
  });

  it('fails if inline user data is over 2048 bytes, counting bytes not characters', () => {
    const userData = `#cloud-config\n# ${'é'.repeat(1020)}\n`;
    expect(userData.length).toBeLessThan(2048);
    const e = validationError(() => renderVm({ name: 'vm1' }, { networkDataDelivery: 'inline', userData }));
    expect(e.issues).toEqual([{
      severity: 'error',
      path: 'networkDataDelivery',
      message: `'inline' cannot carry this VM's user data: it is ${Buffer.byteLength(userData)} bytes and KubeVirt accepts at most 2048 inline; use 'secret'`,
    }]);
  });

  it('fails at spec.networkDataDelivery for a Wukong object', () => {
    const e = validationError(() => renderVm({ name: 'vm1' }, bigSpec('inline'), MANIFEST_PATHS));
    expect(e.issues.map(i => i.path)).toEqual(['spec.networkDataDelivery']);
  });

  it('accepts large data with secret delivery', () => {
    expect(renderVm({ name: 'vm1' }, bigSpec('secret')).secret?.stringData.networkdata.length).toBeGreaterThan(2048);
  });
});

describe('renderResolvedVm', () => {
  it('renders a resolved VM with no warnings by default', () => {
    const vm = resolveOk(withNets({ name: 'data' }));
    const out = renderResolvedVm(vm);
    expect(out.vm).toBe(vm);
    expect(out.warnings).toEqual([]);
    expect(out.nads.map(n => n.metadata.name)).toEqual(['vm1-data-nad']);
    expect(out.virtualMachine.metadata.name).toBe('vm1');
  });

  it('does not render NADs shared by a MultiNic or Subnets of reused NADs', () => {
    const { vm } = resolveVm({ name: 'vm1' }, withNets(
      { name: 'data', nadName: 'rack1-data-nad', sharedBy: 'rack1' },
      { name: 'ovn', type: 'kube-ovn', nadName: 'ovn-net', subnet: { cidrBlock: '10.20.0.0/24' } },
    ));
    const out = renderResolvedVm(vm!);
    expect(out.nads).toEqual([]);
    expect(out.subnets).toEqual([]);
  });

  it('uses the given path for inline-size errors', () => {
    const vm = resolveOk({ networkDataDelivery: 'inline', userData: 'x'.repeat(3000) });
    expect(validationError(() => renderResolvedVm(vm, [], 'props.delivery')).issues.map(i => i.path)).toEqual(['props.delivery']);
  });
});
