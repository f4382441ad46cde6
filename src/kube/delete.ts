/** Deleting: the NADs and Subnets an apply no longer needs (once KubeVirt let go of them), and whole VMs. */
import { Plan, ResolvedVm, cloudInitSecretName, parseLiveVm, parseNadRef, permissionsForDelete } from '../model';
import { ClusterClient, recordSecretRef, ref, vmRef, vmiRef } from './client';
import { MissingPermissionsError } from './errors';
import { ClusterFacts } from './facts';
import { LiveState, appliedSpec, ownedNads, ownedSubnets, readLive } from './read';
import { WaitOptions, waitFor, waitForDetach } from './wait';

/** Deletes the NADs and Subnets the plan drops, once KubeVirt no longer lists the NICs that used them; true when it did. */
export async function deleteUnused(
  client: ClusterClient, plan: Plan, applied: ResolvedVm | undefined, live: LiveState | undefined, ns: string, name: string, opts: WaitOptions,
): Promise<boolean> {
  const deletes = plan.entries.filter(e => e.applies && (e.action === 'nad-delete' || e.action === 'subnet-delete'));
  if (!deletes.length) return false;
  const nadNames = deletes.filter(e => e.action === 'nad-delete').map(e => e.name.split('/')[1]);
  // Users of those NADs: by the applied spec, and by the live VM (the spec may already say they are gone when an
  // earlier run's patch landed but its answer was lost).
  const byApplied = (applied?.nics ?? []).filter(n => n.nad && nadNames.includes(n.nad.name)).map(n => n.name);
  const byLive = (parseLiveVm(live?.vm)?.nics ?? []).filter(n => nadNames.includes(nadNameOf(n.network, ns) ?? '')).map(n => n.name);
  await waitForDetach(client, ns, name, [...new Set([...byApplied, ...byLive])], opts);
  for (const e of deletes.filter(d => d.action === 'nad-delete')) {
    await client.delete(ref('NetworkAttachmentDefinition', e.name.split('/')[1], ns));
    opts.log?.(`nad-delete ${e.name}`);
  }
  for (const e of deletes.filter(d => d.action === 'subnet-delete')) {
    await client.delete(ref('Subnet', e.name));
    opts.log?.(`subnet-delete ${e.name}`);
  }
  return true;
}

/** The NAD a live network refers to, when it is in `ns` (`name` or `ns/name`). */
function nadNameOf(network: Record<string, any> | undefined, ns: string): string | undefined {
  const value = network?.multus?.networkName;
  if (typeof value !== 'string') return undefined;
  const nad = parseNadRef(value, ns);
  return nad.namespace === ns ? nad.name : undefined;
}

export interface DeleteOptions extends WaitOptions {
  /** Delete the NADs, Subnets and cloud-init Secret too. @default true */
  readonly manageOwnedObjects?: boolean;
}

/** Deletes the VM, waits for its VMI to go, then deletes its record and the NADs, Subnets and Secret it owns. */
export async function deleteVm(client: ClusterClient, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
  const manage = opts.manageOwnedObjects ?? true;
  const applied = appliedSpec((await readLive(client, namespace, name, false)).record);
  const kubeOvn = (applied?.nics ?? []).some(n => n.type === 'kube-ovn');
  await new ClusterFacts(client).require(permissionsForDelete({ manageOwnedObjects: manage, kubeOvn }), namespace);
  await client.delete(vmRef(namespace, name));
  opts.log?.(`delete VirtualMachine ${namespace}/${name}`);
  await waitFor(opts, `the VMI of ${namespace}/${name} to go`, async () => !(await client.get(vmiRef(namespace, name))),
    async () => `the VMI of ${namespace}/${name} still exists after ${opts.timeoutSeconds ?? 300} s; its NADs are kept. Run the delete again to finish.`);
  await client.delete(recordSecretRef(namespace, name));
  if (!manage) return;
  for (const nad of await ownedNads(client, namespace, name)) await client.delete(ref('NetworkAttachmentDefinition', nad.metadata.name, namespace));
  // A re-run after the VM is gone no longer knows its NICs: it looks for Subnets if it may.
  const subnets = await ownedSubnets(client, namespace, name).catch((e: unknown) => {
    if (e instanceof MissingPermissionsError && !kubeOvn) return [];
    throw e;
  });
  for (const subnet of subnets) await client.delete(ref('Subnet', subnet.metadata.name));
  await client.delete(ref('Secret', cloudInitSecretName(name), namespace));
}
