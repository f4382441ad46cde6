import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { wukong } from '../support/cli';

const DAY2 = join(__dirname, '..', '..', 'examples', 'wukong', 'day2');
const f = (name: string) => join(DAY2, `${name}.yaml`);

describe('wukong plan OLD NEW', () => {
  it('shows a hot-pluggable bridge NIC as hotplug, after its NAD and Secret, and exits 0', () => {
    const r = wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--kubevirt-version', 'v1.9']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('plan for default/my-vm  (KubeVirt v1.9, given; VM running)');
    expect(lines[1]).toMatch(/^ {2}NIC\/OBJECT\s+ACTION\s+APPLIED\s+GUEST ADDRESS\s+REASON$/);
    expect(lines.findIndex(l => /nad-create/.test(l))).toBeLessThan(lines.findIndex(l => /nic eth1\s+hotplug/.test(l)));
    expect(r.stdout).toMatch(/nic eth1\s+hotplug\s+live: KubeVirt's DHCP hands the guest 10\.0\.100\.5\/24\s+interface \(pinned MAC\) and network appended/);
    expect(r.stdout).toMatch(/nic eth0\s+unchanged\s+network data at boot; KubeVirt's DHCP serves the same IPv4 address\s+no change/);
    expect(r.stdout).toContain('→ everything is live-applicable');
  });

  it('shows the seed\'s macvlan NIC as restart-required (macvtap cannot be hot-plugged) and exits 3', () => {
    const r = wukong(['plan', f('0-before'), f('1-add-macvlan-nic')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/nic eth1\s+restart-required\s+no\s+the network's DHCP at boot\s+KubeVirt hot-plugs only bridge and SR-IOV interfaces/);
    expect(r.stdout).toMatch(/nad-create\s+no\s+created before the VM refers to it; waits with NIC eth1/);
    expect(r.stdout).toContain('warning: KubeVirt version unknown: planned for v1.9');
  });

  it('shows a removed bridge NIC as unplug with its NAD deleted after it', () => {
    const r = wukong(['plan', f('2-add-bridge-nic'), f('3-remove-nic')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nic eth1\s+unplug\s+state: absent/);
    expect(r.stdout.indexOf('nad-delete')).toBeGreaterThan(r.stdout.indexOf('unplug'));
  });

  it('rejects removing the primary NIC and exits 2', () => {
    const r = wukong(['plan', f('2-add-bridge-nic'), f('4-remove-primary')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/nic eth0\s+rejected\s+no\s+the primary NIC is never removed \(seed 000 §6.3\)/);
    expect(r.stdout).toContain('→ rejected: nothing would be applied');
  });

  it('plans for the KubeVirt version given: v1.5 warns that any NIC change sets RestartRequired', () => {
    const r = wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--kubevirt-version', '1.5']);
    expect(r.stdout).toContain('eth1: KubeVirt v1.5 also marks the VM RestartRequired for any NIC change');
  });

  it('prints JSON for machines', () => {
    const r = wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--json']);
    const [{ vm, plan }] = JSON.parse(r.stdout);
    expect(vm).toBe('default/my-vm');
    expect(plan.entries.find((e: { name: string }) => e.name === 'eth1')).toMatchObject({
      subject: 'nic', action: 'hotplug', applies: true, addressing: { source: 'kubevirt-dhcp', when: 'live', live: ['10.0.100.5/24'] },
    });
    expect(plan.restartRequired).toBe(false);
  });

  it('fails if an input is invalid or an option is wrong, with exit 2', () => {
    expect(wukong(['plan', f('0-before')]).stderr).toContain('plan needs OLD and NEW');
    expect(wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--kubevirt-version', 'latest']).stderr)
      .toContain('--kubevirt-version: \'latest\' is not a version like v1.6');
    expect(wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--frob']).code).toBe(2);
    const bad = wukong(['plan', f('0-before'), join(__dirname, 'no-such.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read the file (ENOENT)');
  });
});

describe('wukong plan OLD NEW on synthesized manifests (a pull request)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'wukong-plan-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Synthesizes `file` into `dir/<out>` (against `dir/<previous>`), as a GitOps repository commits it. */
  const synth = (file: string, out: string, previous?: string) => {
    const r = wukong(['synth', f(file), '-o', join(dir, out), ...(previous ? ['--previous', join(dir, previous)] : [])]);
    if (r.code !== 0) throw new Error(r.stderr);
    return join(dir, out);
  };

  it('plans a NIC added in the head as a hot-plug with its live address, from two directories', () => {
    const r = wukong(['plan', synth('0-before', 'base'), synth('2-add-bridge-nic', 'head'), '--kubevirt-version', 'v1.9']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nic eth1\s+hotplug\s+live: KubeVirt's DHCP hands the guest 10\.0\.100\.5\/24/);
    expect(r.stdout).toContain('→ everything is live-applicable');
  });

  it('plans a tombstone as an unplug, and a NIC dropped without one as restart-required (exit 3), naming the fix', () => {
    synth('2-add-bridge-nic', 'base');
    const tombstone = wukong(['plan', join(dir, 'base'), synth('3-remove-nic', 'head', 'base'), '--kubevirt-version', 'v1.9']);
    expect(tombstone.code).toBe(0);
    expect(tombstone.stdout).toMatch(/nic eth1\s+unplug\s+state: absent/);
    const dropped = wukong(['plan', join(dir, 'base'), synth('3-remove-nic', 'plain'), '--kubevirt-version', 'v1.9']);
    expect(dropped.code).toBe(3);
    expect(dropped.stdout).toMatch(/nic eth1\s+restart-required\s+it leaves the template without state: absent.*synthesize with --previous/);
    expect(dropped.stdout).toContain('→ a restart is needed for some changes; merged, they wait in the template and KubeVirt marks the VM RestartRequired');
  });

  it('prints Markdown for a pull request comment: a summary, a table per VM, warnings and the verdict', () => {
    synth('2-add-bridge-nic', 'base');
    const r = wukong(['plan', join(dir, 'base', 'default.my-vm.k8s.yaml'), synth('3-remove-nic', 'plain'), '--format', 'markdown', '--kubevirt-version', 'v1.9']);
    expect(r.code).toBe(3);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual(['## Wukong plan: 1 VM', '0 live-applicable · 1 need a restart · 0 rejected · 0 deleted', '', '### `default/my-vm`']);
    expect(lines).toContain('| NIC / object | Action | Guest address | Why |');
    expect(r.stdout).toMatch(/^\| NIC eth1 \| restart-required \| {2}\| it leaves the template without state: absent/m);
    expect(r.stdout).toMatch(/^- ⚠️ eth1: its NAD, if pruned now, is gone while the VMI still uses it/m);
    expect(lines[lines.length - 2]).toBe('**→ needs a restart**: some changes wait in the template until the VM restarts');
  });

  it('fails if OLD and NEW are of different kinds, or hold no VM made by Wukong', () => {
    const mixed = wukong(['plan', f('0-before'), synth('2-add-bridge-nic', 'head')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`plan compares like with like: ${f('0-before')} holds Wukong YAML, ${join(dir, 'head')} manifests`);
    const cm = join(dir, 'cm.yaml');
    writeFileSync(cm, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const none = wukong(['plan', cm, cm]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('holds a VirtualMachine made by Wukong');
    expect(wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--format', 'html']).stderr).toContain('--format: \'html\' is not one of text, json, markdown');
  });
});
