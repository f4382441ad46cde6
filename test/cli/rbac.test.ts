import { parseAllDocuments } from 'yaml';
import { renderRbac } from '../../src';
import { wukong } from '../support/cli';

describe('wukong rbac', () => {
  it('prints the Role, ClusterRole and bindings for a service account', () => {
    const r = wukong(['rbac', '-n', 'prod', '--service-account', 'ci/deployer']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(d => d.toJS());
    expect(docs).toEqual(renderRbac({ namespace: 'prod', subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }] }));
  });

  it('binds users and groups, and can leave Kube-OVN and the version read out', () => {
    const r = wukong(['rbac', '-n', 'prod', '--user', 'alice', '--group', 'netops', '--no-kube-ovn', '--no-version-read', '--name', 'vm-deployer']);
    const docs = parseAllDocuments(r.stdout).map(d => d.toJS());
    expect(docs.map(d => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Role/vm-deployer', 'ClusterRole/vm-deployer-prod', 'RoleBinding/vm-deployer', 'ClusterRoleBinding/vm-deployer-prod',
    ]);
    expect(docs[1].rules).toEqual([]);
    expect(docs[2].subjects.map((s: { kind: string; name: string }) => `${s.kind}:${s.name}`)).toEqual(['User:alice', 'Group:netops']);
  });

  it('fails if the namespace is invalid, naming it, with exit code 2', () => {
    const r = wukong(['rbac', '-n', 'Prod']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: namespace: 'Prod' is not a DNS-1123 label/);
  });

  it('fails if an option is unknown', () => {
    const r = wukong(['rbac', '--users', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown option --users/);
  });
});
