import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { KUBERNETES_VERSION, RESTRICTED_CONTEXT } from './support/test-cluster';


describeWithCluster('the test API server', () => {
  const state = testCluster()!;

  it('serves the pinned kube-apiserver on loopback, from the processes it started', async () => {
    expect(state.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await kubeConfigFor(state).makeApiClient(VersionApi).getCode();
    process.stdout.write(`[harness] kube-apiserver ${version.gitVersion} (${version.goVersion})\n`);
    expect(version.gitVersion).toBe(process.env.KUBEBUILDER_ASSETS ? version.gitVersion : KUBERNETES_VERSION);
    for (const pid of state.pids) expect(() => process.kill(pid, 0)).not.toThrow();
  });

  it('has every shipped CRD and the CRDs KubeVirt\'s code generates installed and Established', async () => {
    const kc = kubeConfigFor(state);
    const { ApiextensionsV1Api } = await import('@kubernetes/client-node');
    const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.map(c => c.metadata!.name).sort()).toEqual(expect.arrayContaining([
      'kubevirts.kubevirt.io', 'network-attachment-definitions.k8s.cni.cncf.io', 'nodenetworkconfigurationpolicies.nmstate.io', 'provider-networks.kubeovn.io',
      'subnets.kubeovn.io', 'virtualmachineinstancemigrations.kubevirt.io', 'virtualmachineinstances.kubevirt.io', 'virtualmachines.kubevirt.io', 'vlans.kubeovn.io',
    ]));
    for (const crd of crds.items) expect(`${crd.metadata!.name} ${crd.status?.conditions?.find(c => c.type === 'Established')?.status}`).toBe(`${crd.metadata!.name} True`);
  });

  it('authenticates the restricted user, whom RBAC denies by default', async () => {
    const api = kubeConfigFor(state, RESTRICTED_CONTEXT).makeApiClient(CoreV1Api);
    await expect(api.listNamespace()).rejects.toMatchObject({ code: 403 });
  });

  it('ships crds/ KubeVirt CRDs in step with the test bed: the v1 CRDs KubeVirt\'s own code generates (scripts/kubevirt-crds.sh)', () => {
    const generated = parseAllDocuments(execFileSync(join(state.testbed, 'kubevirt-crds'), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })).map(d => d.toJS());
    for (const plural of ['virtualmachines', 'virtualmachineinstances']) {
      const crd = generated.find(d => d?.metadata?.name === `${plural}.kubevirt.io`);
      const v1 = { ...crd, spec: { ...crd.spec, versions: crd.spec.versions.filter((v: { name: string }) => v.name === 'v1') } };
      expect({ plural, crd: parse(readFileSync(join(__dirname, '..', '..', 'crds', `kubevirt.io_${plural}.yaml`), 'utf8')) }).toEqual({ plural, crd: v1 });
    }
  });
});
