/** A small, strict argument parser: known flags only, so a typo is an error rather than a silent default. */
export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Record<string, string | boolean>;
}

export class UsageError extends Error {}

/** `spec` maps each flag (long, and short aliases) to whether it takes a value. */
export function parseArgs(args: string[], spec: Record<string, { value: boolean; alias?: string }>): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const byAlias = new Map(Object.entries(spec).filter(([, s]) => s.alias).map(([k, s]) => [s.alias!, k]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [raw, inline] = arg.split(/=(.*)/s, 2);
    const name = raw.startsWith('--') ? raw.slice(2) : byAlias.get(raw.slice(1)) ?? raw;
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option ${raw}`);
    if (!s.value) {
      flags[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) throw new UsageError(`${raw} needs a value`);
    flags[name] = value;
  }
  return { positional, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}
