/**
 * The writes of one apply attempt, in order: the objects the VM owns (NADs, Subnets, cloud-init Secret), its record
 * entry, then the VM itself, created whole or changed by one guarded JSON patch. A conflict (409, or the bare 422 of a
 * failed `test`) propagates for the caller to re-read and re-plan.
 */
import {
  APPLIED_ANNOTATION, JsonPatchOp, Plan, RECORD_SECRET_TYPE, RenderedVm, ResolvedVm, ownedLabels, parseLiveVm, recordChanges, recordSecretName,
  secretData, vmPatch,
} from '../model';
import { objectRef, apiStatusCode } from './api-errors';
import { ClusterClient, refOf, vmRef } from './client';
import { LiveState } from './read';

/** What one apply writes: the VM's objects as rendered, and its VirtualMachine as this cluster gets it. */
export interface Desired {
  readonly vm: ResolvedVm;
  readonly rendered: RenderedVm;
  readonly vmManifest: RenderedVm['virtualMachine'];
  /** The record entry of this apply (encodeLastApplied) and its digest. */
  readonly record: { readonly encoded: string; readonly digest: string };
}

type Log = (line: string) => void;
const base64 = (v: string) => Buffer.from(v).toString('base64');

/** What a user can do when the object Wukong would create exists and belongs to someone else, by kind. */
const FOREIGN_FIX: Record<string, string> = {
  NetworkAttachmentDefinition: 'delete it, or use it as it is with the NIC\'s nadName',
  Subnet: 'delete it, or give the NIC\'s subnet another name (subnet.name)',
  Secret: 'delete it, or give the VM another name',
};

/** Creates `obj`, or patches the existing one (guarded by its resourceVersion) when it is ours. */
export async function createOrUpdate(client: ClusterClient, obj: any, existing: any, ops: JsonPatchOp[]): Promise<any> {
  const ref = refOf(obj);
  let current = existing;
  if (!current) {
    try {
      return await client.create(obj);
    } catch (e) {
      if (apiStatusCode(e) !== 409) throw e;
      current = await client.get(ref);
      // Said to exist, yet gone: a conflict like any other, so the caller re-reads and re-plans.
      if (!current) throw e;
    }
  }
  const labels = current?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (labels[k] !== v) {
      throw new Error(`${objectRef(obj)} already exists and is not managed by Wukong for this VM (label ${k} is ${JSON.stringify(labels[k])}); `
        + (FOREIGN_FIX[obj.kind] ?? 'rename it or delete it'));
    }
  }
  return client.patch(ref, [{ op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion }, ...ops]);
}

async function writeOwned(client: ClusterClient, plan: Plan, desired: RenderedVm, live: LiveState, log: Log): Promise<void> {
  for (const e of plan.entries) {
    if (!e.applies) continue;
    if (e.action === 'nad-create' || e.action === 'nad-update') {
      const nad = desired.nads.find(n => `${n.metadata.namespace}/${n.metadata.name}` === e.name)!;
      await createOrUpdate(client, nad, live.nads.find(n => n.metadata.name === nad.metadata.name), [
        { op: 'replace', path: '/spec/config', value: nad.spec.config },
        // `add` sets the member whether or not the NAD has annotations yet (RFC 6902 §4.1); `replace` needs it to exist.
        { op: 'add', path: '/metadata/annotations', value: nad.metadata.annotations ?? {} },
      ]);
      log(`${e.action} ${e.name}`);
    } else if (e.action === 'subnet-create' || e.action === 'subnet-update') {
      const subnet = desired.subnets.find(s => s.metadata.name === e.name)!;
      await createOrUpdate(client, subnet, live.subnets.find(s => s.metadata.name === subnet.metadata.name),
        Object.entries(subnet.spec).map(([k, v]) => ({ op: 'add' as const, path: `/spec/${k}`, value: v })));
      log(`${e.action} ${e.name}`);
    } else if (e.action === 'secret-create' || e.action === 'secret-update') {
      const secret = desired.secret!;
      const data = Object.entries(secret.stringData).map(([k, v]) => ({ op: 'add' as const, path: `/data/${k}`, value: base64(v) }));
      await createOrUpdate(client, secret, live.secret, [{ op: 'add', path: '/data', value: {} }, ...data]);
      log(`${e.action} ${e.name}`);
    }
  }
}

/** Writes this apply's entry (and the VMI's start) into the VM's record Secret, before the VM points at it. */
async function writeRecord(client: ClusterClient, plan: Plan, desired: Desired, live: LiveState): Promise<void> {
  const { namespace, name } = desired.vm;
  const started = plan.vmiStart ? `${plan.vmiStart.uid}:${plan.vmiStart.interfaces}` : undefined;
  const current = live.vm?.metadata?.annotations?.[APPLIED_ANNOTATION];
  const changes = recordChanges(live.recordSecret ? secretData(live.recordSecret) : {}, current, desired.record.encoded, started, new Date());
  if (!Object.keys(changes).length) return;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RECORD_SECRET_TYPE,
    metadata: { name: recordSecretName(name), namespace, labels: ownedLabels(desired.vm) },
    data: Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined).map(([k, v]) => [k, base64(v!)])),
  };
  const ops: JsonPatchOp[] = Object.entries(changes).map(([k, v]) =>
    (v === undefined ? { op: 'remove' as const, path: `/data/${k}` } : { op: 'add' as const, path: `/data/${k}`, value: base64(v) }));
  await createOrUpdate(client, secret, live.recordSecret, live.recordSecret && !live.recordSecret.data ? [{ op: 'add', path: '/data', value: {} }, ...ops] : ops);
}

/** The writes of one attempt; returns the VM as the server has it afterwards. */
export async function writeAll(
  client: ClusterClient, plan: Plan, desired: Desired, live: LiveState, applied: RenderedVm | undefined, manage: boolean, log: Log,
): Promise<any> {
  const { namespace: ns, name } = desired.vm;
  const { rendered, vmManifest } = desired;
  if (manage) await writeOwned(client, plan, rendered, live, log);
  if (!live.vm) {
    await writeRecord(client, plan, desired, live);
    const annotations = { ...vmManifest.metadata.annotations, [APPLIED_ANNOTATION]: desired.record.digest };
    const vm = await client.create({ ...vmManifest, metadata: { ...vmManifest.metadata, annotations } });
    log(`create VirtualMachine ${ns}/${name}`);
    return vm;
  }
  const ops = vmPatch({
    plan,
    live: parseLiveVm(live.vm)!,
    desired: { ...rendered, virtualMachine: vmManifest },
    lastApplied: applied,
    appliedDigest: desired.record.digest,
  });
  if (!ops.length) return live.vm;
  await writeRecord(client, plan, desired, live);
  const vm = await client.patch(vmRef(ns, name), ops);
  log(`patch VirtualMachine ${ns}/${name}: ${ops.filter(o => o.op !== 'test').length} operations`);
  return vm;
}
