/** Many VMs at once: per-run facts learnt once, bounded concurrency, one VM's failure reported without stopping the rest. */
import { MemoryCluster } from './support/memory-cluster';
import { PlanRejectedError, applyFleet } from '../../src/kube';
import { LastApplied, NetworkConfig, resolveVm } from '../../src/model';

const nic = (name: string, vlanId: number): NetworkConfig => ({ name, type: 'bridge', vlanId });
const input = (name: string, networks: NetworkConfig[], namespace = 'lab') => {
  const manifest: LastApplied = { metadata: { name, namespace }, spec: { networks } };
  return { manifest, vm: resolveVm(manifest.metadata, manifest.spec).vm! };
};

describe('applyFleet', () => {
  it('asks the cluster\'s KubeVirt, Multus and permissions once per run (per namespace), not once per VM', async () => {
    const c = new MemoryCluster();
    const vms = Array.from({ length: 6 }, (_, i) => input(`vm${i}`, [nic('data', 10 + i)], i < 3 ? 'a' : 'b'));
    const outcomes = await applyFleet(c, vms, { concurrency: 3 });
    expect(outcomes.map(o => o.error)).toEqual(Array(6).fill(undefined));
    expect(c.requests.filter(r => r.startsWith('LIST KubeVirt'))).toHaveLength(1);
    expect(c.requests.filter(r => r.startsWith('LIST NetworkAttachmentDefinition') && !r.includes('?'))).toHaveLength(2);
    expect(c.requests.filter(r => r.includes('SelfSubjectAccessReview'))).toHaveLength(2);
  });

  it('never has more than `concurrency` VMs in flight', async () => {
    const c = new MemoryCluster();
    let inFlight = 0;
    let most = 0;
    const get = c.get.bind(c);
    c.get = async ref => {
      if (ref.kind !== 'VirtualMachine') return get(ref);
      most = Math.max(most, ++inFlight);
      await new Promise(r => setTimeout(r, 5));
      try { return await get(ref); } finally { inFlight--; }
    };
    await applyFleet(c, Array.from({ length: 7 }, (_, i) => input(`vm${i}`, [nic('data', 10)])), { concurrency: 2 });
    expect(most).toBe(2);
  });

  it('reports a VM whose plan is rejected and applies the others, outcomes in the input order', async () => {
    const c = new MemoryCluster();
    // Two primary NICs is invalid input for the resolver, so the rejection here comes from the plan: an unplug of an
    // SR-IOV NIC from a running VM.
    const sriov: NetworkConfig = { name: 'vf', type: 'sriov', resourceName: 'intel.com/sriov_netdevice' };
    await applyFleet(c, [input('bad', [nic('data', 10), sriov])]);
    c.startVm('lab', 'bad');
    const done: string[] = [];
    const outcomes = await applyFleet(c, [input('ok1', [nic('data', 10)]), input('bad', [nic('data', 10)]), input('ok2', [nic('data', 11)])], {
      onDone: (o, n, total) => done.push(`${n}/${total} ${o.key}`),
    });
    expect(outcomes.map(o => o.key)).toEqual(['lab/ok1', 'lab/bad', 'lab/ok2']);
    expect(outcomes[1].error).toBeInstanceOf(PlanRejectedError);
    expect(outcomes[0].result && outcomes[2].result).toBeTruthy();
    expect(c.peek('VirtualMachine', 'ok2', 'lab')).toBeDefined();
    expect(done.map(d => d.split(' ')[0]).sort()).toEqual(['1/3', '2/3', '3/3']);
  });

  it('fails if concurrency is not a whole number of at least 1', async () => {
    await expect(applyFleet(new MemoryCluster(), [], { concurrency: 0 })).rejects.toThrow('concurrency: 0 is not a whole number of VMs of at least 1');
  });
});
