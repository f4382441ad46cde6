import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { deriveMac } from '../../src/model/net/mac';
import { ROOT, wukong } from '../support/cli';
import { schemaProblems } from '../support/crd-schema';
import { Manifest, interfaces, networkData, ofKind, one, referenceProblems } from '../support/manifests';

const VM = join(ROOT, 'examples', 'attach', 'legacy-vm.yaml');
const NICS = join(ROOT, 'examples', 'attach', 'nics.yaml');

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'wukong-attach-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('wukong attach', () => {
  it('writes the VM with the NICs attached, their NADs and the network data, leaving the VM\'s own fields as they are', () => {
    const out = join(dir, 'out');
    const r = wukong(['attach', VM, NICS, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${out}/legacy.legacy-db.k8s.yaml (NetworkAttachmentDefinition, NetworkAttachmentDefinition, VirtualMachine, Secret)\n`);
    const objects: Manifest[] = parseAllDocuments(readFileSync(join(out, readdirSync(out)[0]), 'utf8')).map(d => d.toJS());
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    expect(referenceProblems(objects)).toEqual([]);
    const vm = one(objects, 'VirtualMachine');
    const given = parse(readFileSync(VM, 'utf8'));
    const mac = (nic: string) => deriveMac('legacy', 'legacy-db', nic);
    expect(Object.values(interfaces(vm)).map(i => [i.name, i.macAddress])).toEqual([['default', mac('default')], ['storage', mac('storage')], ['backup', mac('backup')]]);
    // Everything else of the VM's spec is as its file has it.
    const tspec = vm.spec.template.spec;
    expect(tspec.domain.cpu).toEqual(given.spec.template.spec.domain.cpu);
    expect(tspec.domain.devices.disks).toEqual(given.spec.template.spec.domain.devices.disks);
    expect(tspec.volumes[0]).toEqual(given.spec.template.spec.volumes[0]);
    expect(tspec.volumes[1]).toEqual({
      name: 'cloudinit',
      cloudInitNoCloud: { userData: given.spec.template.spec.volumes[1].cloudInitNoCloud.userData, networkDataSecretRef: { name: 'legacy-db-cloudinit' } },
    });
    const secret = one(objects, 'Secret');
    expect(Object.keys(secret.stringData ?? {})).toEqual(['networkdata']);
    expect(Object.keys(networkData(secret).ethernets)).toEqual(['default', 'storage', 'backup']);
    expect(ofKind(objects, 'NetworkAttachmentDefinition').map(n => n.metadata.name)).toEqual(['legacy-db-storage-nad', 'legacy-db-backup-nad']);
  });

  it('prints the Wukong object for plan and apply with --wukong, which synth turns into the same manifests', () => {
    const r = wukong(['attach', VM, NICS, '--wukong']);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name: 'legacy-db', namespace: 'legacy', labels: { app: 'legacy-db' } } });
    expect(doc.spec.virtualMachine).toEqual(parse(readFileSync(VM, 'utf8')).spec);
    const [viaSynth, viaAttach] = [join(dir, 's'), join(dir, 'a')];
    expect(wukong(['synth', write('w.yaml', r.stdout), '-o', viaSynth]).code).toBe(0);
    expect(wukong(['attach', VM, NICS, '-o', viaAttach]).code).toBe(0);
    const file = 'legacy.legacy-db.k8s.yaml';
    expect(readFileSync(join(viaSynth, file), 'utf8')).toBe(readFileSync(join(viaAttach, file), 'utf8'));
  });

  it('fails if a NIC takes the name of one of the VM\'s interfaces, naming the file and field of each', () => {
    const nics = write('nics.yaml', 'networks:\n  - {name: default, vlanId: 10}\n');
    const r = wukong(['attach', VM, nics, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe([
      `error: ${nics}: networks[0].name: 'default' is already used by the VM's pod network 'default'; NIC names must be unique within a VM`,
      '1 error; nothing written',
      '',
    ].join('\n'));
  });

  it('fails if the NICs file holds a field of the VM\'s own, and if the VM file holds no VirtualMachine', () => {
    const nics = write('nics.yaml', 'networks: []\ncpu: 4\n');
    expect(wukong(['attach', VM, nics]).stderr).toMatch(new RegExp(`^error: ${nics}: cpu: is not a field of attached NICs \\(networks, networkDataDelivery, onMissingMultus\\)`));
    const pod = write('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n');
    const r = wukong(['attach', pod, NICS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${pod}: apiVersion: 'v1' is not 'kubevirt.io/v1'\nerror: ${pod}: kind: 'Pod' is not 'VirtualMachine'`));
  });

  it('fails if the VM\'s network data is in a Secret Wukong cannot add to, naming the VM file\'s field', () => {
    const text = readFileSync(VM, 'utf8').replace('            userData: |\n              #cloud-config\n              hostname: legacy-db\n',
      '            secretRef: {name: mine}\n            networkDataSecretRef: {name: mine}\n');
    const vm = write('vm.yaml', text);
    const r = wukong(['attach', vm, NICS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${vm}: spec\\.template\\.spec\\.volumes\\[1\\]\\.cloudInitNoCloud\\.networkDataSecretRef: reads the guest's network data from Secret 'mine'`));
  });
});
