import { spawn, spawnSync } from 'child_process';
import { join } from 'path';

export const ROOT = join(__dirname, '..', '..');
/** The compiled `wukong` bin, as npm links it (package.json `bin`). */
export const BIN = join(ROOT, 'lib', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `wukong` bin in a child process. */
export function wukong(args: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the real `wukong` bin in a child process without blocking this one (the test stays responsive while it waits). */
export function wukongAsync(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
