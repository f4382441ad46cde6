import { existsSync, readFileSync } from 'fs';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { RESTRICTED_CONTEXT } from './support/test-cluster';

/** The Kubernetes version testbed/versions.env pins (KUBEBUILDER_ASSETS, when set, brings its own). */
const PINNED = /^KUBERNETES_VERSION=(\S+)$/m.exec(readFileSync(`${__dirname}/../../testbed/versions.env`, 'utf8'))![1];

describeWithCluster('the test API server', () => {
  const state = testCluster()!;

  it('serves the pinned kube-apiserver on loopback, from the processes it started', async () => {
    expect(state.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await kubeConfigFor(state).makeApiClient(VersionApi).getCode();
    process.stdout.write(`[harness] kube-apiserver ${version.gitVersion} (${version.goVersion})\n`);
    expect(version.gitVersion).toBe(process.env.KUBEBUILDER_ASSETS ? version.gitVersion : PINNED);
    for (const pid of state.pids) expect(() => process.kill(pid, 0)).not.toThrow();
  });

  it('has every shipped CRD (and the test-only KubeVirt CR CRD) installed and Established', async () => {
    const kc = kubeConfigFor(state);
    const { ApiextensionsV1Api } = await import('@kubernetes/client-node');
    const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.map(c => c.metadata!.name).sort()).toEqual([
      'kubevirts.kubevirt.io', 'network-attachment-definitions.k8s.cni.cncf.io', 'nodenetworkconfigurationpolicies.nmstate.io', 'provider-networks.kubeovn.io',
      'subnets.kubeovn.io', 'virtualmachineinstances.kubevirt.io', 'virtualmachines.kubevirt.io', 'vlans.kubeovn.io',
    ]);
  });

  it('authenticates the restricted user, whom RBAC denies by default', async () => {
    const api = kubeConfigFor(state, RESTRICTED_CONTEXT).makeApiClient(CoreV1Api);
    await expect(api.listNamespace()).rejects.toMatchObject({ code: 403 });
  });

  it('installs the shipped CRDs unchanged (KubeVirt\'s default: \'\' fields included, which 1.20 rejected)', async () => {
    const shipped = readFileSync(`${__dirname}/../../crds/kubevirt.io_virtualmachines.yaml`, 'utf8');
    expect(shipped).toMatch(/^\s*default: ''$/m);
    const { ApiextensionsV1Api } = await import('@kubernetes/client-node');
    const installed = await kubeConfigFor(state).makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'virtualmachines.kubevirt.io' });
    expect(JSON.stringify(installed.spec)).toContain('"default":""');
    expect(existsSync(state.kubeconfig)).toBe(true);
  });
});
