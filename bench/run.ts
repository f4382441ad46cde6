/**
 * `npm run bench`: fleet synth, `wukong synth`, planner and apply-efficiency benchmarks, each as ratios against a
 * baseline measured in the same run. A report, not a test: it prints a table, writes bench/results/latest.json and
 * exits 0 whether or not targets are met; non-zero only when a benchmark itself crashed (then latest.json is left as
 * it was and the partial report goes to bench/results/partial.tmp.json).
 */
import { execFileSync } from 'child_process';
import { loadavg } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { TestEnv, benchApply } from './apply-efficiency';
import { ROOT, build } from './build';
import { benchCliSynth } from './cli-synth';
import { RESULTS_DIR, benchFleet } from './fleet';
import { benchPlanner } from './planner';
import { BenchReport, formatReport, machine, writeReport } from './report';
import { round } from './stats';

/** Fleet sizes and repeats (fresh child processes each). */
const FLEET = [{ vms: 100, repeats: 3 }, { vms: 1000, repeats: 3 }, { vms: 5000, repeats: 2 }];
const CLI_DOCUMENTS = 1000;
const CLI_REPEATS = 2;
const PLANNER = [{ nics: 1, iterations: 3000 }, { nics: 8, iterations: 2000 }, { nics: 64, iterations: 500 }];
const APPLY_REPEATS = 3;

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
  // BENCH_ONLY: comma-separated section names to run (all when unset).
  const only = process.env.BENCH_ONLY?.split(',').map(s => s.trim()).filter(Boolean);
  const section = async (name: string, fn: () => Promise<void>) => {
    if (only?.length && !only.includes(name)) return;
    const t = performance.now();
    try {
      await fn();
    } catch (e) {
      report.errors[name] = (e as Error).stack ?? String(e);
      log(`${name} crashed: ${(e as Error).message}`);
    }
    log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };

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

  report.durationSeconds = (performance.now() - started) / 1000;
  report.machine = { ...report.machine, loadAverageEnd: round(loadavg()[0], 2) };
  process.stdout.write(`${formatReport(report)}\n`);
  const crashed = Object.keys(report.errors).length > 0;
  const path = join(RESULTS_DIR, crashed ? 'partial.tmp.json' : 'latest.json');
  writeReport(path, report);
  process.stdout.write(`\nwritten: ${path}\n`);
  return crashed ? 1 : 0;
}

main().then(code => process.exit(code), e => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
