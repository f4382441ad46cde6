/**
 * `wukong synth` on one file of 1,000 Wukong documents (the fleet of fleet-spec.ts), run as the real compiled bin in
 * a child process: wall time from spawn to exit, peak RSS (read by a preloaded hook at exit); the same for a
 * 1-document file (the fixed cost of starting the CLI) and for a quarter of the documents (how the cost of one more
 * document grows with the file). The baseline, in the same run: a raw cdk8s script (bench/cli-raw-child.ts) that reads
 * the same file and writes the identical manifests as plain `ApiObject`s, also a child process, timed the same way.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { BUILD_DIR, CLI_MAIN, ROOT, childScript } from './build';
import { benchResult, runNode } from './child';
import { fleetAsWukongs } from './fleet-spec';
import { median, ratio } from './stats';

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
  /** The raw cdk8s script on the full file. */
  readonly raw: RawRun;
  /** Wukong full wall / (raw wall − raw's reading of its manifests file). */
  readonly rawRatio: number;
  /** Wukong full peak RSS / raw peak RSS. */
  readonly rawMemoryRatio: number;
}

export interface RawRun {
  readonly wallMs: number;
  /** Of the wall time: reading the prepared manifests, which `wukong synth` does not do (taken off in the ratio). */
  readonly manifestsLoadMs: number;
  readonly peakRssMiB: number;
  readonly samplesWallMs: number[];
  /** Every raw run wrote the same files, byte for byte, as `wukong synth`. */
  readonly identicalOutput: boolean;
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

/** Every file of directory `a` has the same bytes in `b`, and `b` has no other file. */
function sameFiles(a: string, b: string): boolean {
  const files = readdirSync(a);
  return files.length === readdirSync(b).length && files.every(f => readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}

/** The raw cdk8s script on `file`, `repeats` times, given the `wukong synth` output of the same file in `expected`. */
async function measureRaw(file: string, expected: string, repeats: number, dir: string): Promise<RawRun> {
  const manifests: Record<string, unknown[]> = {};
  for (const f of readdirSync(expected)) manifests[f] = parseAllDocuments(readFileSync(join(expected, f), 'utf8')).map(d => d.toJS());
  const manifestsFile = join(dir, 'raw-manifests.json');
  writeFileSync(manifestsFile, JSON.stringify(manifests));
  const outdir = join(dir, 'out-raw');
  const rssFile = join(dir, 'raw-rss.txt');
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(rssFile, { force: true });
    const run = await runNode(['-r', childScript('max-rss-preload'), childScript('cli-raw-child'), file, manifestsFile, outdir], {
      cwd: ROOT, env: { WUKONG_BENCH_RSS_FILE: rssFile },
    });
    const result = benchResult<{ manifestsLoadMs: number }>(run, 'raw cdk8s script');
    runs.push({ wallMs: run.wallMs, manifestsLoadMs: result.manifestsLoadMs, peakRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, same: sameFiles(expected, outdir) });
  }
  return {
    wallMs: median(runs.map(r => r.wallMs)),
    manifestsLoadMs: median(runs.map(r => r.manifestsLoadMs)),
    peakRssMiB: median(runs.map(r => r.peakRssMiB)),
    samplesWallMs: runs.map(r => r.wallMs),
    identicalOutput: runs.every(r => r.same),
  };
}

export async function benchCliSynth(documents: number, repeats: number, log: (line: string) => void): Promise<CliReport> {
  const dir = join(BUILD_DIR, 'cli-synth');
  mkdirSync(dir, { recursive: true });
  try {
    const single = await measure(1, repeats, dir);
    const quarter = await measure(Math.round(documents / 4), repeats, dir);
    const full = await measure(documents, repeats, dir);
    const raw = await measureRaw(join(dir, `wukongs-${documents}.yaml`), join(dir, `out-${documents}`), repeats, dir);
    log(`raw cdk8s script: ${documents} documents in ${raw.wallMs.toFixed(0)} ms (of which ${raw.manifestsLoadMs.toFixed(0)} ms reading its manifests), `
      + `${raw.identicalOutput ? 'same files' : 'FILES DIFFER'}`);
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
      raw,
      rawRatio: ratio(full.wallMs, raw.wallMs - raw.manifestsLoadMs),
      rawMemoryRatio: ratio(full.peakRssMiB, raw.peakRssMiB),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
