/**
 * Least privilege on the real RBAC authorizer: a service-account token bound to exactly what `wukong rbac` prints runs
 * create, update, hot-plug, unplug and delete; the same token missing any one verb fails at the step that needs it,
 * naming that permission, with the cluster as it was before the step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { LastApplied, PermissionSpec } from '../../src';
import { run as wukong } from '../../src/cli/main';
import { Cluster, MissingPermissionsError, applyVm, deleteVm, ownedNads, ownedSubnets, vmRef } from '../../src/kube';
import { wukongPermissions } from '../../src/model/plan/rbac';

const NS = 'rbac';
const SA = 'deployer';
const SA_USER = `system:serviceaccount:${NS}:${SA}`;
const ETH0 = { name: 'eth0', type: 'bridge', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } };
const ETH1 = { name: 'eth1', type: 'bridge', vlanId: 20, ipConfig: { address: '10.1.0.5/24' } };
const OVN = { name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.30.0.0/24' } };

const vm = (networks: object[]): LastApplied => ({ metadata: { name: 'web', namespace: NS }, spec: { networks } as LastApplied['spec'] });

/** The scenario, step by step; every verb of the role is needed by at least one step. */
const STEPS: Array<{ name: string; run: (c: Cluster) => Promise<unknown> }> = [
  { name: 'create', run: c => applyVm(c, vm([ETH0, OVN]), OPTS) },
  // An MTU change reaches the guest only at a restart, so it is applied with allowRestart (the NAD is patched).
  { name: 'update NAD and Subnet', run: c => applyVm(c, vm([{ ...ETH0, mtu: 9000 }, { ...OVN, subnet: { ...OVN.subnet, excludeIps: ['10.30.0.100'] } }]), { ...OPTS, allowRestart: true }) },
  { name: 'hot-plug', run: c => applyVm(c, vm([{ ...ETH0, mtu: 9000 }, { ...OVN, subnet: { ...OVN.subnet, excludeIps: ['10.30.0.100'] } }, ETH1]), OPTS) },
  { name: 'unplug', run: c => applyVm(c, vm([{ ...ETH0, mtu: 9000 }, { ...OVN, subnet: { ...OVN.subnet, excludeIps: ['10.30.0.100'] } }]), OPTS) },
  { name: 'delete', run: c => deleteVm(c, NS, 'web', OPTS) },
];
const OPTS = { pollMs: 100, timeoutSeconds: 30, wait: true };

const permissionText = (p: PermissionSpec) =>
  `${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''} ${p.clusterScoped ? 'cluster-wide' : `in namespace ${NS}`}`;

