/** Runs a measured child process and collects what it reports. */
import { spawn } from 'child_process';
import { performance } from 'perf_hooks';

export interface ChildRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, as the parent sees it. */
  readonly wallMs: number;
}

/** Runs `node ...args` (no execArgv of this process: no ts-node) with `env` added; never throws on a non-zero exit. */
export function runNode(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<ChildRun> {
  return runCommand(process.execPath, args, opts);
}

/** Runs `command ...args` with `env` added; never throws on a non-zero exit. */
export function runCommand(command: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', code => resolve({
      exitCode: code ?? 1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      wallMs: performance.now() - started,
    }));
  });
}

/** The `BENCH_RESULT {...}` line of a child's output; throws with its stderr when there is none. */
export function benchResult<T>(run: ChildRun, what: string): T {
  const line = run.stdout.split('\n').find(l => l.startsWith('BENCH_RESULT '));
  if (run.exitCode !== 0 || !line) throw new Error(`${what} failed (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as T;
}
