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
    expect(wukong(['plan', f('0-before')]).stderr).toContain('plan needs OLD.yaml and NEW.yaml');
    expect(wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--kubevirt-version', 'latest']).stderr)
      .toContain('--kubevirt-version: \'latest\' is not a version like v1.6');
    expect(wukong(['plan', f('0-before'), f('2-add-bridge-nic'), '--frob']).code).toBe(2);
    const bad = wukong(['plan', f('0-before'), join(__dirname, 'no-such.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read the file (ENOENT)');
  });
});
