/**
 * Fault injection: a loopback proxy between Wukong and the real API server breaks one request at a time (5xx, 429 with
 * Retry-After, resets and stalls before or after the write landed, 409/422 precondition failures) at every step of
 * create, hot-plug, unplug and delete. After retries, or one re-run when the error says so, the cluster must be exactly
 * as a clean run leaves it: no duplicate interface, another writer's label and interface kept, no orphaned NAD of
 * ours, the shared NAD never deleted.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { Fault, FaultProxy, FaultRule, RecordedRequest } from './support/fault-proxy';
import { settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { LastApplied } from '../../src';
import { Cluster, apiStatusCode, applyVm, deleteVm, recordSecretRef, vmRef } from '../../src/kube';
import { APPLIED_ANNOTATION, STARTED_INTERFACES_KEY } from '../../src/model';

const NS = 'faults';
const SHARED_NAD = 'shared-net';
const ETH0 = { name: 'eth0', type: 'bridge', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } };
const EXT = { name: 'ext', nadName: SHARED_NAD, ipConfig: { address: '10.9.0.5/24' } };
const ETH1 = { name: 'eth1', type: 'bridge', vlanId: 20, ipConfig: { address: '10.1.0.5/24' } };
const vm = (networks: object[]): LastApplied => ({ metadata: { name: 'web', namespace: NS }, spec: { networks } as LastApplied['spec'] });
const OPTS = { pollMs: 50, timeoutSeconds: 10, wait: true };
const REQUEST_TIMEOUT_MS = 800;

/** The faults a read can meet, taken in turn along the steps. */
const TRANSIENT: Fault[] = [
  { kind: 'status', code: 503 }, { kind: 'status', code: 500 }, { kind: 'status', code: 429, retryAfterSeconds: 1 }, { kind: 'reset' }, { kind: 'stall' },
];
/** What a write can meet besides: lost answers (it landed) and failed preconditions. */
const WRITE_FAULTS: Fault[] = [{ kind: 'status-after', code: 503 }, { kind: 'reset-after' }];
const PRECONDITION_FAULTS: Fault[] = [{ kind: 'status', code: 409 }, { kind: 'status', code: 422 }];

const isWrite = (r: RecordedRequest) => r.method !== 'GET' && !r.path.includes('/selfsubjectaccessreviews');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const describeFault = (f: Fault) => ('code' in f ? `${f.kind} ${f.code}` : f.kind);

interface Case {
  readonly step: string;
  readonly rule: FaultRule;
}

/** One case per fault for every step of a clean run (a polled read only at its first occurrence). */
function casesOf(requests: RecordedRequest[]): Case[] {
  const seen = new Map<string, number>();
  const cases: Case[] = [];
  let step = 0;
  for (const r of requests) {
    const key = `${r.method} ${r.path}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    const polled = r.path.includes('/virtualmachineinstances/') || r.path.includes('/selfsubjectaccessreviews');
    if (nth > 1 && polled) continue;
    const faults = [TRANSIENT[step++ % TRANSIENT.length]];
    if (isWrite(r)) faults.push(...WRITE_FAULTS, ...(r.method === 'DELETE' ? [] : PRECONDITION_FAULTS));
    for (const fault of faults) {
      cases.push({ step: `${key} #${nth}`, rule: { method: r.method, path: new RegExp(`^${escape(r.path)}$`), nth, fault } });
    }
  }
  // And one write that keeps failing: retries run out, the error says to re-run.
  const vmWrite = requests.find(r => isWrite(r) && /\/virtualmachines(\/|\?|$)/.test(r.path))!;
  cases.push({
    step: `${vmWrite.method} ${vmWrite.path} (every attempt)`,
    rule: { method: vmWrite.method, path: new RegExp(`^${escape(vmWrite.path)}$`), nth: 1, times: 4, fault: { kind: 'status', code: 503 } },
  });
  return cases;
}

