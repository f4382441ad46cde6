/**
 * Facts that hold for a whole run, learnt once and shared by every VM of it: the KubeVirt release, whether Multus is
 * installed, and which permissions the caller holds per namespace. A fleet apply of 100 VMs asks each question once,
 * not 100 times (issue 14 counted 7 of the 16 requests of a one-VM change as such questions).
 */
import { KubeVirtVersion, PermissionSpec, parseKubeVirtVersion } from '../model';
import { ClusterClient, Permission, describePermission } from './client';
import { MissingPermissionsError } from './errors';

/** The deployed KubeVirt CR. */
export interface KubeVirtInfo {
  readonly version?: KubeVirtVersion;
  /** `spec.configuration.vmRolloutStrategy` when the CR sets it; unset means KubeVirt's default for its version. */
  readonly rolloutStrategy?: 'LiveUpdate' | 'Stage';
  /**
   * KubeVirt migrates a VMI that needs it by itself: virt-controller's workload updater does so only when
   * `spec.workloadUpdateStrategy.workloadUpdateMethods` has `LiveMigrate`
   * (pkg/virt-controller/watch/workload-updater/workload-updater.go).
   */
  readonly autoMigrate: boolean;
}

/** Reads the KubeVirt CR; undefined when there is none. */
export async function readKubeVirt(client: ClusterClient): Promise<KubeVirtInfo | undefined> {
  try {
    const items = await client.list('KubeVirt');
    const kv = (items ?? []).find((k: any) => parseKubeVirtVersion(String(k.status?.observedKubeVirtVersion ?? ''))) ?? items?.[0];
    if (!kv) return undefined;
    return {
      version: parseKubeVirtVersion(String(kv.status?.observedKubeVirtVersion ?? '')),
      autoMigrate: (kv.spec?.workloadUpdateStrategy?.workloadUpdateMethods ?? []).includes('LiveMigrate'),
      rolloutStrategy: ['LiveUpdate', 'Stage'].includes(kv.spec?.configuration?.vmRolloutStrategy) ? kv.spec.configuration.vmRolloutStrategy : undefined,
    };
  } catch (e) {
    if (e instanceof MissingPermissionsError) throw new MissingPermissionsError(e.missing, e.refusal, 'or pass the version (--kubevirt-version, kubevirtVersion)');
    throw e;
  }
}

/** Each question asked once per run; concurrent askers share the answer in flight. */
export class ClusterFacts {
  private kubevirtInfo?: Promise<KubeVirtInfo | undefined>;
  private readonly multusIn = new Map<string, Promise<boolean>>();
  private readonly allowed = new Map<string, Promise<boolean>>();

  public constructor(public readonly client: ClusterClient) {}

  /** What the KubeVirt CR says (version, rollout and migration settings), read once; undefined when there is no CR. */
  public kubevirt(): Promise<KubeVirtInfo | undefined> {
    return (this.kubevirtInfo ??= readKubeVirt(this.client));
  }

  /** False when the cluster has no NetworkAttachmentDefinition resource (Multus is not installed). */
  public multus(namespace: string): Promise<boolean> {
    let answer = this.multusIn.get(namespace);
    if (!answer) {
      answer = this.client.list('NetworkAttachmentDefinition', { namespace, limit: 1 }).then(items => items !== undefined);
      this.multusIn.set(namespace, answer);
    }
    return answer;
  }

  /** Checks, before any write, that the caller holds `needed` in `namespace`; throws naming every missing permission. */
  public async require(needed: PermissionSpec[], namespace: string): Promise<void> {
    const wanted: Permission[] = needed.map(p => ({
      verb: p.verb, group: p.group, resource: p.resource, namespace: p.clusterScoped ? undefined : namespace,
    }));
    const key = (p: Permission) => `${p.verb} ${p.group}/${p.resource} ${p.namespace ?? ''}`;
    const ask = wanted.filter(p => !this.allowed.has(key(p)));
    if (ask.length) {
      const missing = this.client.missingPermissions(ask);
      ask.forEach(p => this.allowed.set(key(p), missing.then(m => !m.some(x => key(x) === key(p)))));
      // A failed review is not an answer: the next VM asks again.
      missing.catch(() => ask.forEach(p => this.allowed.delete(key(p))));
    }
    const answers = await Promise.all(wanted.map(p => this.allowed.get(key(p))!));
    const missing = wanted.filter((_, i) => !answers[i]);
    if (missing.length) throw new MissingPermissionsError(missing.map(describePermission));
  }
}
