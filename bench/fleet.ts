/**
 * Fleet synth: N VMs × 4 NICs through `WukongVm`, against the identical manifests as raw `ApiObject`s, both
 * synthesized with `app.synthYaml()`. Each measurement is a fresh child process (bench/fleet-child.ts, compiled);
 * figures are medians over the repeats, and ratios are Wukong / raw within this run.
 */
import { rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { LIB_INDEX, childScript } from './build';
import { benchResult, runNode } from './child';
import { fleetOf } from './fleet-spec';
import { median, ratio } from './stats';

export const RESULTS_DIR = join(__dirname, 'results');

/** What fleet-child.ts prints. */
interface ChildResult {
  readonly mode: string;
  readonly vms: number;
  readonly objects: number;
  readonly buildMs: number;
  readonly synthMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  readonly yamlBytes: number;
  readonly yamlSha256: string;
}

export interface FleetSide {
  /** Median time from `new App()` to the YAML string. */
  readonly wallMs: number;
  /** Of which building the constructs (the rest is `app.synthYaml()`). */
  readonly buildMs: number;
  readonly synthMs: number;
  readonly perVmMs: number;
  /** Median CPU time (user + system, all threads of the child) over the same span: less sensitive to other load. */
  readonly cpuMs: number;
  /** Median peak RSS of the child. */
  readonly peakRssMiB: number;
  /** Median (peak − idle child's peak): what building and synthesizing added. */
  readonly addedRssMiB: number;
  readonly samplesWallMs: number[];
  readonly samplesPeakRssMiB: number[];
}

export interface FleetSize {
  readonly vms: number;
  readonly nicsPerVm: number;
  readonly objects: number;
  readonly yamlBytes: number;
  readonly repeats: number;
  /** Every Wukong and raw run produced byte-identical YAML (same SHA-256). */
  readonly identicalOutput: boolean;
  /** Peak RSS of a child that loaded the same modules and the same data file, and built nothing. */
  readonly idleRssMiB: number;
  readonly wukong: FleetSide;
  readonly raw: FleetSide;
  /** Wukong's model alone (resolve and render, no cdk8s), median wall time. */
  readonly modelMs: number;
  /** The model alone, median peak RSS above the idle child's. */
  readonly modelAddedRssMiB: number;
  /** Wukong / raw, wall time. */
  readonly timeRatio: number;
  /**
   * (raw + model) / raw: the least Wukong can take, since raw is handed the manifests the model computes. A time target
   * below it cannot be met by any construct layer.
   */
  readonly floorRatio: number;
  /** Wukong / raw, CPU time (for reading the wall-time ratio on a busy machine). */
  readonly cpuRatio: number;
  /** Wukong / raw on peak − idle (the figure the target applies to). */
  readonly memoryRatio: number;
  /** Wukong / raw on the whole peak RSS, fixed overhead included. */
  readonly grossMemoryRatio: number;
}

function side(runs: ChildResult[], idle: number, vms: number): FleetSide {
  const wall = median(runs.map(r => r.wallMs));
  const peak = median(runs.map(r => r.maxRssMiB));
  return {
    wallMs: wall,
    buildMs: median(runs.map(r => r.buildMs)),
    synthMs: median(runs.map(r => r.synthMs)),
    perVmMs: wall / vms,
    cpuMs: median(runs.map(r => r.cpuMs)),
    peakRssMiB: peak,
    addedRssMiB: median(runs.map(r => r.maxRssMiB - idle)),
    samplesWallMs: runs.map(r => r.wallMs),
    samplesPeakRssMiB: runs.map(r => r.maxRssMiB),
  };
}

async function child(mode: string, dataFile: string): Promise<ChildResult> {
  return benchResult<ChildResult>(await runNode([childScript('fleet-child'), mode, dataFile, LIB_INDEX]), `fleet-child ${mode} (${dataFile})`);
}

/** Measures one fleet size: a prep child writes the manifests, then idle/Wukong/raw children, `repeats` times each. */
export async function benchFleetSize(vms: number, repeats: number, log: (line: string) => void): Promise<FleetSize> {
  const dataFile = join(RESULTS_DIR, `fleet-${vms}.tmp.json`);
  writeFileSync(dataFile, JSON.stringify({ fleet: fleetOf(vms) }));
  try {
    const prep = await child('prep', dataFile);
    const idle: ChildResult[] = [];
    const wukong: ChildResult[] = [];
    const raw: ChildResult[] = [];
    const model: ChildResult[] = [];
    for (let r = 0; r < repeats; r++) {
      // Alternate the order so a slow drift of the machine does not always favour the same side.
      idle.push(await child('idle', dataFile));
      model.push(await child('model', dataFile));
      for (const mode of r % 2 === 0 ? ['wukong', 'raw'] : ['raw', 'wukong']) {
        const result = await child(mode, dataFile);
        (mode === 'wukong' ? wukong : raw).push(result);
      }
      log(`fleet N=${vms} run ${r + 1}/${repeats}: wukong ${wukong[r].wallMs.toFixed(0)} ms / ${wukong[r].maxRssMiB.toFixed(0)} MiB, `
        + `raw ${raw[r].wallMs.toFixed(0)} ms / ${raw[r].maxRssMiB.toFixed(0)} MiB, model alone ${model[r].wallMs.toFixed(0)} ms, `
        + `idle ${idle[r].maxRssMiB.toFixed(0)} MiB`);
    }
    const idleRss = median(idle.map(r => r.maxRssMiB));
    const w = side(wukong, idleRss, vms);
    const b = side(raw, idleRss, vms);
    const modelMs = median(model.map(r => r.wallMs));
    const modelAddedRssMiB = median(model.map(r => r.maxRssMiB - idleRss));
    return {
      vms,
      nicsPerVm: 4,
      objects: prep.objects,
      yamlBytes: wukong[0].yamlBytes,
      repeats,
      identicalOutput: [...wukong, ...raw].every(x => x.yamlSha256 === wukong[0].yamlSha256 && x.objects === prep.objects)
        && model.every(x => x.objects === prep.objects),
      idleRssMiB: idleRss,
      wukong: w,
      raw: b,
      modelMs,
      modelAddedRssMiB,
      timeRatio: ratio(w.wallMs, b.wallMs),
      floorRatio: ratio(b.wallMs + modelMs, b.wallMs),
      cpuRatio: ratio(w.cpuMs, b.cpuMs),
      memoryRatio: ratio(w.addedRssMiB, b.addedRssMiB),
      grossMemoryRatio: ratio(w.peakRssMiB, b.peakRssMiB),
    };
  } finally {
    rmSync(dataFile, { force: true });
  }
}

export interface FleetReport {
  readonly sizes: FleetSize[];
  /** Per-VM time at the largest N over per-VM time at the N before it, per side. */
  readonly perVmGrowth: {
    readonly from: number;
    readonly to: number;
    readonly wukong: number;
    readonly raw: number;
    /** The same on CPU time. */
    readonly wukongCpu: number;
    readonly rawCpu: number;
  };
}

export async function benchFleet(plan: Array<{ vms: number; repeats: number }>, log: (line: string) => void): Promise<FleetReport> {
  const sizes: FleetSize[] = [];
  for (const { vms, repeats } of plan) sizes.push(await benchFleetSize(vms, repeats, log));
  const [a, b] = sizes.slice(-2);
  return {
    sizes,
    perVmGrowth: {
      from: a.vms,
      to: b.vms,
      wukong: ratio(b.wukong.perVmMs, a.wukong.perVmMs),
      raw: ratio(b.raw.perVmMs, a.raw.perVmMs),
      wukongCpu: ratio(b.wukong.cpuMs / b.vms, a.wukong.cpuMs / a.vms),
      rawCpu: ratio(b.raw.cpuMs / b.vms, a.raw.cpuMs / a.vms),
    },
  };
}
