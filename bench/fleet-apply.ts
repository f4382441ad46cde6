/**
 * Fleet apply on the real test API server: a fleet of VMs with 4 Multus bridge NICs each (VLANs, static IPs: the NICs
 * of fleet-spec.ts, all made bridges, as KubeVirt hot-plugs bridge-bound interfaces) written as Wukong documents in
 * one file, brought to the cluster two ways, in a fresh namespace each:
 *   - `wukong apply FILE --kubeconfig K`: the real compiled CLI in a child process, with its defaults (the words of
 *     BENCH_APPLY_ARGS appended when set, e.g. to try a concurrency);
 *   - `kubectl apply --server-side -f DIR` (the test bed's kubectl, built from k8s.io/kubernetes at the server's
 *     version) of what `wukong synth` writes for the same documents, the namespace being the only difference; the
 *     synth is timed apart, as a pipeline does it before the apply.
 * Phases: create the fleet, then add one NIC (a fifth bridge with its VLAN and address) to every VM and apply again.
 * Wall time is spawn to exit of the client process. Each repeat runs two namespace pairs: one with both clients
 * talking to the server directly (the times and ratios that count), one with both through the same loopback proxy,
 * which records every request (counted per VM, and `METHOD resource ×n`) and adds its own latency to each (its times
 * are given too). kubectl keeps its discovery cache (warmed once before any timed run, as on a workstation), the CLI
 * has none. Before each timed phase both namespaces
 * are settled (every VM that should run has a Running VMI, nothing changed for a while), so KubeVirt's work for one
 * side does not land in the other's time; which side goes first alternates by repeat. After the add, both namespaces
 * must hold the same end state: the same interfaces and networks in every VM template (5 Multus NICs), the same NADs
 * and cloud-init Secrets, namespace names and MACs (derived from namespace and name) aside; the VMIs' Multus
 * interface counts are reported too.
 * Fresh namespace pairs (direct, proxied) per repeat, deleted afterwards; figures are medians over repeats.
 */
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { NetworkConfig, RunStrategy } from '../src';
import type { TestEnv } from './apply-efficiency';
import { BUILD_DIR, CLI_MAIN, ROOT } from './build';
import { ChildRun, runCommand, runNode } from './child';
import { fleetAsWukongs } from './fleet-spec';
import { breakdown } from './requests';
import { median, ratio } from './stats';
import { RECORD_SECRET_TYPE } from '../src/model';
import { FaultProxy, RecordedRequest } from '../test/integration/support/fault-proxy';
import { settle } from '../test/integration/support/kubevirt';
import { ensureNamespace } from '../test/integration/support/objects';
import { KUBEVIRT_VERSION, TestCluster } from '../test/integration/support/test-cluster';

/** The VMs' run strategy: running, so the add is a hot-plug and the node stand-in runs a VMI per VM. */
const RUN_STRATEGY: RunStrategy = 'Always';
const NICS = 4;
const ADDED_NIC = 'extra';
const VM_GROUP = { group: 'kubevirt.io', version: 'v1' };
const NAD_GROUP = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' };
const SETTLE_MS = 600_000;

type Json = any;

/** The fleet's documents in `namespace`, with the added NIC when `added`. */
export function fleetApplyDocuments(vms: number, namespace: string, added: boolean): object[] {
  return fleetAsWukongs(vms).map((doc: Json, i) => {
    const networks: NetworkConfig[] = doc.spec.networks.map(({ master: _m, ...nic }: NetworkConfig) => ({ ...nic, type: 'bridge' }));
    if (added) {
      // The mgmt NIC's host part in another /16, as fleet-spec gives each NIC.
      const host = (networks[0].ipConfig!.address as string).split('/')[0].split('.').slice(2).join('.');
      networks.push({ name: ADDED_NIC, type: 'bridge', vlanId: 500 + (i % 10), ipConfig: { address: `10.50.${host}/16` } });
    }
    return {
      ...doc,
      metadata: { ...doc.metadata, namespace },
      spec: { ...doc.spec, cpu: 1, memory: '1Gi', runStrategy: RUN_STRATEGY, networks },
    };
  });
}

