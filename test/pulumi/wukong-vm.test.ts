import * as pulumi from '@pulumi/pulumi';
import { recordingMocks, Registration, valueOf } from './mocks';
import { MANIFEST_PATHS, renderVm } from '../../src/model';
import { PROVIDER_IMPL_MODULE, WukongVm } from '../../src/pulumi';
import { baseVmSpec } from '../model/fixtures';

const METADATA = { name: 'web', namespace: 'prod' };
const SPEC = {
  networks: [
    { name: 'mgmt', type: 'bridge' as const, vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1' } },
    { name: 'data', type: 'bridge' as const, vlanId: 20, ipConfig: { address: '10.20.0.11/24' } },
  ],
};
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t-t0ken-do-not-leak\n';

let registrations: Registration[];
beforeEach(async () => {
  registrations = await recordingMocks();
});

async function settle(vm: WukongVm): Promise<void> {
  await valueOf(pulumi.all([vm.uid, vm.ownedObjects.urn]));
  await new Promise(r => setTimeout(r, 50));
}

function one(type: string): Registration {
  const found = registrations.filter(r => r.type === type);
  if (found.length !== 1) throw new Error(`${found.length} registrations of ${type}: ${registrations.map(r => r.type).join(', ')}`);
  return found[0];
}

describe('WukongVm (Pulumi component)', () => {
  it('creates the owned NADs and Secret from the model, and the VM after them', async () => {
    const vm = new WukongVm('web', { metadata: METADATA, spec: SPEC });
    await settle(vm);
    const group = one('kubernetes:yaml/v2:ConfigGroup');
    const model = renderVm(METADATA, SPEC, MANIFEST_PATHS);
    expect(group.inputs.objs).toEqual(JSON.parse(JSON.stringify([...model.nads, model.secret])));
    const dynamic = one('pulumi-nodejs:dynamic/wukong:VirtualMachine');
    expect(dynamic.name).toBe('web');
    expect(dynamic.inputs).toMatchObject({ metadata: METADATA, spec: JSON.parse(JSON.stringify(SPEC)), manageOwnedObjects: false });
    expect(dynamic.dependencies).toContain(group.urn);
    expect(one('wukong:index:WukongVm').urn).toBe(dynamic.parent);
    expect(await valueOf(vm.uid)).toBe('mock-uid');
  });

  it('serializes a tiny provider that loads its implementation at run time and captures no credentials', async () => {
    const vm = new WukongVm('web', { metadata: METADATA, spec: SPEC, kubeconfig: pulumi.secret(KUBECONFIG) });
    await settle(vm);
    const provider: string = one('pulumi-nodejs:dynamic/wukong:VirtualMachine').inputs.__provider;
    expect(provider).toContain(PROVIDER_IMPL_MODULE);
    expect(provider.length).toBeLessThan(4000);
    expect(provider).not.toContain('s3cr3t');
    expect(JSON.stringify(registrations.filter(r => r.type !== 'pulumi:providers:kubernetes').map(r => ({ ...r, inputs: { ...r.inputs, kubeconfig: undefined } }))))
      .not.toContain('s3cr3t');
  });

  it('passes user data as a secret input of its own, never in the plain spec', async () => {
    const vm = new WukongVm('web', { metadata: METADATA, spec: { ...SPEC, userData: '#cloud-config\npassword: hunter2-user-data\n' } });
    await settle(vm);
    const dynamic = one('pulumi-nodejs:dynamic/wukong:VirtualMachine');
    expect(dynamic.inputs.spec.userData).toBeUndefined();
    expect(JSON.stringify(dynamic.inputs.spec)).not.toContain('hunter2');
    // The engine's marker for a secret value (pulumi/sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig).
    expect(dynamic.inputs.userData).toEqual({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', 'value': '#cloud-config\npassword: hunter2-user-data\n' });
  });

  it('gives the owned objects a kubernetes provider made from the kubeconfig', async () => {
    const vm = new WukongVm('web', { metadata: METADATA, spec: SPEC, kubeconfig: KUBECONFIG });
    await settle(vm);
    const provider = one('pulumi:providers:kubernetes');
    expect(provider.name).toBe('web-k8s');
    expect(one('kubernetes:yaml/v2:ConfigGroup').provider).toContain(provider.urn);
  });

  it('fails at once, naming every bad field, when the spec is known', () => {
    expect(() => new WukongVm('bad', { metadata: METADATA, spec: { networks: [{ name: 'eth0', vlanId: 4095, mtu: 10 }] } }))
      .toThrow(/spec.networks\[0\].vlanId: 4095 is out of range 1..4094\n\s+spec.networks\[0\].mtu: 10 is out of range 68..65535/);
    expect(registrations.filter(r => r.type !== 'wukong:index:WukongVm')).toEqual([]);
  });

  it('takes the machine fields too: an instance type and a DataVolume disk, and names a conflict with spec.', async () => {
    const spec = { ...SPEC, instancetype: { name: 'u1.medium' }, disks: [{ name: 'root', dataVolume: { source: { http: { url: 'https://x/y.qcow2' } }, size: '20Gi' } }] };
    await settle(new WukongVm('prod-vm', { metadata: { ...METADATA, name: 'prod-vm' }, spec }));
    expect(one('pulumi-nodejs:dynamic/wukong:VirtualMachine').inputs.spec).toMatchObject({ instancetype: { name: 'u1.medium' }, disks: [{ name: 'root' }] });
    expect(() => new WukongVm('conflict', { metadata: METADATA, spec: { ...spec, cpu: 2 } }))
      .toThrow(/spec.cpu: 2 conflicts with the instance type 'u1.medium', which sets it/);
  });

  it('attaches its NICs to a VM defined elsewhere (spec.virtualMachine), naming a clash with spec.', async () => {
    const spec = { networks: SPEC.networks, virtualMachine: baseVmSpec() };
    await settle(new WukongVm('legacy', { metadata: { ...METADATA, name: 'legacy' }, spec }));
    expect(one('pulumi-nodejs:dynamic/wukong:VirtualMachine').inputs.spec.virtualMachine).toEqual(baseVmSpec());
    expect(() => new WukongVm('clash', { metadata: METADATA, spec: { ...spec, memory: '2Gi' } }))
      .toThrow(/spec.memory: belongs to the VM's own spec when NICs are attached to it \(virtualMachine\); set it there, in virtualMachine.template.spec.domain.memory/);
  });
});

describe('the Pulumi example program', () => {
  it.each([[false, ['mgmt', 'data']], [true, ['mgmt', 'data', 'storage']]])('with storageNic=%s has the NICs %j', async (storage, nics) => {
    pulumi.runtime.setAllConfig({ 'project:storageNic': String(storage) });
    await jest.isolateModulesAsync(async () => {
      const program = await import('../../examples/pulumi/index');
      await valueOf(program.uid);
    });
    const vm = one('pulumi-nodejs:dynamic/wukong:VirtualMachine');
    expect(vm.inputs.spec.networks.map((n: { name: string }) => n.name)).toEqual(nics);
  });
});
