import { Chart, Testing } from 'cdk8s';
import { MultiNic, WukongVm } from '../../src';
import { synth } from '../support/charts';
import { interfaces, networkData, ofKind, one, referenceProblems } from '../support/manifests';

function fabric(chart: Chart): MultiNic {
  return new MultiNic(chart, 'fabric', {
    networks: [
      { name: 'storage', vlanId: 200, mtu: 9000 },
      { name: 'tenant', type: 'kube-ovn', subnet: { cidrBlock: '172.20.0.0/24', excludeIps: ['172.20.0.2..172.20.0.50'] } },
    ],
  });
}

describe('MultiNic', () => {
  it('creates each shared NAD once per namespace, however many VMs attach', () => {
    const objects = synth(chart => {
      const f = fabric(chart);
      for (const name of ['a', 'b', 'c']) {
        new WukongVm(chart, name, { namespace: 'db', networks: [f.nic('storage', { ipConfig: { address: `192.168.200.${name.charCodeAt(0)}/24` } })] });
      }
    });
    const nads = ofKind(objects, 'NetworkAttachmentDefinition');
    expect(nads.map(n => `${n.metadata.namespace}/${n.metadata.name}`)).toEqual(['db/fabric-storage-nad', 'db/fabric-tenant-nad']);
    expect(nads[0].metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/multinic': 'fabric' });
    expect(JSON.parse(nads[0].spec.config)).toEqual({ cniVersion: '0.3.1', name: 'fabric-storage-nad', type: 'bridge', bridge: 'br-storage', vlan: 200, mtu: 9000, ipam: {} });
    expect(ofKind(objects, 'Subnet').map(s => s.spec.provider)).toEqual(['fabric-tenant-nad.db.ovn']);
    for (const vm of ofKind(objects, 'VirtualMachine')) {
      expect(vm.spec.template.spec.networks[1]).toEqual({ name: 'storage', multus: { networkName: 'fabric-storage-nad' } });
    }
    expect(referenceProblems(objects)).toEqual([]);
  });

  it('lets each VM bring its own address, MAC and routes', () => {
    const objects = synth(chart => {
      const f = fabric(chart);
      new WukongVm(chart, 'a', {
        networks: [f.nic('tenant', {
          name: 'ten0',
          macAddress: '02:00:00:00:00:aa',
          ipConfig: { address: '172.20.0.11/24' },
          routes: [{ destination: '172.21.0.0/16', gateway: '172.20.0.1', metric: 50 }],
        })],
      });
    });
    const vm = one(objects, 'VirtualMachine');
    expect(interfaces(vm).ten0).toEqual({ name: 'ten0', bridge: {}, macAddress: '02:00:00:00:00:aa' });
    expect(vm.spec.template.metadata.annotations).toEqual({
      'fabric-tenant-nad.default.ovn.kubernetes.io/ip_address': '172.20.0.11',
      'fabric-tenant-nad.default.ovn.kubernetes.io/mac_address': '02:00:00:00:00:aa',
    });
    expect(networkData(one(objects, 'Secret')).ethernets.ten0.routes).toEqual([{ to: '172.21.0.0/16', via: '172.20.0.1', metric: 50 }]);
  });

  it('creates the NADs of a network added later in every namespace already attached', () => {
    const objects = synth(chart => {
      const f = new MultiNic(chart, 'f', { networks: [{ name: 'a', vlanId: 10 }] });
      new WukongVm(chart, 'v1', { namespace: 'x', networks: [f.nic('a')] });
      new WukongVm(chart, 'v2', { namespace: 'y', networks: [f.nic('a')] });
      f.addNetwork({ name: 'b', vlanId: 11 });
    });
    expect(ofKind(objects, 'NetworkAttachmentDefinition').map(n => `${n.metadata.namespace}/${n.metadata.name}`).sort())
      .toEqual(['x/f-a-nad', 'x/f-b-nad', 'y/f-a-nad', 'y/f-b-nad']);
  });

  it('fails if a network definition breaks a NIC rule, naming its field', () => {
    expect(() => new MultiNic(Testing.chart(), 'f', { networks: [{ name: 'a' }, { name: 'b', vlanId: 5000 }] }))
      .toThrow(/networks\[1\].vlanId: 5000 is out of range 1..4094/);
  });

  it('fails if a VM asks for a network the set does not have', () => {
    const f = new MultiNic(Testing.chart(), 'f', { networks: [{ name: 'a' }] });
    expect(() => f.nic('b')).toThrow(/network: 'b' is not a network of this set; it has a/);
  });

  it('fails if two sets of one app share a name', () => {
    const chart = Testing.chart();
    new MultiNic(chart, 'f');
    expect(() => new MultiNic(chart, 'g', { name: 'f' })).toThrow(/'f' is already the name of MultiNic 'test\/f'/);
  });

  it('fails if a kube-ovn network is used from a second namespace, whose Subnet would clash', () => {
    const chart = Testing.chart();
    const f = fabric(chart);
    new WukongVm(chart, 'a', { namespace: 'x', networks: [f.nic('storage')] });
    expect(() => new WukongVm(chart, 'b', { namespace: 'y', networks: [f.nic('storage')] })).toThrow(/Subnet 'fabric-tenant-nad' is also created by/);
  });
});
