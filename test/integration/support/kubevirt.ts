/**
 * Waiting on the shared test cluster's KubeVirt (the real virt-controller, the node stand-in) the way a user would:
 * by reading the API server, never by asking the controllers.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { ClusterState } from './test-cluster';

const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' };
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export type Diagnostics = () => string | Promise<string>;

/** Polls `probe` until it returns a value; on timeout the error carries `diagnostics()`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, diagnostics?: Diagnostics, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${diagnostics ? `\n${await diagnostics()}` : ''}`);
    await sleep(200);
  }
}

/** The last lines of virt-controller's errors and of the node stand-in's log, for a wait that timed out. */
export function controllerLogs(state: ClusterState): string {
  const tail = (file: string, keep: (l: string) => boolean) => {
    try {
      return readFileSync(join(state.dir, file), 'utf8').split('\n').filter(keep).slice(-15).join('\n');
    } catch {
      return `(no ${file})`;
    }
  };
  return [
    tail('virt-controller.log', l => /"level":"(error|warning)"/.test(l) && !l.includes('exportca') && !l.includes('backupca')),
    tail('node-stand-in.log', l => l.trim() !== ''),
  ].join('\n');
}

/** What the VMs, VMIs and pods of a namespace show, with the controllers' logs: for a wait that timed out. */
export function namespaceDiagnostics(state: ClusterState, kc: KubeConfig, ns: string): Diagnostics {
  return async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const vms = (await custom.listNamespacedCustomObject({ ...VM, namespace: ns })).items as any[];
    const vmis = (await custom.listNamespacedCustomObject({ ...VMI, namespace: ns })).items as any[];
    const pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns })).items;
    return `${controllerLogs(state)}\n${JSON.stringify({
      vms: vms.map(v => ({ name: v.metadata.name, status: v.status?.printableStatus, conditions: v.status?.conditions?.map((c: any) => `${c.type}=${c.status}`) })),
      vmis: vmis.map(v => ({
        name: v.metadata.name,
        phase: v.status?.phase,
        spec: v.spec.domain.devices.interfaces.map((i: any) => `${i.name}${i.state ? `:${i.state}` : ''}`),
        status: (v.status?.interfaces ?? []).map((i: any) => `${i.name} [${i.infoSource ?? ''}]`),
      })),
      pods: pods.map(p => ({ name: p.metadata!.name, phase: p.status?.phase, deleting: !!p.metadata!.deletionTimestamp })),
    }, null, 1)}`;
  };
}

/**
 * Waits until KubeVirt is done with a namespace: every VM that should run has a Running VMI, and nothing in the
 * namespace (VMs, VMIs, pods) changed for `quietMs`.
 */
export async function settle(state: ClusterState, kc: KubeConfig, ns: string, timeoutMs = 60_000, quietMs = 1_000): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  let last = '';
  let since = Date.now();
  await waitFor(`KubeVirt to settle namespace ${ns}`, async () => {
    const vms = (await custom.listNamespacedCustomObject({ ...VM, namespace: ns })).items as any[];
    const vmis = (await custom.listNamespacedCustomObject({ ...VMI, namespace: ns })).items as any[];
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    const versions = JSON.stringify([...vms, ...vmis, ...pods].map((o: any) => `${o.kind ?? 'Pod'}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort());
    if (versions !== last) {
      last = versions;
      since = Date.now();
    }
    const running = vms.filter(vm => ['Always', 'RerunOnFailure', undefined].includes(vm.spec.runStrategy) && !vm.metadata.deletionTimestamp)
      .every(vm => vmis.some(vmi => vmi.metadata.name === vm.metadata.name && vmi.status?.phase === 'Running' && !vmi.metadata.deletionTimestamp));
    return running && Date.now() - since >= quietMs ? true : undefined;
  }, namespaceDiagnostics(state, kc, ns), timeoutMs);
}

/** `virtctl restart`: virt-api deletes the VMI, and the VM controller starts a new one from the template. */
export async function restartVm(state: ClusterState, kc: KubeConfig, ns: string, name: string): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const old = (await custom.getNamespacedCustomObject({ ...VMI, namespace: ns, name })) as any;
  await custom.deleteNamespacedCustomObject({ ...VMI, namespace: ns, name });
  await waitFor(`${ns}/${name} to restart`, async () => {
    try {
      const vmi = (await custom.getNamespacedCustomObject({ ...VMI, namespace: ns, name })) as any;
      return vmi.metadata.uid !== old.metadata.uid && vmi.status?.phase === 'Running' ? true : undefined;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }, namespaceDiagnostics(state, kc, ns));
  await settle(state, kc, ns);
}
