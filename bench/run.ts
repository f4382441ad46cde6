/**
 * `npm run bench`: fleet synth, `wukong synth`, planner, apply-efficiency and fleet-apply benchmarks, each as ratios
 * against a baseline measured in the same run. A report, not a test: it prints a table, writes
 * bench/results/latest.json and exits 0 whether or not targets are met; non-zero only when a benchmark itself crashed
 * (then latest.json is left as it was and the partial report goes to bench/results/partial.tmp.json).
 *
 * Environment:
 *   - BENCH_ONLY="fleet apply" (section names, comma-separated: fleet synth, wukong synth, planner, apply efficiency,
 *     fleet apply) runs only those sections; the report then goes to bench/results/only.tmp.json, never latest.json.
 *   - BENCH_FLEET_APPLY_VMS (default 100) and BENCH_FLEET_APPLY_REPEATS (default 2): the fleet-apply size and repeats.
 *   - BENCH_APPLY_ARGS: words appended to `wukong apply` in the fleet-apply section (e.g. "--concurrency 8").
 * e.g. `BENCH_ONLY="fleet apply" npm run bench` runs the fleet-apply section alone (15–25 minutes on 2 cores; with
 * BENCH_FLEET_APPLY_VMS=5 BENCH_FLEET_APPLY_REPEATS=1, a smoke run of under 2 minutes).
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { TestEnv, benchApply } from './apply-efficiency';
import { ROOT, build } from './build';
import { benchCliSynth } from './cli-synth';
import { RESULTS_DIR, benchFleet } from './fleet';
import { benchFleetApply } from './fleet-apply';
import { benchPlanner } from './planner';
import { BenchReport, formatReport, machine, writeReport } from './report';
import { round } from './stats';

/** Fleet sizes and repeats (fresh child processes each). */
const FLEET = [{ vms: 100, repeats: 3 }, { vms: 1000, repeats: 3 }, { vms: 5000, repeats: 2 }];
const CLI_DOCUMENTS = 1000;
const CLI_REPEATS = 2;
const PLANNER = [{ nics: 1, iterations: 3000 }, { nics: 8, iterations: 2000 }, { nics: 64, iterations: 500 }];
const APPLY_REPEATS = 3;
const FLEET_APPLY_VMS = positiveInt('BENCH_FLEET_APPLY_VMS', 100);
const FLEET_APPLY_REPEATS = positiveInt('BENCH_FLEET_APPLY_REPEATS', 2);
/** The sections to run (BENCH_ONLY), or undefined for all. */
const ONLY = process.env.BENCH_ONLY?.split(',').map(s => s.trim().toLowerCase()).filter(Boolean);
const SECTIONS = ['fleet synth', 'wukong synth', 'planner', 'apply efficiency', 'fleet apply'];

function positiveInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name}='${value}' is not a positive whole number`);
  return Number(value);
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function testEnv(): TestEnv {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'test-env.sh'), '--tolerate-unavailable'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as TestEnv;
}

async function main(): Promise<number> {
  const started = performance.now();
  const report: { -readonly [K in keyof BenchReport]: BenchReport[K] } = {
    generatedAt: new Date().toISOString(),
    durationSeconds: 0,
    machine: machine(),
    build: { tscSeconds: 0, tscExitCode: 0 },
    skipped: {},
    errors: {},
  };
  const unknown = ONLY?.filter(name => !SECTIONS.includes(name)) ?? [];
  if (unknown.length) throw new Error(`BENCH_ONLY names no section '${unknown.join("', '")}': the sections are ${SECTIONS.join(', ')}`);
  const section = async (name: string, fn: () => Promise<void>) => {
    if (ONLY && !ONLY.includes(name)) return;
    const t = performance.now();
    try {
      await fn();
    } catch (e) {
      report.errors[name] = (e as Error).stack ?? String(e);
      log(`${name} crashed: ${(e as Error).message}`);
    }
    log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };

  if (ONLY) log(`BENCH_ONLY: ${ONLY.join(', ')}`);
  log('compiling (npx tsc -p tsconfig.json) and transpiling the child entry points');
  const b = build();
  report.build = { tscSeconds: b.tscMs / 1000, tscExitCode: b.tscExitCode };
  if (b.tscExitCode) log(`tsc exited ${b.tscExitCode} (it emits anyway):\n${b.tscOutput}`);

  await section('fleet synth', async () => { report.fleet = await benchFleet(FLEET, log); });
  await section('wukong synth', async () => { report.cli = await benchCliSynth(CLI_DOCUMENTS, CLI_REPEATS, log); });
  await section('planner', async () => { report.planner = benchPlanner(PLANNER, log); });
  await section('apply efficiency', async () => {
    const env = testEnv();
    if (env.unavailable) report.skipped['apply efficiency'] = `no test API server on this machine: ${env.unavailable}`;
    else report.apply = await benchApply(env, APPLY_REPEATS, log);
  });
  await section('fleet apply', async () => {
    const env = testEnv();
    if (env.unavailable) report.skipped['fleet apply'] = `no test API server on this machine: ${env.unavailable}`;
    else if (!existsSync(join(env.testbed!, 'kubectl'))) report.skipped['fleet apply'] = `no kubectl in the test bed ${env.testbed}: rebuild it (testbed/build.sh)`;
    else report.fleetApply = await benchFleetApply(env, FLEET_APPLY_VMS, FLEET_APPLY_REPEATS, log);
  });

  report.durationSeconds = (performance.now() - started) / 1000;
  report.machine = { ...report.machine, loadAverageEnd: round(loadavg()[0], 2) };
  process.stdout.write(`${formatReport(report)}\n`);
  const crashed = Object.keys(report.errors).length > 0;
  const path = join(RESULTS_DIR, crashed ? 'partial.tmp.json' : ONLY ? 'only.tmp.json' : 'latest.json');
  writeReport(path, report);
  process.stdout.write(`\nwritten: ${path}\n`);
  return crashed ? 1 : 0;
}

main().then(code => process.exit(code), e => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
