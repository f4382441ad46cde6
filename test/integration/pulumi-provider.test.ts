/**
 * The Pulumi provider through the real @pulumi/pulumi dynamic-provider host over gRPC, exactly as the engine drives it
 * (conventions.md §C layer 3), against the test cluster with KubeVirt's own virt-controller and admission.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as grpc from '@grpc/grpc-js';
import * as pulumi from '@pulumi/pulumi';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { Empty, PulumiHost, providerPb } from './support/pulumi-host';
import { Cluster, ownedNads, vmRef } from '../../src/kube';
import { wukongVmProvider } from '../../src/pulumi';

const ROOT = join(__dirname, '..', '..');
/** The @pulumi/pulumi this repository tests with (the newest; the consumer suite also installs the oldest admitted). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PULUMI_VERSION: string = require('@pulumi/pulumi/package.json').version;
const NS = 'pulumi-it';
const URN = 'urn:pulumi:stack::project::pulumi-nodejs:dynamic/wukong:VirtualMachine::web';

const MGMT = { name: 'mgmt', vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1' } };
const DATA = { name: 'data', vlanId: 20, ipConfig: { address: '10.20.0.11/24' } };
const STORAGE = { name: 'storage', vlanId: 200, mtu: 9000, ipConfig: { address: '192.168.200.11/24' } };
/** User data with a password in it, as WukongVmResource passes it: a secret input of its own. */
const USER_DATA_MARKER = 'root:wukong-user-data-marker';
const USER_DATA = `#cloud-config\nchpasswd: {list: "${USER_DATA_MARKER}"}\n`;