/** One client's runs of a phase. */
export interface FleetApplyRun {
  /** Talking to the server directly. */
  readonly wallMs: number;
  /** Through the recording proxy. */
  readonly proxiedWallMs: number;
  /** Counted by the proxy. */
  readonly requests: number;
  readonly requestsPerVm: number;
  /** Lines the client printed, stdout and stderr together. */
  readonly outputLines: number;
  /** `METHOD resource ×n`, in order of first use (first repeat). */
  readonly breakdown: string[];
  readonly samplesWallMs: number[];
  readonly proxiedSamplesWallMs: number[];
}

export interface FleetApplyPhase {
  readonly wukong: FleetApplyRun;
  readonly kubectl: FleetApplyRun;
  /** `wukong synth` of the file for the kubectl side, not part of its wall time. */
  readonly synthMs: number;
  /** Wall time wukong / kubectl, direct. */
  readonly timeRatio: number;
  /** The same through the recording proxy. */
  readonly proxiedTimeRatio: number;
  readonly requestsRatio: number;
}

export interface FleetApplyReport {
  readonly vms: number;
  readonly nicsPerVm: number;
  readonly runStrategy: RunStrategy;
  readonly repeats: number;
  /** Words appended to `wukong apply` (BENCH_APPLY_ARGS). */
  readonly extraApplyArgs: string[];
  readonly kubectlVersion: string;
  readonly create: FleetApplyPhase;
  readonly addNic: FleetApplyPhase;
  /** Every namespace pair ended with the same VM templates, NADs and Secrets on both sides, each VM with NICS + 1 Multus NICs. */
  readonly sameEndState: boolean;
  /** What differed (first pair that differed, a few entries). */
  readonly differences: string[];
  /** VMIs with all NICS + 1 Multus interfaces in their status after the add, per side (the fewest over all pairs). */
  readonly vmisWithAddedNic: { readonly wukong: number; readonly kubectl: number };
  /** Seconds to settle both namespaces after create and after the add (median): KubeVirt's work, not the clients'. */
  readonly settleAfterCreateSeconds: number;
  readonly settleAfterAddSeconds: number;
}

interface Sample {
  readonly wallMs: number;
  readonly requests: RecordedRequest[];
  readonly outputLines: number;
}

function lines(run: ChildRun): number {
  return `${run.stdout}${run.stderr}`.split('\n').filter(l => l.trim()).length;
}

