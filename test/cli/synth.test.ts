import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { wukongExamples } from '../../examples/main';
import { deriveMac } from '../../src/model/net/mac';
import { wukong } from '../support/cli';
import { schemaProblems } from '../support/crd-schema';
import { Manifest, interfaces, networkData, ofKind, one, referenceProblems } from '../support/manifests';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'wukong-cli-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function read(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map(d => d.toJS());
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const VALID = `apiVersion: vm.novasphere.dev/v1alpha1
kind: Wukong
metadata: {name: web, namespace: prod}
spec:
  networks:
  - {name: eth0, type: bridge, vlanId: 10, ipConfig: {address: 10.0.0.5/24, gateway: 10.0.0.1}}
`;

describe('wukong synth', () => {
  it.each(wukongExamples().map(f => [f.split('/').pop(), f]))('turns %s into NAD + VM + network-data Secret with pinned MACs', (_n, file) => {
    const out = join(dir, 'out');
    const r = wukong(['synth', file!, '-o', out]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const [written] = readdirSync(out);
    const objects = read(join(out, written));
    const vm = one(objects, 'VirtualMachine');
    expect(written).toBe(`${vm.metadata.namespace}.${vm.metadata.name}.k8s.yaml`);
    expect(r.stdout).toContain(`wrote ${join(out, written)}`);
    expect(ofKind(objects, 'NetworkAttachmentDefinition').length).toBeGreaterThan(0);
    const data = networkData(one(objects, 'Secret'));
    for (const iface of Object.values(interfaces(vm))) {
      expect(iface.macAddress).toBe(deriveMac(vm.metadata.namespace!, vm.metadata.name, iface.name));
      expect(data.ethernets[iface.name].match.macaddress).toBe(iface.macAddress);
    }
    if (file!.includes('kube-ovn')) expect(ofKind(objects, 'Subnet')).toHaveLength(1);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    expect(referenceProblems(objects)).toEqual([]);
  });

  it('writes one file per Wukong of a multi-document file', () => {
    const file = write('fleet.yaml', `${VALID}---\n${VALID.replace('name: web', 'name: api').replace('10.0.0.5', '10.0.0.6')}`);
    const r = wukong(['synth', file, '-o', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['prod.api.k8s.yaml', 'prod.web.k8s.yaml']);
  });

  it('writes VMs of one name in two namespaces to two files (<namespace>.<name>.k8s.yaml)', () => {
    const other = VALID.replace('10.0.0.5', '10.0.0.6').replace('namespace: prod', 'namespace: staging');
    const file = write('two-namespaces.yaml', `${VALID}---\n${other}`);
    const r = wukong(['synth', file, '-o', join(dir, 'out')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['prod.web.k8s.yaml', 'staging.web.k8s.yaml']);
    expect(one(read(join(dir, 'out', 'staging.web.k8s.yaml')), 'VirtualMachine').metadata.namespace).toBe('staging');
  });

  it('fails if two documents describe one VM (same namespace and name): exit 2, nothing written', () => {
    const file = write('twice.yaml', `${VALID}---\n${VALID.replace('10.0.0.5', '10.0.0.6')}`);
    const r = wukong(['synth', file, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${file}[1]: metadata.name: 'web' in namespace 'prod' is also defined in ${file}[0]`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('prints warnings with file and field, and still writes', () => {
    const file = write('w.yaml', VALID.replace('type: bridge', 'type: macvlan'));
    const r = wukong(['synth', file, '-o', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${file}: spec.networks[0].type: macvlan is realised with KubeVirt's macvtap binding`);
  });

  it('fails if a spec is invalid: every error as "error: <file>: <field>: <message>", exit 2, nothing written', () => {
    const file = write('bad.yaml', VALID.replace('vlanId: 10', 'vlanId: 4095').replace('gateway: 10.0.0.1', 'gateway: 10.9.0.1').replace('type: bridge', 'type: bridge, vlanID: 3'));
    const out = join(dir, 'out');
    const r = wukong(['synth', file, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${file}: spec.networks[0].vlanId: 4095 is out of range 1..4094`);
    expect(r.stderr).toContain(`error: ${file}: spec.networks[0].ipConfig.gateway: '10.9.0.1' is not inside the subnet of this NIC (10.0.0.0/24)`);
    expect(r.stderr).toContain(`error: ${file}: spec.networks[0].vlanID: unknown field; did you mean 'vlanId'?`);
    expect(r.stderr).toContain('3 errors; nothing written');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('fails if one of several files is invalid, and writes none of them', () => {
    const good = write('good.yaml', VALID);
    const bad = write('bad.yaml', VALID.replace('name: web', 'name: Web'));
    const out = join(dir, 'out');
    const r = wukong(['synth', good, bad, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${bad}: metadata.name: 'Web' is not a DNS-1123 label`);
    expect(existsSync(out)).toBe(false);
  });

  it('fails if two documents would share a MAC, naming the document', () => {
    const mac = '02:00:00:00:00:01';
    const file = write('dup.yaml', `${VALID.replace('gateway: 10.0.0.1}}', `gateway: 10.0.0.1}, macAddress: '${mac}'}`)}---\n${
      VALID.replace('name: web', 'name: api').replace('10.0.0.5', '10.0.0.6').replace('gateway: 10.0.0.1}}', `gateway: 10.0.0.1}, macAddress: '${mac}'}`)}`);
    const r = wukong(['synth', file, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${file}[1]: spec.networks[0].macAddress: '${mac}' is already the MAC of prod.web/web`);
  });

  it('fails on YAML syntax errors with their line', () => {
    const file = write('broken.yaml', 'apiVersion: vm.novasphere.dev/v1alpha1\nkind: Wukong\nspec: [\n');
    const r = wukong(['synth', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: ${file}: line \\d+, column \\d+: `));
  });

  it('fails if the document is not a Wukong', () => {
    const file = write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\n');
    const r = wukong(['synth', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${file}: apiVersion: 'v1' is not 'vm.novasphere.dev/v1alpha1'`);
    expect(r.stderr).toContain(`error: ${file}: kind: 'ConfigMap' is not 'Wukong'`);
  });

  it('fails on a missing file and on missing arguments', () => {
    expect(wukong(['synth', join(dir, 'none.yaml')]).stderr).toContain('cannot read the file (ENOENT)');
    expect(wukong(['synth']).code).toBe(2);
    expect(wukong(['frobnicate']).stderr).toContain('unknown command \'frobnicate\'');
  });
});

describe('wukong synth for GitOps (--previous, --finish, --gitops)', () => {
  const removed = () => write('vm.yaml', VALID);
  const withTwo = () => write('vm.yaml', `${VALID}  - {name: eth1, type: bridge, vlanId: 20, ipConfig: {address: 10.0.20.5/24}}\n`);
  const vmOf = (out: string) => one(read(join(out, 'prod.web.k8s.yaml')), 'VirtualMachine');

  it('keeps a NIC gone from the code as a tombstone until --finish names it, the same on every run', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(x => join(dir, x));
    expect(wukong(['synth', withTwo(), '-o', a, '--gitops', 'argocd']).code).toBe(0);
    const r = wukong(['synth', removed(), '-o', b, '--previous', a, '--gitops', 'argocd']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(': NIC \'eth1\' of VM prod/web is in the previous output but not in the code: kept as a tombstone (state: absent)');
    expect(Object.values(interfaces(vmOf(b))).map(i => `${i.name}${i.state ? `:${i.state}` : ''}`)).toEqual(['default', 'eth0', 'eth1:absent']);
    const nad = read(join(b, 'prod.web.k8s.yaml')).find(o => o.metadata.name === 'web-eth1-nad')!;
    expect(nad.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(Object.keys(networkData(one(read(join(b, 'prod.web.k8s.yaml')), 'Secret')).ethernets)).toEqual(['eth0', 'default']);
    expect(wukong(['synth', removed(), '-o', c, '--previous', b, '--gitops', 'argocd']).code).toBe(0);
    expect(readFileSync(join(c, 'prod.web.k8s.yaml'), 'utf8')).toBe(readFileSync(join(b, 'prod.web.k8s.yaml'), 'utf8'));
    const fin = wukong(['synth', removed(), '-o', d, '--previous', c, '--gitops', 'argocd', '--finish', 'prod/web/eth1']);
    expect(fin.code).toBe(0);
    expect(fin.stderr).toContain('kubectl delete network-attachment-definitions.k8s.cni.cncf.io -n prod web-eth1-nad');
    expect(readFileSync(join(d, 'prod.web.k8s.yaml'), 'utf8')).not.toContain('eth1');
  });

  it('writes Argo CD\'s ignoreDifferences beside the manifests in a file neither Argo CD nor Flux applies', () => {
    const out = join(dir, 'out');
    const r = wukong(['synth', removed(), '-o', out, '--gitops', 'argocd']);
    expect(r.stdout).toContain(`wrote ${join(out, 'argocd-ignore-differences.txt')} (Argo CD spec.ignoreDifferences)`);
    const text = readFileSync(join(out, 'argocd-ignore-differences.txt'), 'utf8');
    expect(text).toMatch(/^# spec\.ignoreDifferences for the Argo CD Application/);
    expect(text).toContain('RespectIgnoreDifferences');
    expect(readdirSync(out).filter(f => /\.(ya?ml|json)$/.test(f))).toEqual(['prod.web.k8s.yaml']);
  });

  it('marks only tombstones\' NADs for Flux, and nothing without --gitops', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(x => join(dir, x));
    wukong(['synth', withTwo(), '-o', a]);
    expect(readFileSync(join(a, 'prod.web.k8s.yaml'), 'utf8')).not.toMatch(/argocd|fluxcd/);
    wukong(['synth', removed(), '-o', b, '--previous', a, '--gitops', 'flux']);
    const annotated = read(join(b, 'prod.web.k8s.yaml')).filter(o => o.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']);
    expect(annotated.map(o => o.metadata.name)).toEqual(['web-eth1-nad']);
    wukong(['synth', removed(), '-o', c, '--previous', b]);
    expect(read(join(c, 'prod.web.k8s.yaml')).find(o => o.metadata.name === 'web-eth1-nad')!.metadata.annotations).toBeUndefined();
  });

  it('fails if --gitops, --previous or --finish is wrong, naming the flag, and writes nothing', () => {
    const out = join(dir, 'out');
    const a = join(dir, 'a');
    wukong(['synth', withTwo(), '-o', a]);
    const cases: Array<[string[], string]> = [
      [['--gitops', 'jenkins'], 'error: --gitops: "jenkins" is not valid here; use one of argocd, flux, none'],
      [['--previous', join(dir, 'nope')], `error: --previous: "${join(dir, 'nope')}" is not valid here; name the directory that holds the previous synthesized output`],
      [['--finish', 'prod/web/eth1'], 'error: --finish: "prod/web/eth1" is not valid here; finishing a tombstone needs the previous output: set wukong:previous (wukong synth: --previous) too'],
      [['--previous', a, '--finish', 'web/eth1'], 'error: --finish: "web/eth1" is not valid here; name each tombstone as namespace/vm/nic'],
      [['--previous', a, '--finish', 'prod/web/eth1'], '--finish: NIC \'eth1\' of VM prod/web cannot be finished: it was in use in the previous output, not yet a tombstone'],
    ];
    for (const [flags, message] of cases) {
      const r = wukong(['synth', removed(), '-o', out, ...flags]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(message) });
      expect(existsSync(out)).toBe(false);
    }
  });
});
