import { stringify } from 'yaml';
import { DEFAULT_NAMESPACE, RbacSubject, WukongValidationError, formatIssue, renderRbac } from '../model';
import { ParsedArgs, UsageError, stringFlag } from './args';
import type { Io } from './plan-command';

/** `wukong rbac [-n NS] [--user U | --group G | --service-account NS/NAME] [--no-kube-ovn]`: the Role and ClusterRole. */
export function rbacCommand(args: ParsedArgs, io: Io): number {
  const namespace = stringFlag(args, 'namespace') ?? DEFAULT_NAMESPACE;
  const subjects: RbacSubject[] = [];
  const user = stringFlag(args, 'user');
  const group = stringFlag(args, 'group');
  const sa = stringFlag(args, 'service-account');
  if (user) subjects.push({ kind: 'User', name: user });
  if (group) subjects.push({ kind: 'Group', name: group });
  if (sa) {
    const [saNamespace, saName] = sa.includes('/') ? sa.split('/') : [namespace, sa];
    if (!saName) throw new UsageError(`--service-account: '${sa}' is not NAMESPACE/NAME`);
    subjects.push({ kind: 'ServiceAccount', name: saName, namespace: saNamespace });
  }
  if (args.positional.length) throw new UsageError(`rbac takes no arguments (got '${args.positional[0]}')`);
  let manifests;
  try {
    manifests = renderRbac({
      namespace, name: stringFlag(args, 'name'), subjects, kubeOvn: args.flags['no-kube-ovn'] !== true, readKubeVirtVersion: args.flags['no-version-read'] !== true,
    });
  } catch (e) {
    if (!(e instanceof WukongValidationError)) throw e;
    for (const issue of e.issues) io.err(`error: ${formatIssue(issue)}`);
    return 2;
  }
  io.out(manifests.map(m => stringify(m)).join('---\n').trimEnd());
  return 0;
}
