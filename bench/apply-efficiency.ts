/**
 * Apply efficiency on the real test API server: one NIC added to a running VM with 8 NICs, through the project's
 * apply (`applyVm`, owned objects managed) and, on an identical second VM, the way a naive client or
 * `kubectl replace` does it (GET the VM, PUT it back whole with the interface and network added), with the same NAD
 * creation and Secret update so both make the same change. A loopback proxy in front of the server records what each
 * sends. Fresh VM pairs per repeat; the test bed's KubeVirt (virt-controller, admission, the node stand-in) runs the VMs.
 */
import { performance } from 'perf_hooks';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { LastApplied, NetworkConfig, renderVm } from '../src';
import { plannerNics } from './planner';
import { breakdown } from './requests';
import { median, ratio } from './stats';
import { Cluster, applyVm, vmRef, vmiRef } from '../src/kube';
import { FaultProxy, RecordedRequest } from '../test/integration/support/fault-proxy';
import { settle } from '../test/integration/support/kubevirt';
import { ensureNamespace } from '../test/integration/support/objects';
import { KUBEVIRT_VERSION, TestCluster } from '../test/integration/support/test-cluster';

const NS = 'bench-apply';
const LIVE_NICS = 8;
const ADDED: NetworkConfig = { name: 'added', type: 'bridge', vlanId: 900, ipConfig: { address: '10.250.0.5/24' } };
const VM_GROUP = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function manifest(name: string, added: boolean): LastApplied {
  const networks = plannerNics(LIVE_NICS);
  return { metadata: { name, namespace: NS }, spec: { memory: '4Gi', networks: added ? [...networks, ADDED] : networks } };
}

/** One client's run of the change. */
export interface ApplySide {
  readonly requests: number;
  /** Writes (POST/PUT/PATCH) of the VirtualMachine itself. */
  readonly vmWrites: number;
  readonly vmWriteBytes: number;
  /** Bodies of every request. */
  readonly requestBytes: number;
  readonly latencyMs: number;
  /** `METHOD resource ×n`, in order of first use. */
  readonly breakdown: string[];
}

export interface ApplyReport {
  readonly repeats: number;
  readonly liveNics: number;
  /** The VirtualMachine before the change, compact JSON as the server returns it. */
  readonly vmObjectBytes: number;
  /** The same without `metadata.managedFields`. */
  readonly vmObjectBytesWithoutManagedFields: number;
  readonly ours: ApplySide;
  readonly replace: ApplySide;
  /** Our VM write, op by op: `op path: bytes` (first repeat). */
  readonly vmWriteOps: string[];
  /** Our VM write's body / the full VM object. */
  readonly patchFraction: number;
  readonly patchFractionWithoutManagedFields: number;
  readonly requestsRatio: number;
  readonly requestBytesRatio: number;
  readonly vmWriteBytesRatio: number;
  readonly latencyRatio: number;
  /** Both VMs ended with the same interface and network names, and both NADs exist. */
  readonly sameEndState: boolean;
}

interface Sample {
  readonly requests: RecordedRequest[];
  readonly latencyMs: number;
}

function vmWrites(requests: RecordedRequest[], name: string): RecordedRequest[] {
  const path = `/apis/kubevirt.io/v1/namespaces/${NS}/virtualmachines/${name}`;
  return requests.filter(r => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.path.split('?')[0] === path);
}

function summarize(samples: Array<Sample & { name: string }>): ApplySide {
  const per = samples.map(s => {
    const writes = vmWrites(s.requests, s.name);
    return {
      requests: s.requests.length,
      vmWrites: writes.length,
      vmWriteBytes: writes.reduce((sum, r) => sum + r.bytes, 0),
      requestBytes: s.requests.reduce((sum, r) => sum + r.bytes, 0),
      latencyMs: s.latencyMs,
    };
  });
  return {
    requests: median(per.map(p => p.requests)),
    vmWrites: median(per.map(p => p.vmWrites)),
    vmWriteBytes: median(per.map(p => p.vmWriteBytes)),
    requestBytes: median(per.map(p => p.requestBytes)),
    latencyMs: median(per.map(p => p.latencyMs)),
    breakdown: breakdown(samples[0].requests),
  };
}

async function waitRunning(direct: Cluster, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const vmi = await direct.get(vmiRef(NS, name));
    if ((vmi?.status?.interfaces ?? []).length === LIVE_NICS + 1 && vmi?.status?.phase === 'Running') return;
    if (Date.now() > deadline) throw new Error(`VM ${NS}/${name} not running with ${LIVE_NICS} NICs after 60 s`);
    await sleep(100);
  }
}

/** Our apply: the project's applyVm through the proxy. */
async function viaApply(proxied: KubeConfig, proxy: FaultProxy, name: string): Promise<Sample> {
  const cluster = new Cluster(proxied);
  proxy.inject([]);
  const started = performance.now();
  await applyVm(cluster, manifest(name, true));
  const latencyMs = performance.now() - started;
  return { requests: [...proxy.requests], latencyMs };
}

