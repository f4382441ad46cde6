// A 2-NIC VM. `pulumi config set storageNic true` adds a third NIC, which `pulumi up` hot-plugs into the running VM;
// setting it back to false unplugs it (state: absent) and deletes its NAD once KubeVirt has detached it.
import * as pulumi from '@pulumi/pulumi';
import { WukongVm } from 'wukong-iac/pulumi';

const config = new pulumi.Config();
const storageNic = config.getBoolean('storageNic') ?? false;

const vm = new WukongVm('web', {
  metadata: { name: 'web', namespace: config.get('namespace') ?? 'default' },
  spec: {
    cpu: 2,
    memory: '4Gi',
    networks: [
      { name: 'mgmt', type: 'bridge', vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1', dnsServers: ['10.10.0.53'] } },
      { name: 'data', type: 'bridge', vlanId: 20, ipConfig: { address: '10.20.0.11/24' } },
      ...(storageNic ? [{ name: 'storage', type: 'bridge' as const, vlanId: 200, mtu: 9000, ipConfig: { address: '192.168.200.11/24' } }] : []),
    ],
  },
  // Optional: `pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"`; refresh and destroy use KUBECONFIG.
  kubeconfig: config.getSecret('kubeconfig'),
  wait: true,
});

export const uid = vm.uid;
export const nics = vm.nics;
export const plan = vm.plan;
export const restartRequired = vm.restartRequired;
