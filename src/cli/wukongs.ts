import { Issue, LastApplied, ResolvedVm, formatIssue, readWukong } from '../model';
import { SourceDocument, loadDocuments } from './documents';

/** A valid Wukong document: where it came from, what it says, and its resolved VM. */
export interface LoadedWukong {
  readonly source: SourceDocument;
  readonly manifest: LastApplied;
  readonly vm: ResolvedVm;
  /** The warnings of resolving `vm` (also in `WukongsResult.warnings`, as text). */
  readonly vmWarnings: Issue[];
}

export interface WukongsResult {
  readonly wukongs: LoadedWukong[];
  /** `<source>: <field>: <message>` */
  readonly errors: string[];
  readonly warnings: string[];
}

/** Reads and validates every Wukong document of `files`; all problems of all files come back together. */
export function readWukongs(files: string[]): WukongsResult {
  const loaded = loadDocuments(files);
  const errors = [...loaded.errors];
  const warnings: string[] = [];
  const wukongs: LoadedWukong[] = [];
  for (const source of loaded.documents) {
    const { vm, manifest, issues } = readWukong(source.value);
    for (const i of issues) (i.severity === 'error' ? errors : warnings).push(`${source.label}: ${formatIssue(i)}`);
    if (vm && manifest) wukongs.push({ source, vm, manifest, vmWarnings: issues.filter(i => i.severity === 'warning') });
  }
  return { wukongs, errors, warnings };
}