describeWithCluster('fault injection (proxy in front of the real API server, KubeVirt behind it)', () => {
  const state = testCluster()!;
  const admin = kubeConfigFor(state);
  const direct = new Cluster(admin);
  let proxy: FaultProxy;
  let proxied: Cluster;

  async function snapshot(): Promise<unknown> {
    await settle(state, admin, NS);
    const live = await direct.get(vmRef(NS, 'web'));
    const nads = await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace: NS,
    });
    const secret = await direct.get({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'web-cloudinit' });
    const record = await direct.get(recordSecretRef(NS, 'web'));
    const spec = live && JSON.parse(JSON.stringify(live.spec));
    // Set by KubeVirt per VM and per VMI: differ between runs by nature.
    if (spec) delete spec.template.spec.domain.firmware;
    const annotations = live?.metadata.annotations;
    return {
      vm: live && { labels: live.metadata.labels, annotations, spec },
      nads: nads.items.map((n: any) => `${n.metadata.name} ${n.spec.config}`).sort(),
      secret: secret?.data,
      // Which entries the record holds (their values carry the time they were written); the VMI's start is an
      // observation any apply records, not part of a change.
      record: Object.keys(record?.data ?? {}).filter(k => k !== STARTED_INTERFACES_KEY).sort(),
    };
  }

  /**
   * Brings the state before back exactly: `applyVm` with the old spec, then the record without the entry the run
   * under test added (an apply keeps a recent entry for a concurrent applier), once KubeVirt has finished.
   */
  async function revertTo(spec: LastApplied, after?: () => Promise<void>): Promise<void> {
    await applyVm(direct, spec, OPTS);
    await after?.();
    await settle(state, admin, NS);
    await onlyCurrentRecord();
  }

  /** Drops the record entries the VM does not point at, as a run 15 minutes later would. */
  async function onlyCurrentRecord(): Promise<void> {
    const vmNow = await direct.get(vmRef(NS, 'web'));
    const record = await direct.get(recordSecretRef(NS, 'web'));
    const current = `applied.${vmNow?.metadata.annotations?.[APPLIED_ANNOTATION]}`;
    const stale = Object.keys(record?.data ?? {}).filter(k => k.startsWith('applied.') && k !== current);
    if (stale.length) await direct.patch(recordSecretRef(NS, 'web'), stale.map(k => ({ op: 'remove' as const, path: `/data/${k}` })));
  }

  function duplicates(snap: any): string[] {
    const names = [
      ...(snap.vm?.spec.template.spec.domain.devices.interfaces ?? []).map((i: any) => `interface ${i.name}`),
      ...(snap.vm?.spec.template.spec.networks ?? []).map((n: any) => `network ${n.name}`),
    ];
    return names.filter((n, i) => names.indexOf(n) !== i);
  }

  /** Another writer's label and interface (on the shared NAD), which Wukong must keep. */
  async function addForeign(): Promise<void> {
    // KubeVirt may still be writing the VM: a writer that lost the race reads again, as any careful one does.
    for (let attempt = 0; ; attempt++) {
      await settle(state, admin, NS);
      const live = await direct.get(vmRef(NS, 'web'));
      if (live.spec.template.spec.networks.some((n: { name: string }) => n.name === 'foreign')) return;
      try {
        await direct.patch(vmRef(NS, 'web'), [
          { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
          { op: 'add', path: '/metadata/labels/owner', value: 'team-b' },
          { op: 'add', path: '/spec/template/spec/domain/devices/interfaces/-', value: { name: 'foreign', bridge: {} } },
          { op: 'add', path: '/spec/template/spec/networks/-', value: { name: 'foreign', multus: { networkName: SHARED_NAD } } },
        ]);
        return;
      } catch (e) {
        if (apiStatusCode(e) !== 422 || attempt >= 4) throw e;
      }
    }
  }

  /**
   * Runs `op` through the proxy with each case's fault, re-running once when it fails, and checks the state against
   * the clean run's; `revert` (direct, no faults) brings back the state before.
   */
  async function exercise(op: (c: Cluster) => Promise<unknown>, revert: () => Promise<unknown>): Promise<void> {
    await onlyCurrentRecord();
    const before = await snapshot();
    proxy.inject([]);
    await op(proxied);
    const clean = [...proxy.requests];
    const expected = await snapshot();
    expect(duplicates(expected)).toEqual([]);
    await revert();
    expect(await snapshot()).toEqual(before);
    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    for (const c of casesOf(clean)) {
      const label = `${c.step}: ${describeFault(c.rule.fault)}${c.rule.times ? ` ×${c.rule.times}` : ''}`;
      proxy.inject([c.rule]);
      const started = Date.now();
      const error: Error | undefined = await op(proxied).then(() => undefined, (e: Error) => e);
      if (proxy.unfired.length) problems.push(`${label}: the fault never fired`);
      proxy.inject([]);
      let outcome = 'absorbed';
      if (error) {
        outcome = 're-run';
        if (!/run the same (apply|command|delete) again/.test(error.message) || /\n\s+at /.test(error.message) || /HTTP-Code:/.test(error.message)) {
          problems.push(`${label}: unclear error: ${error.message}`);
        }
        await op(proxied).catch((e: Error) => problems.push(`${label}: the re-run failed too: ${e.message}`));
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (process.env.WUKONG_TEST_VERBOSE) process.stderr.write(`${label}: ${outcome}${error ? ` (${error.message.split('\n')[0]})` : ''} after ${Date.now() - started} ms\n`);
      const after = await snapshot();
      if (JSON.stringify(after) !== JSON.stringify(expected)) problems.push(`${label}: ${outcome}, but the state differs:\n${JSON.stringify(after)}\nexpected\n${JSON.stringify(expected)}`);
      if (duplicates(after).length) problems.push(`${label}: duplicates ${duplicates(after).join(', ')}`);
      await revert();
    }
    expect(problems).toEqual([]);
    // Most faults are absorbed by retries and re-planning; the ones that exhaust them ask for the re-run they got.
    expect(outcomes.get('re-run')).toBeGreaterThanOrEqual(1);
    expect(await snapshot()).toEqual(before);
  }

  beforeAll(async () => {
    await ensureNamespace(admin, NS);
    await direct.create({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: SHARED_NAD, namespace: NS },
      spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: SHARED_NAD, type: 'bridge', bridge: 'br-shared' }) },
    });
    proxy = await FaultProxy.start(admin);
    proxied = new Cluster(proxy.kubeConfig(), { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  it('create: every step, every fault, ends as a clean create does', async () => {
    await exercise(c => applyVm(c, vm([ETH0, EXT]), OPTS), () => deleteVm(direct, NS, 'web', OPTS));
  });

  it('hot-plug: every step, every fault, ends as a clean hot-plug does, keeping the foreign label and interface', async () => {
    await applyVm(direct, vm([ETH0, EXT]), OPTS);
    await addForeign();
    await exercise(c => applyVm(c, vm([ETH0, EXT, ETH1]), OPTS), () => revertTo(vm([ETH0, EXT])));
  });

  it('unplug: every step, every fault, ends as a clean unplug does: our NAD deleted, the shared one and the foreign interface kept', async () => {
    await applyVm(direct, vm([ETH0, EXT, ETH1]), OPTS);
    await exercise(c => applyVm(c, vm([ETH0, EXT]), OPTS), () => revertTo(vm([ETH0, EXT, ETH1])));
  });

  it('delete: every step, every fault, ends as a clean delete does, the shared NAD kept', async () => {
    await applyVm(direct, vm([ETH0, EXT]), OPTS);
    await addForeign();
    await exercise(c => deleteVm(c, NS, 'web', OPTS), () => revertTo(vm([ETH0, EXT]), addForeign));
  });
});
