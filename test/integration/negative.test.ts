/**
 * What must not get through: specs that break a validation rule never reach the server, and hand-broken manifests are
 * rejected by the server with the field path in the message the user sees.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { dryRunThenCreate, ensureNamespaces } from './support/objects';
import { readWukong, renderVm } from '../../src';
import { Cluster, describeApiError, vmRef } from '../../src/kube';
import { wukong } from '../support/cli';
import { Manifest } from '../support/manifests';

const NS = 'negative';

function wukongYaml(spec: string, name = 'bad'): string {
  return `apiVersion: vm.novasphere.dev/v1alpha1\nkind: Wukong\nmetadata: {name: ${name}, namespace: ${NS}}\nspec:\n${spec}`;
}

function valid(): Manifest[] {
  const r = renderVm({ name: 'vm', namespace: NS }, { networks: [{ name: 'eth0', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }] });
  return [...r.nads, r.virtualMachine, r.secret!] as unknown as Manifest[];
}

async function createError(obj: object): Promise<string[]> {
  const kc = kubeConfigFor(testCluster()!);
  try {
    await KubernetesObjectApi.makeApiClient(kc).create(obj as KubernetesObject, undefined, 'All');
    return [];
  } catch (e) {
    return describeApiError(e, obj as Manifest);
  }
}

describeWithCluster('what never reaches the server', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const dir = mkdtempSync(join(tmpdir(), 'wukong-it-negative-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['vlanId out of range', '  networks:\n  - {name: eth0, vlanId: 4095}\n', 'spec.networks[0].vlanId: 4095 is out of range 1..4094'],
    ['a gateway outside the NIC subnet', '  networks:\n  - {name: eth0, ipConfig: {address: 10.0.0.5/24, gateway: 10.0.9.1}}\n', 'spec.networks[0].ipConfig.gateway'],
    ['an SR-IOV NIC without a resource name', '  networks:\n  - {name: eth0, type: sriov}\n', 'spec.networks[0].resourceName: is required'],
    ['a kube-ovn address outside its subnet', '  networks:\n  - {name: o, type: kube-ovn, subnet: {cidrBlock: 10.1.0.0/24}, ipConfig: {address: 10.2.0.5/24}}\n',
      'spec.networks[0].ipConfig.address'],
    ['a typo in a field name', '  networks:\n  - {name: eth0, vlanID: 10}\n', 'spec.networks[0].vlanID: unknown field; did you mean \'vlanId\'?'],
    ['an unknown runStrategy', '  runStrategy: Sometimes\n', 'spec.runStrategy: \'Sometimes\' is not one of'],
  ])('fails if the spec has %s: wukong synth writes nothing, so nothing can be applied', async (_what, spec, message) => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, wukongYaml(spec));
    const out = join(dir, 'out');
    const r = wukong(['synth', file, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
    const vms = await KubernetesObjectApi.makeApiClient(kc).list('kubevirt.io/v1', 'VirtualMachine', NS);
    expect(vms.items).toEqual([]);
  });

  it('accepts the same objects once they are valid (the negative cases are not rejected for another reason)', async () => {
    const objects = valid();
    await ensureNamespaces(kc, objects);
    expect(await dryRunThenCreate(kc, objects.map(o => ({ ...o, metadata: { ...o.metadata, name: `${o.metadata.name}-ok` } })))).toEqual([]);
  });

  it('rejects a VM whose runStrategy has the wrong type, naming the field', async () => {
    const vm = valid().find(o => o.kind === 'VirtualMachine')!;
    const errors = await createError({ ...vm, spec: { ...vm.spec, runStrategy: 42 } });
    // KubeVirt's mutating webhook checks the schema first (webhookutils.ValidateSchema), with its own wording.
    expect(errors).toEqual(['VirtualMachine negative/vm: spec.runStrategy in body must be of type string: "number"']);
  });

  it('rejects a VM whose interface MAC has the wrong type, naming the field', async () => {
    const vm = valid().find(o => o.kind === 'VirtualMachine')!;
    const broken = structuredClone(vm);
    broken.spec.template.spec.domain.devices.interfaces[1].macAddress = 5;
    expect((await createError(broken)).join('\n')).toMatch(/spec.template.spec.domain.devices.interfaces.macAddress in body must be of type string: "number"/);
  });

  it('rejects a NAD whose config is not a string, and a Subnet whose excludeIps is not a list', async () => {
    const nad = valid().find(o => o.kind === 'NetworkAttachmentDefinition')!;
    expect((await createError({ ...nad, spec: { config: { type: 'bridge' } } })).join('\n')).toMatch(/spec.config: Invalid value: "object": spec.config in body must be of type string/);
    const subnet = { apiVersion: 'kubeovn.io/v1', kind: 'Subnet', metadata: { name: 'bad' }, spec: { cidrBlock: '10.9.0.0/24', excludeIps: '10.9.0.1' } };
    expect((await createError(subnet)).join('\n')).toMatch(/spec.excludeIps: Invalid value: "string": spec.excludeIps in body must be of type array/);
  });

  it('rejects an unknown runStrategy through KubeVirt\'s admission (the CRD has no enum), and Wukong\'s own check stops it first', async () => {
    const vm = valid().find(o => o.kind === 'VirtualMachine')!;
    expect(await createError({ ...vm, spec: { ...vm.spec, runStrategy: 'Sometimes' } })).toEqual(['VirtualMachine negative/vm: spec.runStrategy: Invalid RunStrategy (Sometimes)']);
    const { issues } = readWukong({ apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name: 'vm' }, spec: { runStrategy: 'Sometimes' } });
    expect(issues.map(i => i.path)).toEqual(['spec.runStrategy']);
  });

  it('fails if Wukong\'s own client sends a field the schema does not know: strict field validation names it, nothing is pruned', async () => {
    const cluster = Cluster.connect({ kubeconfigPath: testCluster()!.kubeconfig });
    const vm = valid().find(o => o.kind === 'VirtualMachine')!;
    const strict = { ...vm, metadata: { ...vm.metadata, name: 'strict' }, spec: { ...vm.spec, bogusField: 1 } };
    expect(describeApiError(await cluster.create(strict).catch(e => e), strict))
      .toEqual(['VirtualMachine negative/strict: HTTP 400: VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: unknown field "spec.bogusField"']);
    expect(await cluster.get(vmRef(NS, 'strict'))).toBeUndefined();
    await cluster.create({ ...vm, metadata: { ...vm.metadata, name: 'strict' } });
    const patched = await cluster.patch(vmRef(NS, 'strict'), [{ op: 'add', path: '/spec/template/spec/domain/bogusField', value: 1 }]).catch(e => e);
    expect(describeApiError(patched).join('\n')).toMatch(/unknown field "spec.template.spec.domain.bogusField"/);
    expect((await cluster.get(vmRef(NS, 'strict'))).metadata.generation).toBe(1);
  });
});
