/**
 * wukong-iac as users install it: the packed package (`npm pack`) in a fresh project, with nothing but `npm install`
 * and no flags. A cdk8s-only project synthesizes an app and gets none of the Pulumi packages; Pulumi projects on the
 * oldest and the newest @pulumi/pulumi the peer range admits drive the provider through their own dynamic-provider
 * host over gRPC, against the test API server.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { ensureNamespace } from './support/objects';
import { PulumiHost } from './support/pulumi-host';
import { Cluster, vmRef } from '../../src/kube';

const ROOT = join(__dirname, '..', '..');
const NS = 'consumer-it';
const URN = 'urn:pulumi:stack::consumer::pulumi-nodejs:dynamic/wukong:VirtualMachine::app';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PEERS: Record<string, string> = require('../../package.json').peerDependencies;

/** `npm` as a user runs it (on the Node first on PATH), failing with npm's own output. */
function npm(cwd: string, args: string[]): string {
  try {
    return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
  } catch (e: any) {
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${e.stdout}\n${e.stderr}`);
  }
}

function node(cwd: string, script: string): string {
  try {
    return execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e: any) {
    throw new Error(`node -e failed in ${cwd}:\n${e.stdout}\n${e.stderr}`);
  }
}

/** A new project with `packages` installed by a plain `npm install`. */
function consumer(root: string, name: string, packages: string[]): string {
  const dir = join(root, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  npm(dir, ['install', ...packages]);
  return dir;
}

const megabytes = (dir: string) => Number(execFileSync('du', ['-sk', join(dir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]) / 1024;

const SYNTH = `
const { App, Chart } = require('cdk8s');
const { WukongVm } = require('wukong-iac');
const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'vms');
new WukongVm(chart, 'web', { namespace: 'prod', networks: [{ name: 'mgmt', type: 'bridge', vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1' } }] });
app.synth();
`;

describeWithCluster('wukong-iac installed from its packed tarball', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const root = mkdtempSync(join(tmpdir(), 'wukong-consumer-'));
  let tarball: string;

  beforeAll(async () => {
    // `npm pack` runs `prepare` (the build) first, as `npm publish` does.
    const name = npm(ROOT, ['pack', '--pack-destination', root, '--loglevel=error']).trim().split('\n').pop()!;
    tarball = join(root, name);
    await ensureNamespace(kc, NS);
  }, 300_000);

  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
  });

  it('installs for a cdk8s-only project without Pulumi, synthesizes an app, and names Pulumi when wukong-iac/pulumi is imported', () => {
    const dir = consumer(root, 'cdk8s-only', [tarball]);
    process.stdout.write(`[consumer] cdk8s-only project on Node ${process.versions.node}: node_modules ${megabytes(dir).toFixed(0)} MB\n`);
    expect(readdirSync(join(dir, 'node_modules'))).not.toContain('@pulumi');
    node(dir, SYNTH);
    const objects = parseAllDocuments(readFileSync(join(dir, 'dist', 'vms.k8s.yaml'), 'utf8')).map(d => d.toJS());
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['NetworkAttachmentDefinition/web-mgmt-nad', 'VirtualMachine/web', 'Secret/web-cloudinit']);
    expect(() => node(dir, "require('wukong-iac/pulumi')")).toThrow(
      `wukong-iac/pulumi needs @pulumi/pulumi and @pulumi/kubernetes, not installed here (optional peer dependencies of wukong-iac). Install: npm install '@pulumi/pulumi@${PEERS['@pulumi/pulumi']}' '@pulumi/kubernetes@${PEERS['@pulumi/kubernetes']}'`,
    );
    // The CLI comes with the package.
    expect(existsSync(join(dir, 'node_modules', '.bin', 'wukong'))).toBe(true);
  }, 600_000);

  // The floor of the peer range and whatever the registry calls latest today.
  it.each(['3.249.0', 'latest'])('drives the provider through the dynamic-provider host of @pulumi/pulumi@%s', async version => {
    const dir = consumer(root, `pulumi-${version}`, [tarball, `@pulumi/pulumi@${version}`, '@pulumi/kubernetes@latest']);
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', '@pulumi', 'pulumi', 'package.json'), 'utf8')).version;
    process.stdout.write(`[consumer] Pulumi project (@pulumi/pulumi ${installed}) on Node ${process.versions.node}: node_modules ${megabytes(dir).toFixed(0)} MB\n`);
    node(dir, SYNTH);
    // The provider as a Pulumi program serializes it: in the project, with its own @pulumi/pulumi.
    const providerText = node(dir, `
      const pulumi = require('@pulumi/pulumi');
      const { wukongVmProvider } = require('wukong-iac/pulumi');
      pulumi.runtime.serializeFunction(() => wukongVmProvider, { allowSecrets: true }).then(f => process.stdout.write(f.text));
    `);
    // KUBECONFIG is what destroy uses: it only sees stored outputs, which never hold credentials.
    const host = await PulumiHost.start({
      cwd: dir,
      hostScript: join(dir, 'node_modules', '@pulumi', 'pulumi', 'cmd', 'dynamic-provider', 'index.js'),
      env: { ...process.env, KUBECONFIG: state.kubeconfig },
    });
    const name = `app-${installed.replace(/\./g, '-')}`;
    const id = `${NS}/${name}`;
    const inputs = (networks: object[]) => ({
      __provider: providerText,
      metadata: { name, namespace: NS },
      spec: { networks },
      kubeconfig: readFileSync(state.kubeconfig, 'utf8'),
      wait: true,
      timeoutSeconds: 60,
    });
    const mgmt = { name: 'mgmt', vlanId: 10, ipConfig: { address: '10.10.0.11/24', gateway: '10.10.0.1' } };
    const data = { name: 'data', vlanId: 20, ipConfig: { address: '10.20.0.11/24' } };
    try {
      expect((await host.check(URN, inputs([mgmt, { name: 'data', vlanId: 4095 }]))).failures)
        .toEqual([{ property: 'spec.networks[1].vlanId', reason: '4095 is out of range 1..4094' }]);
      const created = await host.create(URN, inputs([mgmt]));
      expect(created.id).toBe(id);
      const uid = (await cluster.get(vmRef(NS, name))).metadata.uid;
      expect((await host.diff(id, URN, created.outputs, inputs([mgmt, data]))).replaces).toEqual([]);
      const updated = await host.update(id, URN, created.outputs, inputs([mgmt, data]));
      expect(updated.plan.find((e: { name: string }) => e.name === 'data')).toMatchObject({ action: 'hotplug', applies: true });
      expect((await cluster.get(vmRef(NS, name))).metadata.uid).toBe(uid);
      await host.delete(id, URN, { ...updated, __provider: providerText });
      expect(await cluster.get(vmRef(NS, name))).toBeUndefined();
    } finally {
      host.stop();
    }
  }, 600_000);
});
