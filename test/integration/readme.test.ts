/**
 * The README and the guide are a contract: every command in their `sh` blocks runs verbatim, in order (the README, then
 * each guide page in the order the README links them), in a clean copy of this repository (the files git knows, as in a fresh clone: no node_modules, no lib/), and must exit 0. Commands that talk
 * to a cluster get the test cluster (KubeVirt's own controller and admission, the node stand-in) through KUBECONFIG,
 * as a user's shell would.
 *
 * One command is not run here: the README's test command, which is what is running this suite. It is proven by CI,
 * which runs it verbatim: this suite checks that `.ci/run` has it as a line of its own.
 */
import { execFileSync, spawn } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { ensureNamespace } from './support/objects';
import { Cluster, deleteVm } from '../../src/kube';

const ROOT = join(__dirname, '..', '..');
/** The README's test command (the only one not run here; see above). */
const TEST_COMMAND = 'npm ci && npm test';

/** Every command of the `sh` blocks of a Markdown text, with its line, continuation lines joined. */
export function shellCommands(markdown: string): Array<{ line: number; command: string }> {
  const commands: Array<{ line: number; command: string }> = [];
  let inSh = false;
  let pending: { line: number; command: string } | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (/^```/.test(text)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(text);
      return;
    }
    if (!inSh) return;
    if (pending) {
      pending.command += `\n${text}`;
    } else {
      if (text.trim() === '' || text.trim().startsWith('#')) return;
      pending = { line: i + 1, command: text };
    }
    if (!text.endsWith('\\')) {
      commands.push(pending);
      pending = undefined;
    }
  });
  return commands;
}

/** The repository as a fresh clone has it: the files git tracks or would add (not ignored), from the work tree. */
function cleanCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wukong-readme-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch (e: any) {
      // A file deleted in the work tree but not yet in the index.
      if (e.code !== 'ENOENT') throw e;
    }
  }
  return dir;
}

describe('README commands (parsing)', () => {
  it('finds every command of sh blocks, skipping comments and other blocks, joining continuations', () => {
    const md = ['```sh', '# a comment', 'echo one   # trailing comment', '', 'echo two \\', '  three', '```', '```text', '$ not run', '```', '```ts', 'const x = 1;', '```'].join('\n');
    expect(shellCommands(md)).toEqual([
      { line: 3, command: 'echo one   # trailing comment' },
      { line: 5, command: 'echo two \\\n  three' },
    ]);
  });

  it("fails if .ci/run does not run the README's test command verbatim", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(shellCommands(readme).map(c => c.command)).toContain(TEST_COMMAND);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n')).toContain(TEST_COMMAND);
  });
});

/** The README, then the guide pages in the order it links them: every page whose commands are run. */
export function documentedPages(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const linked = [...readme.matchAll(/\]\((docs\/[a-z0-9-]+\.md)\)/g)].map(m => m[1]);
  return ['README.md', ...new Set(linked)];
}

describeWithCluster('README and guide commands, verbatim in a clean copy', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  // The README's day-2 walk-through uses the `default` namespace, as a first-time user's does.
  const cluster = new Cluster(kc);
  const commands = documentedPages().flatMap(page => shellCommands(readFileSync(join(ROOT, page), 'utf8'))
    .filter(c => c.command !== TEST_COMMAND).map(c => ({ ...c, page })));
  let copy: string;

  const cleanUp = async () => {
    await deleteVm(cluster, 'default', 'my-vm', { pollMs: 100, timeoutSeconds: 60 });
  };

  beforeAll(async () => {
    copy = cleanCopy();
    await ensureNamespace(kc, 'default');
    await cleanUp();
  }, 120_000);

  afterAll(async () => {
    await cleanUp();
    rmSync(copy, { recursive: true, force: true });
  }, 120_000);

  it('has commands to run', () => expect(commands.length).toBeGreaterThan(5));

  // Asynchronously, so this process stays responsive while a command waits on the cluster.
  it.each(commands.map(c => [c.page, c.line, c.command]))('%s:%i: %s', async (_page, _line, command) => {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', command as string], {
      cwd: copy, env: { ...process.env, KUBECONFIG: state.kubeconfig, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | string>(resolve => child.on('close', (c, signal) => resolve(c ?? signal ?? -1)));
    if (code !== 0) throw new Error(`exit ${code}\n${out}`);
  }, 900_000);
});
