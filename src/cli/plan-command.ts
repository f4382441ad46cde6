import { Cluster, planLive } from '../kube';
import { KubeVirtVersion, Plan, formatKubeVirtVersion, parseKubeVirtVersion, planExitCode, planVm } from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { table } from './table';
import { readWukongs } from './wukongs';

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `--kubevirt-version v1.6` → a version, or a usage error naming the flag. */
export function versionFlag(args: ParsedArgs): KubeVirtVersion | undefined {
  const text = stringFlag(args, 'kubevirt-version');
  if (text === undefined) return undefined;
  const v = parseKubeVirtVersion(text);
  if (!v) throw new UsageError(`--kubevirt-version: '${text}' is not a version like v1.6`);
  return v;
}

export function clusterFrom(args: ParsedArgs): Cluster {
  return Cluster.connect({ kubeconfigPath: stringFlag(args, 'kubeconfig'), context: stringFlag(args, 'context') });
}

/** The plan as a table: one row per NIC or object, then the warnings. */
export function printPlan(io: Io, title: string, plan: Plan): void {
  io.out(`${title}  (KubeVirt ${formatKubeVirtVersion(plan.kubevirtVersion)}, ${plan.kubevirtVersionSource}; VM ${plan.running ? 'running' : 'stopped'})`);
  const rows = plan.entries.map(e => [e.subject === 'nic' ? `nic ${e.name}` : `${e.subject} ${e.name}`, e.action, e.applies ? '' : 'no', e.addressing?.summary ?? '', e.reason]);
  for (const line of table(['NIC/OBJECT', 'ACTION', 'APPLIED', 'GUEST ADDRESS', 'REASON'], rows)) io.out(`  ${line}`);
  for (const e of plan.entries) {
    if (e.addressing?.when === 'live' && e.addressing.nextBoot.length) io.out(`  ${e.name}: live ${e.addressing.live.join(', ')}; at the next boot ${e.addressing.nextBoot.join(', ')}`);
  }
  for (const w of [...plan.warnings, ...plan.entries.flatMap(e => e.warnings.map(x => `${e.name}: ${x}`))]) io.out(`  warning: ${w}`);
  if (plan.rejected) io.out('  → rejected: nothing would be applied');
  else if (plan.restartRequired) io.out('  → a restart is needed for some changes; `wukong apply --allow-restart` applies them to the template');
  else io.out('  → everything is live-applicable');
}

function worst(codes: number[]): number {
  return codes.includes(2) ? 2 : codes.includes(3) ? 3 : 0;
}

/** `wukong plan OLD.yaml NEW.yaml` or `wukong plan FILE --live`. */
export async function planCommand(args: ParsedArgs, io: Io): Promise<number> {
  const live = args.flags.live === true;
  const files = args.positional;
  if (live ? files.length < 1 : files.length !== 2) {
    throw new UsageError(live ? 'plan --live needs the Wukong file(s) to plan' : 'plan needs OLD.yaml and NEW.yaml (or FILE --live)');
  }
  const desired = readWukongs(live ? files : [files[1]]);
  const old = live ? undefined : readWukongs([files[0]]);
  const errors = [...old?.errors ?? [], ...desired.errors];
  for (const w of desired.warnings) io.err(`warning: ${w}`);
  if (errors.length) {
    for (const e of errors) io.err(`error: ${e}`);
    return 2;
  }
  const version = versionFlag(args);
  const plans: Array<{ vm: string; plan: Plan }> = [];
  const cluster = live ? clusterFrom(args) : undefined;
  const clusterVersion = cluster && !version ? await cluster.kubevirtVersion() : undefined;
  for (const w of desired.wukongs) {
    const key = `${w.vm.namespace}/${w.vm.name}`;
    let plan: Plan;
    if (cluster) {
      ({ plan } = await planLive(cluster, w.vm, {
        kubevirtVersion: version ?? clusterVersion,
        kubevirtVersionSource: version ? 'given' : 'cluster',
        multusInstalled: await cluster.hasMultus(w.vm.namespace),
        allowRestart: args.flags['allow-restart'] === true,
      }));
    } else {
      const before = old!.wukongs.find(o => o.vm.namespace === w.vm.namespace && o.vm.name === w.vm.name);
      plan = planVm({ desired: w.vm, applied: before?.vm, kubevirtVersion: version, allowRestart: args.flags['allow-restart'] === true });
    }
    plans.push({ vm: key, plan });
  }
  if (args.flags.json) io.out(JSON.stringify(plans, null, 2));
  else plans.forEach(p => printPlan(io, `plan for ${p.vm}`, p.plan));
  return worst(plans.map(p => planExitCode(p.plan)));
}
