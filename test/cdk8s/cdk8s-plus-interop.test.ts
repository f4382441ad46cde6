/**
 * Wukong's constructs are built on cdk8s-plus-28 (the design's choice; that line has had no release since 2024-09).
 * Apps on the newest line, cdk8s-plus-34, put them in the same chart: this file type-checks that mix (ts-jest compiles
 * it with the project's tsconfig, so a clash of construct types would fail the suite) and proves the output is the same.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { MultiNic, WukongVm } from '../../src';

const NAMESPACE = 'apps';

/** A chart with a VM on a shared fabric, and optionally the cdk8s-plus-34 objects of the same app around it. */
function appChart(withPlus34: boolean): Chart {
  const chart = new Chart(new App(), 'apps', { namespace: NAMESPACE });
  const fabric = new MultiNic(chart, 'fabric', { networks: [{ name: 'storage', type: 'bridge', vlanId: 200, mtu: 9000 }] });
  const vm = new WukongVm(chart, 'db-1', {
    namespace: NAMESPACE,
    networks: [
      { name: 'mgmt', type: 'bridge', vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1' } },
      fabric.nic('storage', { ipConfig: { address: '192.168.200.11/24' } }),
    ],
  });
  if (withPlus34) {
    const config = new kplus.ConfigMap(chart, 'web-config', { data: { DB_HOST: `${vm.name}.${NAMESPACE}` } });
    const web = new kplus.Deployment(chart, 'web', {
      containers: [{ image: 'nginx:1.27', portNumber: 8080, envFrom: [kplus.Env.fromConfigMap(config)] }],
    });
    // Constructs of both lines in one dependency graph: the web tier is applied after the VM and its NADs.
    web.node.addDependency(vm, fabric);
    // A cdk8s-plus-34 Service in front of the VM's launcher pod, selected by the label KubeVirt puts on it.
    const service = new kplus.Service(chart, 'db', { ports: [{ port: 5432 }] });
    service.selectLabel('vm.kubevirt.io/name', vm.name);
  }
  return chart;
}

const wukongKinds = new Set(['NetworkAttachmentDefinition', 'VirtualMachine', 'Secret']);
const byName = (objects: any[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));

describe('WukongVm in an app on cdk8s-plus-34', () => {
  it('synthesizes the same Wukong objects as in an app without it', () => {
    const alone = Testing.synth(appChart(false));
    const mixed = Testing.synth(appChart(true));
    expect(alone.every(o => wukongKinds.has(o.kind))).toBe(true);
    // The same objects, byte for byte; only their place in the file follows the app's dependency graph.
    expect(byName(mixed.filter(o => wukongKinds.has(o.kind)))).toEqual(byName(alone));
    expect(mixed.map(o => o.kind).sort()).toEqual([...alone.map(o => o.kind), 'ConfigMap', 'Deployment', 'Service'].sort());
  });

  it('orders the cdk8s-plus-34 objects after the Wukong objects they depend on', () => {
    const kinds = Testing.synth(appChart(true)).map(o => o.kind);
    expect(kinds.indexOf('Deployment')).toBeGreaterThan(kinds.indexOf('VirtualMachine'));
    expect(kinds.indexOf('Deployment')).toBeGreaterThan(kinds.lastIndexOf('NetworkAttachmentDefinition'));
  });

  it('lets a cdk8s-plus-34 Service select the VM', () => {
    const service = Testing.synth(appChart(true)).find(o => o.kind === 'Service');
    expect(service.spec.selector).toEqual({ 'vm.kubevirt.io/name': 'db-1' });
  });
});
