/**
 * The raw cdk8s script `wukong synth` is compared with: `node .tmp/bench/cli-raw-child.js WUKONGS MANIFESTS OUTDIR`.
 * It does what a hand-written cdk8s script for the same VMs would do, end to end in its own process: load cdk8s and
 * yaml, read and parse the same file of Wukong documents, build each document's manifests as plain `ApiObject`s in one
 * chart per document, synthesize them the way the CLI does (validate the app once, then each chart's objects in
 * cdk8s' dependency order) and write one `<namespace>.<name>.k8s.yaml` per document.
 *
 * The manifests themselves come from MANIFESTS (`{ [file]: manifest[] }`, Wukong's own earlier output), since
 * computing MACs, CNI configs and cloud-init by hand is what the library is for. Reading that file is work the CLI
 * does not do: it is timed and reported as `manifestsLoadMs`, and the bench takes it off this script's wall time.
 * Prints one line: `BENCH_RESULT {...}`. Transpiled on its own (bench/build.ts): built-ins and npm packages only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { ApiObject, App, Chart, DependencyGraph, Yaml } from 'cdk8s';
import { parseAllDocuments } from 'yaml';

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
}

function main(): void {
  const [wukongsFile, manifestsFile, outdir] = process.argv.slice(2);
  const documents = parseAllDocuments(readFileSync(wukongsFile, 'utf8'));
  const loadStarted = performance.now();
  const manifests = JSON.parse(readFileSync(manifestsFile, 'utf8')) as Record<string, Manifest[]>;
  const manifestsLoadMs = performance.now() - loadStarted;

  const app = new App();
  const charts: Array<[string, Chart]> = [];
  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    const { metadata } = doc.toJS() as { metadata: { name: string; namespace: string } };
    const file = `${metadata.namespace}.${metadata.name}.k8s.yaml`;
    const chart = new Chart(app, `${metadata.namespace}.${metadata.name}`);
    for (const m of manifests[file]) new ApiObject(chart, `${m.kind}-${m.metadata.name}`, m);
    charts.push([file, chart]);
  }
  // As the CLI: one app-wide resolve and validation, then each chart's own objects.
  charts[0]?.[1].toJson();
  mkdirSync(outdir, { recursive: true });
  for (const [file, chart] of charts) {
    const objects = new DependencyGraph(chart.node).topology()
      .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
      .map(o => o.toJson());
    writeFileSync(join(outdir, file), Yaml.stringify(...objects));
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ files: charts.length, manifestsLoadMs })}\n`);
}

main();
