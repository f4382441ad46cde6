import { GITOPS_TOOLS, RenderedVm, argoCdIgnoreDifferences, gitOpsAnnotations, readSynthesized, renderResolvedVm, tombstonesOf, withTombstones } from '../../../src/model';
import { ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE, FLUX_PRUNE } from '../../../src/model/render/gitops';
import { baseVmSpec } from '../fixtures';
import { DATA, Json, STOR, VF, clone, spec, vmOf } from '../plan-fixtures';

const hint = (nic: string) => `--finish ns/web/${nic}`;

/** The previous output of `wukongSpec` (VM ns/web), as synth wrote it, plus `extra` documents. */
function previousOf(wukongSpec: Json, edit?: (docs: Json[]) => void): RenderedVm {
  const r = renderResolvedVm(vmOf(wukongSpec));
  const docs = clone([...r.nads, r.virtualMachine, r.secret]) as Json[];
  edit?.(docs);
  return readSynthesized(docs).vms.get('ns/web')!.rendered;
}

const ifaces = (r: RenderedVm) => r.virtualMachine.spec.template.spec.domain.devices.interfaces!;

describe('tombstonesOf', () => {
  it('keeps a NIC gone from the code as state: absent with its previous entries and NAD, and says what finishes it', () => {
    const previous = previousOf(spec());
    const now = vmOf({ networks: [DATA] });
    const { tombstones, warnings, errors } = tombstonesOf(now, previous, new Set(), hint);
    expect(errors).toEqual([]);
    expect(tombstones).toHaveLength(1);
    const [t] = tombstones;
    expect(t.iface).toEqual({ ...ifaces(previous).find(i => i.name === 'stor'), state: 'absent' });
    expect(t.network).toEqual(previous.virtualMachine.spec.template.spec.networks!.find(n => n.name === 'stor'));
    expect(t.nad).toEqual(previous.nads.find(n => n.metadata.name === 'web-stor-nad'));
    expect(warnings).toEqual([expect.stringMatching(/^NIC 'stor' of VM ns\/web is in the previous output but not in the code: kept as a tombstone .*its NAD ns\/web-stor-nad kept.* finish it with --finish ns\/web\/stor$/)]);
  });

  it('carries a tombstone of the previous output forward, so synthesizing twice gives the same output', () => {
    const now = vmOf({ networks: [DATA] });
    const first = withTombstones(now, tombstonesOf(now, previousOf(spec()), new Set(), hint).tombstones);
    const rendered = renderResolvedVm(first);
    const again = readSynthesized(clone([...rendered.nads, rendered.virtualMachine, rendered.secret]) as Json[]).vms.get('ns/web')!.rendered;
    const second = tombstonesOf(vmOf({ networks: [DATA] }), again, new Set(), hint);
    expect(renderResolvedVm(withTombstones(vmOf({ networks: [DATA] }), second.tombstones))).toEqual(rendered);
  });

  it('drops a finished tombstone and says which NAD the GitOps tool leaves behind', () => {
    const previous = previousOf({ networks: [DATA, { ...STOR, state: 'absent' }] }, docs => {
      const nad = docs.find(d => d.metadata?.name === 'web-stor-nad')!;
      nad.metadata.annotations = { [ARGOCD_SYNC_OPTIONS]: 'Prune=false,Delete=false' };
    });
    const r = tombstonesOf(vmOf({ networks: [DATA] }), previous, new Set(['stor']), hint);
    expect(r.tombstones).toEqual([]);
    expect(r.warnings).toEqual([expect.stringMatching(/is finished: .*kubectl delete network-attachment-definitions\.k8s\.cni\.cncf\.io -n ns web-stor-nad$/)]);
  });

  it('fails if a NIC to finish is still in the code or still in use, and only warns when there is nothing to finish', () => {
    const previous = previousOf(spec());
    expect(tombstonesOf(vmOf(spec()), previous, new Set(['stor']), hint).errors).toEqual([expect.stringMatching(/'stor' .* cannot be finished: it is still in the code/)]);
    expect(tombstonesOf(vmOf({ networks: [DATA] }), previous, new Set(['stor']), hint).errors).toEqual([expect.stringMatching(/it was in use in the previous output, not yet a tombstone/)]);
    const typo = tombstonesOf(vmOf(spec()), previous, new Set(['sotr']), hint);
    expect(typo.errors).toEqual([]);
    expect(typo.warnings).toEqual([expect.stringMatching(/'sotr' .* is no tombstone of the previous output: nothing to finish/)]);
  });

  it('warns, and keeps no tombstone, for a removed NIC KubeVirt cannot unplug (SR-IOV)', () => {
    const r = tombstonesOf(vmOf({ networks: [DATA] }), previousOf({ networks: [DATA, VF] }), new Set(), hint);
    expect(r.tombstones).toEqual([]);
    expect(r.warnings).toEqual([expect.stringMatching(/'vf1' .* KubeVirt can unplug only bridge-binding NICs .* RestartRequired$/)]);
  });

  it('keeps the own interfaces of a VM Wukong attaches NICs to out of its tombstones, and tombstones its NICs', () => {
    const legacy = baseVmSpec(s => {
      s.template.spec.domain.devices.interfaces.push({ name: 'legacy', bridge: {}, macAddress: '02:aa:00:00:00:02' });
      s.template.spec.networks.push({ name: 'legacy', multus: { networkName: 'legacy-net' } });
    });
    const previous = previousOf({ virtualMachine: legacy, networks: [DATA, STOR] });
    const { tombstones, errors } = tombstonesOf(vmOf({ virtualMachine: legacy, networks: [DATA] }), previous, new Set(), hint);
    expect(errors).toEqual([]);
    expect(tombstones.map(t => t.name)).toEqual(['stor']);
  });

  it('has no tombstones without a previous output or for a VM new in it', () => {
    expect(tombstonesOf(vmOf(spec()), undefined, new Set(), hint)).toEqual({ tombstones: [], warnings: [], errors: [] });
  });
});

