import { Yaml } from 'cdk8s';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { SourceDocument, loadDocuments } from './documents';
import type { Io } from './plan-command';
import { synthWukongs, writeOutput } from './synth';
import { Issue, LastApplied, attachedWukong, formatIssue, resolveVm } from '../model';

/** Where `attach` reports a problem: the VM's own fields in its file, the rest in the NICs file. */
function located(i: Issue, vmFile: string, nicsFile: string): string {
  if (i.scope === 'metadata') return `${vmFile}: ${formatIssue({ ...i, path: i.path ? `metadata.${i.path}` : 'metadata' })}`;
  if (i.path === 'virtualMachine' || i.path.startsWith('virtualMachine.')) return `${vmFile}: ${formatIssue({ ...i, path: `spec${i.path.slice('virtualMachine'.length)}` })}`;
  return `${nicsFile}: ${formatIssue(i)}`;
}

function single(documents: SourceDocument[], file: string, what: string): SourceDocument {
  const mine = documents.filter(d => d.file === file);
  if (mine.length !== 1) throw new UsageError(`${file} holds ${mine.length} YAML documents; attach takes one ${what}`);
  return mine[0];
}

/**
 * `wukong attach VM.yaml NICS.yaml`: Wukong's NICs on a VirtualMachine defined elsewhere. Writes what `synth` writes
 * for it (the VM with the NICs, their NADs, the cloud-init Secret), or with `--wukong` prints the Wukong object
 * (`spec.virtualMachine`) that `plan` and `apply` take.
 */
export function attachCommand(args: ParsedArgs, io: Io): number {
  if (args.positional.length !== 2) throw new UsageError('attach needs two files: the VirtualMachine manifest and the NICs (networks: [...])');
  const [vmFile, nicsFile] = args.positional;
  const loaded = loadDocuments([vmFile, nicsFile]);
  const fail = (errors: string[]) => {
    for (const e of errors) io.err(`error: ${e}`);
    io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}; nothing written`);
    return 2;
  };
  if (loaded.errors.length) return fail(loaded.errors);
  const vmDoc = single(loaded.documents, vmFile, 'VirtualMachine');
  const nicsDoc = single(loaded.documents, nicsFile, 'map of NICs');
  const attached = attachedWukong(vmDoc.value, nicsDoc.value);
  if (!attached.manifest) return fail(attached.issues.map(i => `${i.source === 'vm' ? vmFile : nicsFile}: ${formatIssue(i)}`));
  const { metadata, spec } = attached.manifest;
  // Paths relative to each file: the VM's fields under `virtualMachine`, the NICs at the top.
  const { vm, issues } = resolveVm(metadata, spec, { metadata: '', spec: '' });
  const warnings = issues.filter(i => i.severity === 'warning');
  for (const w of warnings) io.err(`warning: ${located(w, vmFile, nicsFile)}`);
  if (!vm) return fail(issues.filter(i => i.severity === 'error').map(i => located(i, vmFile, nicsFile)));
  if (args.flags.wukong) {
    io.out(Yaml.stringify(attached.manifest).trimEnd());
    return 0;
  }
  const manifest: LastApplied = { metadata: { ...metadata, namespace: vm.namespace }, spec };
  const result = synthWukongs([{ source: { ...vmDoc, label: vmFile }, manifest, vm, vmWarnings: warnings }],
    { previous: stringFlag(args, 'previous'), finish: stringFlag(args, 'finish'), gitops: stringFlag(args, 'gitops') });
  for (const w of result.warnings) io.err(`warning: ${w}`);
  if (result.errors.length) return fail(result.errors);
  const outdir = stringFlag(args, 'output') ?? 'dist';
  for (const path of writeOutput(outdir, result.files)) io.out(`wrote ${path} (${(result.summary.get(path.split('/').pop()!) ?? []).join(', ')})`);
  return 0;
}
