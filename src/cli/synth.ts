import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, App, Chart, DependencyGraph, Yaml } from 'cdk8s';
import { FINISH_CONTEXT, GITOPS_CONTEXT, PREVIOUS_CONTEXT, PRINT_WARNINGS_CONTEXT, WukongVm } from '../cdk8s';
import { GitOpsContext } from '../cdk8s/gitops-context';
import { Issue, MANIFEST_PATHS, WukongValidationError, argoCdIgnoreDifferences, formatIssue, withFieldPaths } from '../model';
import { LoadedWukong, readWukongs } from './wukongs';

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

/** Options of `wukong synth` for GitOps repositories (the cdk8s context keys of the same names). */
export interface SynthOptions {
  /** `--previous DIR`: the previous output, whose NICs gone from the code become tombstones. */
  readonly previous?: string;
  /** `--finish ns/vm/nic,...`: tombstones to drop. */
  readonly finish?: string;
  /** `--gitops argocd|flux|none`. */
  readonly gitops?: string;
}

/** The file `--gitops argocd` adds: not YAML, so neither Argo CD nor Flux applies it. */
export const ARGOCD_IGNORE_DIFFERENCES_FILE = 'argocd-ignore-differences.txt';

function ignoreDifferencesText(): string {
  return [
    '# spec.ignoreDifferences for the Argo CD Application that syncs this directory (written by wukong synth --gitops argocd).',
    '# What KubeVirt writes into a VirtualMachine itself: unplugged (absent) interfaces and their networks, which it deletes',
    '# once detached, the PCI topology annotation and the firmware UUID and serial. Do not set RespectIgnoreDifferences=true:',
    '# it would keep state: absent from ever being applied.',
    Yaml.stringify({ ignoreDifferences: argoCdIgnoreDifferences() }).trimEnd(),
    '',
  ].join('\n');
}

const FLAGS: Record<string, keyof SynthOptions> = { [PREVIOUS_CONTEXT]: 'previous', [FINISH_CONTEXT]: 'finish', [GITOPS_CONTEXT]: 'gitops' };

/**
 * Turns the Wukong documents of `files` into manifests, one `<namespace>.<name>.k8s.yaml` per Wukong (a namespace has
 * no dot, so no two VMs share a file). Every document is validated first and all
 * errors are returned together (`<source>: <field>: <message>`); nothing is produced when there is one. All VMs go
 * through one cdk8s app, so MACs, NAD names and IPs are also checked across documents and files.
 */
export function synthDocuments(files: string[], options: SynthOptions = {}): SynthOutput {
  const { wukongs, errors, warnings } = readWukongs(files);
  return synthWukongs(wukongs, options, errors, warnings);
}

/** `synthDocuments` of documents already read; `errors` and `warnings` so far come with the result. */
export function synthWukongs(wukongs: LoadedWukong[], options: SynthOptions = {}, errors: string[] = [], warnings: string[] = []): SynthOutput {
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
  for (const [key, option] of Object.entries(FLAGS)) if (options[option] !== undefined) app.node.setContext(key, options[option]);
  try {
    GitOpsContext.of(app);
  } catch (e) {
    if (!(e instanceof WukongValidationError)) throw e;
    return { ...empty, errors: e.issues.map(i => `--${FLAGS[i.path]}: ${i.message}`) };
  }
  const charts: Array<[string, Chart]> = [];
  for (const { source: doc, vm, manifest, vmWarnings } of wukongs) {
    const file = synthFileName(vm);
    const chart = new Chart(app, `${vm.namespace}.${vm.name}`);
    try {
      // From what readWukongs validated and resolved; the construct adds the checks that span documents (MACs, NADs, IPs).
      const built = WukongVm._fromResolved(chart, vm.name, manifest, vm, vmWarnings);
      warnings.push(...built.tombstoneWarnings.map(w => `${doc.label}: ${w.message}`));
      charts.push([file, chart]);
    } catch (e) {
      if (!(e instanceof WukongValidationError)) throw e;
      errors.push(...e.issues.map(i => `${doc.label}: ${formatIssue(asWritten(i))}`));
    }
  }
  if (errors.length) return empty;
  const outputs = new Map<string, string>();
  const summary = new Map<string, string[]>();
  if (GitOpsContext.of(app).tool === 'argocd') {
    outputs.set(ARGOCD_IGNORE_DIFFERENCES_FILE, ignoreDifferencesText());
    summary.set(ARGOCD_IGNORE_DIFFERENCES_FILE, ['Argo CD spec.ignoreDifferences']);
  }
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

/** An issue as the Wukong YAML user wrote it: a context key as its flag, a field under `spec` or `metadata`. */
function asWritten(i: Issue): Issue {
  return FLAGS[i.path] ? { ...i, path: `--${FLAGS[i.path]}` } : withFieldPaths([i], MANIFEST_PATHS)[0];
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