describeWithCluster('least privilege (real RBAC, real KubeVirt)', () => {
  const state = testCluster()!;
  const admin = kubeConfigFor(state);
  const adminCluster = new Cluster(admin);
  const rbacApi = admin.makeApiClient(RbacAuthorizationV1Api);
  const authz = admin.makeApiClient(AuthorizationV1Api);
  let deployer: Cluster;
  let deployerConfig: KubeConfig;

  /** Everything Wukong manages for the VM, as the admin sees it (KubeVirt's status and bookkeeping left out). */
  async function snapshot(): Promise<unknown> {
    await settle(state, admin, NS);
    const live = await adminCluster.get(vmRef(NS, 'web'));
    const secret = await adminCluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'web-cloudinit' });
    return {
      vm: live && { labels: live.metadata.labels, annotations: live.metadata.annotations, spec: live.spec },
      nads: (await ownedNads(adminCluster, NS, 'web')).map(n => ({ name: n.metadata.name, config: n.spec.config })),
      subnets: (await ownedSubnets(adminCluster, NS, 'web')).map(s => ({ name: s.metadata.name, spec: s.spec })),
      secret: secret?.data,
    };
  }

  /** Installs `wukong rbac` output for the service account, minus `without`; waits until the authorizer agrees. */
  async function grant(without?: PermissionSpec): Promise<void> {
    const out = await capture(['rbac', '-n', NS, '--service-account', `${NS}/${SA}`]);
    const docs = parseAllDocuments(out).map(d => d.toJS());
    for (const doc of docs) {
      for (const rule of doc.rules ?? []) {
        if (without && rule.apiGroups[0] === without.group && rule.resources[0] === without.resource) {
          rule.verbs = rule.verbs.filter((v: string) => v !== without.verb);
        }
      }
      doc.rules = doc.rules?.filter((r: { verbs: string[] }) => r.verbs.length);
      await upsert(doc);
    }
    for (const p of wukongPermissions()) await untilAuthorized(p, !(without && permissionText(p) === permissionText(without)));
  }

  async function upsert(doc: any): Promise<void> {
    const ns = doc.metadata.namespace;
    const ops: Record<string, [() => Promise<unknown>, () => Promise<unknown>]> = {
      Role: [
        () => rbacApi.createNamespacedRole({ namespace: ns, body: doc }),
        () => rbacApi.replaceNamespacedRole({ name: doc.metadata.name, namespace: ns, body: doc }),
      ],
      ClusterRole: [() => rbacApi.createClusterRole({ body: doc }), () => rbacApi.replaceClusterRole({ name: doc.metadata.name, body: doc })],
      RoleBinding: [() => rbacApi.createNamespacedRoleBinding({ namespace: ns, body: doc }), async () => undefined],
      ClusterRoleBinding: [() => rbacApi.createClusterRoleBinding({ body: doc }), async () => undefined],
    };
    const [create, replace] = ops[doc.kind];
    try {
      await create();
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      await replace();
    }
  }

  async function untilAuthorized(p: PermissionSpec, allowed: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const review = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: SA_USER,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
            resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, namespace: p.clusterScoped ? undefined : NS },
          },
        },
      });
      if (!!review.status?.allowed === allowed) return;
      if (Date.now() > deadline) throw new Error(`RBAC did not converge for ${permissionText(p)}`);
      await new Promise(r => setTimeout(r, 100));
    }
  }

  async function capture(argv: string[]): Promise<string> {
    const lines: string[] = [];
    const code = await wukong(argv, { out: l => lines.push(l), err: l => lines.push(`stderr: ${l}`) });
    if (code !== 0) throw new Error(`wukong ${argv.join(' ')} exited ${code}: ${lines.join('\n')}`);
    return lines.join('\n');
  }

  async function cleanUp(): Promise<void> {
    await deleteVm(adminCluster, NS, 'web', OPTS);
    await settle(state, admin, NS);
  }

  beforeAll(async () => {
    await ensureNamespace(admin, NS);
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: SA } } });
    // A bound token from the TokenRequest API: the identity a CI job or the Pulumi provider would run as.
    const body = { spec: { audiences: [], expirationSeconds: 3600 } };
    const token = await core.createNamespacedServiceAccountToken({ name: SA, namespace: NS, body });
    deployerConfig = new KubeConfig();
    deployerConfig.loadFromOptions({
      clusters: [{ name: 'test', server: state.server, skipTLSVerify: true }],
      users: [{ name: SA, token: token.status!.token }],
      contexts: [{ name: SA, cluster: 'test', user: SA }],
      currentContext: SA,
    });
    deployer = new Cluster(deployerConfig);
  });

  afterAll(async () => {
  });

  it('runs create, update, hot-plug, unplug and delete with exactly the printed role, and leaves nothing behind', async () => {
    await grant();
    for (const step of STEPS) await step.run(deployer);
    expect(await snapshot()).toEqual({ vm: undefined, nads: [], subnets: [], secret: undefined });
  });

  it('is refused everything without the role: the first read names its permission', async () => {
    const stranger = new Cluster(kubeConfigFor(state, 'restricted'));
    const error = await STEPS[0].run(stranger).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(MissingPermissionsError);
    expect(error?.message).toMatch(/the API server refused \(HTTP 403: .* User "wukong-restricted" cannot (list|get) /);
    expect(await snapshot()).toEqual({ vm: undefined, nads: [], subnets: [], secret: undefined });
  });

  describe.each(wukongPermissions().map(p => [permissionText(p), p] as const))('without %s', (text, missing) => {
    afterAll(cleanUp);

    it('fails at the step that needs it, naming it, with nothing of that step done', async () => {
      await grant(missing);
      let failed: string | undefined;
      for (const step of STEPS) {
        const before = await snapshot();
        const error = await step.run(deployer).then(() => undefined, (e: MissingPermissionsError) => e);
        if (!error) continue;
        expect(error).toBeInstanceOf(MissingPermissionsError);
        expect({ step: step.name, missing: error.missing }).toEqual({ step: step.name, missing: [text] });
        expect(await snapshot()).toEqual(before);
        failed = step.name;
        break;
      }
      expect(failed).toBeDefined();
      // Granted again, the same step completes where it stopped.
      await grant();
      await STEPS.find(s => s.name === failed)!.run(deployer);
    });
  });

  it('tells a `wukong apply` user which permission is missing, and writes nothing', async () => {
    await grant(wukongPermissions().find(p => p.verb === 'create' && p.resource === 'network-attachment-definitions'));
    const dir = mkdtempSync(join(tmpdir(), 'wukong-rbac-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, deployerConfig.exportConfig(), { mode: 0o600 });
      const file = join(dir, 'web.yaml');
      writeFileSync(file, stringify({ apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', ...vm([ETH0]) }));
      const err: string[] = [];
      const code = await wukong(['apply', file, '--kubeconfig', kubeconfig], { out: () => undefined, err: l => err.push(l) });
      expect(code).toBe(1);
      expect(err.join('\n')).toMatch(new RegExp(`missing permissions, so nothing was changed:\\n.*create network-attachment-definitions.k8s.cni.cncf.io in namespace ${NS}`));
      expect(err.join('\n')).not.toContain(deployerConfig.getCurrentUser()!.token!);
      expect(await snapshot()).toEqual({ vm: undefined, nads: [], subnets: [], secret: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await grant();
    }
  });
});
