/**
 * A GitOps applier as Argo CD syncs one revision with server-side apply: objects in sync-wave order (lowest first),
 * each applied whole with `force` (Argo CD's ServerSideApply=true), then the objects the previous revision had and
 * this one has not are pruned (highest wave first), except those whose live annotations say `Prune=false`
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/, .../sync-options/). Diffing and health are not
 * played: the test reads what KubeVirt does.
 */
import { KubeConfig, KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';

const WAVE = 'argocd.argoproj.io/sync-wave';
const OPTIONS = 'argocd.argoproj.io/sync-options';

export type Manifest = KubernetesObject & { metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };

export interface SyncResult {
  readonly applied: string[];
  readonly pruned: string[];
  /** Objects that left Git but carry `Prune=false`: Argo CD shows them as needing a prune and leaves them. */
  readonly pruneSkipped: string[];
}

const wave = (o: Manifest) => Number(o.metadata.annotations?.[WAVE] ?? 0);
const idOf = (o: Manifest) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export async function syncRevision(kc: KubeConfig, objects: Manifest[], previous: Manifest[] = []): Promise<SyncResult> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const result: SyncResult = { applied: [], pruned: [], pruneSkipped: [] };
  for (const o of [...objects].sort((a, b) => wave(a) - wave(b))) {
    await api.patch(o, undefined, undefined, 'argocd-controller', true, PatchStrategy.ServerSideApply);
    result.applied.push(idOf(o));
  }
  const kept = new Set(objects.map(idOf));
  for (const o of [...previous].filter(p => !kept.has(idOf(p))).sort((a, b) => wave(b) - wave(a))) {
    const live = await api.read(o as never).catch(() => undefined) as Manifest | undefined;
    if (!live) continue;
    if ((live.metadata.annotations?.[OPTIONS] ?? '').split(',').includes('Prune=false')) {
      result.pruneSkipped.push(idOf(o));
    } else {
      await api.delete(o);
      result.pruned.push(idOf(o));
    }
  }
  return result;
}
