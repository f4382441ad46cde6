import { readFileSync } from 'fs';
import { LineCounter, parseAllDocuments } from 'yaml';

/** One YAML document of an input file. */
export interface SourceDocument {
  readonly file: string;
  /** 0-based position in the file. */
  readonly index: number;
  /** `file`, or `file[index]` when the file holds several documents: how messages locate it. */
  readonly label: string;
  readonly value: unknown;
}

export interface LoadResult {
  readonly documents: SourceDocument[];
  /** Lines `<file>: <message>` for unreadable files and YAML syntax errors. */
  readonly errors: string[];
}

/** Reads and parses every document of every file; syntax errors come back with their line, never as exceptions. */
export function loadDocuments(files: string[]): LoadResult {
  const documents: SourceDocument[] = [];
  const errors: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines });
    const list = Array.isArray(docs) ? docs : [];
    const nonEmpty = list.filter(d => d.contents !== null);
    for (const doc of list) {
      for (const err of doc.errors) {
        const { line, col } = lines.linePos(err.pos[0]);
        errors.push(`${file}: line ${line}, column ${col}: ${err.message.split('\n')[0]}`);
      }
    }
    if (list.some(d => d.errors.length)) continue;
    nonEmpty.forEach((doc, index) => {
      documents.push({ file, index, label: nonEmpty.length > 1 ? `${file}[${index}]` : file, value: doc.toJS() });
    });
    if (nonEmpty.length === 0) errors.push(`${file}: holds no YAML document`);
  }
  return { documents, errors };
}