describeWithCluster('the Pulumi provider over gRPC (dynamic-provider host)', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const kubeconfig = readFileSync(state.kubeconfig, 'utf8');
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const program = mkdtempSync(join(tmpdir(), 'wukong-pulumi-program-'));
  let host: PulumiHost;
  let providerText: string;
  const seen: string[] = [];
  const ID = `${NS}/web`;

  const news = (networks: object[], extra: object = {}) => ({
    __provider: providerText,
    metadata: { name: 'web', namespace: NS },
    spec: { cpu: 2, memory: '4Gi', networks },
    userData: USER_DATA,
    kubeconfig,
    wait: true,
    timeoutSeconds: 60,
    ...extra,
  });
  const record = (o: unknown) => {
    seen.push(JSON.stringify(o));
    return o;
  };
  const check = (inputs: object) => host.check(URN, inputs);
  const diff = (olds: object, inputs: object) => host.diff(ID, URN, olds, inputs);
  const update = async (olds: object, inputs: object) => record(await host.update(ID, URN, olds, inputs)) as any;

  beforeAll(async () => {
    await ensureNamespace(kc, NS);
    // The program directory: wukong-iac installed (a link to this repository, built by the test task).
    mkdirSync(join(program, 'node_modules'));
    symlinkSync(ROOT, join(program, 'node_modules', 'wukong-iac'), 'dir');
    // As pulumi.dynamic.Resource does: the closure over the provider object itself.
    const provider = wukongVmProvider;
    providerText = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
    // KUBECONFIG is what refresh and destroy use: they only see stored outputs, which never hold credentials.
    host = await PulumiHost.start({ cwd: program, env: { ...process.env, KUBECONFIG: state.kubeconfig } });
  });

  afterAll(async () => {
    host?.stop();
    rmSync(program, { recursive: true, force: true });
  });

  let outs: any;

  it('reports every validation problem as a check failure with its property path', async () => {
    const result = await check(news([{ name: 'mgmt', vlanId: 4095 }, { name: 'mgmt', ipConfig: { address: '10.0.0.300/24' } }]));
    expect(result.failures).toEqual([
      { property: 'spec.networks[1].name', reason: expect.stringMatching(/^'mgmt' is already used by spec.networks\[0\].name/) },
      { property: 'spec.networks[0].vlanId', reason: '4095 is out of range 1..4094' },
      { property: 'spec.networks[1].ipConfig.address', reason: expect.stringMatching(/^'10.0.0.300\/24' is not an address in CIDR form/) },
    ]);
    expect((await check(news([MGMT, DATA]))).failures).toEqual([]);
  });

  it('creates a 2-NIC VM, with outputs that never hold the kubeconfig', async () => {
    const created = await host.create(URN, news([MGMT, DATA]));
    expect(created.id).toBe(ID);
    outs = record(created.outputs);
    expect(outs.kubeconfig).toBeUndefined();
    expect(outs.userData).toBeUndefined();
    expect(outs.spec.userData).toBeUndefined();
    expect(outs.userDataDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const secret = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'web-cloudinit' });
    expect(Buffer.from(secret.data.userdata, 'base64').toString()).toBe(USER_DATA);
    expect(outs.nics.map((n: { name: string; state: string }) => `${n.name}:${n.state}`)).toEqual(['default:attached', 'mgmt:attached', 'data:attached']);
    expect(outs.uid).toBe((await cluster.get(vmRef(NS, 'web'))).metadata.uid);
  });

  it('diffs an added NIC as an update without replacement, and hot-plugs it in place', async () => {
    expect(await diff(outs, news([MGMT, DATA, STORAGE]))).toEqual({ changes: providerPb.DiffResponse.DiffChanges.DIFF_SOME, replaces: [] });
    const before = await cluster.get(vmRef(NS, 'web'));
    const after = await update(outs, news([MGMT, DATA, STORAGE]));
    const vm = await cluster.get(vmRef(NS, 'web'));
    expect(vm.metadata.uid).toBe(before.metadata.uid);
    expect(after.uid).toBe(outs.uid);
    expect(after.plan.find((e: { name: string }) => e.name === 'storage')).toMatchObject({ action: 'hotplug', applies: true });
    expect(after.nics.find((n: { name: string }) => n.name === 'storage')).toMatchObject({ state: 'attached', infoSource: ['domain', 'multus-status'] });
    expect(after.restartRequired).toBe(false);
    outs = after;
  });

  it('reads the live VM back (refresh) with per-NIC state and the last applied spec as inputs', async () => {
    await settle(state, kc, NS);
    const resp = await host.read(ID, URN, { ...outs, __provider: providerText });
    const props = record(resp.outputs) as any;
    expect(props.nics.map((n: { name: string }) => n.name)).toEqual(['default', 'mgmt', 'data', 'storage']);
    expect(resp.inputs.spec.networks.map((n: { name: string }) => n.name)).toEqual(['mgmt', 'data', 'storage']);
    expect(props.kubeconfig).toBeUndefined();
    expect(props.userDataDigest).toBe(outs.userDataDigest);
  });

  it('diffs a removed NIC as an update, and unplugs it (state: absent) with its NAD deleted after detach', async () => {
    expect((await diff(outs, news([MGMT, DATA]))).replaces).toEqual([]);
    outs = await update(outs, news([MGMT, DATA]));
    expect(outs.plan.filter((e: { action: string }) => e.action !== 'unchanged').map((e: any) => `${e.action} ${e.name}`))
      .toEqual([`secret-update ${NS}/web-cloudinit`, 'unplug storage', `nad-delete ${NS}/web-storage-nad`]);
    expect(await ownedNads(cluster, NS, 'web')).toHaveLength(2);
  });

  it('diffs a link state change as an update, and sets the link down and up again live', async () => {
    for (const [networks, link] of [[[MGMT, { ...DATA, linkState: 'down' }], 'down'], [[MGMT, DATA], 'up']] as const) {
      expect((await diff(outs, news([...networks]))).replaces).toEqual([]);
      const before = await cluster.get({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace: NS, name: 'web' });
      outs = await update(outs, news([...networks]));
      expect(outs.plan.filter((e: { action: string }) => e.action !== 'unchanged').map((e: any) => `${e.action} ${e.name}`)).toEqual(['link-change data']);
      await settle(state, kc, NS);
      const vmi = await cluster.get({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace: NS, name: 'web' });
      expect(vmi.metadata.uid).toBe(before.metadata.uid);
      expect(vmi.status.interfaces.find((i: { name: string }) => i.name === 'data').linkState).toBe(link);
    }
  });

  it('replaces only for a new name or namespace', async () => {
    const renamed = { ...news([MGMT, DATA]), metadata: { name: 'web2', namespace: NS } };
    expect((await diff(outs, renamed)).replaces).toEqual(['metadata.name']);
    expect(await diff(outs, news([MGMT, DATA]))).toEqual({ changes: providerPb.DiffResponse.DiffChanges.DIFF_NONE, replaces: [] });
    // User data is compared by digest: the outputs never hold it.
    expect(await diff(outs, news([MGMT, DATA], { userData: `${USER_DATA}# changed\n` })))
      .toEqual({ changes: providerPb.DiffResponse.DiffChanges.DIFF_SOME, replaces: [] });
  });

  it('fails an update the plan rejects with the reason as the gRPC error, and applies nothing', async () => {
    const gen = (await cluster.get(vmRef(NS, 'web'))).metadata.generation;
    const error = await update(outs, news([DATA])).catch((e: grpc.ServiceError) => e);
    seen.push(error.details);
    expect(error).toMatchObject({ code: grpc.status.UNKNOWN, details: expect.stringMatching(/nic mgmt: the primary NIC is never removed/) });
    expect((await cluster.get(vmRef(NS, 'web'))).metadata.generation).toBe(gen);
  });

  it('deletes the VM and what it owns (with the ambient KUBECONFIG)', async () => {
    await host.delete(ID, URN, { ...outs, __provider: providerText });
    expect(await cluster.get(vmRef(NS, 'web'))).toBeUndefined();
    expect(await ownedNads(cluster, NS, 'web')).toEqual([]);
  });

  it('never carries the kubeconfig, its token or the user data in the provider text, outputs, errors or the host\'s log', async () => {
    const info: any = await host.call('getPluginInfo', new Empty());
    expect(info.getVersion()).toBe(PULUMI_VERSION);
    expect(seen.length).toBeGreaterThan(4);
    for (const text of [providerText, ...seen, host.output]) {
      expect(text).not.toContain(state.adminToken);
      expect(text).not.toContain('insecure-skip-tls-verify');
      expect(text).not.toContain(USER_DATA_MARKER);
    }
  });
});
