/**
 * Property-based fuzzing of the model: random specs (valid, and broken one rule at a time as YAML authors break them)
 * either render manifests the CRDs accept or are rejected with every error naming its field; random pairs of valid
 * specs plan and patch a running VM into exactly the new spec. FUZZ_SEED=<n> (and FUZZ_PATH=<path>) replays a run; a
 * failure prints its seed, path and counterexample. Shrinking a 10,000-run property can take longer than CI allows, so
 * it happens only with FUZZ_SHRINK=1 (replay the printed seed with it).
 */
import * as fc from 'fast-check';
import { PlanAction, PlanSubject, RenderedVm, ResolvedVm, WukongValidationError, parseLiveVm, planVm, renderResolvedVm, renderVm, resolveVm, vmPatch } from '../../../src/model';
import { blockYaml, buildNetworkData, documentYaml } from '../../../src/model/render/cloud-init';
import { schemaProblems } from '../../support/crd-schema';
import { Manifest, referenceProblems } from '../../support/manifests';
import { Json, MixedCase, mixedCaseArb, planPairArb } from '../fuzz-arbitraries';
import { applyJsonPatch, liveOf } from '../plan-fixtures';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** With FUZZ_SEED, the `path` fast-check printed replays the failing case directly. */
const PATH = process.env.FUZZ_PATH;

const SHRINK = process.env.FUZZ_SHRINK === '1';

function params<T>(numRuns: number): fc.Parameters<T> {
  const base = { numRuns, endOnFailure: !SHRINK };
  if (SEED === undefined) return base;
  return PATH ? { ...base, seed: SEED, path: PATH } : { ...base, seed: SEED };
}

/** NADs the spec names by nadName (they exist elsewhere), as `namespace/name`. */
function externalNads(c: MixedCase): string[] {
  const ns = typeof c.meta.namespace === 'string' ? c.meta.namespace : 'default';
  const nics: unknown[] = Array.isArray(c.spec.networks) ? c.spec.networks : [];
  return nics.filter((n): n is Json => !!n && typeof n === 'object' && typeof (n as Json).nadName === 'string')
    .map(n => (n.nadName.includes('/') ? n.nadName : `${ns}/${n.nadName}`));
}

function isUnder(issuePath: string, path: string): boolean {
  return issuePath === path || issuePath.startsWith(`${path}.`) || issuePath.startsWith(`${path}[`);
}

function manifestsOf(r: RenderedVm): Manifest[] {
  return [...r.nads, ...r.subnets, ...(r.secret ? [r.secret] : []), r.virtualMachine] as unknown as Manifest[];
}

describe('fuzz: renderVm over random specs', () => {
  it('renders manifests the CRDs accept, or throws a WukongValidationError naming each field (10,000 specs)', () => {
    const stats = { valid: 0, invalid: 0, unmutatedValid: 0, slowYaml: 0, labels: new Set<string>() };
    fc.assert(fc.property(mixedCaseArb, c => {
      let rendered: RenderedVm;
      try {
        rendered = renderVm(c.meta, c.spec);
      } catch (e) {
        if (!(e instanceof WukongValidationError)) {
          throw new Error(`renderVm threw ${(e as Error)?.name}, not WukongValidationError: ${(e as Error)?.stack ?? e}`);
        }
        // Plain checks, whose messages name the spec's own errors.
        if (!c.mutations.length) throw new Error(`rejected a spec built within the rules: ${e.message}`);
        if (!e.issues.length) throw new Error(`WukongValidationError without issues: ${e.message}`);
        const bad = e.issues.filter(i => i.severity !== 'error' || typeof i.path !== 'string' || !i.path.trim() || typeof i.message !== 'string' || !i.message.trim());
        if (bad.length) throw new Error(`issues without a path or a message: ${JSON.stringify(bad)}`);
        for (const m of c.mutations) {
          if (!m.path) continue;
          if (!e.issues.some(i => isUnder(i.path, m.path!))) {
            throw new Error(`mutation ${m.label}: no error names ${m.path}; errors: ${e.issues.map(i => `${i.path}: ${i.message}`).join(' | ')}`);
          }
        }
        c.mutations.forEach(m => stats.labels.add(m.label));
        stats.invalid++;
        return;
      }
      const missed = c.mutations.filter(m => m.invalid);
      if (missed.length) throw new Error(`accepted a spec broken by ${missed.map(m => m.label).join(', ')}`);
      const objects = manifestsOf(rendered);
      // The fast network-data writer agrees with the yaml library byte for byte.
      const data = buildNetworkData(rendered.vm);
      const fast = blockYaml(data);
      if (fast === undefined) stats.slowYaml += Object.keys(data.ethernets).length ? 1 : 0;
      else if (fast !== documentYaml(data)) throw new Error(`blockYaml differs from documentYaml:\n${fast}\n---\n${documentYaml(data)}`);
      const problems = [...objects.flatMap(o => schemaProblems(o)), ...referenceProblems(objects, externalNads(c))];
      if (problems.length) throw new Error(`rendered manifests with problems:\n${problems.join('\n')}`);
      stats.valid++;
      if (!c.mutations.length) stats.unmutatedValid++;
    }), params(10_000));
    const total = stats.valid + stats.invalid;
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(stats.valid / total).toBeGreaterThan(0.1);
    expect(stats.invalid / total).toBeGreaterThan(0.1);
    // Specs built within the rules, left alone, were all rendered.
    expect(stats.unmutatedValid).toBeGreaterThan(2_000);
    // The generator's names and addresses are all printable ASCII: the fast writer took every VM with a NIC.
    expect(stats.slowYaml).toBe(0);
    // Most rule breakers fired at least once.
    expect(stats.labels.size).toBeGreaterThan(120);
  });
});

