/**
 * One fleet-synth measurement, in a fresh process: `node .tmp/bench/fleet-child.js MODE DATA LIB`.
 *
 * - `prep`:   builds the fleet of DATA (`{ fleet }`) through `WukongVm` and writes back `{ fleet, charts }` with every
 *             chart's manifests (`chart.toJson()`), exactly as Wukong produced them: the input of `raw`.
 * - `wukong`: the fleet through `WukongVm`, then `app.synthYaml()`.
 * - `raw`:    the same manifests as plain `new ApiObject(chart, id, manifest)`, then `app.synthYaml()`.
 * - `model`:  the fleet through Wukong's model alone (`resolveVm` and `renderResolvedVm`, no cdk8s): the work raw is
 *             spared because it is handed the finished manifests. raw + model is the floor Wukong can reach.
 * - `idle`:   loads what the others load, builds nothing: the fixed overhead of a child.
 *
 * Every mode loads the same modules (the compiled library and cdk8s) and parses the same DATA file before its timer
 * starts, and keeps DATA referenced to the end, so the loaded JSON weighs the same in each. Prints one line:
 * `BENCH_RESULT {...}`. This file is transpiled on its own (bench/build.ts) and runs without ts-node: it may import
 * only Node built-ins, npm packages, and types.
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { performance } from 'perf_hooks';
import type * as Wukong from '../src';
import type * as WukongModel from '../src/model';

type Mode = 'prep' | 'wukong' | 'raw' | 'model' | 'idle';

interface FleetVmData {
  readonly chart: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: Wukong.WukongSpec;
}

interface ChartData {
  readonly id: string;
  readonly namespace: string;
  readonly manifests: Array<{ apiVersion: string; kind: string; metadata: { name: string } }>;
}

interface FleetData {
  readonly fleet: FleetVmData[];
  readonly charts?: ChartData[];
}

function chartIds(fleet: FleetVmData[]): string[] {
  return [...new Set(fleet.map(vm => vm.chart))];
}

async function main(): Promise<void> {
  const [mode, dataFile, libPath] = process.argv.slice(2) as [Mode, string, string];
  // Modules first, identically for every mode.
  const cdk8s = await import('cdk8s');
  const wukong = await import(libPath) as typeof Wukong;
  const model = await import(join(dirname(libPath), 'model', 'index.js')) as typeof WukongModel;
  const data = JSON.parse(readFileSync(dataFile, 'utf8')) as FleetData;

  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let built = started;
  let yaml = '';
  let objects = 0;
  if (mode === 'wukong' || mode === 'prep') {
    const app = new cdk8s.App();
    app.node.setContext(wukong.PRINT_WARNINGS_CONTEXT, false);
    const charts = new Map(chartIds(data.fleet).map(id => [id, new cdk8s.Chart(app, id, { namespace: id })]));
    for (const vm of data.fleet) {
      new wukong.WukongVm(charts.get(vm.chart)!, vm.name, { ...vm.spec, name: vm.name, namespace: vm.namespace, labels: vm.labels });
    }
    built = performance.now();
    if (mode === 'prep') {
      const out: ChartData[] = [...charts].map(([id, chart]) => ({ id, namespace: id, manifests: chart.toJson() }));
      writeFileSync(dataFile, JSON.stringify({ fleet: data.fleet, charts: out }));
      objects = out.reduce((sum, c) => sum + c.manifests.length, 0);
    } else {
      yaml = app.synthYaml();
    }
  } else if (mode === 'model') {
    const rendered: unknown[] = [];
    for (const vm of data.fleet) {
      const { vm: resolved, issues } = model.resolveVm({ name: vm.name, namespace: vm.namespace, labels: vm.labels }, vm.spec);
      const r = model.renderResolvedVm(resolved!, issues);
      rendered.push(r.virtualMachine, r.secret, r.nads);
      objects += 1 + (r.secret ? 1 : 0) + r.nads.length;
    }
    built = performance.now();
  } else if (mode === 'raw') {
    const app = new cdk8s.App();
    for (const c of data.charts!) {
      const chart = new cdk8s.Chart(app, c.id, { namespace: c.namespace });
      for (const m of c.manifests) new cdk8s.ApiObject(chart, `${m.kind}-${m.metadata.name}`, m);
    }
    built = performance.now();
    yaml = app.synthYaml();
  }
  const ended = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  // Read before anything else allocates (the hash below copies the YAML).
  const maxRssKiB = process.resourceUsage().maxRSS;
  const result = {
    mode,
    vms: data.fleet.length,
    objects: yaml ? yaml.match(/^kind: /gm)?.length ?? 0 : objects,
    buildMs: built - started,
    synthMs: ended - built,
    wallMs: ended - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: maxRssKiB / 1024,
    yamlBytes: Buffer.byteLength(yaml),
    yamlSha256: yaml ? createHash('sha256').update(yaml).digest('hex') : '',
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch(e => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
