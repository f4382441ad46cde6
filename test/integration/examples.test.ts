/**
 * Every example and every seed YAML example, synthesized by the project's public commands (`npx cdk8s synth`,
 * `wukong synth`), is accepted by the real API server, reads back exactly as sent, resolves its references there, and
 * its network data renders in cloud-init as the spec asks.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { App } from 'cdk8s';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { eniProblems, netplanProblems, render, sysconfigProblems } from './support/cloud-init';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { dryRunThenCreate, ensureNamespaces, notStoredAsSent, readBack, unresolvedReferences } from './support/objects';
import { TS_EXAMPLES, wukongExamples } from '../../examples/main';
import { PRINT_WARNINGS_CONTEXT, ResolvedVm, WukongVm, readWukong } from '../../src';
import { synthFileName } from '../../src/cli/synth';
import { wukong } from '../support/cli';
import { Manifest } from '../support/manifests';

const ROOT = join(__dirname, '..', '..');

interface Example {
  readonly name: string;
  readonly objects: Manifest[];
  readonly vms: ResolvedVm[];
}

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map(d => d.toJS());
}

/** TypeScript examples through `npx cdk8s synth`; the spec each VM was resolved from, for the guest checks. */
function tsExamples(out: string): Example[] {
  execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  return Object.entries(TS_EXAMPLES).map(([name, build]) => {
    const app = new App();
    app.node.setContext(PRINT_WARNINGS_CONTEXT, false);
    build(app);
    const vms = app.node.findAll().filter((c): c is WukongVm => c instanceof WukongVm).map(v => v.render().vm);
    return { name, objects: readManifests(join(out, `${name}.k8s.yaml`)), vms };
  });
}

/** Seed YAML examples through `wukong synth`, each moved into a fresh namespace of its own first. */
function yamlExamples(out: string): Example[] {
  mkdirSync(out, { recursive: true });
  return wukongExamples().map(file => {
    const name = basename(file, '.yaml');
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map(d => d.toJS());
    for (const d of docs) d.metadata.namespace = `yaml-${name}`.replace(/\./g, '-');
    const input = join(out, `${name}.yaml`);
    writeFileSync(input, docs.map(d => stringify(d)).join('---\n'));
    const r = wukong(['synth', input, '-o', join(out, name)]);
    if (r.code !== 0) throw new Error(`wukong synth ${file} failed:\n${r.stderr}`);
    const objects = docs.flatMap(d => readManifests(join(out, name, synthFileName(d.metadata))));
    return { name: `wukong/${name}`, objects, vms: docs.map(d => readWukong(d).vm!) };
  });
}

describeWithCluster('examples on the real API server', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const out = mkdtempSync(join(tmpdir(), 'wukong-it-examples-'));
  const examples = [...tsExamples(join(out, 'ts')), ...yamlExamples(join(out, 'yaml'))];
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('covers every example and every seed YAML example', () => {
    expect(examples.map(e => e.name)).toEqual([...Object.keys(TS_EXAMPLES), ...wukongExamples().map(f => `wukong/${basename(f, '.yaml')}`)]);
  });

  describe.each(examples.map(e => [e.name, e] as const))('%s', (_name, example) => {
    let createErrors: string[] = [];
    beforeAll(async () => {
      await ensureNamespaces(kc, example.objects);
      createErrors = await dryRunThenCreate(kc, example.objects);
    });

    it('is accepted by the server: a dry-run create of every object, then a real create', () => {
      expect(example.objects.length).toBeGreaterThan(0);
      expect(createErrors).toEqual([]);
    });

    it('reads back as sent: no field was pruned or changed', async () => {
      const problems: string[] = [];
      for (const obj of example.objects) {
        problems.push(...notStoredAsSent(obj, await readBack(kc, obj)).map(p => `${obj.kind} ${obj.metadata.name}: ${p}`));
      }
      expect(problems).toEqual([]);
    });

    it('resolves its references on the server (NADs, kube-ovn Subnets, network-data Secret)', async () => {
      expect(await unresolvedReferences(kc, example.objects)).toEqual([]);
    });

    it('has network data that cloud-init renders as the spec asks (debian netplan and eni, fedora sysconfig)', async () => {
      const problems: string[] = [];
      for (const vm of example.vms) {
        const secret = await readBack(kc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${vm.name}-cloudinit`, namespace: vm.namespace } });
        const networkData = Buffer.from(secret.data.networkdata, 'base64').toString('utf8');
        expect(parse(networkData).version).toBe(2);
        problems.push(...netplanProblems(vm, render(state.cloudInit, networkData, 'netplan')));
        problems.push(...eniProblems(vm, render(state.cloudInit, networkData, 'eni')));
        problems.push(...sysconfigProblems(vm, render(state.cloudInit, networkData, 'sysconfig')));
      }
      expect(problems).toEqual([]);
    });
  });
});
