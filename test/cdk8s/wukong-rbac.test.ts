import { Chart, Testing } from 'cdk8s';
import { WukongRbac } from '../../src';
import { wukongRbacRules } from '../../src/model/plan/rbac';

describe('WukongRbac', () => {
  it('renders the same rules as `wukong rbac`, in the chart\'s namespace, cluster-scoped objects without one', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'prod' });
    const rbac = new WukongRbac(chart, 'rbac', { subjects: [{ kind: 'ServiceAccount', name: 'deployer' }] });
    const out = Testing.synth(chart);
    expect(rbac.objects).toHaveLength(4);
    expect(out.map(o => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'Role prod/wukong', 'ClusterRole -/wukong-prod', 'RoleBinding prod/wukong', 'ClusterRoleBinding -/wukong-prod',
    ]);
    expect(out[0].rules).toEqual(wukongRbacRules().namespaced);
    expect(out[1].rules).toEqual(wukongRbacRules().cluster);
    expect(out[2].subjects).toEqual([{ kind: 'ServiceAccount', name: 'deployer', namespace: 'prod' }]);
  });

  it('leaves Kube-OVN out when asked, and renders no bindings without subjects', () => {
    const chart = new Chart(Testing.app(), 'c');
    new WukongRbac(chart, 'rbac', { namespace: 'vms', kubeOvn: false });
    const out = Testing.synth(chart);
    expect(out.map(o => o.kind)).toEqual(['Role', 'ClusterRole']);
    expect(out[1].rules.map((r: { resources: string[] }) => r.resources[0])).toEqual(['kubevirts']);
  });

  it('fails if the namespace is not a DNS-1123 label', () => {
    expect(() => new WukongRbac(new Chart(Testing.app(), 'c'), 'rbac', { namespace: 'Prod_VMs' }))
      .toThrow(/namespace: 'Prod_VMs' is not a DNS-1123 label/);
  });
});
