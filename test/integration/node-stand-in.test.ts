/**
 * The node stand-in writes only what a node writes. The API server audits every write of its identity
 * (virt-handler's service account); after a VM's whole life (start, hot-plug, unplug, restart, delete) and whatever the
 * other suites did before, each audited write must be one of a node's: never a VirtualMachine, never a VMI's spec, never
 * a VM or VMI condition.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { restartVm, settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { NODE_STAND_IN_USER } from './support/test-cluster';
import { LastApplied } from '../../src';
import { Cluster, applyVm, deleteVm } from '../../src/kube';

const NS = 'node-stand-in';
const nic = (name: string, vlanId: number) => ({ name, vlanId, ipConfig: { address: `10.${vlanId}.0.5/24` } });
const spec = (networks: object[]): LastApplied => ({ metadata: { name: 'vm', namespace: NS }, spec: { networks } as LastApplied['spec'] });

interface AuditEvent {
  readonly user: { username: string };
  readonly verb: string;
  readonly objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  readonly requestObject?: any;
  readonly responseStatus?: { code?: number };
}

/** `verb resource[/subresource]` of an audited request. */
const writeKind = (e: AuditEvent) => `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;

/** Why an audited write is not a node's, or undefined when it is. */
function notANodeWrite(e: AuditEvent): string | undefined {
  const what = writeKind(e);
  const ops: any[] = Array.isArray(e.requestObject) ? e.requestObject : [];
  const paths = ops.filter(o => o.op !== 'test').map(o => o.path as string);
  switch (what) {
    // kubelet: the Node, its status; virt-handler: its heartbeat annotation and schedulable label.
    case 'create nodes': case 'patch nodes': case 'patch nodes/status':
    // kube-scheduler: the binding; kubelet: pod status, deletion of a terminated pod; both: events.
    case 'create pods/binding': case 'delete pods': case 'create events':
      return undefined;
    case 'patch pods/status':
      return Object.keys(e.requestObject ?? {}).every(k => k === 'status') ? undefined : `${what} touches ${Object.keys(e.requestObject ?? {})}`;
    case 'patch pods':
      // Multus: the network-status annotation, nothing else.
      return paths.length && paths.every(p => p === '/metadata/annotations/k8s.v1.cni.cncf.io~1network-status' || p === '/metadata/annotations')
        && ops.every(o => o.op === 'test' || o.path !== '/metadata/annotations' || Object.keys(o.value).join() === 'k8s.v1.cni.cncf.io/network-status')
        ? undefined : `${what} ${JSON.stringify(ops)}`;
    case 'patch virtualmachineinstances':
      // virt-handler: the phase and the interfaces of the status; never the spec, never a condition.
      return paths.length && paths.every(p => p === '/status/phase' || p === '/status/interfaces') ? undefined : `${what} ${JSON.stringify(paths)}`;
    default:
      return `${what} is not a node's write`;
  }
}

describeWithCluster('the node stand-in', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const opts = { pollMs: 200, timeoutSeconds: 60, wait: true };
  beforeAll(() => ensureNamespace(kc, NS));

  it('does a VM\'s whole life with the real virt-controller: start, hot-plug, unplug, restart, delete', async () => {
    await applyVm(cluster, spec([nic('a', 61)]), opts);
    const plugged = await applyVm(cluster, spec([nic('a', 61), nic('b', 62)]), opts);
    expect(plugged.nics.map(n => `${n.name} ${n.state}`)).toEqual(['default attached', 'a attached', 'b attached']);
    await applyVm(cluster, spec([nic('a', 61)]), opts);
    await settle(state, kc, NS);
    await restartVm(state, kc, NS, 'vm');
    await deleteVm(cluster, NS, 'vm', { pollMs: 200, timeoutSeconds: 60 });
  });

  it('wrote only what a node writes: no VM, no VMI spec, no VM or VMI condition (the API server\'s audit log)', () => {
    const events: AuditEvent[] = readFileSync(join(state.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
    const mine = events.filter(e => e.user.username === NODE_STAND_IN_USER);
    const kinds = new Set(mine.map(writeKind));
    // Each duty was exercised.
    for (const duty of ['create pods/binding', 'patch pods/status', 'patch pods', 'delete pods', 'patch virtualmachineinstances', 'patch nodes/status']) {
      expect([...kinds]).toContain(duty);
    }
    expect(mine.map(notANodeWrite).filter(Boolean)).toEqual([]);
  });

  it('fails if the stand-in wrote a VM, a VMI spec or a VMI condition: the check rejects each', () => {
    const as = (verb: string, resource: string, requestObject: unknown, subresource?: string): AuditEvent =>
      ({ user: { username: NODE_STAND_IN_USER }, verb, objectRef: { resource, subresource }, requestObject });
    expect(notANodeWrite(as('patch', 'virtualmachines', [{ op: 'add', path: '/spec/running', value: true }]))).toBe('patch virtualmachines is not a node\'s write');
    expect(notANodeWrite(as('patch', 'virtualmachines', {}, 'status'))).toBe('patch virtualmachines/status is not a node\'s write');
    expect(notANodeWrite(as('patch', 'virtualmachineinstances', [{ op: 'add', path: '/spec/networks/-', value: {} }]))).toMatch(/\/spec\/networks/);
    expect(notANodeWrite(as('patch', 'virtualmachineinstances', [{ op: 'add', path: '/status/conditions', value: [] }]))).toMatch(/\/status\/conditions/);
    expect(notANodeWrite(as('patch', 'pods', [{ op: 'add', path: '/metadata/labels/x', value: 'y' }]))).toMatch(/labels/);
    expect(notANodeWrite(as('patch', 'virtualmachineinstances', [{ op: 'replace', path: '/status/phase', value: 'Running' }]))).toBeUndefined();
  });

  it('hit no error of its own: every line of its log is a duty carried out (conflicts and vanished objects are retried, as a node agent does)', () => {
    const lines = readFileSync(join(state.dir, 'node-stand-in.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines.filter(l => /^\S+Z (scheduler|kubelet|multus|multus-dynamic-networks|virt-handler|virt-launcher):/.test(l)).length).toBeGreaterThan(5);
    const errors = lines.filter(l => !/^\S+Z ((scheduler|kubelet|multus|multus-dynamic-networks|virt-handler|virt-launcher):|node stand-in )/.test(l));
    expect(errors.filter(l => !/"code":404|NotFound/.test(l))).toEqual([]);
  });
});
