/** `wukong plan --live`, `wukong apply` and `wukong status`, as users run them, against the test API server. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { KUBEVIRT_VERSION } from './support/test-cluster';
import { Cluster, deleteVm } from '../../src/kube';
import { wukongAsync } from '../support/cli';

const DAY2 = join(__dirname, '..', '..', 'examples', 'wukong', 'day2');
const f = (name: string) => join(DAY2, `${name}.yaml`);

describeWithCluster('wukong plan --live / apply / status', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const k = ['--kubeconfig', state.kubeconfig];
  const run = wukongAsync;

  beforeAll(async () => {
    await ensureNamespace(kc, 'default');
  });
  afterAll(async () => {
  });

  it('never prints the user data or the token: not in plans, progress, status, JSON or errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wukong-cli-secrets-'));
    const marker = 'root:wukong-cli-user-data-marker';
    try {
      const file = join(dir, 'vm.yaml');
      const network = { name: 'eth0', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } };
      const doc = (networks: object[]) => stringify({
        apiVersion: 'vm.novasphere.dev/v1alpha1',
        kind: 'Wukong',
        metadata: { name: 'secretive', namespace: 'default' },
        spec: { userData: `#cloud-config\nchpasswd: {list: "${marker}"}\n`, networks },
      });
      writeFileSync(file, doc([network]));
      const outputs = [
        await run(['plan', file, '--live', ...k]), await run(['apply', file, '--wait', '--timeout', '60', ...k]),
        await run(['plan', file, '--live', '--json', ...k]), await run(['status', 'secretive', '--json', ...k]),
      ];
      outputs.push(await run(['apply', file, '--kubeconfig', join(dir, 'missing')]));
      writeFileSync(file, doc([network, { ...network, name: 'eth0', vlanId: 5000 }]));
      outputs.push(await run(['apply', file, ...k]));
      expect(outputs.map(o => o.code)).toEqual([0, 0, 0, 0, 1, 2]);
      for (const o of outputs) {
        expect(`${o.stdout}${o.stderr}`).not.toContain(marker);
        expect(`${o.stdout}${o.stderr}`).not.toContain(state.adminToken);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await deleteVm(new Cluster(kc), 'default', 'secretive', { pollMs: 100, timeoutSeconds: 30 });
    }
  });

  it('plans creating the VM when it does not exist, reading the KubeVirt version from the cluster', async () => {
    const r = await run(['plan', f('0-before'), '--live', ...k]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`plan for default/my-vm  (KubeVirt ${KUBEVIRT_VERSION.split('.').slice(0, 2).join('.')}, cluster; VM stopped)`);
    expect(r.stdout).toMatch(/VirtualMachine my-vm\s+create/);
  });

  it('applies it, waits, and shows each NIC attached with its MAC and IPs', async () => {
    const r = await run(['apply', f('0-before'), '--wait', '--timeout', '60', ...k]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    await settle(state, kc, 'default');
    const s = await run(['status', 'my-vm', '-n', 'default', ...k]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^VirtualMachine default\/my-vm: runStrategy Always, Running, Ready\n/);
    // No guest agent in the test bed: no guest addresses or names yet.
    expect(s.stdout).toMatch(/eth0\s+[0-9a-f:]{17}\s+-\s+-\s+attached\s+plugged; no guest agent report/);
  });

  it('applies a Wukong exported from a cluster (uid, resourceVersion, managedFields) like the file it came from', async () => {
    const exported = parse(readFileSync(f('0-before'), 'utf8'));
    exported.metadata = { ...exported.metadata, uid: 'b6f1c2', resourceVersion: '4711', managedFields: [{ manager: 'kubectl' }] };
    const dir = mkdtempSync(join(tmpdir(), 'wukong-exported-'));
    try {
      writeFileSync(join(dir, 'exported.yaml'), stringify(exported));
      const r = await run(['apply', join(dir, 'exported.yaml'), ...k]);
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plans a bridge NIC as hotplug against the live VM, applies it in place and waits for the plug', async () => {
    const plan = await run(['plan', f('2-add-bridge-nic'), '--live', ...k]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/nic eth1\s+hotplug/);
    const r = await run(['apply', f('2-add-bridge-nic'), '--wait', '--timeout', '60', '--verbose', ...k]);
    expect(r.code).toBe(0);
    // The summary row, then (--verbose) the plan and every NIC.
    expect(r.stdout).toMatch(/^default\/my-vm\s+[^\n]*hotplug eth1\s+3: 3 attached\s+applied$/m);
    expect(r.stdout).toMatch(/eth1\s+[0-9a-f:]{17}\s+-\s+-\s+attached/);
    expect(r.stderr).toContain('applied 1/1');
    const json = JSON.parse((await run(['status', 'my-vm', '--json', ...k])).stdout);
    expect(json.nics.map((n: { name: string; state: string }) => `${n.name}:${n.state}`)).toEqual(['default:attached', 'eth0:attached', 'eth1:attached']);
  });

  it('applies nothing for the seed\'s macvlan NIC without --allow-restart, and exits 3', async () => {
    const before = JSON.parse((await run(['status', 'my-vm', '--json', ...k])).stdout);
    const r = await run(['apply', f('1-add-macvlan-nic'), ...k]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^default\/my-vm\s+[^\n]*eth1 held \(restart-required\)[^\n]*restart needed: re-run with --allow-restart/m);
    const after = JSON.parse((await run(['status', 'my-vm', '--json', ...k])).stdout);
    expect(after.nics).toEqual(before.nics);
  });

  it('rejects removing the primary NIC and exits 2 with nothing applied', async () => {
    const r = await run(['apply', f('4-remove-primary'), ...k]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^default\/my-vm\s+.*rejected: nothing applied$/m);
    // A failure always shows its plan, --verbose or not.
    expect(r.stdout).toMatch(/nic eth0\s+rejected/);
  });

  it('unplugs the NIC again and reports the API error of a broken cluster call as a field-named line', async () => {
    const r = await run(['apply', f('3-remove-nic'), '--wait', ...k]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^default\/my-vm\s+[^\n]*unplug eth1[^\n]*applied$/m);
    await settle(state, kc, 'default');
    const json = JSON.parse((await run(['status', 'my-vm', '--json', ...k])).stdout);
    expect(json.nics.map((n: { name: string }) => n.name)).toEqual(['default', 'eth0']);
    const denied = await run(['status', 'my-vm', '--kubeconfig', state.kubeconfig, '--context', 'restricted']);
    expect(denied.code).toBe(1);
    // The VM and its VMI are read together; whichever is refused first is reported: the server's words, the
    // permission, and where to get the role.
    expect(denied.stderr).toMatch(/^error: the API server refused \(HTTP 403: virtualmachine(instance)?s\.kubevirt\.io "my-vm" is forbidden: User "wukong-restricted" cannot get resource /);
    expect(denied.stderr).toMatch(/^error: {3}get virtualmachine(instance)?s\.kubevirt\.io in namespace \S+$/m);
    expect(denied.stderr).toMatch(/`wukong rbac` prints the Role/);
  });
});
