/**
 * What the measured child processes run, compiled before any timer: the library (`npx tsc -p tsconfig.json`, the
 * project's own build into lib/, which also gives the `wukong` bin) and the child entry points under bench/,
 * transpiled one file at a time into .tmp/bench/ (they import only built-ins, npm packages and types). The children
 * then start without ts-node, so their memory holds the code under test, not the TypeScript compiler.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import * as ts from 'typescript';

export const ROOT = join(__dirname, '..');
export const BUILD_DIR = join(ROOT, '.tmp', 'bench');
export const LIB_INDEX = join(ROOT, 'lib', 'src', 'index.js');
export const CLI_MAIN = join(ROOT, 'lib', 'src', 'cli', 'main.js');

/** Child entry points, transpiled to BUILD_DIR/<name>.js. */
const CHILD_ENTRIES = ['fleet-child', 'cli-raw-child', 'max-rss-preload'];

export interface BuildResult {
  readonly tscMs: number;
  /** tsc's exit code: non-zero means type errors (it still emits, `noEmitOnError` is false). */
  readonly tscExitCode: number;
  readonly tscOutput: string;
}

/** Compiles the library and transpiles the child entry points; throws only when there is nothing to run. */
export function build(): BuildResult {
  const started = performance.now();
  let tscExitCode = 0;
  let tscOutput = '';
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    tscExitCode = err.status ?? 1;
    tscOutput = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
  }
  const tscMs = performance.now() - started;
  for (const path of [LIB_INDEX, CLI_MAIN]) {
    if (!existsSync(path)) throw new Error(`${path} missing after tsc (exit ${tscExitCode}):\n${tscOutput}`);
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const { options } = ts.convertCompilerOptionsFromJson({ module: 'CommonJS', target: 'ES2020', esModuleInterop: true }, ROOT);
  for (const name of CHILD_ENTRIES) {
    const source = readFileSync(join(__dirname, `${name}.ts`), 'utf8');
    const out = ts.transpileModule(source, { compilerOptions: options, fileName: `${name}.ts`, reportDiagnostics: false });
    writeFileSync(join(BUILD_DIR, `${name}.js`), out.outputText);
  }
  return { tscMs, tscExitCode, tscOutput };
}

/** The transpiled child entry point `name`. */
export function childScript(name: string): string {
  return join(BUILD_DIR, `${name}.js`);
}
