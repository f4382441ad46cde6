import { liveStatus } from '../kube';
import { DEFAULT_NAMESPACE, NicStatus } from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { Io, clusterFrom } from './plan-command';
import { table } from './table';

export function printNics(io: Io, nics: NicStatus[]): void {
  const rows = nics.map(n => [n.name, n.mac ?? '', n.ipAddresses.join(',') || '-', n.guestInterfaceName ?? '-', n.state, n.progress]);
  for (const line of table(['NIC', 'MAC', 'IPS', 'GUEST NAME', 'STATE', 'PROGRESS'], rows)) io.out(`  ${line}`);
}

/** `wukong status NAME [-n NS]`: per-NIC MAC, IPs, guest name, state and hot-plug progress. */
export async function statusCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positional.length !== 1) throw new UsageError('status needs the VM name');
  const name = args.positional[0];
  const namespace = stringFlag(args, 'namespace') ?? DEFAULT_NAMESPACE;
  const status = await liveStatus(clusterFrom(args), namespace, name);
  if (!status) {
    io.err(`error: VirtualMachine ${namespace}/${name} not found`);
    return 1;
  }
  const { vm, vmi, nics } = status;
  // KubeVirt sets some conditions (Ready) on both the VM and its VMI: each type is named once.
  const conditions = [...new Set([...vm.conditions, ...vmi?.conditions ?? []].filter(c => c.status === 'True').map(c => c.type))];
  if (args.flags.json) {
    io.out(JSON.stringify({ name, namespace, runStrategy: vm.runStrategy, phase: vmi?.phase ?? 'Stopped', conditions, nics }, null, 2));
    return 0;
  }
  io.out(`VirtualMachine ${namespace}/${name}: runStrategy ${vm.runStrategy}, ${vmi?.phase ?? 'not running'}${conditions.length ? `, ${conditions.join(', ')}` : ''}`);
  printNics(io, nics);
  return 0;
}
