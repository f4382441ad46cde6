/**
 * A real kube-apiserver + etcd on loopback, envtest style: free ports, token authentication with an admin and a
 * restricted user, RBAC on, the project's CRDs installed and Established. Processes are stopped by PID and their
 * folders removed on `stop()`, on process exit and on SIGINT/SIGTERM; a watchdog also stops them if the parent dies
 * without running any of that (SIGKILL).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as https from 'https';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiextensionsV1Api, Health, KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';

export interface ClusterState {
  readonly server: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly restrictedToken: string;
  readonly restrictedUser: string;
  readonly pids: number[];
  readonly dir: string;
  readonly cloudInit: string;
  /** The node stand-in's process: a test can stop it (SIGSTOP) to play a node that does not answer. */
  readonly nodeStandInPid: number;
  /** The test bed's binaries (testbed/build.sh), once KubeVirt runs. */
  readonly testbed: string;
  /** The folder kube-apiserver and etcd came from (the test bed's, or KUBEBUILDER_ASSETS). */
  readonly assets: string;
  /** testbed/guest/build.sh's folder, when the node stand-in boots real guests (namespaces labelled wukong.test/guest). */
  readonly guestImages?: string;
  /** The node's network namespace: the networks' bridges live there, and a test plays a network's router or DHCP in it. */
  readonly nodeNetns?: string;
}

/** The test bed's pins (testbed/versions.env). */
const PINS = Object.fromEntries([...readFileSync(join(__dirname, '..', '..', '..', 'testbed', 'versions.env'), 'utf8').matchAll(/^(\w+)=(\S+)$/gm)].map(m => [m[1], m[2]]));
export const KUBEVIRT_VERSION: string = PINS.KUBEVIRT_VERSION;
export const CNI_PLUGINS_VERSION: string = PINS.CNI_PLUGINS_VERSION;
export const KUBERNETES_VERSION: string = PINS.KUBERNETES_VERSION;
/** crds/ files that KubeVirt's own generated CRDs replace in the test bed. */
export const KUBEVIRT_CRD_FILES = ['kubevirt.io_virtualmachines.yaml', 'kubevirt.io_virtualmachineinstances.yaml'];

export const ADMIN_CONTEXT = 'admin';
export const RESTRICTED_CONTEXT = 'restricted';
export const RESTRICTED_USER = 'wukong-restricted';
/**
 * virt-controller's identity: KubeVirt's VMI update admission lets only KubeVirt's own service accounts change a VMI's
 * spec (pkg/virt-api/webhooks/validating-webhook/admitters/vmi-update-admitter.go), as virt-controller does for a
 * hot-plugged interface.
 */
const KUBEVIRT_CONTROLLER_USER = 'system:serviceaccount:kubevirt:kubevirt-controller';
/**
 * The node stand-in's identity: virt-handler's service account, the only one besides KubeVirt's controllers whose VMI
 * status writes KubeVirt's VMI mutator keeps (pkg/virt-api/webhooks/mutating-webhook/mutators/vmi-mutator.go).
 */
