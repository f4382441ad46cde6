/**
 * `wukong synth` on one file of 1,000 Wukong documents (the fleet of fleet-spec.ts), run as the real compiled bin in
 * a child process: wall time from spawn to exit, peak RSS (read by a preloaded hook at exit); the same for a
 * 1-document file (the fixed cost of starting the CLI) and for a quarter of the documents (how the cost of one more
 * document grows with the file).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { stringify } from 'yaml';
import { BUILD_DIR, CLI_MAIN, ROOT, childScript } from './build';
import { runNode } from './child';
import { fleetAsWukongs } from './fleet-spec';
import { median } from './stats';

export interface CliRun {
  readonly documents: number;
  readonly wallMs: number;
  readonly peakRssMiB: number;
  readonly samplesWallMs: number[];
}

export interface CliReport {
  readonly documents: number;
  readonly inputBytes: number;
  readonly filesWritten: number;
  readonly full: CliRun;
  /** The same CLI on a 1-document file: process start, module loading, one VM. */
  readonly single: CliRun;
  /** The same CLI on a quarter of the documents. */
  readonly quarter: CliRun;
  readonly perDocumentMs: number;
  /** (full − single) / (documents − 1): the cost of one more document. */
  readonly marginalPerDocumentMs: number;
  /** Marginal cost per document at `documents` over the same at `documents / 4`: 1 when the cost is linear. */
  readonly marginalGrowth: number;
}

async function synthOnce(file: string, outdir: string, rssFile: string): Promise<{ wallMs: number; peakRssMiB: number; files: number }> {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(rssFile, { force: true });
  const run = await runNode(['-r', childScript('max-rss-preload'), CLI_MAIN, 'synth', file, '-o', outdir], {
    cwd: ROOT, env: { WUKONG_BENCH_RSS_FILE: rssFile },
  });
  if (run.exitCode !== 0) throw new Error(`wukong synth ${file} exited ${run.exitCode}:\n${run.stderr.slice(-3000)}`);
  return { wallMs: run.wallMs, peakRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, files: readdirSync(outdir).length };
}

async function measure(documents: number, repeats: number, dir: string): Promise<CliRun & { files: number; inputBytes: number }> {
  const file = join(dir, `wukongs-${documents}.yaml`);
  const text = fleetAsWukongs(documents).map(d => stringify(d)).join('---\n');
  writeFileSync(file, text);
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await synthOnce(file, join(dir, `out-${documents}`), join(dir, 'cli-rss.txt')));
  return {
    documents,
    wallMs: median(runs.map(r => r.wallMs)),
    peakRssMiB: median(runs.map(r => r.peakRssMiB)),
    samplesWallMs: runs.map(r => r.wallMs),
    files: runs[0].files,
    inputBytes: Buffer.byteLength(text),
  };
}

export async function benchCliSynth(documents: number, repeats: number, log: (line: string) => void): Promise<CliReport> {
  const dir = join(BUILD_DIR, 'cli-synth');
  mkdirSync(dir, { recursive: true });
  try {
    const single = await measure(1, repeats, dir);
    const quarter = await measure(Math.round(documents / 4), repeats, dir);
    const full = await measure(documents, repeats, dir);
    log(`wukong synth: ${documents} documents in ${full.wallMs.toFixed(0)} ms (${quarter.documents}: ${quarter.wallMs.toFixed(0)} ms, `
      + `1: ${single.wallMs.toFixed(0)} ms)`);
    const marginal = (run: CliRun) => (run.wallMs - single.wallMs) / (run.documents - 1);
    const strip = ({ documents: d, wallMs, peakRssMiB, samplesWallMs }: CliRun): CliRun => ({ documents: d, wallMs, peakRssMiB, samplesWallMs });
    return {
      documents,
      inputBytes: full.inputBytes,
      filesWritten: full.files,
      full: strip(full),
      single: strip(single),
      quarter: strip(quarter),
      perDocumentMs: full.wallMs / documents,
      marginalPerDocumentMs: marginal(full),
      marginalGrowth: marginal(full) / marginal(quarter),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
