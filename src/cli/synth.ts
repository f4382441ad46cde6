import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, App, Chart, DependencyGraph, Yaml } from 'cdk8s';
import { PRINT_WARNINGS_CONTEXT, WukongVm } from '../cdk8s';
import { WukongValidationError, formatIssue } from '../model';
import { readWukongs } from './wukongs';

/** The file `wukong synth` writes a VM to: namespace first, then name (a namespace is a DNS label, without dots). */
export function synthFileName(vm: { readonly name: string; readonly namespace: string }): string {
  return `${vm.namespace}.${vm.name}.k8s.yaml`;
}

export interface SynthOutput {
  /** File name (`<namespace>.<name>.k8s.yaml`) to YAML text. */
  readonly files: Map<string, string>;
  readonly errors: string[];
  readonly warnings: string[];
  /** Per file: the kinds written. */
  readonly summary: Map<string, string[]>;
}

/**
 * Turns the Wukong documents of `files` into manifests, one `<namespace>.<name>.k8s.yaml` per Wukong (a namespace has
 * no dot, so no two VMs share a file). Every document is validated first and all
 * errors are returned together (`<source>: <field>: <message>`); nothing is produced when there is one. All VMs go
 * through one cdk8s app, so MACs, NAD names and IPs are also checked across documents and files.
 */
export function synthDocuments(files: string[]): SynthOutput {
  const { wukongs, errors, warnings } = readWukongs(files);
  const names = new Map<string, string>();
  for (const { source, vm } of wukongs) {
    const file = synthFileName(vm);
    const other = names.get(file);
    if (other) errors.push(`${source.label}: metadata.name: '${vm.name}' in namespace '${vm.namespace}' is also defined in ${other}; both describe one VirtualMachine: rename one or remove it`);
    else names.set(file, source.label);
  }
  const empty = { files: new Map<string, string>(), summary: new Map<string, string[]>(), errors, warnings };
  if (errors.length) return empty;
  const app = new App();
  app.node.setContext(PRINT_WARNINGS_CONTEXT, false);
  const charts: Array<[string, Chart]> = [];
  for (const { source: doc, vm, manifest } of wukongs) {
    const file = synthFileName(vm);
    const chart = new Chart(app, `${vm.namespace}.${vm.name}`);
    try {
      // From what readWukongs validated; the construct adds the checks that span documents (MACs, NADs, IPs).
      WukongVm.fromManifest(chart, vm.name, manifest);
      charts.push([file, chart]);
    } catch (e) {
      if (!(e instanceof WukongValidationError)) throw e;
      errors.push(...e.issues.map(i => `${doc.label}: ${formatIssue({ ...i, path: i.path.startsWith('spec.') ? i.path : `spec.${i.path}` })}`));
    }
  }
  if (errors.length) return empty;
  const outputs = new Map<string, string>();
  const summary = new Map<string, string[]>();
  // chart.toJson() resolves and validates the whole app each time (quadratic over 1,000 documents): do that once, via
  // the first chart, then take each chart's objects the way cdk8s does (its dependency order, its own objects only).
  charts[0]?.[1].toJson();
  for (const [file, chart] of charts) {
    const objects = new DependencyGraph(chart.node).topology()
      .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
      .map(o => o.toJson());
    outputs.set(file, Yaml.stringify(...objects));
    summary.set(file, objects.map((o: { kind: string }) => o.kind));
  }
  return { files: outputs, summary, errors, warnings };
}

/** Writes the synthesized files into `outdir`. */
export function writeOutput(outdir: string, files: Map<string, string>): string[] {
  mkdirSync(outdir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of files) {
    const path = join(outdir, file);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}