export const NODE_STAND_IN_USER = 'system:serviceaccount:kubevirt:kubevirt-handler';
const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function randomToken(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A request with the client's authentication and TLS settings, for bodies the typed models would alter. */
async function rawRequest(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const url = new URL(`${kc.getCurrentCluster()!.server}${path}`);
  const opts: https.RequestOptions = {
    method, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { 'Content-Type': contentType },
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, res => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export class TestCluster {
  /** Starts etcd and kube-apiserver from `assets` and installs every CRD under `crdDirs` (except `skip`, by file). */
  public static async start(assets: string, crdDirs: string[], cloudInit: string, skip: string[] = []): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'wukong-apiserver-'));
    const cluster = new TestCluster(dir, cloudInit);
    try {
      await cluster.boot(assets);
      for (const crdDir of crdDirs) await cluster.installCrds(crdDir, skip);
    } catch (e) {
      cluster.stop();
      throw e;
    }
    return cluster;
  }

  /**
   * The whole test bed: the server with the shipped CRDs (KubeVirt's own replacing crds/ KubeVirt ones, which
   * `cdk8s import` reads), then KubeVirt, kube-controller-manager and the node stand-in (`startKubeVirt`).
   */
  public static async startBed(env: { assets: string; testbed: string; cloudInit: string; guest?: string }): Promise<TestCluster> {
    const cluster = await TestCluster.start(env.assets, [join(__dirname, '..', '..', '..', 'crds')], env.cloudInit, KUBEVIRT_CRD_FILES);
    try {
      await cluster.startKubeVirt(env.testbed, KUBEVIRT_VERSION, env.guest);
    } catch (e) {
      cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** PIDs of `pids` still alive after up to `timeoutMs`. */
  public static async survivors(pids: number[], timeoutMs = 10_000): Promise<number[]> {
    const alive = () => pids.filter(pid => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    const deadline = Date.now() + timeoutMs;
    while (alive().length && Date.now() < deadline) await sleep(100);
    return alive();
  }

  private readonly children: ChildProcess[] = [];
  private readonly watchdogPids: number[] = [];
  private stopped = false;
  private server = '';
  private readonly adminToken = randomToken();
  private readonly restrictedToken = randomToken();
  private readonly kubevirtControllerToken = randomToken();
  private readonly nodeToken = randomToken();
  private nodeStandIn?: ChildProcess;
  private guestImages?: string;
  /** Unique per cluster: two test runs on one machine never share a node namespace. */
  private readonly nodeNetns = `wkn-${randomBytes(3).toString('hex')}`;
  private testbed = '';
  private assets = '';
  private readonly controllerManagerToken = randomToken();
  private readonly onSignal: (signal: NodeJS.Signals) => void;
  private readonly onExit: () => void;

  private constructor(public readonly dir: string, private readonly cloudInit: string) {
    // Stop, then let the signal do what it would have done.
    this.onSignal = signal => {
      this.stop();
      process.kill(process.pid, signal);
    };
    this.onExit = () => this.stop();
  }

  /** The API server's audit log: the node stand-in's writes. */
  public get auditLog(): string {
    return join(this.dir, 'audit.log');
  }

  public get state(): ClusterState {
    return {
      server: this.server,
      kubeconfig: join(this.dir, 'kubeconfig'),
      adminToken: this.adminToken,
      restrictedToken: this.restrictedToken,
      restrictedUser: RESTRICTED_USER,
      pids: this.children.map(c => c.pid!),
      dir: this.dir,
      cloudInit: this.cloudInit,
      nodeStandInPid: this.nodeStandIn?.pid ?? 0,
      testbed: this.testbed,
      assets: this.assets,
      guestImages: this.guestImages,
      nodeNetns: this.guestImages ? this.nodeNetns : undefined,
    };
  }

  /** Stops both processes (and the watchdog) by PID and removes the folders. Safe to call more than once. */
  public stop(): void {
    // Once only: a PID signalled again later could belong to another process by then.
    if (this.stopped) return;
    this.stopped = true;
    this.stopGuests();
    for (const pid of this.startedPids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Lets the node stand-in stop its guests (QEMU and dnsmasq run apart from it, in network namespaces), then removes
   * what a stand-in killed before that leaves behind.
   */
  private stopGuests(): void {
    if (!this.guestImages) return;
    const pid = this.nodeStandIn?.pid;
    try {
      if (pid) process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && pid; i++) {
        process.kill(pid, 0);
        execFileSync('sleep', ['0.1']);
      }
    } catch {
      // Gone: it stopped its guests.
    }
    execFileSync('bash', ['-c', this.guestSweep()], { stdio: 'ignore', env: { ...process.env, GUEST_DIR: join(this.dir, 'g') } });
  }

  /**
   * Kills every process of this cluster's guests and deletes their network namespaces; the folder comes in as
   * $GUEST_DIR, so the pattern is not in the shell's own command line (pkill -f would kill the shell).
   */
  private guestSweep(): string {
    return `pkill -9 -f "$GUEST_DIR/" 2>/dev/null; for ns in ${this.nodeNetns} $(cat "$GUEST_DIR/netns.list" 2>/dev/null); do ip netns del "$ns" 2>/dev/null; done; true`;
  }

  /** Every process this cluster started: etcd, kube-apiserver and the watchdog. */
  public startedPids(): number[] {
    return [...this.children.map(c => c.pid), ...this.watchdogPids].filter((p): p is number => p !== undefined);
  }

  /**
   * Runs KubeVirt's own code against this server, from the test bed's binaries (`testbed/build.sh`): the CRDs
   * virt-operator's code generates, a KubeVirt CR as virt-operator leaves it (status phase, default architecture,
   * observed version), virt-api's admission for VMs and VMIs registered as URL webhooks, and virt-controller out of
   * cluster; with kube-controller-manager and the node stand-in (`node-stand-in.ts`) beside them. Returns once the
   * webhooks answer and virt-controller holds its leader lease.
   */
  public async startKubeVirt(testbed: string, version: string, guestImages?: string): Promise<void> {
    this.testbed = testbed;
    this.guestImages = guestImages;
    const crdDir = join(this.dir, 'kubevirt-crds');
    mkdirSync(crdDir);
    const stream = execFileSync(join(testbed, 'kubevirt-crds'), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    parseAllDocuments(stream).map(d => d.toJS()).filter(Boolean)
      .forEach((crd: V1CustomResourceDefinition) => writeFileSync(join(crdDir, `${crd.metadata!.name}.yaml`), stringify(crd)));
    await this.installCrds(crdDir, []);
    const kc = this.kubeConfig();
    await rawRequest(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubevirt' } });
    const kv = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'KubeVirt',
      metadata: { name: 'kubevirt', namespace: 'kubevirt' },
      spec: {
        configuration: {
          developerConfiguration: { useEmulation: true },
          // What a cluster with macvtap-cni registers (kubevirt-hotplug.md): Wukong's macvlan NICs use this binding.
          network: { binding: { macvtap: { domainAttachmentType: 'tap' } } },
        },
      },
    };
    const created = await rawRequest(kc, 'POST', '/apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts', kv);
    if (created.status !== 201) throw new Error(`creating the KubeVirt CR failed (${created.status}): ${created.body.slice(0, 500)}`);
    // virt-operator's writes: KubeVirt's config is read only from a CR with a phase (pkg/virt-config/configuration.go).
    const status = { status: { phase: 'Deployed', defaultArchitecture: 'amd64', observedKubeVirtVersion: version, targetKubeVirtVersion: version } };
    const patched = await rawRequest(kc, 'PATCH', '/apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt/status', status, 'application/merge-patch+json');
    if (patched.status !== 200) throw new Error(`setting the KubeVirt CR status failed (${patched.status}): ${patched.body.slice(0, 500)}`);

    const certs = join(this.dir, 'kubevirt-webhooks');
    const webhooks = this.spawnLogged('kubevirt-webhooks', join(testbed, 'kubevirt-webhooks'), [
      `--kubeconfig=${join(this.dir, 'kubeconfig')}`, '--listen=127.0.0.1:0', `--cert-dir=${certs}`, `--webhook-config-dir=${certs}`,
    ]);
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(certs, 'mutating.json'))) {
      if (webhooks.exitCode !== null || Date.now() > deadline) throw new Error(`kubevirt-webhooks did not start; its log:\n${this.logTail('kubevirt-webhooks')}`);
      await sleep(100);
    }
    for (const [kind, file] of [['validatingwebhookconfigurations', 'validating.json'], ['mutatingwebhookconfigurations', 'mutating.json']]) {
      const r = await rawRequest(kc, 'POST', `/apis/admissionregistration.k8s.io/v1/${kind}`, JSON.parse(readFileSync(join(certs, file), 'utf8')));
      if (r.status !== 201) throw new Error(`registering ${file} failed (${r.status}): ${r.body.slice(0, 500)}`);
    }

    // Its own folder: virt-controller watches the certificate's folder and reloads on every change in it.
    const prom = join(this.dir, 'virt-controller-certs');
    mkdirSync(prom);
    for (const f of ['tls.crt', 'tls.key']) writeFileSync(join(prom, f), readFileSync(join(certs, f)));
    const controller = this.spawnLogged('virt-controller', join(testbed, 'virt-controller'), [
      `--kubeconfig=${join(this.dir, 'kubevirt-controller.kubeconfig')}`, '--listen=127.0.0.1', `--port=${await freePort()}`,
      `--prom-cert-file=${join(prom, 'tls.crt')}`, `--prom-key-file=${join(prom, 'tls.key')}`,
    ]);
    // kube-controller-manager for what every cluster has: a `default` ServiceAccount per namespace (launcher pods run
    // as it), garbage collection by owner and namespace deletion. No scheduler: the node stand-in binds its pods.
    this.spawnLogged('kube-controller-manager', join(testbed, 'kube-controller-manager'), [
      `--kubeconfig=${join(this.dir, 'kube-controller-manager.kubeconfig')}`, '--leader-elect=false', '--secure-port=0',
      '--controllers=serviceaccount-controller,garbage-collector-controller,namespace-controller', '--use-service-account-credentials=false',
    ]);
    const guests: Record<string, string> = guestImages ? {
      WUKONG_GUEST_IMAGES: guestImages, WUKONG_CNI_PATH: join(testbed, 'cni'), WUKONG_NODE_NETNS: this.nodeNetns, WUKONG_GUEST_DIR: join(this.dir, 'g'),
    } : {};
    this.nodeStandIn = this.spawnLogged('node-stand-in', process.execPath, [
      '--experimental-strip-types', '--no-warnings', join(__dirname, 'node-stand-in.ts'), join(this.dir, 'node-stand-in.kubeconfig'),
    ], guests);
    this.watchdog();
    for (;;) {
      if (controller.exitCode !== null || Date.now() > deadline) throw new Error(`virt-controller did not take its lease; its log:\n${this.logTail('virt-controller')}`);
      const lease = await rawRequest(kc, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kubevirt/leases/virt-controller');
      if (lease.status === 200 && JSON.parse(lease.body).spec?.holderIdentity) break;
      await sleep(200);
    }
  }

  private spawnLogged(name: string, bin: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const log = openSync(join(this.dir, `${name}.log`), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    closeSync(log);
    this.children.push(child);
    return child;
  }

  private watchdog(): void {
    // Kills the servers if this process disappears without cleaning up (e.g. SIGKILL), then removes the folder.
    const pids = this.children.map(c => c.pid).join(' ');
    const guests = this.guestImages ? `GUEST_DIR='${join(this.dir, 'g')}'; ${this.guestSweep()}; ` : '';
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${pids} 2>/dev/null; ${guests}rm -rf '${this.dir}'`;
    const watchdog = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    if (watchdog.pid !== undefined) this.watchdogPids.push(watchdog.pid);
  }

  private async boot(assets: string): Promise<void> {
    this.assets = assets;
    process.on('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    this.spawnLogged('etcd', join(assets, 'etcd'), [
      '--data-dir', join(this.dir, 'etcd'), '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`, '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`,
    ]);
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(this.dir, 'tokens.csv'), `${this.adminToken},wukong-admin,1,"system:masters"\n${this.restrictedToken},${RESTRICTED_USER},2\n` +
      `${this.kubevirtControllerToken},${KUBEVIRT_CONTROLLER_USER},3,"system:masters,system:serviceaccounts,system:serviceaccounts:kubevirt"\n` +
      `${this.nodeToken},${NODE_STAND_IN_USER},4,"system:masters,system:serviceaccounts,system:serviceaccounts:kubevirt"\n${this.controllerManagerToken},${CONTROLLER_MANAGER_USER},5,"system:masters"\n`);
    // Every write of the node stand-in is recorded, so a test can prove it only writes what a node writes.
    writeFileSync(join(this.dir, 'audit-policy.yaml'), stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [{ level: 'Request', users: [NODE_STAND_IN_USER], verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] }, { level: 'None' }],
    }));
    this.spawnLogged('kube-apiserver', join(assets, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`, `--cert-dir=${join(this.dir, 'certs')}`,
      // No kube-controller-manager keeps a `kubernetes` Endpoints object here, and a loopback address may not be one.
      '--endpoint-reconciler-type=none',
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc', `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC', '--service-cluster-ip-range=10.96.0.0/16',
      `--audit-policy-file=${join(this.dir, 'audit-policy.yaml')}`, `--audit-log-path=${this.auditLog}`,
    ]);
    this.watchdog();
    this.server = `https://127.0.0.1:${apiPort}`;
    this.writeKubeconfig();
    const health = new Health(this.kubeConfig());
    const deadline = Date.now() + 60_000;
    for (;;) {
      const died = this.children.find(c => c.exitCode !== null);
      if (died) throw new Error(`${died.spawnfile} exited early; its log:\n${this.logTail(died === this.children[0] ? 'etcd' : 'kube-apiserver')}`);
      try {
        if (await health.readyz({})) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready after 60 s; its log:\n${this.logTail('kube-apiserver')}`);
      await sleep(250);
    }
  }

  private logTail(name: string): string {
    try {
      return readFileSync(join(this.dir, `${name}.log`), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private writeKubeconfig(): void {
    const users = [{ name: ADMIN_CONTEXT, user: { token: this.adminToken } }, { name: RESTRICTED_CONTEXT, user: { token: this.restrictedToken } }];
    writeFileSync(join(this.dir, 'kubeconfig'), this.kubeconfigText(users, ADMIN_CONTEXT), { mode: 0o600 });
    for (const [name, token] of [['kubevirt-controller', this.kubevirtControllerToken], ['node-stand-in', this.nodeToken], ['kube-controller-manager', this.controllerManagerToken]]) {
      writeFileSync(join(this.dir, `${name}.kubeconfig`), this.kubeconfigText([{ name, user: { token } }], name), { mode: 0o600 });
    }
  }

  private kubeconfigText(users: Array<{ name: string; user: { token: string } }>, current: string): string {
    const cluster = { name: 'wukong-test', cluster: { 'server': this.server, 'insecure-skip-tls-verify': true } };
    const contexts = users.map(u => ({ name: u.name, context: { cluster: 'wukong-test', user: u.name } }));
    return JSON.stringify({ 'apiVersion': 'v1', 'kind': 'Config', 'clusters': [cluster], users, contexts, 'current-context': current }, null, 2);
  }

  /** What the API server says it is, e.g. `Kubernetes v1.34.4`. */
  public async version(): Promise<string> {
    const r = await rawRequest(this.kubeConfig(), 'GET', '/version');
    return `Kubernetes ${JSON.parse(r.body).gitVersion}`;
  }

  /** A client configuration for the admin user. */
  public kubeConfig(context = ADMIN_CONTEXT): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(join(this.dir, 'kubeconfig'));
    kc.setCurrentContext(context);
    return kc;
  }

  private async installCrds(crdDir: string, skip: string[]): Promise<void> {
    const api = this.kubeConfig().makeApiClient(ApiextensionsV1Api);
    const names: string[] = [];
    for (const file of readdirSync(crdDir).filter(f => f.endsWith('.yaml') && !skip.includes(f)).sort()) {
      const crd = parse(readFileSync(join(crdDir, file), 'utf8')) as V1CustomResourceDefinition;
      // Sent as raw JSON: the client's typed CRD model would drop the x-kubernetes-* keys of a plain object.
      const r = await rawRequest(this.kubeConfig(), 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      if (r.status !== 201) throw new Error(`installing ${file} failed (${r.status}): ${r.body.slice(0, 800)}`);
      names.push(crd.metadata!.name!);
    }
    const deadline = Date.now() + 60_000;
    for (const name of names) {
      for (;;) {
        const crd = await api.readCustomResourceDefinition({ name });
        const established = (crd.status?.conditions ?? []).some(c => c.type === 'Established' && c.status === 'True');
        if (established) break;
        if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after 60 s`);
        await sleep(100);
      }
      // Established comes before the resource's storage is ready: until then lists answer 429 "storage is
      // (re)initializing" (kube-apiserver ≥ 1.31), so the cluster is handed over only once a list answers.
      const crd = await api.readCustomResourceDefinition({ name });
      const version = crd.spec.versions.find(v => v.storage)!.name;
      for (;;) {
        const r = await rawRequest(this.kubeConfig(), 'GET', `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}?limit=1`);
        if (r.status === 200) break;
        if (Date.now() > deadline) throw new Error(`CRD ${name}: listing still answers ${r.status} after 60 s: ${r.body.slice(0, 300)}`);
        await sleep(100);
      }
    }
  }
}
