/**
 * The report: the machine, every figure, and each target marked met / NOT met; printed as a table and written as
 * JSON (keys in a fixed order, numbers rounded) to bench/results/latest.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import { dirname } from 'path';
import type { ApplyReport } from './apply-efficiency';
import type { CliReport } from './cli-synth';
import type { FleetReport, FleetSide, FleetSize } from './fleet';
import type { FleetApplyPhase, FleetApplyReport, FleetApplyRun } from './fleet-apply';
import type { LatencyFigures, PlannerSize } from './planner';
import { ratio, round } from './stats';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly totalMemoryMiB: number;
  /** 1-minute load average when the run started and ended: above the core count, other work competed for the CPU. */
  readonly loadAverageStart: number;
  readonly loadAverageEnd?: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  let distro = '';
  if (existsSync('/etc/os-release')) {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  }
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${distro ? `${distro}, ` : ''}${os.type()} ${os.release()} ${os.arch()}`,
    totalMemoryMiB: Math.round(os.totalmem() / 1024 ** 2),
    loadAverageStart: round(os.loadavg()[0], 2),
  };
}

export interface Target {
  readonly figure: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

export interface BenchReport {
  readonly generatedAt: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
  readonly build: { readonly tscSeconds: number; readonly tscExitCode: number };
  readonly fleet?: FleetReport;
  readonly cli?: CliReport;
  readonly planner?: PlannerSize[];
  readonly apply?: ApplyReport;
  readonly fleetApply?: FleetApplyReport;
  /** Sections that did not run on this machine, and why. */
  readonly skipped: Record<string, string>;
  /** Sections that crashed: the run exits non-zero and latest.json is not written. */
  readonly errors: Record<string, string>;
}

/** Every figure that has a target. */
export function targets(r: BenchReport): Target[] {
  const out: Target[] = [];
  for (const s of r.fleet?.sizes ?? []) {
    out.push({ figure: `fleet N=${s.vms}: time Wukong / raw`, value: s.timeRatio, target: '≤ 1.3×', met: s.timeRatio <= 1.3 });
    out.push({ figure: `fleet N=${s.vms}: memory Wukong / raw (peak − idle)`, value: s.memoryRatio, target: '≤ 1.5×', met: s.memoryRatio <= 1.5 });
  }
  const g = r.fleet?.perVmGrowth;
  if (g) {
    out.push({ figure: `fleet per-VM time N=${g.to} / N=${g.from}, Wukong`, value: g.wukong, target: '≤ 1.2×', met: g.wukong <= 1.2 });
    out.push({ figure: `fleet per-VM time N=${g.to} / N=${g.from}, raw baseline`, value: g.raw, target: '≤ 1.2×', met: g.raw <= 1.2 });
  }
  if (r.cli) out.push({ figure: `wukong synth ${r.cli.documents} documents: time / raw cdk8s script`, value: r.cli.rawRatio, target: '≤ 2.0×', met: r.cli.rawRatio <= 2 });
  const p64 = r.planner?.find(p => p.liveNics === 64);
  if (p64) out.push({ figure: 'planVm median, 64 NICs (+1)', value: p64.planVm.medianMs, target: '< 1 ms', met: p64.planVm.medianMs < 1 });
  if (r.apply) {
    out.push({ figure: 'apply: VirtualMachine writes', value: r.apply.ours.vmWrites, target: '= 1', met: r.apply.ours.vmWrites === 1 });
    out.push({ figure: 'apply: VM patch body / full VM object', value: r.apply.patchFraction, target: '≤ 10%', met: r.apply.patchFraction <= 0.1 });
  }
  const fa = r.fleetApply;
  if (fa) {
    out.push({ figure: `fleet apply ${fa.vms} VMs, create: wall wukong / kubectl`, value: fa.create.timeRatio, target: '≤ 1.0×', met: fa.create.timeRatio <= 1 });
    out.push({ figure: `fleet apply ${fa.vms} VMs, add NIC: wall wukong / kubectl`, value: fa.addNic.timeRatio, target: '≤ 1.0×', met: fa.addNic.timeRatio <= 1 });
  }
  return out;
}

// ---- JSON ------------------------------------------------------------------------------------------------------

function latencyJson(l: LatencyFigures) {
  return { iterations: l.iterations, medianMs: round(l.medianMs, 4), p99Ms: round(l.p99Ms, 4), maxMs: round(l.maxMs, 3) };
}

function sideJson(s: FleetSide) {
  return {
    wallMs: round(s.wallMs, 1),
    buildMs: round(s.buildMs, 1),
    synthMs: round(s.synthMs, 1),
    perVmMs: round(s.perVmMs, 4),
    cpuMs: round(s.cpuMs, 1),
    peakRssMiB: round(s.peakRssMiB, 1),
    addedRssMiB: round(s.addedRssMiB, 1),
    samplesWallMs: s.samplesWallMs.map(x => round(x, 1)),
    samplesPeakRssMiB: s.samplesPeakRssMiB.map(x => round(x, 1)),
  };
}

function sizeJson(s: FleetSize) {
  return {
    vms: s.vms,
    nicsPerVm: s.nicsPerVm,
    objects: s.objects,
    yamlBytes: s.yamlBytes,
    repeats: s.repeats,
    identicalOutput: s.identicalOutput,
    idleRssMiB: round(s.idleRssMiB, 1),
    wukong: sideJson(s.wukong),
    raw: sideJson(s.raw),
    modelMs: round(s.modelMs, 1),
    modelAddedRssMiB: round(s.modelAddedRssMiB, 1),
    timeRatio: round(s.timeRatio),
    floorRatio: round(s.floorRatio),
    cpuRatio: round(s.cpuRatio),
    memoryRatio: round(s.memoryRatio),
    grossMemoryRatio: round(s.grossMemoryRatio),
  };
}

/** The report as JSON, keys in a fixed order. */
export function reportJson(r: BenchReport): object {
  const fleetN1000 = r.fleet?.sizes.find(s => s.vms === 1000);
  return {
    generatedAt: r.generatedAt,
    durationSeconds: round(r.durationSeconds, 1),
    machine: {
      cpuModel: r.machine.cpuModel,
      cores: r.machine.cores,
      node: r.machine.node,
      os: r.machine.os,
      totalMemoryMiB: r.machine.totalMemoryMiB,
      loadAverageStart: r.machine.loadAverageStart,
      loadAverageEnd: r.machine.loadAverageEnd,
    },
    build: { tscSeconds: round(r.build.tscSeconds, 1), tscExitCode: r.build.tscExitCode },
    fleetSynth: r.fleet && {
      method: 'fresh child per measurement (compiled lib/, no ts-node); timer from new App() to app.synthYaml() returning; '
        + 'peak = maxRSS of the child; memoryRatio on (peak − idle child peak), grossMemoryRatio on peak; medians over repeats; '
        + 'modelMs = resolveVm + renderResolvedVm of the fleet without cdk8s; floorRatio = (raw wall + modelMs) / raw wall',
      sizes: r.fleet.sizes.map(sizeJson),
      perVmGrowth: {
        from: r.fleet.perVmGrowth.from,
        to: r.fleet.perVmGrowth.to,
        wukong: round(r.fleet.perVmGrowth.wukong),
        raw: round(r.fleet.perVmGrowth.raw),
        wukongCpu: round(r.fleet.perVmGrowth.wukongCpu),
        rawCpu: round(r.fleet.perVmGrowth.rawCpu),
      },
    },
    cliSynth: r.cli && {
      documents: r.cli.documents,
      inputBytes: r.cli.inputBytes,
      filesWritten: r.cli.filesWritten,
      wallMs: round(r.cli.full.wallMs, 1),
      perDocumentMs: round(r.cli.perDocumentMs, 3),
      marginalPerDocumentMs: round(r.cli.marginalPerDocumentMs, 3),
      peakRssMiB: round(r.cli.full.peakRssMiB, 1),
      singleDocumentWallMs: round(r.cli.single.wallMs, 1),
      singleDocumentPeakRssMiB: round(r.cli.single.peakRssMiB, 1),
      quarterDocuments: r.cli.quarter.documents,
      quarterWallMs: round(r.cli.quarter.wallMs, 1),
      marginalGrowthQuarterToFull: round(r.cli.marginalGrowth),
      samplesWallMs: r.cli.full.samplesWallMs.map(x => round(x, 1)),
      raw: {
        method: 'bench/cli-raw-child.ts: reads the same file, builds the identical manifests as raw ApiObjects, writes the same files; '
          + 'child process, wall = spawn to exit; rawRatio takes its reading of the prepared manifests off its wall time',
        wallMs: round(r.cli.raw.wallMs, 1),
        manifestsLoadMs: round(r.cli.raw.manifestsLoadMs, 1),
        peakRssMiB: round(r.cli.raw.peakRssMiB, 1),
        samplesWallMs: r.cli.raw.samplesWallMs.map(x => round(x, 1)),
        identicalOutput: r.cli.raw.identicalOutput,
      },
      rawRatio: round(r.cli.rawRatio),
      rawMemoryRatio: round(r.cli.rawMemoryRatio),
      ratioToFleetWukongN1000: fleetN1000 ? round(ratio(r.cli.full.wallMs, fleetN1000.wukong.wallMs)) : null,
    },
    planner: r.planner?.map(p => ({
      liveNics: p.liveNics,
      desiredNics: p.desiredNics,
      changes: p.changes,
      patchOps: p.patchOps,
      planVm: latencyJson(p.planVm),
      renderDesired: latencyJson(p.renderDesired),
      vmPatch: latencyJson(p.vmPatch),
    })),
    applyEfficiency: r.apply && {
      repeats: r.apply.repeats,
      liveNics: r.apply.liveNics,
      comparison: 'both sides make the same change: create the new NAD, update the cloud-init Secret, write the VM; '
        + 'VM-write figures are also given alone',
      vmObjectBytes: r.apply.vmObjectBytes,
      vmObjectBytesWithoutManagedFields: r.apply.vmObjectBytesWithoutManagedFields,
      ours: { ...applySideJson(r.apply.ours), vmWriteOps: r.apply.vmWriteOps },
      replace: applySideJson(r.apply.replace),
      patchFraction: round(r.apply.patchFraction),
      patchFractionWithoutManagedFields: round(r.apply.patchFractionWithoutManagedFields),
      requestsRatio: round(r.apply.requestsRatio),
      requestBytesRatio: round(r.apply.requestBytesRatio),
      vmWriteBytesRatio: round(r.apply.vmWriteBytesRatio),
      latencyRatio: round(r.apply.latencyRatio),
      sameEndState: r.apply.sameEndState,
    },
    fleetApply: r.fleetApply && {
      method: 'one file of Wukong documents (VMs × 4 Multus bridge NICs, VLANs, static IPs), applied by the compiled CLI '
        + '(`wukong apply FILE --kubeconfig K`, defaults plus BENCH_APPLY_ARGS) and, in a second namespace, `wukong synth` '
        + 'output applied by `kubectl apply --server-side -f DIR` (synth timed apart); then one bridge NIC added to every VM '
        + 'and applied again. Wall = spawn to exit; per repeat one namespace pair with both clients direct to the server '
        + '(wallMs, timeRatio) and one with both through the same recording proxy (requests, proxiedWallMs); both namespaces '
        + 'settled before each timed run; order alternates by repeat; fresh namespaces per repeat; medians over repeats',
      vms: r.fleetApply.vms,
      nicsPerVm: r.fleetApply.nicsPerVm,
      runStrategy: r.fleetApply.runStrategy,
      repeats: r.fleetApply.repeats,
      extraApplyArgs: r.fleetApply.extraApplyArgs,
      kubectlVersion: r.fleetApply.kubectlVersion,
      create: fleetApplyPhaseJson(r.fleetApply.create),
      addNic: fleetApplyPhaseJson(r.fleetApply.addNic),
      sameEndState: r.fleetApply.sameEndState,
      differences: r.fleetApply.differences,
      vmisWithAddedNic: r.fleetApply.vmisWithAddedNic,
      settleAfterCreateSeconds: round(r.fleetApply.settleAfterCreateSeconds, 1),
      settleAfterAddSeconds: round(r.fleetApply.settleAfterAddSeconds, 1),
    },
    skipped: r.skipped,
    targets: targets(r).map(t => ({ figure: t.figure, value: round(t.value, 4), target: t.target, met: t.met })),
  };
}

function applySideJson(s: ApplyReport['ours']) {
  return {
    requests: s.requests,
    vmWrites: s.vmWrites,
    vmWriteBytes: s.vmWriteBytes,
    requestBytes: s.requestBytes,
    latencyMs: round(s.latencyMs, 1),
    breakdown: s.breakdown,
  };
}

function fleetApplyRunJson(s: FleetApplyRun) {
  return {
    wallMs: round(s.wallMs, 1),
    proxiedWallMs: round(s.proxiedWallMs, 1),
    requests: s.requests,
    requestsPerVm: round(s.requestsPerVm, 2),
    outputLines: s.outputLines,
    breakdown: s.breakdown,
    samplesWallMs: s.samplesWallMs.map(x => round(x, 1)),
    proxiedSamplesWallMs: s.proxiedSamplesWallMs.map(x => round(x, 1)),
  };
}

function fleetApplyPhaseJson(p: FleetApplyPhase) {
  return {
    wukong: fleetApplyRunJson(p.wukong),
    kubectl: fleetApplyRunJson(p.kubectl),
    synthMs: round(p.synthMs, 1),
    timeRatio: round(p.timeRatio),
    proxiedTimeRatio: round(p.proxiedTimeRatio),
    requestsRatio: round(p.requestsRatio),
  };
}

export function writeReport(path: string, r: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(reportJson(r), null, 2)}\n`);
}

