import { ApplyTimeoutError, ClusterClient, DEFAULT_CONCURRENCY, FleetOutcome, PlanRejectedError, applyFleet, apiStatusCode, describeApiError } from '../kube';
import { NicStatus, Plan } from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { Io, clusterFrom, printPlan, versionFlag } from './plan-command';
import { printNics } from './status-command';
import { table } from './table';
import { readWukongs } from './wukongs';

/** Progress on a terminal rewrites one line; in a log it says where the run is at every tenth of the fleet. */
export interface Progress {
  readonly tty: boolean;
  readonly write: (text: string) => void;
}

const STD_PROGRESS: Progress = { tty: process.stderr.isTTY === true, write: t => process.stderr.write(t) };

function positiveInt(args: ParsedArgs, flag: string, what: string): number | undefined {
  const text = stringFlag(args, flag);
  if (text !== undefined && !/^[1-9]\d*$/.test(text)) throw new UsageError(`--${flag}: '${text}' is not ${what}`);
  return text === undefined ? undefined : Number(text);
}

/**
 * `nad-create ×2, secret-update, hotplug eth4, eth5 held (restart-required)`: the owned objects by action, then the VM
 * and each NIC that changes (a new VM's NICs come with it).
 */
function changes(plan: Plan): string {
  const counts = new Map<string, number>();
  const rest: string[] = [];
  const created = plan.entries.some(e => e.subject === 'VirtualMachine' && e.action === 'create');
  for (const e of plan.entries) {
    if (e.action === 'unchanged' || (e.subject === 'nic' && created)) continue;
    if (e.action === 'restart-required' && !e.applies) rest.push(`${e.name} held (restart-required)`);
    else if (!e.applies) continue;
    else if (e.subject === 'nic') rest.push(`${e.action} ${e.name}`);
    else if (e.subject === 'VirtualMachine') rest.push(e.action);
    else counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
  }
  return [...[...counts].map(([a, n]) => (n > 1 ? `${a} ×${n}` : a)), ...rest].join(', ') || 'no change';
}

/** `5: 4 plugged, 1 pending` */
function nicSummary(nics: NicStatus[]): string {
  const counts = new Map<string, number>();
  for (const n of nics) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  return `${nics.length}${nics.length ? `: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}` : ''}`;
}

/** What became of one VM: a summary row, its exit code, and the lines that explain a failure. */
function judge(o: FleetOutcome): { row: string[]; code: number; detail: string[] } {
  const { key, result, error } = o;
  const name = o.input.vm.name;
  const ns = o.input.vm.namespace;
  if (result) {
    const held = result.plan.entries.some(e => e.action === 'restart-required' && !e.applies);
    const outcome = held ? 'restart needed: re-run with --allow-restart to apply the rest to the template'
      : result.restartRequired ? `applied; restart to take it (virtctl restart ${name} -n ${ns})` : 'applied';
    return { row: [key, changes(result.plan), nicSummary(result.nics), outcome], code: held || result.restartRequired ? 3 : 0, detail: [] };
  }
  if (error instanceof PlanRejectedError) {
    return { row: [key, changes(error.plan), '-', 'rejected: nothing applied'], code: 2, detail: [] };
  }
  const lines = error instanceof ApplyTimeoutError ? [error.message]
    : apiStatusCode(error) !== undefined ? describeApiError(error) : [(error as Error)?.message ?? String(error)];
  return { row: [key, '-', '-', `failed: ${lines[0].split('\n')[0]}`], code: 1, detail: lines.flatMap(l => l.split('\n')) };
}

/** The worst of several exit codes: failed (1), then invalid or rejected (2), then restart needed (3). */
function worst(codes: number[]): number {
  return [1, 2, 3].find(c => codes.includes(c)) ?? 0;
}

/**
 * `wukong apply FILE... [--wait --timeout S] [--allow-restart] [--concurrency N] [--verbose]`. `connect` gives the
 * cluster (the one the flags name; a test's in memory).
 */
export async function applyCommand(
  args: ParsedArgs, io: Io, progress: Progress = STD_PROGRESS, connect: (a: ParsedArgs) => ClusterClient = clusterFrom,
): Promise<number> {
  if (args.positional.length < 1) throw new UsageError('apply needs the Wukong file(s) to apply');
  const timeout = positiveInt(args, 'timeout', 'a number of seconds');
  const concurrency = positiveInt(args, 'concurrency', 'a number of VMs to apply at once (1 or more)') ?? DEFAULT_CONCURRENCY;
  const verbose = args.flags.verbose === true;
  const { wukongs, errors, warnings } = readWukongs(args.positional);
  for (const w of warnings) io.err(`warning: ${w}`);
  if (errors.length) {
    for (const e of errors) io.err(`error: ${e}`);
    io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}; nothing applied`);
    return 2;
  }
  let failed = 0;
  let shown = -1;
  const outcomes = await applyFleet(connect(args), wukongs, {
    concurrency,
    allowRestart: args.flags['allow-restart'] === true,
    wait: args.flags.wait === true,
    kubevirtVersion: versionFlag(args),
    timeoutSeconds: timeout,
    log: verbose ? (key, line) => io.err(`  ${key}: ${line}`) : undefined,
    onDone: (o, done, total) => {
      if (o.error) failed++;
      const line = `applied ${done}/${total}${failed ? ` (${failed} not: see below)` : ''}`;
      if (progress.tty) {progress.write(`\r${line}${done === total ? '\n' : ''}`);} else if (Math.floor((done * 10) / total) > shown || done === total) {
        shown = Math.floor((done * 10) / total);
        io.err(line);
      }
    },
  });
  const judged = outcomes.map(judge);
  for (const line of table(['VM', 'CHANGES', 'NICS', 'RESULT'], judged.map(j => j.row))) io.out(line);
  outcomes.forEach((o, i) => {
    const plan = o.result?.plan ?? (o.error instanceof PlanRejectedError ? o.error.plan : undefined);
    if (!verbose && judged[i].code !== 2 && judged[i].code !== 1) return;
    io.out('');
    if (plan) printPlan(io, `${o.result ? 'applied' : 'rejected'} ${o.key}`, plan);
    if (o.result) printNics(io, o.result.nics);
    for (const line of judged[i].detail) io.err(`error: ${o.key}: ${line}`);
  });
  return worst(judged.map(j => j.code));
}
