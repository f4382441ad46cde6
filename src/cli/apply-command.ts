import { ApplyTimeoutError, PlanRejectedError, applyVm, describeApiError, apiStatusCode } from '../kube';
import { vmKey } from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import { Io, clusterFrom, printPlan, versionFlag } from './plan-command';
import { printNics } from './status-command';
import { readWukongs } from './wukongs';

/** `wukong apply FILE... [--wait --timeout S] [--allow-restart]`. */
export async function applyCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positional.length < 1) throw new UsageError('apply needs the Wukong file(s) to apply');
  const timeout = stringFlag(args, 'timeout');
  if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError(`--timeout: '${timeout}' is not a number of seconds`);
  const { wukongs, errors, warnings } = readWukongs(args.positional);
  for (const w of warnings) io.err(`warning: ${w}`);
  if (errors.length) {
    for (const e of errors) io.err(`error: ${e}`);
    io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}; nothing applied`);
    return 2;
  }
  const cluster = clusterFrom(args);
  const version = versionFlag(args);
  let code = 0;
  for (const w of wukongs) {
    const key = vmKey(w.vm);
    try {
      const result = await applyVm(cluster, w.manifest, {
        allowRestart: args.flags['allow-restart'] === true,
        wait: args.flags.wait === true,
        kubevirtVersion: version,
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        log: line => io.err(`  ${line}`),
      });
      printPlan(io, `applied ${key}`, result.plan);
      printNics(io, result.nics);
      if (result.plan.entries.some(e => e.action === 'restart-required' && !e.applies)) {
        io.err(`${key}: some changes need a restart and were not applied; re-run with --allow-restart to apply them to the template`);
        code = Math.max(code, 3);
      } else if (result.restartRequired) {
        io.err(`${key}: the VM needs a restart to take the applied changes (virtctl restart ${w.vm.name} -n ${w.vm.namespace})`);
        code = Math.max(code, 3);
      }
    } catch (e) {
      if (e instanceof PlanRejectedError) {
        printPlan(io, `rejected ${key}`, e.plan);
        io.err(`error: ${w.source.label}: ${key}: rejected; nothing applied`);
        return 2;
      }
      if (e instanceof ApplyTimeoutError) {
        io.err(`error: ${key}: ${e.message}`);
        return 1;
      }
      if (apiStatusCode(e) !== undefined) {
        for (const line of describeApiError(e)) io.err(`error: ${key}: ${line}`);
        return 1;
      }
      throw e;
    }
  }
  return code;
}
