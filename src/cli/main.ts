#!/usr/bin/env node
import { ParsedArgs, UsageError, parseArgs, stringFlag } from './args';
import type { Io } from './plan-command';
import { synthDocuments, writeOutput } from './synth';
import { apiStatusCode, describeApiError } from '../kube/api-errors';

/** Exit codes shared by every command. */
export const EXIT = { OK: 0, FAILED: 1, INVALID: 2, RESTART: 3 } as const;

const USAGE = `usage: wukong <command> [options]

commands:
  synth FILE... [-o DIR] [--previous DIR] [--finish NS/VM/NIC,...] [--gitops argocd|flux|none]
                                  Wukong YAML (vm.novasphere.dev/v1alpha1) → NADs, VirtualMachine, cloud-init Secret,
                                  Kube-OVN Subnets: DIR/<namespace>.<name>.k8s.yaml (default: dist); NICs in the
                                  --previous output but gone from the code stay as tombstones (state: absent) until
                                  --finish names them
  attach VM.yaml NICS.yaml [-o DIR] [--previous DIR] [--finish NS/VM/NIC,...] [--gitops argocd|flux|none] [--wukong]
                                  Wukong's NICs on a VirtualMachine defined elsewhere (NICS.yaml: networks: [...]): the VM
                                  with them, their NADs and their network data, as synth writes them; --wukong prints the
                                  Wukong object (spec.virtualMachine) for plan and apply instead
  plan OLD NEW [--format text|json|markdown]
                                  what changing OLD into NEW does to a running VM, NIC by NIC: two Wukong YAML files,
                                  or two synthesized outputs (directories or files, e.g. a pull request's base and
                                  head), planned as a GitOps tool applies them
  plan FILE... --live             the same against the cluster (the VM, its VMI and what it owns)
  apply FILE... [--wait] [--timeout S] [--allow-restart] [--concurrency N] [--verbose]
                                  create or update the VMs in the cluster, N at once (default 8): NIC changes are
                                  hot-plugged or unplugged in place; changes that need a restart are applied only with
                                  --allow-restart. A progress line, then one row per VM (--verbose: per NIC)
  status NAME [-n NS]             per-NIC MAC, IPs, guest interface name, state and hot-plug progress
  rbac [-n NS] [--user U | --group G | --service-account NS/NAME] [--no-kube-ovn] [--no-version-read]
                                  the least-privilege Role and ClusterRole (and bindings) apply and status need

options: --json (plan, status) · --kubeconfig FILE · --context NAME · --kubevirt-version vX.Y (plan, apply)
exit codes: 0 done / all live-applicable · 3 a restart is needed · 2 invalid input, or a VM's plan rejected (that VM untouched)
            · 1 failed (the worst of all VMs counts)`;

const CLUSTER = { 'kubeconfig': { value: true }, 'context': { value: true }, 'kubevirt-version': { value: true } };
const SPECS: Record<string, Record<string, { value: boolean; alias?: string }>> = {
  synth: { output: { value: true, alias: 'o' }, previous: { value: true }, finish: { value: true }, gitops: { value: true } },
  attach: { output: { value: true, alias: 'o' }, previous: { value: true }, finish: { value: true }, gitops: { value: true }, wukong: { value: false } },
  plan: { ...CLUSTER, 'live': { value: false }, 'json': { value: false }, 'format': { value: true }, 'allow-restart': { value: false } },
  apply: {
    ...CLUSTER, 'wait': { value: false }, 'timeout': { value: true }, 'allow-restart': { value: false }, 'concurrency': { value: true }, 'verbose': { value: false, alias: 'v' },
  },
  status: { kubeconfig: { value: true }, context: { value: true }, namespace: { value: true, alias: 'n' }, json: { value: false } },
  rbac: {
    'namespace': { value: true, alias: 'n' },
    'name': { value: true },
    'user': { value: true },
    'group': { value: true },
    'service-account': { value: true },
    'no-kube-ovn': { value: false },
    'no-version-read': { value: false },
  },
};

const STD_IO: Io = { out: l => process.stdout.write(`${l}\n`), err: l => process.stderr.write(`${l}\n`) };

function synth(args: ParsedArgs, io: Io): number {
  if (args.positional.length === 0) throw new UsageError('synth needs at least one Wukong YAML file');
  const outdir = typeof args.flags.output === 'string' ? args.flags.output : 'dist';
  const result = synthDocuments(args.positional, { previous: stringFlag(args, 'previous'), finish: stringFlag(args, 'finish'), gitops: stringFlag(args, 'gitops') });
  for (const w of result.warnings) io.err(`warning: ${w}`);
  for (const e of result.errors) io.err(`error: ${e}`);
  if (result.errors.length) {
    io.err(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; nothing written`);
    return EXIT.INVALID;
  }
  for (const path of writeOutput(outdir, result.files)) {
    io.out(`wrote ${path} (${(result.summary.get(path.split('/').pop()!) ?? []).join(', ')})`);
  }
  return EXIT.OK;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: string[], io: Io = STD_IO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
    io.out(USAGE);
    return command === undefined ? EXIT.INVALID : EXIT.OK;
  }
  const spec = SPECS[command];
  if (!spec) {
    io.err(`error: unknown command '${command}'\n${USAGE}`);
    return EXIT.INVALID;
  }
  try {
    const args = parseArgs(rest, spec);
    switch (command) {
      case 'synth': return synth(args, io);
      case 'attach': return (await import('./attach-command')).attachCommand(args, io);
      case 'rbac': return (await import('./rbac-command')).rbacCommand(args, io);
      // Loaded on demand: only the cluster commands need the Kubernetes client.
      case 'plan': return await (await import('./plan-command')).planCommand(args, io);
      case 'apply': return await (await import('./apply-command')).applyCommand(args, io);
      default: return await (await import('./status-command')).statusCommand(args, io);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n${USAGE}`);
      return EXIT.INVALID;
    }
    // An API error is shown as the server's Status (field by field), never as the client's dump of headers and body.
    const lines = apiStatusCode(e) !== undefined ? describeApiError(e) : [(e as Error).message];
    for (const line of lines) io.err(`error: ${line}`);
    if (process.env.WUKONG_DEBUG) io.err((e as Error).stack ?? '');
    return EXIT.FAILED;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