const META = { name: 'web', namespace: 'ns' };
/** The actions README documents per subject, for a VM that exists and runs. */
const DOCUMENTED: Record<PlanSubject, PlanAction[]> = {
  nic: ['unchanged', 'hotplug', 'hotplug-via-migration', 'unplug', 'restart-required', 'rejected'],
  VirtualMachine: ['vm-update', 'restart-required'],
  NetworkAttachmentDefinition: ['nad-create', 'nad-update', 'nad-delete'],
  Subnet: ['subnet-create', 'subnet-update', 'subnet-delete', 'rejected'],
  Secret: ['secret-create', 'secret-update'],
};

function resolved(spec: Json): ResolvedVm {
  const r = resolveVm(META, spec);
  if (!r.vm) throw new Error(`the pair generator built an invalid spec: ${r.issues.filter(i => i.severity === 'error').map(i => `${i.path}: ${i.message}`).join(' | ')}`);
  return r.vm;
}

function byName(items: Json[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const x of items) {
    if (x.name in out) throw new Error(`two entries named ${x.name}`);
    out[x.name] = x;
  }
  return out;
}

describe('fuzz: planVm and vmPatch over random changes to a running VM', () => {
  it('never replaces the VM, rejects removing the primary NIC or the pod network, and patches the VM into the new spec (1,000 pairs)', () => {
    const stats = { rejected: 0, patched: 0, primaryGone: 0, actions: new Map<string, number>() };
    fc.assert(fc.property(planPairArb(META), pair => {
      const old = resolved(pair.old);
      const next = resolved(pair.new);
      const live = liveOf(old);
      const plan = planVm({ desired: next, applied: old, live, allowRestart: true, kubevirtVersion: { major: 1, minor: 9 } });
      for (const e of plan.entries) {
        stats.actions.set(`${e.subject} ${e.action}`, (stats.actions.get(`${e.subject} ${e.action}`) ?? 0) + 1);
        if (!DOCUMENTED[e.subject].includes(e.action)) throw new Error(`undocumented action: ${e.subject} ${e.name} ${e.action} (${e.reason})`);
      }
      const gone = (name: string | undefined) => name !== undefined && !next.nics.some(n => n.name === name);
      const oldPrimary = old.nics.find(n => n.primary)?.name;
      const oldPod = old.nics.find(n => n.type === 'pod')?.name;
      if (gone(oldPrimary) || gone(oldPod)) {
        stats.primaryGone++;
        expect(plan.rejected).toBe(true);
      }
      if (plan.rejected) {
        stats.rejected++;
        return;
      }
      const desired = renderResolvedVm(next);
      const liveVm = live.vm as Json;
      const ops = vmPatch({ plan, live: parseLiveVm(liveVm)!, desired, lastApplied: renderResolvedVm(old), appliedDigest: 'fuzz' });
      if (ops.length) expect(ops[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '1' });
      const after = applyJsonPatch(liveVm, ops);
      const want = desired.virtualMachine.spec.template;
      const ifaces: Json[] = after.spec.template.spec.domain.devices.interfaces;
      const nets: Json[] = after.spec.template.spec.networks;
      const absent = ifaces.filter(i => i.state === 'absent').map(i => i.name).sort();
      const unplugged = plan.entries.filter(e => e.subject === 'nic' && e.action === 'unplug').map(e => e.name).sort();
      expect(absent).toEqual(unplugged);
      for (const name of absent) {
        expect(next.nics.some(n => n.name === name)).toBe(false);
        expect(nets.some(n => n.name === name)).toBe(true);
      }
      expect(byName(ifaces.filter(i => i.state !== 'absent'))).toEqual(byName(want.spec.domain.devices.interfaces as unknown as Json[]));
      expect(byName(nets.filter(n => !absent.includes(n.name)))).toEqual(byName(want.spec.networks as unknown as Json[]));
      expect(after.spec.runStrategy).toBe(desired.virtualMachine.spec.runStrategy);
      expect(after.spec.template.spec.domain.cpu).toEqual(want.spec.domain.cpu);
      expect(after.spec.template.spec.domain.memory).toEqual(want.spec.domain.memory);
      expect(after.spec.template.spec.volumes).toEqual(want.spec.volumes);
      expect(after.spec.template.metadata.annotations ?? {}).toEqual(want.metadata.annotations ?? {});
      stats.patched++;
    }), params(1_000));
    // Both outcomes, and the interesting actions, happened.
    expect(stats.patched).toBeGreaterThan(250);
    expect(stats.rejected).toBeGreaterThan(50);
    expect(stats.primaryGone).toBeGreaterThan(20);
    for (const a of ['nic hotplug', 'nic unplug', 'nic restart-required', 'nic hotplug-via-migration', 'nic unchanged', 'VirtualMachine restart-required']) {
      expect(stats.actions.get(a) ?? 0).toBeGreaterThan(5);
    }
  });
});
