#!/usr/bin/env node
import { loadDocuments } from './documents';
import { synthDocuments, writeOutput } from './synth';

/** Exit codes shared by every command. */
export const EXIT = { OK: 0, FAILED: 1, INVALID: 2 } as const;

const USAGE = `usage: wukong <command> [options]

commands:
  synth FILE... [-o DIR]   turn Wukong YAML (vm.novasphere.dev/v1alpha1) into NAD, VirtualMachine, cloud-init
                           Secret and Kube-OVN Subnet manifests: DIR/<name>.k8s.yaml (default DIR: dist)

exit codes: 0 done, 2 invalid input (nothing written), 1 anything else`;

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const STD_IO: Io = { out: l => process.stdout.write(`${l}\n`), err: l => process.stderr.write(`${l}\n`) };

function synth(args: string[], io: Io): number {
  const files: string[] = [];
  let outdir = 'dist';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o' || args[i] === '--output') {
      if (args[i + 1] === undefined) {
        io.err('error: -o needs a directory');
        return EXIT.INVALID;
      }
      outdir = args[++i];
    } else if (args[i].startsWith('-')) {
      io.err(`error: unknown option ${args[i]}\n${USAGE}`);
      return EXIT.INVALID;
    } else {
      files.push(args[i]);
    }
  }
  if (files.length === 0) {
    io.err(`error: synth needs at least one Wukong YAML file\n${USAGE}`);
    return EXIT.INVALID;
  }
  const loaded = loadDocuments(files);
  const result = loaded.errors.length ? undefined : synthDocuments(loaded.documents);
  const errors = [...loaded.errors, ...result?.errors ?? []];
  for (const w of result?.warnings ?? []) io.err(`warning: ${w}`);
  for (const e of errors) io.err(`error: ${e}`);
  if (errors.length || !result) {
    io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}; nothing written`);
    return EXIT.INVALID;
  }
  for (const path of writeOutput(outdir, result.files)) {
    const kinds = result.summary.get(path.split('/').pop()!) ?? [];
    io.out(`wrote ${path} (${kinds.join(', ')})`);
  }
  return EXIT.OK;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function run(argv: string[], io: Io = STD_IO): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'synth': return synth(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? EXIT.INVALID : EXIT.OK;
      default:
        io.err(`error: unknown command '${command}'\n${USAGE}`);
        return EXIT.INVALID;
    }
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    if (process.env.WUKONG_DEBUG) io.err((e as Error).stack ?? '');
    return EXIT.FAILED;
  }
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}
