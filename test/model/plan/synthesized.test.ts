import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { wukongExamples } from '../../../examples/main';
import { RenderedVm, planSynthesized, planVm, readSynthesized, renderResolvedVm, resolveVm } from '../../../src/model';
import { nicAddressing } from '../../../src/model/net/addressing';
import { DATA, Json, OVN, STOR, clone, scenario, spec, vmOf } from '../plan-fixtures';

const DAY2 = join(__dirname, '..', '..', '..', 'examples', 'wukong', 'day2');

/** The documents `wukong synth` would write for these renders (the Secret as the API would hand it back: base64). */
function output(...rendered: RenderedVm[]): Json[] {
  return clone(rendered.flatMap(r => [...r.nads, ...r.subnets, r.virtualMachine, ...(r.secret ? [r.secret] : [])])) as Json[];
}

/** The plan of a change from spec `a` to spec `b`, both synthesized. */
const planOf = (a: Json, b: Json) => {
  const read = (s: Json) => readSynthesized(output(renderResolvedVm(vmOf(s)))).vms;
  return planSynthesized(read(a), read(b))[0].plan!;
};

const rendersOf = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map(d => {
  const doc = d.toJS();
  return renderResolvedVm(resolveVm(doc.metadata, doc.spec).vm!);
});

const examples = [...wukongExamples(), ...['0-before', '2-add-bridge-nic'].map(n => join(DAY2, `${n}.yaml`))];

describe('readSynthesized', () => {
  it.each(examples.map(f => [f.split('/').pop(), f]))('rebuilds every NIC of %s as it was resolved, addressing included', (_n, file) => {
    for (const rendered of rendersOf(file)) {
      const read = readSynthesized(output(rendered)).vms.get(`${rendered.vm.namespace}/${rendered.vm.name}`)!;
      expect(read.rendered.virtualMachine).toEqual(rendered.virtualMachine);
      for (const nic of rendered.vm.nics) {
        const back = read.rendered.vm.nics.find(n => n.name === nic.name)!;
        const facts = (n: typeof nic) => ({
          type: n.type,
          binding: n.binding,
          mac: n.mac,
          state: n.state,
          linkState: n.linkState,
          primary: n.primary,
          nad: n.nad && { name: n.nad.name, namespace: n.nad.namespace, owner: n.nad.owner },
          mode: n.ip.mode,
          delivery: n.ip.delivery,
          addresses: n.ip.addresses.map(a => a.text),
        });
        expect(facts(back)).toEqual(facts(nic));
        for (const hotplug of [false, true]) {
          expect(nicAddressing(back, read.rendered.vm.userData, hotplug)).toEqual(nicAddressing(nic, rendered.vm.userData, hotplug));
        }
      }
    }
  });

  it('fails, naming the VM, if a VM labelled as Wukong\'s is not in the shape Wukong writes', () => {
    const docs = output(renderResolvedVm(vmOf(spec())));
    delete docs.find(d => d.kind === 'VirtualMachine')!.spec.template;
    const read = readSynthesized(docs);
    expect(read.vms.size).toBe(0);
    expect(read.errors).toEqual([expect.stringMatching(/^VirtualMachine ns\/web is labelled as Wukong's but is not in the shape Wukong writes \(.+\); synthesize it again/)]);
  });

  it('reads a Secret as the API returns it (base64 data) and ignores objects Wukong did not make', () => {
    const r = renderResolvedVm(vmOf(spec()));
    const docs = output(r);
    const secret = docs.find(d => d.kind === 'Secret')!;
    secret.data = Object.fromEntries(Object.entries(secret.stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')]));
    delete secret.stringData;
    const read = readSynthesized([...docs, { kind: 'VirtualMachine', metadata: { name: 'x' } }, 'noise']).vms;
    expect([...read.keys()]).toEqual(['ns/web']);
    expect(read.get('ns/web')!.rendered.secret!.stringData).toEqual(r.secret!.stringData);
  });
});

describe('planSynthesized', () => {
  it.each(examples.map(f => [f.split('/').pop(), f]))('plans no change between two identical outputs of %s', (_n, file) => {
    const docs = output(...rendersOf(file));
    for (const { plan } of planSynthesized(readSynthesized(docs).vms, readSynthesized(clone(docs)).vms)) {
      expect(plan!.entries.filter(e => e.action !== 'unchanged')).toEqual([]);
    }
  });

  it('plans a NIC added as a hot-plug with its live address, and a tombstone as an unplug', () => {
    const added = planOf({ networks: [DATA] }, spec());
    expect(added.entries.find(e => e.name === 'stor')).toMatchObject({ action: 'hotplug', addressing: { when: 'live', live: ['10.0.20.5/24'] } });
    const tomb = planOf(spec(), { networks: [DATA, { ...STOR, state: 'absent' }] });
    expect(tomb.entries.find(e => e.name === 'stor')!.action).toBe('unplug');
    expect(tomb.entries.some(e => e.action === 'nad-delete')).toBe(false);
  });

  it('plans a NIC dropped from the output as restart-required with a warning about its pruned NAD (a GitOps tool applies it as it is)', () => {
    const plan = planOf(spec(), { networks: [DATA] });
    const e = plan.entries.find(x => x.name === 'stor')!;
    expect(e).toMatchObject({ action: 'restart-required', applies: true, reason: expect.stringMatching(/without state: absent.*--previous/) });
    expect(e.warnings).toEqual([expect.stringMatching(/failed to locate network attachment definition/)]);
    expect(plan.entries.some(x => x.action === 'nad-delete' && x.name === 'ns/web-stor-nad')).toBe(true);
  });

  it('plans a kube-ovn NIC added to a running VM with the fixed IP waiting for a restart, as for Wukong YAML', () => {
    const ovn = { ...OVN, ipConfig: { address: '10.20.0.9/24' }, subnet: { ...OVN.subnet, excludeIps: ['10.20.0.9'] } };
    const plan = planOf(spec(), spec([ovn]));
    const fromYaml = planVm(scenario(spec(), spec([ovn]))).entries.find(e => e.name === 'ovn')!;
    expect(plan.entries.find(e => e.name === 'ovn')).toMatchObject({ action: 'hotplug', addressing: fromYaml.addressing });
    expect(fromYaml.addressing!.when).toBe('next-boot');
  });

  it('reports a VM only in the old output as deleted, and one only in the new output as created', () => {
    const a = readSynthesized(output(renderResolvedVm(vmOf(spec())))).vms;
    const b = readSynthesized(output(renderResolvedVm(vmOf(spec(), { name: 'db', namespace: 'ns' })))).vms;
    const plans = planSynthesized(a, b);
    expect(plans.map(p => `${p.vm}:${p.deleted ? 'deleted' : p.plan!.entries.find(e => e.subject === 'VirtualMachine')!.action}`)).toEqual(['ns/db:create', 'ns/web:deleted']);
  });
});