// ---- table -----------------------------------------------------------------------------------------------------

const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(1)} µs`);
const mib = (x: number) => `${x.toFixed(1)} MiB`;
const times = (x: number) => `${x.toFixed(2)}×`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(title: string, head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return ['', title, line(head), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/** The printed report. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [
    `wukong-iac benchmarks, ${r.generatedAt} (${r.durationSeconds.toFixed(0)} s)`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryMiB} MiB, Node ${m.node}, ${m.os}`,
    `load average (1 min): ${m.loadAverageStart} at start, ${m.loadAverageEnd ?? '?'} at end${(m.loadAverageEnd ?? 0) > m.cores || m.loadAverageStart > m.cores
      ? ' — above the core count: other work competed for the CPU, absolute times are inflated (ratios are taken within the run)' : ''}`,
    `build: tsc ${r.build.tscSeconds.toFixed(1)} s${r.build.tscExitCode ? ` (exit ${r.build.tscExitCode}: type errors, emitted anyway)` : ''}`,
  ];
  if (r.fleet) {
    const rows = r.fleet.sizes.flatMap(s => [
      [`${s.vms} × 4 NICs`, 'Wukong', ms(s.wukong.wallMs), ms(s.wukong.buildMs), ms(s.wukong.synthMs), ms(s.wukong.perVmMs), ms(s.wukong.cpuMs),
        mib(s.wukong.peakRssMiB), mib(s.wukong.addedRssMiB), times(s.timeRatio), times(s.cpuRatio), times(s.memoryRatio), times(s.grossMemoryRatio)],
      [`${s.objects} objects`, 'raw ApiObject', ms(s.raw.wallMs), ms(s.raw.buildMs), ms(s.raw.synthMs), ms(s.raw.perVmMs), ms(s.raw.cpuMs),
        mib(s.raw.peakRssMiB), mib(s.raw.addedRssMiB), '', '', '', ''],
      ['', 'model alone', ms(s.modelMs), '', '', '', '', '', mib(s.modelAddedRssMiB), `floor ${times(s.floorRatio)}`, '', '', ''],
      [`${s.repeats}× each`, `idle child: ${mib(s.idleRssMiB)}`, '', '', '', '', '', '', '', '', '', '', s.identicalOutput ? 'same YAML' : 'YAML DIFFERS'],
    ]);
    out.push(...table('1. Fleet synth (medians; each run a fresh child; ratios Wukong / raw; target on wall time and on peak − idle; '
      + 'floor = (raw + model alone) / raw, the least Wukong can take, as raw is handed what the model computes)',
    ['fleet', 'side', 'wall', 'build', 'synthYaml', 'per VM', 'CPU', 'peak RSS', 'peak − idle', 'time ratio', 'CPU ratio', 'mem ratio', 'gross mem'], rows));
    const g = r.fleet.perVmGrowth;
    out.push(`per-VM time growth N=${g.from} → N=${g.to}: Wukong ${times(g.wukong)}, raw ${times(g.raw)} `
      + `(on CPU time: Wukong ${times(g.wukongCpu)}, raw ${times(g.rawCpu)})`);
  }
  if (r.cli) {
    const c = r.cli;
    const n1000 = r.fleet?.sizes.find(s => s.vms === 1000);
    out.push(...table(`2. wukong synth (compiled bin, child process, median of ${c.full.samplesWallMs.length}; wall = spawn to exit)`,
      ['input', 'wall', 'per document', 'peak RSS', 'files'],
      [
        [`${c.documents} documents (${(c.inputBytes / 1024).toFixed(0)} KiB)`, ms(c.full.wallMs), ms(c.perDocumentMs), mib(c.full.peakRssMiB), String(c.filesWritten)],
        [`${c.quarter.documents} documents`, ms(c.quarter.wallMs), ms(c.quarter.wallMs / c.quarter.documents), mib(c.quarter.peakRssMiB), ''],
        ['1 document (start-up cost)', ms(c.single.wallMs), '', mib(c.single.peakRssMiB), ''],
        [`raw cdk8s script, ${c.documents} documents`, ms(c.raw.wallMs), ms(c.raw.wallMs / c.documents), mib(c.raw.peakRssMiB),
          c.raw.identicalOutput ? 'same files' : 'FILES DIFFER'],
      ]));
    out.push(`wukong synth / raw cdk8s script: ${times(c.rawRatio)} on wall time (raw without its ${ms(c.raw.manifestsLoadMs)} of reading the prepared `
      + `manifests), ${times(c.rawMemoryRatio)} on peak RSS`);
    out.push(`marginal cost per document: ${ms(c.marginalPerDocumentMs)} at ${c.documents}, ${times(c.marginalGrowth)} what it is at ${c.quarter.documents} documents`
      + (n1000 ? `; CLI wall / fleet-synth Wukong wall at N=1000: ${times(ratio(c.full.wallMs, n1000.wukong.wallMs))} `
        + '(the CLI also starts Node, parses YAML and writes one file per VM)' : ''));
  }
  if (r.planner) {
    out.push(...table('3. Planner (running VM, one NIC added; in-process, after warm-up)',
      ['live NICs', 'iterations', 'planVm median', 'planVm p99', 'of which render', 'vmPatch median', 'vmPatch p99', 'plan'],
      r.planner.map(p => [String(p.liveNics), String(p.planVm.iterations), ms(p.planVm.medianMs), ms(p.planVm.p99Ms), ms(p.renderDesired.medianMs),
        ms(p.vmPatch.medianMs), ms(p.vmPatch.p99Ms), p.changes.join(', ')])));
    out.push('"of which render": one renderResolvedVm(desired) timed alone, network-data YAML included; planVm renders the desired VM once per call');
  }
  if (r.apply) {
    const a = r.apply;
    out.push(...table(`4. Apply efficiency: add 1 NIC to a running ${a.liveNics}-NIC VM (real API server via recording proxy, median of ${a.repeats})`,
      ['client', 'requests', 'VM writes', 'VM write body', 'request bytes', 'latency'],
      [
        ['Wukong applyVm (JSON patch)', String(a.ours.requests), String(a.ours.vmWrites), `${a.ours.vmWriteBytes} B`, `${a.ours.requestBytes} B`, ms(a.ours.latencyMs)],
        ['naive GET + PUT (replace)', String(a.replace.requests), String(a.replace.vmWrites), `${a.replace.vmWriteBytes} B`, `${a.replace.requestBytes} B`,
          ms(a.replace.latencyMs)],
        ['ratio ours / replace', times(a.requestsRatio), '', times(a.vmWriteBytesRatio), times(a.requestBytesRatio), times(a.latencyRatio)],
      ]));
    out.push(`both sides create the new NAD and rewrite the cloud-init Secret; full VM object ${a.vmObjectBytes} B as returned `
      + `(${a.vmObjectBytesWithoutManagedFields} B without managedFields): patch = ${pct(a.patchFraction)} of it (${pct(a.patchFractionWithoutManagedFields)})`);
    out.push(`ours:    ${a.ours.breakdown.join(', ')}`);
    out.push(`replace: ${a.replace.breakdown.join(', ')}`);
    out.push(`VM patch ops (bytes): ${a.vmWriteOps.join('; ')}`);
    out.push(`same end state: ${a.sameEndState ? 'yes' : 'NO'}`);
  }
  if (r.fleetApply) {
    const f = r.fleetApply;
    const row = (what: string, side: string, s: FleetApplyRun, p: FleetApplyPhase, baseline: boolean) => [what, side, ms(s.wallMs),
      baseline ? '' : times(p.timeRatio), ms(s.proxiedWallMs), baseline ? '' : times(p.proxiedTimeRatio), String(s.requests), s.requestsPerVm.toFixed(2),
      baseline ? '' : times(p.requestsRatio), String(s.outputLines)];
    const title = `5. Fleet apply: ${f.vms} VMs × ${f.nicsPerVm} bridge NICs, runStrategy ${f.runStrategy} (real API server, direct and via recording proxy, `
      + `median of ${f.repeats}${f.repeats < 2 ? ': ONE run, no median' : ''}; wall = spawn to exit)`;
    out.push(...table(title,
      ['phase', 'client', 'wall', 'time ratio', 'wall via proxy', 'ratio via proxy', 'requests', 'per VM', 'requests ratio', 'output lines'],
      [
        row('create', `wukong apply${f.extraApplyArgs.length ? ` ${f.extraApplyArgs.join(' ')}` : ''}`, f.create.wukong, f.create, false),
        row('', `kubectl ${f.kubectlVersion} apply --server-side`, f.create.kubectl, f.create, true),
        row(`add 1 NIC (→ ${f.nicsPerVm + 1})`, 'wukong apply', f.addNic.wukong, f.addNic, false),
        row('', 'kubectl apply --server-side', f.addNic.kubectl, f.addNic, true),
      ]));
    out.push(`kubectl side: wukong synth of the same file beforehand, not in its wall time: ${ms(f.create.synthMs)} (create), ${ms(f.addNic.synthMs)} (add NIC); `
      + `KubeVirt settling both namespaces afterwards: ${f.settleAfterCreateSeconds.toFixed(1)} s (create), ${f.settleAfterAddSeconds.toFixed(1)} s (add NIC)`);
    out.push(`wukong create:  ${f.create.wukong.breakdown.join(', ')}`);
    out.push(`kubectl create: ${f.create.kubectl.breakdown.join(', ')}`);
    out.push(`wukong add NIC:  ${f.addNic.wukong.breakdown.join(', ')}`);
    out.push(`kubectl add NIC: ${f.addNic.kubectl.breakdown.join(', ')}`);
    out.push(`same end state (VM templates with ${f.nicsPerVm + 1} Multus NICs, NADs, Secrets): ${f.sameEndState ? 'yes' : `NO: ${f.differences.join('; ')}`}; `
      + `VMIs with all ${f.nicsPerVm + 1} NICs in their status: wukong ${f.vmisWithAddedNic.wukong}, kubectl ${f.vmisWithAddedNic.kubectl} of ${f.vms}`);
  }
  for (const [section, why] of Object.entries(r.skipped)) out.push('', `${section}: SKIPPED (${why})`);
  for (const [section, error] of Object.entries(r.errors)) out.push('', `${section}: CRASHED: ${error}`);
  const ts = targets(r);
  out.push(...table('Targets', ['figure', 'value', 'target', 'status'], ts.map(t => [
    t.figure, t.target.includes('%') ? pct(t.value) : t.target.includes('ms') ? ms(t.value) : t.target.startsWith('=') ? String(t.value) : times(t.value),
    t.target, t.met ? 'met' : 'NOT met',
  ])));
  const missed = ts.filter(t => !t.met);
  out.push('', `SUMMARY: ${ts.length - missed.length} of ${ts.length} targets met${missed.length ? `; NOT met: ${missed.map(t => t.figure).join('; ')}` : ''}`
    + `${Object.keys(r.errors).length ? `; CRASHED: ${Object.keys(r.errors).join(', ')}` : ''}`);
  return out.join('\n');
}
