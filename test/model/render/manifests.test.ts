import { IssueCollector, renderNad, renderSubnet, resolveSubnet } from '../../../src/model';
import { renderCloudInitSecret } from '../../../src/model/render/manifests';

describe('renderNad', () => {
  it('writes the CNI config as pretty JSON without labels or annotations when none are given', () => {
    expect(renderNad({ name: 'n1', namespace: 'prod', config: { cniVersion: '0.3.1', name: 'n1', type: 'sriov' } })).toEqual({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'n1', namespace: 'prod' },
      spec: { config: '{\n  "cniVersion": "0.3.1",\n  "name": "n1",\n  "type": "sriov"\n}' },
    });
  });

  it('annotates the device-plugin resource and copies the labels', () => {
    const labels = { a: 'b' };
    const nad = renderNad({ name: 'n1', namespace: 'prod', config: {}, resourceName: 'intel.com/vf', labels });
    expect(nad.metadata).toEqual({ name: 'n1', namespace: 'prod', labels: { a: 'b' }, annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/vf' } });
    expect(nad.metadata.labels).not.toBe(labels);
  });
});

describe('renderSubnet', () => {
  it('renders a cluster-scoped Subnet and leaves out unset fields', () => {
    const subnet = resolveSubnet({ cidrBlock: '10.20.0.0/24', vlan: 'v100' }, 'n1', 'prod', 'subnet', new IssueCollector())!;
    const manifest = renderSubnet(subnet);
    expect(manifest).toEqual({
      apiVersion: 'kubeovn.io/v1',
      kind: 'Subnet',
      metadata: { name: 'n1' },
      spec: {
        protocol: 'IPv4',
        cidrBlock: '10.20.0.0/24',
        gateway: '10.20.0.1',
        excludeIps: ['10.20.0.1'],
        provider: 'n1.prod.ovn',
        vpc: 'ovn-cluster',
        gatewayType: 'distributed',
        enableLb: true,
        vlan: 'v100',
      },
    });
    expect(Object.keys(manifest.spec)).not.toContain('mtu');
    expect(manifest.spec.excludeIps).not.toBe(subnet.spec.excludeIps);
  });
});

describe('renderCloudInitSecret', () => {
  it('writes userdata and networkdata keys', () => {
    expect(renderCloudInitSecret({ name: 's', namespace: 'ns' }, 'u', 'n')).toEqual({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, type: 'Opaque', stringData: { userdata: 'u', networkdata: 'n' },
    });
  });
});