describe('rendering tombstones', () => {
  it('appends the absent interface and its network after the NICs and keeps its NAD without old GitOps annotations, outside the network data', () => {
    const previous = previousOf(spec(), docs => {
      docs.find(d => d.metadata?.name === 'web-stor-nad')!.metadata.annotations = { [FLUX_PRUNE]: 'disabled', other: 'kept' };
    });
    const vm = vmOf({ networks: [DATA] });
    const r = renderResolvedVm(withTombstones(vm, tombstonesOf(vm, previous, new Set(), hint).tombstones));
    expect(r.virtualMachine.spec.template.spec.domain.devices.interfaces!.map(i => `${i.name}${i.state ? `:${i.state}` : ''}`)).toEqual(['default', 'data', 'stor:absent']);
    expect(r.virtualMachine.spec.template.spec.networks!.map(n => n.name)).toEqual(['default', 'data', 'stor']);
    expect(r.nads.find(n => n.metadata.name === 'web-stor-nad')!.metadata.annotations).toEqual({ other: 'kept' });
    expect(r.networkData).not.toContain('stor');
  });
});

describe('gitOpsAnnotations', () => {
  it.each([
    ['argocd', 'prerequisite', { [ARGOCD_SYNC_WAVE]: '-1' }],
    ['argocd', 'tombstone-prerequisite', { [ARGOCD_SYNC_WAVE]: '-1', [ARGOCD_SYNC_OPTIONS]: 'Prune=false,Delete=false' }],
    ['argocd', 'vm', {}],
    ['flux', 'prerequisite', {}],
    ['flux', 'tombstone-prerequisite', { [FLUX_PRUNE]: 'disabled' }],
    ['none', 'tombstone-prerequisite', {}],
  ] as const)('%s on a %s: %j', (tool, role, want) => {
    expect(gitOpsAnnotations(tool, role)).toEqual(want);
  });

  it('knows the three tools', () => expect(GITOPS_TOOLS).toEqual(['argocd', 'flux', 'none']));
});

describe('argoCdIgnoreDifferences', () => {
  it('ignores, on VMs only, absent interfaces with their networks (networks first) and what KubeVirt defaults', () => {
    const [entry, ...rest] = argoCdIgnoreDifferences();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ group: 'kubevirt.io', kind: 'VirtualMachine' });
    const jq = entry.jqPathExpressions as string[];
    expect(jq[0]).toMatch(/networks/);
    expect(jq[1]).toMatch(/interfaces\[\]\? \| select\(\.state == "absent"\)$/);
    expect(entry.jsonPointers).toEqual([
      '/spec/template/metadata/annotations/kubevirt.io~1pci-topology-version', '/spec/template/spec/domain/firmware/uuid', '/spec/template/spec/domain/firmware/serial',
    ]);
  });
});
