import { existsSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { Cluster, ClusterFacts, planLive } from '../kube';
import {
  KubeVirtVersion, Plan, SynthesizedPlan, WUKONG_KIND, formatKubeVirtVersion, parseKubeVirtVersion, planExitCode, planSynthesized, planVm,
  readSynthesized, vmKey,
} from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { LoadResult, loadDocuments } from './documents';
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
export function printPlan(io: Io, title: string, plan: Plan, restartHint = '`wukong apply --allow-restart` applies them to the template'): void {
  io.out(`${title}  (KubeVirt ${formatKubeVirtVersion(plan.kubevirtVersion)}, ${plan.kubevirtVersionSource}; VM ${plan.running ? 'running' : 'stopped'})`);
  const rows = plan.entries.map(e => [e.subject === 'nic' ? `nic ${e.name}` : `${e.subject} ${e.name}`, e.action, e.applies ? '' : 'no', e.addressing?.summary ?? '', e.reason]);
  for (const line of table(['NIC/OBJECT', 'ACTION', 'APPLIED', 'GUEST ADDRESS', 'REASON'], rows)) io.out(`  ${line}`);
  for (const e of plan.entries) {
    if (e.addressing?.when === 'live' && e.addressing.nextBoot.length) io.out(`  ${e.name}: live ${e.addressing.live.join(', ')}; at the next boot ${e.addressing.nextBoot.join(', ')}`);
  }
  for (const w of [...plan.warnings, ...plan.entries.flatMap(e => e.warnings.map(x => `${e.name}: ${x}`))]) io.out(`  warning: ${w}`);
  if (plan.rejected) io.out('  → rejected: nothing would be applied');
  else if (plan.restartRequired) io.out(`  → a restart is needed for some changes; ${restartHint}`);
  else io.out('  → everything is live-applicable');
}

function worst(codes: number[]): number {
  return codes.includes(2) ? 2 : codes.includes(3) ? 3 : 0;
}

const FORMATS = ['text', 'json', 'markdown'] as const;
type Format = typeof FORMATS[number];

function formatFlag(args: ParsedArgs): Format {
  const given = stringFlag(args, 'format');
  if (given !== undefined && !FORMATS.includes(given as Format)) throw new UsageError(`--format: '${given}' is not one of ${FORMATS.join(', ')}`);
  return (given as Format | undefined) ?? (args.flags.json ? 'json' : 'text');
}

/** The files a plan argument names: the YAML and JSON files under a directory, or the file itself. */
function filesOf(path: string): string[] {
  if (!existsSync(path) || !statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' }).filter(f => /\.(ya?ml|json)$/.test(f)).sort().map(f => join(path, f));
}

/** `wukong plan OLD NEW` over synthesized manifests (directories or files): what merging NEW does to VMs running OLD. */
function planManifests(before: LoadResult, after: LoadResult, args: ParsedArgs, io: Io, paths: string[]): number {
  const [oldPath, newPath] = paths;
  const version = versionFlag(args);
  const [a, b] = [before, after].map(loaded => readSynthesized(loaded.documents.map(d => d.value)));
  if (a.errors.length || b.errors.length) {
    for (const e of [...a.errors, ...b.errors]) io.err(`error: ${e}`);
    return 2;
  }
  const plans = planSynthesized(a.vms, b.vms, { kubevirtVersion: version });
  if (plans.length === 0) {
    io.err(`error: neither ${oldPath} nor ${newPath} holds a VirtualMachine made by Wukong (app.kubernetes.io/managed-by: wukong); synthesize them with wukong synth or cdk8s first`);
    return 2;
  }
  const format = formatFlag(args);
  if (format === 'json') {io.out(JSON.stringify(plans, null, 2));} else if (format === 'markdown') {printMarkdown(io, plans);} else {
    for (const p of plans) {
      if (p.plan) printPlan(io, `plan for ${p.vm}`, p.plan, 'merged, they wait in the template and KubeVirt marks the VM RestartRequired');
      else io.out(`plan for ${p.vm}\n  → the VM leaves the output: a GitOps tool that prunes deletes it, and its VMI stops`);
    }
  }
  return worst(plans.map(p => (p.plan ? planExitCode(p.plan) : 0)));
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The plans as Markdown, for a pull request comment. */
function printMarkdown(io: Io, plans: SynthesizedPlan[]): void {
  const count = (code: number) => plans.filter(p => p.plan && planExitCode(p.plan) === code).length;
  io.out(`## Wukong plan: ${plans.length} VM${plans.length === 1 ? '' : 's'}`);
  io.out(`${count(0)} live-applicable · ${count(3)} need a restart · ${count(2)} rejected · ${plans.filter(p => p.deleted).length} deleted`);
  for (const { vm, plan } of plans) {
    io.out('');
    io.out(`### \`${vm}\``);
    if (!plan) {
      io.out('**Deleted**: the VM leaves the output; a GitOps tool that prunes deletes it, and its VMI stops.');
      continue;
    }
    io.out(`KubeVirt ${formatKubeVirtVersion(plan.kubevirtVersion)} (${plan.kubevirtVersionSource}), planned for a VM ${plan.running ? 'running' : 'stopped'}`);
    io.out('');
    io.out('| NIC / object | Action | Guest address | Why |');
    io.out('|---|---|---|---|');
    for (const e of plan.entries.filter(x => x.action !== 'unchanged' || x.subject === 'nic')) {
      io.out(`| ${cell(e.subject === 'nic' ? `NIC ${e.name}` : `${e.subject} ${e.name}`)} | ${e.action} | ${cell(e.addressing?.summary ?? '')} | ${cell(e.reason)} |`);
    }
    const warnings = [...plan.warnings, ...plan.entries.flatMap(e => e.warnings.map(w => `${e.name}: ${w}`))];
    if (warnings.length) io.out('');
    for (const w of warnings) io.out(`- ⚠️ ${w}`);
    io.out('');
    io.out(plan.rejected ? '**→ rejected**: KubeVirt or Wukong refuses part of this change' : plan.restartRequired
      ? '**→ needs a restart**: some changes wait in the template until the VM restarts' : '**→ live**: every change applies to the running VM');
  }
}

/** `wukong plan OLD NEW` (Wukong YAML, or synthesized manifests) or `wukong plan FILE --live`. */
export async function planCommand(args: ParsedArgs, io: Io): Promise<number> {
  const live = args.flags.live === true;
  const files = args.positional;
  if (live ? files.length < 1 : files.length !== 2) {
    throw new UsageError(live ? 'plan --live needs the Wukong file(s) to plan' : 'plan needs OLD and NEW (Wukong YAML, or synthesized manifests: files or directories), or FILE --live');
  }
  if (!live) {
    const loaded = files.map(f => loadDocuments(filesOf(f)));
    // What cannot be read or parsed goes the Wukong way, whose reader reports it by file and line.
    const kinds = loaded.map(l => (l.errors.length || l.documents.some(d => (d.value as { kind?: unknown })?.kind === WUKONG_KIND) ? 'wukong' : 'manifests'));
    if (kinds[0] !== kinds[1]) throw new UsageError(`plan compares like with like: ${files[0]} holds ${kinds[0] === 'wukong' ? 'Wukong YAML' : 'manifests'}, ${files[1]} ${kinds[1] === 'wukong' ? 'Wukong YAML' : 'manifests'}`);
    if (kinds[0] === 'manifests') return planManifests(loaded[0], loaded[1], args, io, files);
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
  const facts = live ? new ClusterFacts(clusterFrom(args)) : undefined;
  const kubevirt = facts && !version ? await facts.kubevirt() : undefined;
  const clusterVersion = version ? undefined : kubevirt?.version;
  for (const w of desired.wukongs) {
    const key = vmKey(w.vm);
    let plan: Plan;
    if (facts) {
      ({ plan } = await planLive(facts.client, w.vm, {
        kubevirtVersion: version ?? clusterVersion,
        kubevirtVersionSource: version ? 'given' : 'cluster',
        vmRolloutStrategy: kubevirt?.rolloutStrategy,
        multusInstalled: await facts.multus(w.vm.namespace),
        allowRestart: args.flags['allow-restart'] === true,
      }));
    } else {
      const before = old!.wukongs.find(o => o.vm.namespace === w.vm.namespace && o.vm.name === w.vm.name);
      plan = planVm({ desired: w.vm, applied: before?.vm, kubevirtVersion: version, allowRestart: args.flags['allow-restart'] === true });
    }
    plans.push({ vm: key, plan });
  }
  const format = formatFlag(args);
  if (format === 'json') io.out(JSON.stringify(plans, null, 2));
  else if (format === 'markdown') printMarkdown(io, plans);
  else plans.forEach(p => printPlan(io, `plan for ${p.vm}`, p.plan));
  return worst(plans.map(p => planExitCode(p.plan)));
}
