/**
 * A real kube-apiserver + etcd on loopback, envtest style: free ports, token authentication with an admin and a
 * restricted user, RBAC on, the project's CRDs installed and Established. Processes are stopped by PID and their
 * folders removed on `stop()`, on process exit and on SIGINT/SIGTERM; a watchdog also stops them if the parent dies
 * without running any of that (SIGKILL).
 */
import { ChildProcess, spawn } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as https from 'https';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { ApiextensionsV1Api, Health, KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse } from 'yaml';

export interface ClusterState {
  readonly server: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly restrictedToken: string;
  readonly restrictedUser: string;
  readonly pids: number[];
  readonly dir: string;
  readonly cloudInit: string;
}

export const ADMIN_CONTEXT = 'admin';
export const RESTRICTED_CONTEXT = 'restricted';
export const RESTRICTED_USER = 'wukong-restricted';

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
async function rawRequest(kc: KubeConfig, method: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const url = new URL(`${kc.getCurrentCluster()!.server}${path}`);
  const opts: https.RequestOptions = { method, hostname: url.hostname, port: url.port, path: url.pathname, headers: { 'Content-Type': 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, res => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The 1.20 server rejects KubeVirt's `default: ''` on string fields; drop those lines at install time only. */
export function adaptCrdFor120(text: string): string {
  return text.split('\n').filter(l => !/^\s*default: ''\s*$/.test(l)).join('\n');
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
  private watchdogPid?: number;
  private stopped = false;
  private server = '';
  private readonly adminToken = randomToken();
  private readonly restrictedToken = randomToken();
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
    };
  }

  /** Stops both processes (and the watchdog) by PID and removes the folders. Safe to call more than once. */
  public stop(): void {
    // Once only: a PID signalled again later could belong to another process by then.
    if (this.stopped) return;
    this.stopped = true;
    for (const pid of this.startedPids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every process this cluster started: etcd, kube-apiserver and the watchdog. */
  public startedPids(): number[] {
    return [...this.children.map(c => c.pid), this.watchdogPid].filter((p): p is number => p !== undefined);
  }

  private spawnLogged(name: string, bin: string, args: string[]): ChildProcess {
    const log = openSync(join(this.dir, `${name}.log`), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.children.push(child);
    return child;
  }

  private watchdog(): void {
    // Kills the servers if this process disappears without cleaning up (e.g. SIGKILL), then removes the folder.
    const pids = this.children.map(c => c.pid).join(' ');
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${pids} 2>/dev/null; rm -rf '${this.dir}'`;
    const watchdog = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
    watchdog.unref();
    this.watchdogPid = watchdog.pid;
  }

  private async boot(assets: string): Promise<void> {
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
    writeFileSync(join(this.dir, 'tokens.csv'), `${this.adminToken},wukong-admin,1,"system:masters"\n${this.restrictedToken},${RESTRICTED_USER},2\n`);
    this.spawnLogged('kube-apiserver', join(assets, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`, '--insecure-port=0', `--cert-dir=${join(this.dir, 'certs')}`,
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc', `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC', '--service-cluster-ip-range=10.96.0.0/16',
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
    const cluster = { name: 'wukong-test', cluster: { 'server': this.server, 'insecure-skip-tls-verify': true } };
    const users = [{ name: ADMIN_CONTEXT, user: { token: this.adminToken } }, { name: RESTRICTED_CONTEXT, user: { token: this.restrictedToken } }];
    const contexts = users.map(u => ({ name: u.name, context: { cluster: 'wukong-test', user: u.name } }));
    const kubeconfig = { 'apiVersion': 'v1', 'kind': 'Config', 'clusters': [cluster], users, contexts, 'current-context': ADMIN_CONTEXT };
    writeFileSync(join(this.dir, 'kubeconfig'), JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
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
      const crd = parse(adaptCrdFor120(readFileSync(join(crdDir, file), 'utf8'))) as V1CustomResourceDefinition;
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
    }
  }
}