/** A naive client: GET the VM, create the new NAD, replace the Secret, PUT the whole VM back with the NIC added. */
async function viaReplace(proxied: KubeConfig, proxy: FaultProxy, name: string): Promise<Sample> {
  const custom = proxied.makeApiClient(CustomObjectsApi);
  const core = proxied.makeApiClient(CoreV1Api);
  const desired = renderVm({ name, namespace: NS }, manifest(name, true).spec);
  const vmSpec = desired.virtualMachine.spec.template.spec;
  const nad = desired.nads.find(n => n.metadata.name === `${name}-${ADDED.name}-nad`)!;
  proxy.inject([]);
  const started = performance.now();
  const vm = await custom.getNamespacedCustomObject({ ...VM_GROUP, namespace: NS, name });
  vm.spec.template.spec.domain.devices.interfaces.push(vmSpec.domain.devices.interfaces!.find(i => i.name === ADDED.name));
  vm.spec.template.spec.networks.push(vmSpec.networks!.find(n => n.name === ADDED.name));
  await custom.createNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace: NS, body: nad });
  const secret = await core.readNamespacedSecret({ name: desired.secret!.metadata.name, namespace: NS });
  secret.data = Object.fromEntries(Object.entries(desired.secret!.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await core.replaceNamespacedSecret({ name: desired.secret!.metadata.name, namespace: NS, body: secret });
  await custom.replaceNamespacedCustomObject({ ...VM_GROUP, namespace: NS, name, body: vm });
  const latencyMs = performance.now() - started;
  return { requests: [...proxy.requests], latencyMs };
}

/** `op path: N B` for each op of a JSON-patch body. */
function opSizes(body: string): string[] {
  const ops = JSON.parse(body) as Array<{ op: string; path: string }>;
  return ops.map(o => `${o.op} ${o.path}: ${Buffer.byteLength(JSON.stringify(o))} B`);
}

function compactBytes(obj: unknown): number {
  return Buffer.byteLength(JSON.stringify(obj));
}

/** The environment scripts/test-env.sh provides: the API server binaries, or why there are none. */
export interface TestEnv {
  readonly assets?: string;
  readonly testbed?: string;
  readonly cloudInit?: string;
  readonly unavailable?: string;
}

export async function benchApply(env: TestEnv, repeats: number, log: (line: string) => void): Promise<ApplyReport> {
  const started = performance.now();
  const cluster = await TestCluster.startBed({ assets: env.assets!, testbed: env.testbed!, cloudInit: env.cloudInit! });
  let proxy: FaultProxy | undefined;
  try {
    log(`test API server and KubeVirt ${KUBEVIRT_VERSION} up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const kc = cluster.kubeConfig();
    const direct = new Cluster(kc);
    await ensureNamespace(kc, NS);
    proxy = await FaultProxy.start(kc);
    const proxied = proxy.kubeConfig();
    const pairs = Array.from({ length: repeats }, (_, i) => ({ ours: `ours-${i}`, replace: `replace-${i}` }));
    for (const p of pairs) for (const name of [p.ours, p.replace]) await applyVm(direct, manifest(name, false));
    for (const p of pairs) for (const name of [p.ours, p.replace]) await waitRunning(direct, name);
    await settle(cluster.state, kc, NS, 300_000);

    const ours: Array<Sample & { name: string }> = [];
    const replaced: Array<Sample & { name: string }> = [];
    const vmBytes: number[] = [];
    const vmBytesLean: number[] = [];
    for (const [i, p] of pairs.entries()) {
      const before = await direct.get(vmRef(NS, p.ours));
      const { managedFields: _m, ...leanMeta } = before.metadata;
      vmBytes.push(compactBytes(before));
      vmBytesLean.push(compactBytes({ ...before, metadata: leanMeta }));
      // Alternate which goes first, so a warm connection or a busy controller does not always favour one side.
      let o: Sample;
      let r: Sample;
      if (i % 2 === 0) {
        o = await viaApply(proxied, proxy, p.ours);
        r = await viaReplace(proxied, proxy, p.replace);
      } else {
        r = await viaReplace(proxied, proxy, p.replace);
        o = await viaApply(proxied, proxy, p.ours);
      }
      ours.push({ ...o, name: p.ours });
      replaced.push({ ...r, name: p.replace });
      log(`apply run ${i + 1}/${repeats}: ours ${o.requests.length} requests in ${o.latencyMs.toFixed(0)} ms, `
        + `replace ${r.requests.length} requests in ${r.latencyMs.toFixed(0)} ms`);
    }

    await settle(cluster.state, kc, NS, 300_000);
    const names = async (name: string) => {
      const vm = await direct.get(vmRef(NS, name));
      const spec = vm.spec.template.spec;
      const namesOf = (list: Array<{ name: string }>) => list.map(x => x.name);
      return JSON.stringify([namesOf(spec.domain.devices.interfaces), namesOf(spec.networks)]);
    };
    let same = true;
    for (const p of pairs) {
      const nads = await Promise.all([p.ours, p.replace].map(n => direct.get({
        apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: NS, name: `${n}-${ADDED.name}-nad`,
      })));
      same = same && (await names(p.ours)) === (await names(p.replace)) && (await names(p.ours)).includes(`"${ADDED.name}"`) && nads.every(Boolean);
    }

    const o = summarize(ours);
    const r = summarize(replaced);
    const full = median(vmBytes);
    const lean = median(vmBytesLean);
    return {
      repeats,
      liveNics: LIVE_NICS,
      vmObjectBytes: full,
      vmObjectBytesWithoutManagedFields: lean,
      ours: o,
      replace: r,
      vmWriteOps: opSizes(vmWrites(ours[0].requests, ours[0].name)[0]?.body ?? '[]'),
      patchFraction: ratio(o.vmWriteBytes, full),
      patchFractionWithoutManagedFields: ratio(o.vmWriteBytes, lean),
      requestsRatio: ratio(o.requests, r.requests),
      requestBytesRatio: ratio(o.requestBytes, r.requestBytes),
      vmWriteBytesRatio: ratio(o.vmWriteBytes, r.vmWriteBytes),
      latencyRatio: ratio(o.latencyMs, r.latencyMs),
      sameEndState: same,
    };
  } finally {
    await proxy?.stop().catch(() => undefined);
    cluster.stop();
  }
}
