/** `wukong apply`'s output and exit codes for a fleet, on a cluster in memory (the integration suites use the real one). */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { applyCommand } from '../../src/cli/apply-command';
import { ParsedArgs, UsageError } from '../../src/cli/args';
import { MemoryCluster } from '../kube/support/memory-cluster';

const doc = (name: string, networks: object[]) => stringify({
  apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name, namespace: 'lab' }, spec: { networks },
});
const bridge = (name: string, vlanId: number) => ({ name, type: 'bridge', vlanId });

async function apply(docs: string[], flags: ParsedArgs['flags'], cluster: MemoryCluster, tty = false) {
  const dir = mkdtempSync(join(tmpdir(), 'wukong-apply-'));
  try {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, docs.join('---\n'));
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const code = await applyCommand({ positional: [file], flags }, { out: l => out.push(l), err: l => err.push(l) },
      { tty, write: t => progress.push(t) }, () => cluster);
    return { code, out, err, progress };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('wukong apply (fleet output)', () => {
  const fleet = Array.from({ length: 12 }, (_, i) => doc(`vm${i}`, [bridge('data', 10 + i)]));

  it('prints a progress line per tenth of the fleet in a log, then one summary row per VM in the input order', async () => {
    const r = await apply(fleet, { concurrency: '3' }, new MemoryCluster());
    expect(r.code).toBe(0);
    expect(r.err[r.err.length - 1]).toBe('applied 12/12');
    expect(r.err.length).toBeLessThanOrEqual(11);
    expect(r.out[0]).toMatch(/^VM\s+CHANGES\s+NICS\s+RESULT$/);
    expect(r.out.slice(1).map(l => l.split(/\s+/)[0])).toEqual(fleet.map((_, i) => `lab/vm${i}`));
    expect(r.out[1]).toMatch(/^lab\/vm0\s+nad-create, secret-create, create\s+2: 2 stopped\s+applied$/);
  });

  it('rewrites one line on a terminal', async () => {
    const r = await apply(fleet.slice(0, 3), {}, new MemoryCluster(), true);
    expect(r.progress).toEqual(['\rapplied 1/3', '\rapplied 2/3', '\rapplied 3/3\n']);
    expect(r.err).toEqual([]);
  });

  it('shows each VM\'s plan and NICs with --verbose', async () => {
    const r = await apply(fleet.slice(0, 2), { verbose: true }, new MemoryCluster());
    expect(r.out.filter(l => /^applied lab\/vm\d/.test(l))).toHaveLength(2);
    expect(r.out.some(l => /^\s+NIC\s+MAC\s+IPS/.test(l))).toBe(true);
    expect(r.err.some(l => /^ {2}lab\/vm0: create VirtualMachine lab\/vm0$/.test(l))).toBe(true);
  });

  it('fails if a VM fails: the others are applied, the failure explained, exit 1', async () => {
    const c = new MemoryCluster();
    c.before = request => {
      if (request === 'POST VirtualMachine lab/vm1') throw Object.assign(new Error('HTTP 500'), { code: 500, body: { message: 'etcd is down' } });
    };
    const r = await apply(fleet.slice(0, 3), {}, c);
    expect(r.code).toBe(1);
    expect(r.out[2]).toMatch(/^lab\/vm1\s+-\s+-\s+failed: HTTP 500: etcd is down$/);
    expect(r.err).toContain('error: lab/vm1: HTTP 500: etcd is down');
    expect(r.err[r.err.length - 2]).toBe('applied 3/3 (1 not: see below)');
    expect(c.peek('VirtualMachine', 'vm2', 'lab')).toBeDefined();
  });

  it('fails if --concurrency is not a whole number of VMs, before reading anything', async () => {
    const c = new MemoryCluster();
    await expect(apply(fleet, { concurrency: '0' }, c)).rejects.toThrow(new UsageError("--concurrency: '0' is not a number of VMs to apply at once (1 or more)"));
    await expect(apply(fleet, { concurrency: 'many' }, c)).rejects.toThrow(UsageError);
    expect(c.requests).toEqual([]);
  });
});
