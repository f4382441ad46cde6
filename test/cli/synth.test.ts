import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { wukongExamples } from '../../examples/main';
import { deriveMac } from '../../src';
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
