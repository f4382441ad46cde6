import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart, Testing, Yaml } from 'cdk8s';
import { FINISH_CONTEXT, GITOPS_CONTEXT, MultiNic, PREVIOUS_CONTEXT, PRINT_WARNINGS_CONTEXT, WukongValidationError, WukongVm, WukongVmProps } from '../../src';
import { Manifest, interfaces, one } from '../support/manifests';

const ETH0 = { name: 'eth0', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } };
const ETH1 = { name: 'eth1', vlanId: 20, ipConfig: { address: '10.0.20.5/24' } };

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'wukong-gitops-ctx-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A chart in an app with `context`, quiet. */
function chartWith(context: Record<string, unknown>): Chart {
  const app = new App();
  for (const [k, v] of Object.entries({ [PRINT_WARNINGS_CONTEXT]: false, ...context })) app.node.setContext(k, v);
  return new Chart(app, 'c', { namespace: 'prod' });
}

/** Synthesizes VM `web` with `props` into `dir/<name>.yaml` (the previous output) and returns the objects. */
function output(name: string, props: WukongVmProps, context: Record<string, unknown> = {}): Manifest[] {
  const chart = chartWith(context);
  new WukongVm(chart, 'web', props);
  const objects = Testing.synth(chart) as Manifest[];
  writeFileSync(join(dir, `${name}.yaml`), Yaml.stringify(...objects));
  return objects;
}

const states = (objects: Manifest[]) => Object.values(interfaces(one(objects, 'VirtualMachine'))).map(i => `${i.name}${i.state ? `:${i.state}` : ''}`);

describe('WukongVm with the GitOps context keys', () => {
  it('keeps a NIC of the previous output as a tombstone with its NAD, and reports it', () => {
    output('prev', { networks: [ETH0, ETH1] });
    const chart = chartWith({ [PREVIOUS_CONTEXT]: dir, [GITOPS_CONTEXT]: 'argocd' });
    const vm = new WukongVm(chart, 'web', { networks: [ETH0] });
    const objects = Testing.synth(chart) as Manifest[];
    expect(states(objects)).toEqual(['default', 'eth0', 'eth1:absent']);
    expect(one(objects, 'NetworkAttachmentDefinition', 'web-eth1-nad').metadata.annotations)
      .toEqual({ 'argocd.argoproj.io/sync-wave': '-1', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(one(objects, 'NetworkAttachmentDefinition', 'web-eth0-nad').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(one(objects, 'Secret').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(vm.tombstones).toEqual(['eth1']);
    expect(vm.tombstoneWarnings.map(w => w.message)).toEqual([expect.stringMatching(/^NIC 'eth1' of VM prod\/web is in the previous output .*--finish prod\/web\/eth1/)]);
    expect(vm.warnings).toEqual(expect.arrayContaining(vm.tombstoneWarnings));
  });

  it('drops the tombstone when addNic brings the NIC back, with its own NAD in place of the kept one', () => {
    output('prev', { networks: [ETH0, ETH1] });
    const chart = chartWith({ [PREVIOUS_CONTEXT]: dir });
    const vm = new WukongVm(chart, 'web', { networks: [ETH0] });
    vm.addNic(ETH1);
    const objects = Testing.synth(chart) as Manifest[];
    expect(states(objects)).toEqual(['default', 'eth0', 'eth1']);
    expect(objects.filter(o => o.metadata.name === 'web-eth1-nad')).toHaveLength(1);
    expect(vm.tombstones).toEqual([]);
  });

  it('finishes a tombstone named in wukong:finish (a list or comma-separated)', () => {
    output('prev', { networks: [ETH0, { ...ETH1, state: 'absent' }] });
    for (const finish of [['prod/web/eth1'], 'prod/web/eth1, prod/other/x']) {
      const chart = chartWith({ [PREVIOUS_CONTEXT]: dir, [FINISH_CONTEXT]: finish });
      new WukongVm(chart, 'web', { networks: [ETH0] });
      const objects = Testing.synth(chart) as Manifest[];
      expect(states(objects)).toEqual(['default', 'eth0']);
      expect(objects.some(o => o.metadata.name === 'web-eth1-nad')).toBe(false);
    }
  });

  it('annotates a MultiNic\'s shared NADs as prerequisites', () => {
    const chart = chartWith({ [GITOPS_CONTEXT]: 'argocd' });
    const set = new MultiNic(chart, 'lan', { networks: [{ name: 'a', vlanId: 10 }] });
    new WukongVm(chart, 'web', { networks: [set.nic('a', { ipConfig: { mode: 'dhcp' } })] });
    const objects = Testing.synth(chart) as Manifest[];
    expect(one(objects, 'NetworkAttachmentDefinition', 'lan-a-nad').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
  });

  it.each([
    [{ [GITOPS_CONTEXT]: 'spinnaker' }, /wukong:gitops: "spinnaker" is not valid here; use one of argocd, flux, none/],
    [{ [PREVIOUS_CONTEXT]: '/no/such/dir' }, /wukong:previous: "\/no\/such\/dir" is not valid here; name the directory/],
    [{ [FINISH_CONTEXT]: 'web/eth1' }, /wukong:finish: "web\/eth1" is not valid here; name each tombstone as namespace\/vm\/nic/],
  ])('fails if a context key is wrong: %j', (context, message) => {
    const chart = chartWith(context);
    expect(() => new WukongVm(chart, 'web', { networks: [ETH0] })).toThrow(WukongValidationError);
    expect(() => new WukongVm(chartWith(context), 'web', { networks: [ETH0] })).toThrow(message);
  });
});