async function timed(proxy: FaultProxy, what: string, run: () => Promise<ChildRun>): Promise<Sample> {
  proxy.inject([]);
  const r = await run();
  if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}:\n${`${r.stdout}\n${r.stderr}`.slice(-3000)}`);
  return { wallMs: r.wallMs, requests: [...proxy.requests], outputLines: lines(r) };
}

function summarize(direct: Sample[], proxied: Sample[], vms: number): FleetApplyRun {
  return {
    wallMs: median(direct.map(s => s.wallMs)),
    proxiedWallMs: median(proxied.map(s => s.wallMs)),
    requests: median(proxied.map(s => s.requests.length)),
    requestsPerVm: median(proxied.map(s => s.requests.length)) / vms,
    outputLines: median(direct.map(s => s.outputLines)),
    breakdown: breakdown(proxied[0].requests),
    samplesWallMs: direct.map(s => s.wallMs),
    proxiedSamplesWallMs: proxied.map(s => s.wallMs),
  };
}

type Via = 'direct' | 'proxy';
type Samples = Record<Via, { wukong: Sample[]; kubectl: Sample[] }>;

function phase(samples: Samples, synthMs: number[], vms: number): FleetApplyPhase {
  const w = summarize(samples.direct.wukong, samples.proxy.wukong, vms);
  const k = summarize(samples.direct.kubectl, samples.proxy.kubectl, vms);
  return {
    wukong: w,
    kubectl: k,
    synthMs: median(synthMs),
    timeRatio: ratio(w.wallMs, k.wallMs),
    proxiedTimeRatio: ratio(w.proxiedWallMs, k.proxiedWallMs),
    requestsRatio: ratio(w.requests, k.requests),
  };
}

/** A namespace's end state, the namespace name replaced, keyed by object. */
interface EndState {
  /** `Kind name` to the object's compared content. */
  readonly objects: Map<string, string>;
  /** VM name to the Multus networks of its template. */
  readonly multusNics: Map<string, number>;
  /** VMI name to the Multus interfaces of its status. */
  readonly vmiNics: Map<string, number>;
}

async function endState(kc: KubeConfig, ns: string): Promise<EndState> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  // The namespace name aside, and the MACs: Wukong derives them from namespace and name.
  const neutral = (x: unknown) => JSON.stringify(x ?? null).split(ns).join('<ns>').replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/gi, '<mac>');
  const objects = new Map<string, string>();
  const multusNics = new Map<string, number>();
  const vmiNics = new Map<string, number>();
  const vms = (await custom.listNamespacedCustomObject({ ...VM_GROUP, plural: 'virtualmachines', namespace: ns })).items as Json[];
  for (const vm of vms) {
    const spec = vm.spec.template.spec;
    objects.set(`VirtualMachine ${vm.metadata.name}`, neutral({ interfaces: spec.domain.devices.interfaces, networks: spec.networks, runStrategy: vm.spec.runStrategy }));
    multusNics.set(vm.metadata.name, (spec.networks ?? []).filter((n: Json) => n.multus).length);
  }
  const vmis = (await custom.listNamespacedCustomObject({ ...VM_GROUP, plural: 'virtualmachineinstances', namespace: ns })).items as Json[];
  for (const vmi of vmis) {
    const multus = new Set((vmi.spec.networks ?? []).filter((n: Json) => n.multus).map((n: Json) => n.name));
    vmiNics.set(vmi.metadata.name, (vmi.status?.interfaces ?? []).filter((i: Json) => multus.has(i.name)).length);
  }
  const nads = (await custom.listNamespacedCustomObject({ ...NAD_GROUP, namespace: ns })).items as Json[];
  for (const nad of nads) objects.set(`NetworkAttachmentDefinition ${nad.metadata.name}`, neutral(nad.spec));
  for (const secret of (await core.listNamespacedSecret({ namespace: ns })).items) {
    // Wukong's record of what it applied is its bookkeeping, not part of the state both sides make.
    if (secret.type === RECORD_SECRET_TYPE) continue;
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    objects.set(`Secret ${secret.metadata!.name}`, neutral({ type: secret.type, data }));
  }
  return { objects, multusNics, vmiNics };
}

function compare(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (x === undefined) {
      out.push(`${key}: only on the kubectl side`);
    } else if (y === undefined) {
      out.push(`${key}: only on the wukong side`);
    } else if (x !== y) {
      let at = 0;
      while (at < x.length && x[at] === y[at]) at++;
      const around = (t: string) => `…${t.slice(Math.max(0, at - 40), at + 60)}…`;
      out.push(`${key}: differs at character ${at}: wukong ${around(x)} kubectl ${around(y)}`);
    }
  }
  return out;
}

async function deleteNamespaces(kc: KubeConfig, names: string[], log: (line: string) => void): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) await core.deleteNamespace({ name }).catch(() => undefined);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const left = [];
    for (const name of names) {
      if (await core.readNamespace({ name }).then(() => true, () => false)) left.push(name);
    }
    if (!left.length) return;
    if (Date.now() > deadline) {
      log(`fleet apply: namespaces ${left.join(', ')} still terminating after 300 s; going on`);
      return;
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

export async function benchFleetApply(env: TestEnv, vms: number, repeats: number, log: (line: string) => void): Promise<FleetApplyReport> {
  const kubectl = join(env.testbed!, 'kubectl');
  const extraApplyArgs = (process.env.BENCH_APPLY_ARGS ?? '').split(/\s+/).filter(Boolean);
  const dir = join(BUILD_DIR, 'fleet-apply');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const cluster = await TestCluster.startBed({ assets: env.assets!, testbed: env.testbed!, cloudInit: env.cloudInit! });
  let proxy: FaultProxy | undefined;
  try {
    log(`fleet apply: test API server and KubeVirt ${KUBEVIRT_VERSION} up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const kc = cluster.kubeConfig();
    proxy = await FaultProxy.start(kc);
    const kubeconfigs: Record<Via, string> = { direct: join(dir, 'direct.kubeconfig'), proxy: join(dir, 'proxy.kubeconfig') };
    writeFileSync(kubeconfigs.direct, kc.exportConfig(), { mode: 0o600 });
    writeFileSync(kubeconfigs.proxy, proxy.kubeConfig().exportConfig(), { mode: 0o600 });
    const cacheDir = join(dir, 'kube-cache');
    const kubectlVersion = (await runCommand(kubectl, ['version', '--client'])).stdout.split('\n')[0].replace(/^Client Version:\s*/, '');
    // kubectl's discovery cache, warmed once: what a workstation has (the CLI discovers what it needs on every run).
    for (const kubeconfig of Object.values(kubeconfigs)) {
      const warm = await runCommand(kubectl, ['api-resources', '--kubeconfig', kubeconfig, '--cache-dir', cacheDir]);
      if (warm.exitCode !== 0) throw new Error(`kubectl api-resources exited ${warm.exitCode}:\n${warm.stderr.slice(-2000)}`);
    }

    const wukongApply = (file: string, via: Via) => runNode([CLI_MAIN, 'apply', file, '--kubeconfig', kubeconfigs[via], ...extraApplyArgs], { cwd: ROOT });
    const kubectlApply = (outdir: string, via: Via) =>
      runCommand(kubectl, ['apply', '--server-side', '--kubeconfig', kubeconfigs[via], '--cache-dir', cacheDir, '-f', outdir]);
    const synth = async (file: string, outdir: string): Promise<number> => {
      const r = await runNode([CLI_MAIN, 'synth', file, '-o', outdir], { cwd: ROOT });
      if (r.exitCode !== 0) throw new Error(`wukong synth ${file} exited ${r.exitCode}:\n${r.stderr.slice(-3000)}`);
      return r.wallMs;
    };
    const settleBoth = async (names: string[]): Promise<number> => {
      const t = performance.now();
      for (const ns of names) await settle(cluster.state, kc, ns, SETTLE_MS, 2_000);
      return (performance.now() - t) / 1000;
    };

    const empty = (): Samples => ({ direct: { wukong: [], kubectl: [] }, proxy: { wukong: [], kubectl: [] } });
    const created = empty();
    const added = empty();
    const synthCreate: number[] = [];
    const synthAdd: number[] = [];
    const settleCreate: number[] = [];
    const settleAdd: number[] = [];
    let differences: string[] = [];
    let sameEndState = true;
    let vmisWithAddedNic = { wukong: vms, kubectl: vms };

    /** One namespace pair: both clients create the fleet, then add the NIC; checked, then deleted. */
    const pair = async (i: number, via: Via): Promise<void> => {
      const nsW = `fleet-apply-wukong-${via}-${i}`;
      const nsK = `fleet-apply-kubectl-${via}-${i}`;
      const file = (ns: string, phaseName: string) => join(dir, `${ns}-${phaseName}.yaml`);
      for (const [ns, phaseName, withNic] of [[nsW, 'create', false], [nsW, 'add', true], [nsK, 'create', false], [nsK, 'add', true]] as const) {
        writeFileSync(file(ns, phaseName), fleetApplyDocuments(vms, ns, withNic).map(d => stringify(d)).join('---\n'));
      }
      const outCreate = join(dir, `${nsK}-create`);
      const outAdd = join(dir, `${nsK}-add`);
      synthCreate.push(await synth(file(nsK, 'create'), outCreate));
      synthAdd.push(await synth(file(nsK, 'add'), outAdd));
      await ensureNamespace(kc, nsW);
      await ensureNamespace(kc, nsK);

      // Alternate which side goes first, so a warm server or a busy controller does not always favour one.
      const order = i % 2 === 0 ? ['wukong', 'kubectl'] : ['kubectl', 'wukong'];
      for (const side of order) {
        if (side === 'wukong') created[via].wukong.push(await timed(proxy!, `wukong apply ${file(nsW, 'create')}`, () => wukongApply(file(nsW, 'create'), via)));
        else created[via].kubectl.push(await timed(proxy!, `kubectl apply --server-side -f ${outCreate}`, () => kubectlApply(outCreate, via)));
        settleCreate.push(await settleBoth([nsW, nsK]));
      }
      for (const side of order) {
        if (side === 'wukong') added[via].wukong.push(await timed(proxy!, `wukong apply ${file(nsW, 'add')}`, () => wukongApply(file(nsW, 'add'), via)));
        else added[via].kubectl.push(await timed(proxy!, `kubectl apply --server-side -f ${outAdd}`, () => kubectlApply(outAdd, via)));
        settleAdd.push(await settleBoth([nsW, nsK]));
      }
      const at = (list: Sample[]) => {
        const last = list[list.length - 1];
        return `${(last.wallMs / 1000).toFixed(1)} s${via === 'proxy' ? ` / ${last.requests.length} requests` : ''}`;
      };
      log(`fleet apply run ${i + 1}/${repeats}, ${via === 'proxy' ? 'through the recording proxy' : 'direct'}: create wukong ${at(created[via].wukong)}, `
        + `kubectl ${at(created[via].kubectl)}; add NIC wukong ${at(added[via].wukong)}, kubectl ${at(added[via].kubectl)}`);

      const w = await endState(kc, nsW);
      const k = await endState(kc, nsK);
      const diff = compare(w.objects, k.objects);
      const nicCount = (side: string, m: Map<string, number>) => [...m].filter(([, n]) => n !== NICS + 1).map(([vm, n]) => `${side} VM ${vm}: ${n} Multus NICs`);
      diff.push(...nicCount('wukong', w.multusNics), ...nicCount('kubectl', k.multusNics));
      if (w.multusNics.size !== vms || k.multusNics.size !== vms) diff.push(`VMs: wukong ${w.multusNics.size}, kubectl ${k.multusNics.size}, of ${vms}`);
      if (diff.length && sameEndState) differences = [`${via} pair ${i + 1}:`, ...diff.slice(0, 5), ...(diff.length > 5 ? [`… ${diff.length - 5} more`] : [])];
      sameEndState = sameEndState && diff.length === 0;
      const full = (m: Map<string, number>) => [...m.values()].filter(n => n === NICS + 1).length;
      vmisWithAddedNic = { wukong: Math.min(vmisWithAddedNic.wukong, full(w.vmiNics)), kubectl: Math.min(vmisWithAddedNic.kubectl, full(k.vmiNics)) };
      await deleteNamespaces(kc, [nsW, nsK], log);
    };
    for (let i = 0; i < repeats; i++) {
      for (const via of (i % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct']) as Via[]) await pair(i, via);
    }

    return {
      vms,
      nicsPerVm: NICS,
      runStrategy: RUN_STRATEGY,
      repeats,
      extraApplyArgs,
      kubectlVersion,
      create: phase(created, synthCreate, vms),
      addNic: phase(added, synthAdd, vms),
      sameEndState,
      differences,
      vmisWithAddedNic,
      settleAfterCreateSeconds: median(settleCreate),
      settleAfterAddSeconds: median(settleAdd),
    };
  } finally {
    await proxy?.stop().catch(() => undefined);
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
