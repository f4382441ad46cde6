import { PermissionSpec, WukongValidationError, permissionsForDelete, permissionsForPlan, planVm, renderRbac } from '../../../src/model';
import { wukongPermissions, wukongRbacRules } from '../../../src/model/plan/rbac';
import { MGMT, OVN, scenario, spec, vmOf } from '../plan-fixtures';

const key = (p: PermissionSpec) => `${p.verb} ${p.group}/${p.resource}${p.clusterScoped ? ' (cluster)' : ''}`;
const granted = (opts = {}) => new Set(wukongPermissions(opts).map(key));

describe('wukongRbacRules', () => {
  it('grants per resource only the verbs Wukong uses, namespaced apart from cluster-scoped', () => {
    const { namespaced, cluster } = wukongRbacRules();
    expect(namespaced).toEqual([
      { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['get', 'create', 'patch', 'delete'] },
      { apiGroups: ['kubevirt.io'], resources: ['virtualmachineinstances'], verbs: ['get'] },
      { apiGroups: ['k8s.cni.cncf.io'], resources: ['network-attachment-definitions'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'patch', 'delete'] },
    ]);
    expect(cluster).toEqual([
      { apiGroups: ['kubeovn.io'], resources: ['subnets'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
      { apiGroups: ['kubevirt.io'], resources: ['kubevirts'], verbs: ['list'] },
    ]);
  });

  it('never grants list or watch on secrets, nor any wildcard', () => {
    const all = [...wukongRbacRules().namespaced, ...wukongRbacRules().cluster];
    expect(all.flatMap(r => [...r.verbs, ...r.resources, ...r.apiGroups])).not.toContain('*');
    expect(all.find(r => r.resources.includes('secrets'))!.verbs).not.toEqual(expect.arrayContaining(['list']));
    expect(all.flatMap(r => r.verbs)).not.toContain('watch');
  });

  it('leaves out Kube-OVN and the KubeVirt CR when asked', () => {
    const { cluster } = wukongRbacRules({ kubeOvn: false, readKubeVirtVersion: false });
    expect(cluster).toEqual([]);
  });
});

describe('permissionsForPlan', () => {
  const plans = {
    create: planVm({
      desired: vmOf(spec([OVN])), live: { vm: null, vmi: null, nads: [], subnets: [], secret: null }, kubevirtVersion: { major: 1, minor: 9 },
    }),
    hotplug: planVm(scenario(spec(), spec([MGMT]))),
    unplug: planVm(scenario(spec([MGMT]), spec())),
    update: planVm(scenario(spec([OVN]), spec([{ ...OVN, subnet: { ...OVN.subnet, excludeIps: ['10.20.0.100'] } }]))),
  };

  it('asks only for permissions the role grants', () => {
    for (const plan of Object.values(plans)) {
      expect(plan.entries.filter(e => !e.applies)).toEqual([]);
      for (const p of permissionsForPlan(plan)) expect(granted()).toContain(key(p));
    }
  });

  it('asks, for a new VM, to create it and everything it owns (and read what a retried create finds)', () => {
    expect(permissionsForPlan(plans.create).map(key).sort()).toEqual([
      'create /secrets', 'create k8s.cni.cncf.io/network-attachment-definitions', 'create kubeovn.io/subnets (cluster)',
      'create kubevirt.io/virtualmachines', 'get /secrets', 'get k8s.cni.cncf.io/network-attachment-definitions', 'get kubeovn.io/subnets (cluster)',
      'get kubevirt.io/virtualmachineinstances', 'get kubevirt.io/virtualmachines', 'patch /secrets',
    ]);
  });

  it('asks, for a hot-plug, to create the NAD, update the network data and patch the VM', () => {
    expect(permissionsForPlan(plans.hotplug).map(key).sort()).toEqual([
      'create /secrets', 'create k8s.cni.cncf.io/network-attachment-definitions', 'get /secrets', 'get k8s.cni.cncf.io/network-attachment-definitions',
      'get kubevirt.io/virtualmachineinstances', 'get kubevirt.io/virtualmachines', 'patch /secrets', 'patch kubevirt.io/virtualmachines',
    ]);
  });

  it('asks, for an unplug, to patch the VM and the network data and delete the NAD', () => {
    expect(permissionsForPlan(plans.unplug).map(key).sort()).toEqual([
      'create /secrets', 'delete k8s.cni.cncf.io/network-attachment-definitions', 'get /secrets', 'get kubevirt.io/virtualmachineinstances',
      'get kubevirt.io/virtualmachines', 'patch /secrets', 'patch kubevirt.io/virtualmachines',
    ]);
  });

  it('asks, for a Subnet change alone, only to patch the Subnet', () => {
    expect(permissionsForPlan(plans.update).map(key)).toEqual(['patch kubeovn.io/subnets (cluster)']);
  });

  it('asks nothing when nothing changes', () => {
    expect(permissionsForPlan(planVm(scenario(spec(), spec())))).toEqual([]);
  });
});

describe('permissionsForDelete', () => {
  it('includes the reads that follow the first delete, so none can fail half-way', () => {
    expect(permissionsForDelete().map(key)).toEqual([
      'delete kubevirt.io/virtualmachines', 'get kubevirt.io/virtualmachineinstances', 'list k8s.cni.cncf.io/network-attachment-definitions',
      'delete k8s.cni.cncf.io/network-attachment-definitions', 'delete /secrets',
    ]);
    expect(permissionsForDelete({ kubeOvn: true }).map(key)).toEqual(expect.arrayContaining(['list kubeovn.io/subnets (cluster)', 'delete kubeovn.io/subnets (cluster)']));
    // The record Secret goes with the VM even when others manage what it owns.
    expect(permissionsForDelete({ manageOwnedObjects: false }).map(key)).toEqual(['delete kubevirt.io/virtualmachines', 'get kubevirt.io/virtualmachineinstances', 'delete /secrets']);
    for (const p of permissionsForDelete({ kubeOvn: true })) expect(granted()).toContain(key(p));
  });
});

describe('renderRbac', () => {
  it('renders a Role and a ClusterRole, and bindings only for subjects', () => {
    const bare = renderRbac({ namespace: 'prod' });
    expect(bare.map(m => `${m.kind} ${m.metadata.namespace ?? '-'}/${m.metadata.name}`)).toEqual(['Role prod/wukong', 'ClusterRole -/wukong-prod']);
    const bound = renderRbac({ namespace: 'prod', name: 'deployer', subjects: [{ kind: 'ServiceAccount', name: 'ci' }, { kind: 'User', name: 'alice' }] });
    expect(bound.map(m => m.kind)).toEqual(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
    expect(bound[2].roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' });
    expect(bound[3].roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'deployer-prod' });
    expect(bound[2].subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ci', namespace: 'prod' },
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
  });

  it('fails if the namespace, the name or a subject is unusable, naming each', () => {
    let error: WukongValidationError | undefined;
    try {
      renderRbac({ namespace: 'Prod', name: 'a_b', subjects: [{ kind: 'User', name: ' ' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'x.y' }] });
    } catch (e) {
      error = e as WukongValidationError;
    }
    expect(error).toBeInstanceOf(WukongValidationError);
    expect(error!.issues.map(i => i.path)).toEqual(['namespace', 'name', 'subjects[0].name', 'subjects[1].namespace']);
    expect(error!.message).toMatch(/namespace: 'Prod' is not a DNS-1123 label/);
  });
});
