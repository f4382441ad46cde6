/** Waiting for KubeVirt: to detach unplugged NICs before their NADs go, and to plug hot-plugged ones. */
import { Plan, ResolvedVm, hasCondition, isListed, isPlugged, parseLiveVmi } from '../model';
import { ClusterClient, vmiRef } from './client';
import { ApplyTimeoutError } from './errors';
import { ClusterFacts } from './facts';

/** How long and how often to wait. */
export interface WaitOptions {
  /** Limit for every wait, in seconds. @default 300 */
  readonly timeoutSeconds?: number;
  /** @default 1000 */
  readonly pollMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export async function waitFor(opts: WaitOptions, what: string, done: () => Promise<boolean>, timeoutMessage: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + (opts.timeoutSeconds ?? 300) * 1000;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new ApplyTimeoutError(await timeoutMessage());
    opts.log?.(`waiting: ${what}`);
    await sleep(opts.pollMs ?? 1000);
  }
}

/** Waits until the VMI no longer lists `nics` (or the VM is not running): then their NADs may go. */
export async function waitForDetach(client: ClusterClient, ns: string, name: string, nics: string[], opts: WaitOptions): Promise<void> {
  if (!nics.length) return;
  const listed = async () => {
    const vmi = parseLiveVmi(await client.get(vmiRef(ns, name)));
    return vmi?.running ? nics.filter(n => isListed(vmi, n)) : [];
  };
  await waitFor(opts, `KubeVirt to detach ${nics.join(', ')}`, async () => (await listed()).length === 0, async () =>
    `${(await listed()).join(', ')} still attached to ${ns}/${name} after ${opts.timeoutSeconds ?? 300} s; their NADs are kept. `
    + 'Run the same apply again to finish: it deletes them once KubeVirt has detached the NICs.');
}

/** Run strategies under which KubeVirt starts the VM by itself. */
const STARTS = ['Always', 'RerunOnFailure', 'Once'];

/** Waits for the plugs; returns a warning when they wait for a migration that KubeVirt will not start by itself. */
export async function waitForPlugs(facts: ClusterFacts, plan: Plan, desired: ResolvedVm, opts: WaitOptions): Promise<string[]> {
  const { namespace: ns, name } = desired;
  const created = plan.entries.some(e => e.subject === 'VirtualMachine' && e.action === 'create');
  // A new VM that KubeVirt starts: wait for all its NICs; a running one: for the NICs being plugged.
  const plugs = created
    ? (STARTS.includes(desired.runStrategy) ? desired.nics.map(n => n.name) : [])
    : plan.entries.filter(e => e.subject === 'nic' && e.applies && (e.action === 'hotplug' || e.action === 'hotplug-via-migration')).map(e => e.name);
  if (!plugs.length || (!plan.running && !created)) return [];
  let said = false;
  let manual: string[] = [];
  const state = async () => {
    const vmi = parseLiveVmi(await facts.client.get(vmiRef(ns, name)));
    if (!vmi?.running) return { pending: created ? plugs : [], migration: false };
    return { pending: plugs.filter(n => !isPlugged(vmi, n)), migration: hasCondition(vmi.conditions, 'MigrationRequired') };
  };
  await waitFor(opts, `KubeVirt to plug ${plugs.join(', ')}`, async () => {
    const s = await state();
    if (s.migration && s.pending.length && !said) {
      said = true;
      // Found by the test bed: without LiveMigrate in the KubeVirt CR's workloadUpdateMethods nothing migrates the VM,
      // and waiting would only end in a timeout.
      if ((await facts.kubevirt())?.autoMigrate === false) {
        manual = [`${s.pending.join(', ')}: MigrationRequired, and this KubeVirt does not migrate by itself (its KubeVirt CR's `
          + `spec.workloadUpdateStrategy.workloadUpdateMethods lacks LiveMigrate): run \`virtctl migrate ${name} -n ${ns}\` to plug them`];
        opts.log?.(manual[0]);
        return true;
      }
      opts.log?.(`MigrationRequired: ${s.pending.join(', ')} will be plugged by a live migration`);
    }
    return s.pending.length === 0;
  }, async () => {
    const s = await state();
    return `${s.pending.join(', ')} not plugged into ${ns}/${name} after ${opts.timeoutSeconds ?? 300} s`
      + (s.migration ? ' (MigrationRequired: waiting for a live migration)' : '') + '; the VM spec is applied, so `wukong status` shows the progress.';
  });
  return manual;
}

