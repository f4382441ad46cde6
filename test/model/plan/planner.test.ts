import { Plan, PlanAction, PlanInput, PlanSubject, planExitCode, planVm, userDataDigest, withoutMultus } from '../../../src/model';
import { baseVmSpec } from '../fixtures';
import {
  DATA, Json, MACVLAN, ext, META, MGMT, OVN, OVS, STOR, VF, entryOf, liveOf, markAbsent, rows, scenario, spec, v, vmOf, vmiOf,
} from '../plan-fixtures';

const HOTPLUG = /^interface \(pinned MAC\) and network appended to the VM template; KubeVirt plugs it in place .*\(§1\)$/;
const GATE = /^KubeVirt v1\.\d needs the HotplugNICs feature gate for this \(§1\)$/;
const RR = /^KubeVirt v1\.\d also marks the VM RestartRequired for any NIC change, although the plug itself works \(§6\)$/;
const EXT = { name: 'ext', nadName: 'infra/ext-net' };
const SHARED = { name: 'lan', nadName: 'lanset-lan-nad', sharedBy: 'lanset' };
const ovnWith = (fields: Json) => ({ ...OVN, ...fields });
const nets = (...names: string[]) => names.map(name => ({ name, vlanId: 50 }));

interface Case {
  readonly title: string;
  readonly input: () => PlanInput;
  readonly reason: RegExp;
  /** Warnings of the entry, one regex each; default none. */
  readonly warnings?: RegExp[];
  readonly want: {
    readonly subject?: PlanSubject;
    readonly name: string;
    readonly action: PlanAction;
    readonly applies: boolean;
    /** planExitCode: 2 rejected, 3 restart required. */
    readonly exit: 0 | 2 | 3;
  };
}

const cases: Case[] = [
  // hot-plug
  {
    title: 'hot-plugs a new bridge NIC into a running VM',
    input: () => scenario(spec(), spec([MGMT])),
    reason: HOTPLUG,
    want: { name: 'mgmt', action: 'hotplug', applies: true, exit: 0 },
  },
  {
    title: 'hot-plugs a new ovs NIC into a running VM',
    input: () => scenario(spec(), spec([OVS])),
    reason: HOTPLUG,
    want: { name: 'ovs1', action: 'hotplug', applies: true, exit: 0 },
  },
  {
    title: 'hot-plugs a new kube-ovn NIC into a running VM',
    input: () => scenario(spec(), spec([OVN])),
    reason: HOTPLUG,
    want: { name: 'ovn', action: 'hotplug', applies: true, exit: 0 },
  },
  {
    title: 'adds a new NIC to a stopped VM, attached when it starts',
    input: () => scenario(spec(), spec([MGMT]), { running: false }),
    reason: /^added to the template; the VM is not running, so it is attached when the VM starts$/,
    want: { name: 'mgmt', action: 'hotplug', applies: true, exit: 0 },
  },
  {
    title: 'hot-plugs a NIC reusing an external NAD without creating it',
    input: () => scenario(spec(), spec([EXT])),
    reason: HOTPLUG,
    want: { name: 'ext', action: 'hotplug', applies: true, exit: 0 },
  },
  // migration
  {
    title: 'plugs a new SR-IOV NIC through a manual migration before v1.6',
    input: () => scenario(spec(), spec([VF]), { minor: 5 }),
    reason: /^SR-IOV VFs are allocated when the pod starts, .* live migration \(§4\); create a VirtualMachineInstanceMigration to apply it$/,
    warnings: [RR],
    want: { name: 'vf1', action: 'hotplug-via-migration', applies: true, exit: 0 },
  },
  {
    title: 'plugs a new SR-IOV NIC through the automatic migration from v1.6',
    input: () => scenario(spec(), spec([VF]), { minor: 6 }),
    reason: /live migration \(§4\); v1\.6\+ migrates by itself with the LiveUpdate rollout strategy and workloadUpdateMethods \[LiveMigrate\]; /,
    want: { name: 'vf1', action: 'hotplug-via-migration', applies: true, exit: 0 },
  },
  {
    title: 'swaps the NAD reference by a live migration on v1.9',
    input: () => scenario(spec([ext('ext-a')]), spec([ext('ext-b')])),
    reason: /^NAD reference ext-a → ext-b is applied by a live migration \(§4\); not with the dynamic-networks/,
    want: { name: 'ext', action: 'hotplug-via-migration', applies: true, exit: 0 },
  },
  {
    title: 'swaps the NAD reference by a live migration on v1.8, behind the LiveUpdateNADRef gate',
    input: () => scenario(spec([ext('ext-a')]), spec([ext('infra/ext-b')]), { minor: 8 }),
    reason: /^NAD reference ext-a → infra\/ext-b is applied by a live migration/,
    warnings: [/^KubeVirt v1\.8 needs the LiveUpdateNADRef feature gate for this \(§4\)$/],
    want: { name: 'ext', action: 'hotplug-via-migration', applies: true, exit: 0 },
  },
  {
    title: 'needs a restart for a NAD reference change on v1.7',
    input: () => scenario(spec([ext('ext-a')]), spec([ext('ext-b')]), { minor: 7 }),
    reason: /^network multus ext-a → multus ext-b changes only at a restart on KubeVirt v1\.7 \(§4, §6\)$/,
    want: { name: 'ext', action: 'restart-required', applies: false, exit: 3 },
  },
  // unplug
  {
    title: 'unplugs a removed bridge NIC from a running VM with state: absent',
    input: () => scenario(spec(), { networks: [DATA] }),
    reason: /^state: absent; both entries are kept, KubeVirt detaches the interface and then removes them itself \(§3\)$/,
    want: { name: 'stor', action: 'unplug', applies: true, exit: 0 },
  },
  {
    title: 'removes a removed bridge NIC from a stopped VM directly',
    input: () => scenario(spec(), { networks: [DATA] }, { running: false }),
    reason: /^the VM is not running: its interface and network entries are removed directly, .*\(§12\)$/,
    want: { name: 'stor', action: 'unplug', applies: true, exit: 0 },
  },
  {
    title: 'leaves an interface alone while its unplug is in progress',
    input: () => scenario(spec(), { networks: [DATA] }, { editVm: markAbsent('stor') }),
    reason: /^unplug in progress: KubeVirt removes the entries once the interface is detached \(§3\)$/,
    want: { name: 'stor', action: 'unchanged', applies: true, exit: 0 },
  },
  {
    title: 'rejects re-adding a NIC that is still being unplugged',
    input: () => scenario(spec(), spec(), { editVm: markAbsent('stor') }),
    reason: /^'stor' is still being unplugged \(state: absent\); run again once KubeVirt has removed it \(§3\)$/,
    want: { name: 'stor', action: 'rejected', applies: false, exit: 2 },
  },
  // restart-required
  {
    title: 'needs a restart for a binding change',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, type: 'sriov', resourceName: 'intel.com/sriov_netdevice' }] }),
    reason: /^binding bridge → sriov: KubeVirt applies changes to an existing interface only at a restart \(§6\)$/,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for a MAC change',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, macAddress: '02:00:00:00:00:99' }] }),
    reason: /^MAC ([0-9a-f]{2}:){5}[0-9a-f]{2} → 02:00:00:00:00:99: KubeVirt applies changes .* only at a restart \(§6\)$/,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'applies a MAC change to the template with allowRestart',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, macAddress: '02:00:00:00:00:99' }] }, { allowRestart: true }),
    reason: /^MAC .* → 02:00:00:00:00:99/,
    want: { name: 'stor', action: 'restart-required', applies: true, exit: 3 },
  },
  {
    title: 'needs a restart for a type change (bridge → ovs: same binding, other CNI)',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, type: 'ovs' }] }),
    reason: /^its NAD's CNI config changes \(type "bridge" → "ovs"\); an attached interface keeps the old config/,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for a type change (bridge → macvlan)',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, type: 'macvlan', vlanId: undefined }] }),
    reason: /^binding bridge → macvtap: /,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart when the owned NAD config changes (vlan)',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, vlanId: 21 }] }),
    reason: /^its NAD's CNI config changes \(vlan 20 → 21\); an attached interface keeps the old config until/,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart when the live NAD config is not JSON',
    input: () => {
      const input = scenario(spec(), spec());
      const nads = (input.live!.nads as Json[]).map(n => (n.metadata.name === 'web-stor-nad' ? { ...n, spec: { config: 'not json' } } : n));
      return { ...input, live: { ...input.live, nads } };
    },
    reason: /^its NAD's CNI config changes \(config\); /,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart when a Kube-OVN fixed IP changes',
    input: () => scenario(spec([ovnWith({ ipConfig: { address: '10.20.0.5/24' } })]), spec([ovnWith({ ipConfig: { address: '10.20.0.6/24' } })])),
    reason: /^Kube-OVN fixed IP 10\.20\.0\.5 → 10\.20\.0\.6 changes; Kube-OVN assigns it when the pod is created, so it takes a restart$/,
    want: { name: 'ovn', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart when a NIC stops being kube-ovn on the same NAD, to drop its fixed IP/MAC',
    input: () => scenario(spec([{ name: 'ovn', type: 'kube-ovn', nadName: 'infra/ovn-net' }]), spec([{ name: 'ovn', type: 'bridge', nadName: 'infra/ovn-net' }])),
    reason: /^Kube-OVN fixed MAC [0-9a-f:]{17} → unset changes; /,
    want: { name: 'ovn', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for a new macvlan (macvtap binding) NIC',
    input: () => scenario(spec(), spec([MACVLAN])),
    reason: /^KubeVirt hot-plugs only bridge and SR-IOV interfaces; a macvtap interface added now would sit pending, .* restart \(§4\)$/,
    want: { name: 'mv', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for removing a macvtap NIC',
    input: () => scenario(spec([MACVLAN]), spec()),
    reason: /^only bridge interfaces can be unplugged \(§2\); a macvtap interface removed from the template stays in the guest until/,
    want: { name: 'mv', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for adding the pod network back',
    input: () => scenario(spec([], { podNetwork: { enabled: false } }), spec()),
    reason: /^adding a pod network to a VMI that has none needs a restart \(§6\)$/,
    want: { name: 'default', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for a cpu change',
    input: () => scenario(spec(), spec([], { cpu: 2 })),
    reason: /^cpu 1 → 2: not live-updatable here, applied at a restart \(§6\)$/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'hot-plugs more memory into a running VM under the LiveUpdate rollout strategy',
    input: () => scenario(spec(), spec([], { memory: '2Gi' })),
    reason: /^memory 1Gi → 2Gi \(memory hot-plug: KubeVirt adds it to the running guest by a live migration\)$/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'vm-update', applies: true, exit: 0 },
  },
  {
    title: 'needs a restart for a memory change under the Stage rollout strategy, applied with allowRestart',
    input: () => scenario(spec(), spec([], { memory: '2Gi' }), { allowRestart: true, vmRolloutStrategy: 'Stage' }),
    reason: /^memory 1Gi → 2Gi: not live-updatable/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: true, exit: 3 },
  },
  {
    title: 'needs a restart for less memory, which KubeVirt never takes from a running guest',
    input: () => scenario(spec([], { memory: '2Gi' }), spec([], { memory: '1Gi' })),
    reason: /^memory 2Gi → 1Gi: not live-updatable/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'moves a running VM\'s scheduling constraints live under LiveUpdate',
    input: () => scenario(spec(), spec([], { nodeSelector: { 'topology.kubernetes.io/zone': 'b' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] })),
    reason: /^nodeSelector set to \{"topology.kubernetes.io\/zone":"b"\} \(KubeVirt updates the running VMI.*; tolerations set to \[\{"key":"dedicated","operator":"Exists"\}\] \(KubeVirt updates/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'vm-update', applies: true, exit: 0 },
  },
  {
    title: 'needs a restart for a new disk, as it is no hot-pluggable volume',
    input: () => scenario(spec(), spec([], { image: 'quay.io/containerdisks/fedora:41', disks: [{ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }] })),
    reason: /^disk data added, volume data added: not live-updatable/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'warns that the container disk leaves when disks come without an image',
    input: () => scenario(spec(), spec([], { disks: [{ name: 'root', persistentVolumeClaim: { claimName: 'web-root' } }] })),
    reason: /^disk root added, disk containerdisk removed, volume root added, volume containerdisk removed: not live-updatable/,
    warnings: [/^the container disk \(quay.io\/containerdisks\/fedora:41\) leaves the VM: with disks and no image, the first disk boots; set image to keep it$/],
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for an image change',
    input: () => scenario(spec(), spec([], { image: 'example.com/img:2' })),
    reason: /^image quay\.io\/containerdisks\/fedora:41 → example\.com\/img:2: /,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for a change of the cloud-init delivery',
    input: () => scenario(spec(), spec([], { networkDataDelivery: 'inline' })),
    reason: /^cloud-init source \(networkDataDelivery\): /,
    want: { subject: 'VirtualMachine', name: 'web', action: 'restart-required', applies: false, exit: 3 },
  },
  // rejected
  {
    title: 'rejects removing the primary NIC',
    input: () => scenario(spec(), { networks: [STOR] }),
    reason: /^the primary NIC is never removed \(seed 000 §6\.3\): it carries the default route; make another NIC primary first$/,
    want: { name: 'data', action: 'rejected', applies: false, exit: 2 },
  },
  {
    title: 'rejects removing the pod network',
    input: () => scenario(spec(), spec([], { podNetwork: { enabled: false } })),
    reason: /^the pod network is never removed: KubeVirt rejects state: absent on it \(§2\)/,
    want: { name: 'default', action: 'rejected', applies: false, exit: 2 },
  },
  {
    title: 'rejects unplugging an SR-IOV NIC',
    input: () => scenario(spec([VF]), spec()),
    reason: /^SR-IOV interfaces cannot be unplugged: KubeVirt accepts state: absent only with the bridge binding \(§2, §4\)$/,
    want: { name: 'vf1', action: 'rejected', applies: false, exit: 2 },
  },
  {
    title: 'rejects a Kube-OVN subnet cidrBlock change',
    input: () => scenario(spec([OVN]), spec([ovnWith({ subnet: { cidrBlock: '10.30.0.0/24' } })])),
    reason: /^cidrBlock 10\.20\.0\.0\/24 → 10\.30\.0\.0\/24: Kube-OVN subnets' CIDRs are immutable; give the NIC a new subnet name$/,
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'rejected', applies: false, exit: 2 },
  },
  {
    title: 'rejects a hot-plug beyond the v1 port budget (v1.5, VMI with 4 interfaces)',
    input: () => scenario(spec([MGMT]), spec([MGMT, OVS]), { minor: 5 }),
    reason: /^no PCIe port is left for hot-plugging it on KubeVirt v1\.5 \(§7: ports are reserved when the VM starts\); restart the VM with the NIC/,
    want: { name: 'ovs1', action: 'rejected', applies: false, exit: 2 },
  },
  {
    title: 'hot-plugs within the v1 port budget (v1.5, VMI with 3 interfaces)',
    input: () => scenario(spec(), spec([OVS]), { minor: 5 }),
    reason: HOTPLUG,
    warnings: [RR],
    want: { name: 'ovs1', action: 'hotplug', applies: true, exit: 0 },
  },
  {
    title: 'skips a Multus NIC when Multus is missing and onMissingMultus is pod-network-only',
    input: () => ({ desired: vmOf(spec([], { onMissingMultus: 'pod-network-only' })), live: { vm: null }, multusInstalled: false }),
    reason: /; onMissingMultus: pod-network-only leaves this NIC out$/,
    want: { name: 'data', action: 'skipped', applies: false, exit: 0 },
  },
  // the VM itself
  {
    title: 'updates the runStrategy live',
    input: () => scenario(spec(), spec([], { runStrategy: 'Halted' })),
    reason: /^runStrategy Always → Halted \(KubeVirt starts or stops the VM accordingly\)$/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'vm-update', applies: true, exit: 0 },
  },
  {
    title: 'updates a user label live',
    input: () => ({ ...scenario(spec(), spec()), desired: vmOf(spec(), { ...META, labels: { team: 'blue' } }) }),
    reason: /^labels \(the pod gets template labels at its next start\)$/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'vm-update', applies: true, exit: 0 },
  },
  {
    title: 'updates a user annotation live',
    input: () => ({ ...scenario(spec(), spec()), desired: vmOf(spec(), { ...META, annotations: { 'example.com/note': 'x' } }) }),
    reason: /^annotations$/,
    want: { subject: 'VirtualMachine', name: 'web', action: 'vm-update', applies: true, exit: 0 },
  },
  // owned objects
  {
    title: 'holds a NAD update on a running VM without allowRestart',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, vlanId: 21 }] }),
    reason: /^CNI config changed; attached interfaces pick it up when attached again; waits with NIC stor, whose change is not applied$/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-stor-nad', action: 'nad-update', applies: false, exit: 3 },
  },
  {
    title: 'updates a NAD of a running VM with allowRestart',
    input: () => scenario(spec(), { networks: [DATA, { ...STOR, vlanId: 21 }] }, { allowRestart: true }),
    reason: /^CNI config changed/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-stor-nad', action: 'nad-update', applies: true, exit: 3 },
  },
  {
    title: 'updates a NAD when the SR-IOV resource name changes',
    input: () => scenario(spec([VF]), spec([{ ...VF, resourceName: 'intel.com/other' }]), { running: false }),
    reason: /^CNI config changed/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-vf1-nad', action: 'nad-update', applies: true, exit: 0 },
  },
  {
    title: 'creates the NAD of a new NIC',
    input: () => scenario(spec(), spec([MGMT])),
    reason: /^created before the VM refers to it$/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-mgmt-nad', action: 'nad-create', applies: true, exit: 0 },
  },
  {
    title: 'holds the NAD of a new NIC whose restart-required change is not applied',
    input: () => scenario(spec(), spec([MACVLAN])),
    reason: /^created before the VM refers to it; waits with NIC mv, whose change is not applied$/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-mv-nad', action: 'nad-create', applies: false, exit: 3 },
  },
  {
    title: 'creates the NAD of a new restart-required NIC with allowRestart',
    input: () => scenario(spec(), spec([MACVLAN]), { allowRestart: true }),
    reason: /^created before the VM refers to it$/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-mv-nad', action: 'nad-create', applies: true, exit: 3 },
  },
  {
    title: 'holds the Subnet of a kube-ovn NIC rejected for lack of hot-plug ports',
    input: () => scenario(spec([MGMT]), spec([MGMT, OVN]), { minor: 5 }),
    reason: /^created before the VM refers to it; waits with NIC ovn, whose change/,
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'subnet-create', applies: false, exit: 2 },
  },
  {
    title: 'deletes the NAD of a removed NIC',
    input: () => scenario(spec(), { networks: [DATA] }),
    reason: /^no longer used by this VM; deleted once the VMI no longer lists its NIC$/,
    want: { subject: 'NetworkAttachmentDefinition', name: 'ns/web-stor-nad', action: 'nad-delete', applies: true, exit: 0 },
  },
  {
    title: 'creates the Subnet of a new kube-ovn NIC',
    input: () => scenario(spec(), spec([OVN])),
    reason: /^created before the VM refers to it$/,
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'subnet-create', applies: true, exit: 0 },
  },
  {
    title: 'updates a Subnet gateway with a warning',
    input: () => scenario(spec([OVN]), spec([ovnWith({ subnet: { cidrBlock: '10.20.0.0/24', gateway: '10.20.0.254' } })])),
    reason: /^subnet settings changed$/,
    warnings: [/^Kube-OVN rejects a gateway change while any IP of the subnet is in use$/],
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'subnet-update', applies: true, exit: 0 },
  },
  {
    title: 'updates Subnet excludeIps without a warning',
    input: () => scenario(spec([OVN]), spec([ovnWith({ subnet: { cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.100'] } })])),
    reason: /^subnet settings changed$/,
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'subnet-update', applies: true, exit: 0 },
  },
  {
    title: 'deletes the Subnet of a removed kube-ovn NIC',
    input: () => scenario(spec([OVN]), spec()),
    reason: /^no longer used by this VM; deleted after its NAD$/,
    want: { subject: 'Subnet', name: 'web-ovn-nad', action: 'subnet-delete', applies: true, exit: 0 },
  },
  {
    title: 'updates the cloud-init Secret when an IP changes',
    input: () => scenario(spec(), { networks: [{ ...DATA, ipConfig: { ...DATA.ipConfig, address: '192.168.10.6/24' } }, STOR] }),
    reason: /^network or user data changed; the guest applies network data at its next boot/,
    want: { subject: 'Secret', name: 'ns/web-cloudinit', action: 'secret-update', applies: true, exit: 0 },
  },
  {
    title: 'updates the cloud-init Secret when the user data changes',
    input: () => scenario(spec(), spec([], { userData: '#cloud-config\npackages: [htop]\n' })),
    reason: /^network or user data changed/,
    want: { subject: 'Secret', name: 'ns/web-cloudinit', action: 'secret-update', applies: true, exit: 0 },
  },
  {
    title: 'creates the cloud-init Secret when it is missing',
    input: () => {
      const input = scenario(spec(), spec());
      return { ...input, live: { ...input.live, secret: null } };
    },
    reason: /^cloud-init data for the VM$/,
    want: { subject: 'Secret', name: 'ns/web-cloudinit', action: 'secret-create', applies: true, exit: 0 },
  },
  // KubeVirt before v1.1
  {
    title: 'needs a restart for a hot-plug on KubeVirt v1.0',
    input: () => scenario(spec(), spec([MGMT]), { minor: 0 }),
    reason: /^KubeVirt v1\.0 has no declarative NIC hot-plug \(added in v1\.1, §10\)$/,
    want: { name: 'mgmt', action: 'restart-required', applies: false, exit: 3 },
  },
  {
    title: 'needs a restart for an unplug on KubeVirt v0.59',
    input: () => ({ ...scenario(spec(), { networks: [DATA] }), kubevirtVersion: v(59, 0) }),
    reason: /^KubeVirt v0\.59 has no declarative NIC unplug \(added in v1\.1, §10\)$/,
    want: { name: 'stor', action: 'restart-required', applies: false, exit: 3 },
  },
];

describe('planVm: one entry per rule', () => {
  it.each(cases)('$title', c => {
    const plan = planVm(c.input());
    const { subject, name, action, applies, exit } = c.want;
    const e = entryOf(plan, name, subject ?? 'nic');
    expect(e.action).toBe(action);
    expect(e.reason).toMatch(c.reason);
    expect(e.applies).toBe(applies);
    expect(e.warnings).toHaveLength(c.warnings?.length ?? 0);
    (c.warnings ?? []).forEach((w, i) => expect(e.warnings[i]).toMatch(w));
    expect(plan.rejected).toBe(exit === 2);
    if (exit !== 2) expect(plan.restartRequired).toBe(exit === 3);
    expect(planExitCode(plan)).toBe(exit);
  });
});

describe('planVm: whole plans', () => {
  it('plans nothing but unchanged NICs when nothing changed', () => {
    const plan = planVm(scenario(spec(), spec()));
    expect(rows(plan)).toEqual(['nic default unchanged', 'nic data unchanged', 'nic stor unchanged']);
    expect(plan.entries.every(e => e.reason === 'no change' && e.applies)).toBe(true);
    expect(plan).toMatchObject({ running: true, restartRequired: false, rejected: false, warnings: [] });
    expect(planExitCode(plan)).toBe(0);
  });

  it('creates a VM that does not exist: owned objects first, then one entry per NIC, then the VM', () => {
    const plan = planVm({ desired: vmOf(spec([OVN])), live: { vm: null }, kubevirtVersion: v(9) });
    expect(rows(plan)).toEqual([
      'NetworkAttachmentDefinition ns/web-data-nad nad-create',
      'NetworkAttachmentDefinition ns/web-stor-nad nad-create',
      'NetworkAttachmentDefinition ns/web-ovn-nad nad-create',
      'Subnet web-ovn-nad subnet-create',
      'Secret ns/web-cloudinit secret-create',
      'nic default create',
      'nic data create',
      'nic stor create',
      'nic ovn create',
      'VirtualMachine web create',
    ]);
    expect(plan.entries.filter(e => e.action === 'create' && e.subject === 'nic').map(e => e.reason)).toEqual(Array(4).fill('created with the VM'));
    expect(entryOf(plan, 'web', 'VirtualMachine').reason).toBe('the VM does not exist yet');
    expect(plan.entries.every(e => e.applies && e.warnings.length === 0)).toBe(true);
    expect(plan).toMatchObject({ running: false, restartRequired: false, rejected: false, warnings: [] });
    expect(planExitCode(plan)).toBe(0);
  });

  it('creates a VM when neither live objects nor a last applied spec are given (and assumes it may run)', () => {
    const plan = planVm({ desired: vmOf({ networks: [DATA] }), kubevirtVersion: v(9) });
    expect(rows(plan)).toEqual([
      'NetworkAttachmentDefinition ns/web-data-nad nad-create',
      'Secret ns/web-cloudinit secret-create',
      'nic default create',
      'nic data create',
      'VirtualMachine web create',
    ]);
    expect(plan.running).toBe(true);
  });

  it('creates no owned objects with manageOwnedObjects: false', () => {
    const plan = planVm({ desired: vmOf(spec([OVN])), live: { vm: null }, kubevirtVersion: v(9), manageOwnedObjects: false });
    expect(rows(plan)).toEqual(['nic default create', 'nic data create', 'nic stor create', 'nic ovn create', 'VirtualMachine web create']);
  });

  it('plans no owned-object entries with manageOwnedObjects: false, but still the NIC changes', () => {
    const plan = planVm(scenario(spec([OVN]), { networks: [DATA, { ...STOR, vlanId: 21 }, MGMT] }, { manageOwnedObjects: false }));
    expect(rows(plan)).toEqual(['nic default unchanged', 'nic data unchanged', 'nic stor restart-required', 'nic mgmt hotplug', 'nic ovn unplug']);
  });

  it('orders a change: owned objects to create or update, NICs, removed NICs, the VM, then deletions', () => {
    const plan = planVm(scenario(spec([OVN]), { networks: [DATA, MGMT], cpu: 2 }));
    expect(rows(plan)).toEqual([
      'NetworkAttachmentDefinition ns/web-mgmt-nad nad-create',
      'Secret ns/web-cloudinit secret-update',
      'nic default unchanged',
      'nic data unchanged',
      'nic mgmt hotplug',
      'nic stor unplug',
      'nic ovn unplug',
      'VirtualMachine web restart-required',
      'NetworkAttachmentDefinition ns/web-stor-nad nad-delete',
      'NetworkAttachmentDefinition ns/web-ovn-nad nad-delete',
      'Subnet web-ovn-nad subnet-delete',
    ]);
  });

  it('removes a NIC from a stopped VM directly and deletes its NAD', () => {
    const plan = planVm(scenario(spec(), { networks: [DATA] }, { running: false }));
    expect(rows(plan)).toEqual([
      'Secret ns/web-cloudinit secret-update',
      'nic default unchanged',
      'nic data unchanged',
      'nic stor unplug',
      'NetworkAttachmentDefinition ns/web-stor-nad nad-delete',
    ]);
    expect(plan.running).toBe(false);
  });

  it('compares with the rendered last applied spec when no live objects are given, assuming a running VM', () => {
    const plan = planVm({ desired: vmOf(spec([MGMT])), applied: vmOf(spec()), kubevirtVersion: v(9) });
    expect(rows(plan)).toEqual([
      'NetworkAttachmentDefinition ns/web-mgmt-nad nad-create',
      'Secret ns/web-cloudinit secret-update',
      'nic default unchanged',
      'nic data unchanged',
      'nic stor unchanged',
      'nic mgmt hotplug',
    ]);
    expect(plan.running).toBe(true);
  });

  it('treats a user data digest in the last applied spec as the same user data', () => {
    const userData = '#cloud-config\npackages: [htop]\n';
    const applied = vmOf(spec([], { userData }));
    const live = liveOf(applied);
    const secret = live.secret as Json;
    const networkdata = Buffer.from(secret.data.networkdata, 'base64').toString('utf8');
    const stored = { ...secret, data: undefined, stringData: { userdata: userDataDigest(userData), networkdata } };
    expect(rows(planVm({ desired: vmOf(spec([], { userData })), applied, live: { ...live, secret: stored }, kubevirtVersion: v(9) })))
      .not.toContain('Secret ns/web-cloudinit secret-update');
    const other = vmOf(spec([], { userData: '#cloud-config\n' }));
    expect(rows(planVm({ desired: other, applied, live: { ...live, secret: stored }, kubevirtVersion: v(9) })))
      .toContain('Secret ns/web-cloudinit secret-update');
  });

  it('does not treat a label written by someone else as a change', () => {
    const input = scenario(spec(), spec(), {
      editVm: json => {
        json.metadata.labels['other.example.com/owner'] = 'ops';
        json.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
      },
    });
    expect(rows(planVm(input)).filter(r => r.startsWith('VirtualMachine'))).toEqual([]);
    expect(rows(planVm({ ...input, applied: undefined })).filter(r => r.startsWith('VirtualMachine'))).toEqual([]);
  });

  it('removes a label it wrote last time', () => {
    const applied = vmOf(spec(), { ...META, labels: { team: 'blue' } });
    const plan = planVm({ desired: vmOf(spec()), applied, live: liveOf(applied), kubevirtVersion: v(9) });
    expect(entryOf(plan, 'web', 'VirtualMachine')).toMatchObject({ action: 'vm-update', reason: expect.stringMatching(/^labels/) });
  });

  it('joins several live VM changes into one vm-update', () => {
    const desired = vmOf(spec([], { runStrategy: 'Manual' }), { ...META, labels: { a: 'b' } });
    const plan = planVm({ ...scenario(spec(), spec()), desired });
    expect(entryOf(plan, 'web', 'VirtualMachine').reason).toBe(
      'runStrategy Always → Manual (KubeVirt starts or stops the VM accordingly); labels (the pod gets template labels at its next start)');
  });

  it('lists every VM field that needs a restart in one entry', () => {
    const plan = planVm(scenario(spec(), spec([], { cpu: 4, memory: '8Gi' })));
    expect(entryOf(plan, 'web', 'VirtualMachine').reason)
      .toBe('cpu 1 → 4, memory 1Gi → 8Gi: not live-updatable here, applied at a restart (§6)');
  });

  it('never creates or deletes NADs named by nadName or owned by a MultiNic', () => {
    const owned = (plan: Plan) => rows(plan).filter(r => !r.startsWith('nic ') && !r.startsWith('Secret '));
    for (const nic of [EXT, SHARED]) {
      const created = planVm({ desired: vmOf(spec([nic])), live: { vm: null }, kubevirtVersion: v(9) });
      expect(owned(created)).toEqual([
        'NetworkAttachmentDefinition ns/web-data-nad nad-create',
        'NetworkAttachmentDefinition ns/web-stor-nad nad-create',
        'VirtualMachine web create',
      ]);
      const added = planVm(scenario(spec(), spec([nic])));
      expect(entryOf(added, nic.name).action).toBe('hotplug');
      expect(owned(added)).toEqual([]);
      const removed = planVm(scenario(spec([nic]), spec()));
      expect(entryOf(removed, nic.name).action).toBe('unplug');
      expect(owned(removed)).toEqual([]);
    }
  });

  it('adds a pod-network-only warning and plans only the pod network when Multus is missing', () => {
    const desired = vmOf(spec([], { onMissingMultus: 'pod-network-only' }));
    const plan = planVm({ desired, live: { vm: null }, multusInstalled: false, kubevirtVersion: v(9) });
    expect(rows(plan)).toEqual([
      'nic data skipped', 'nic stor skipped', 'Secret ns/web-cloudinit secret-create', 'nic default create', 'VirtualMachine web create',
    ]);
    expect(plan.warnings).toEqual(['Multus is not installed: only the pod network is attached']);
    expect(plan.rejected).toBe(false);
    expect(planExitCode(plan)).toBe(0);
    expect(withoutMultus(desired).nics.map(n => n.name)).toEqual(['default']);
  });

  it('rejects every Multus NIC and creates no owned object when Multus is missing and onMissingMultus is fail', () => {
    const plan = planVm({ desired: vmOf(spec()), live: { vm: null }, multusInstalled: false, kubevirtVersion: v(9) });
    const rejected = plan.entries.filter(e => e.action === 'rejected');
    expect(rejected.map(e => `${e.subject} ${e.name}`)).toEqual(['nic data', 'nic stor']);
    for (const e of rejected) {
      expect(e.reason).toBe(
        'cannot attach: Multus is not installed (no NetworkAttachmentDefinition CRD); install Multus, or set onMissingMultus: pod-network-only');
      expect(e.applies).toBe(false);
    }
    expect(plan.entries.filter(e => e.subject !== 'nic' && e.subject !== 'VirtualMachine')).toEqual([]);
    expect(plan).toMatchObject({ rejected: true, restartRequired: false, warnings: [] });
    expect(planExitCode(plan)).toBe(2);
  });

  it('warns when the live VM already reports RestartRequired', () => {
    const condition = (status: string) => (json: Json) => {
      json.status = { conditions: [{ type: 'RestartRequired', status, message: 'a non-live-updatable field was changed in the template spec' }] };
    };
    expect(planVm(scenario(spec(), spec(), { editVm: condition('True') })).warnings)
      .toEqual(['the VM already reports RestartRequired: changes from before wait for a restart']);
    expect(planVm(scenario(spec(), spec(), { editVm: condition('False') })).warnings).toEqual([]);
  });

  it('leaves an interface that is neither desired nor last applied alone, with a warning', () => {
    const plan = planVm(scenario(spec(), spec(), {
      editVm: json => {
        json.spec.template.spec.domain.devices.interfaces.push({ name: 'foreign', bridge: {} });
        json.spec.template.spec.networks.push({ name: 'foreign', multus: { networkName: 'other' } });
      },
    }));
    expect(rows(plan)).toEqual(['nic default unchanged', 'nic data unchanged', 'nic stor unchanged']);
    expect(plan.warnings).toEqual(["interface 'foreign' is on the VM but not in the spec or the last applied one: left alone"]);
    expect(planExitCode(plan)).toBe(0);
  });

  it('plans for v1.9 and says so when no KubeVirt version is given', () => {
    const plan = planVm({ ...scenario(spec(), spec([MGMT])), kubevirtVersion: undefined, kubevirtVersionSource: 'cluster' });
    expect(plan.kubevirtVersion).toEqual({ major: 1, minor: 9 });
    expect(plan.kubevirtVersionSource).toBe('default');
    expect(plan.warnings).toEqual(['KubeVirt version unknown: planned for v1.9, the newest documented behaviour']);
    expect(entryOf(plan, 'mgmt').warnings).toEqual([]);
  });

  it.each([
    [undefined, 'given'],
    ['given', 'given'],
    ['cluster', 'cluster'],
  ] as const)('reports kubevirtVersionSource %s as %s when a version is given', (source, expected) => {
    const plan = planVm({ ...scenario(spec(), spec(), { minor: 4 }), kubevirtVersionSource: source });
    expect(plan.kubevirtVersion).toEqual({ major: 1, minor: 4 });
    expect(plan.kubevirtVersionSource).toBe(expected);
    expect(plan.warnings).toEqual([]);
  });
});

describe('planVm: KubeVirt versions', () => {
  const gate = 'needs the HotplugNICs feature gate';
  const restart = 'also marks the VM RestartRequired';
  describe.each([
    [1, [gate]],
    [2, [gate, restart]],
    [3, [gate, restart]],
    [4, [restart]],
    [5, [restart]],
    [6, []],
    [7, []],
    [8, []],
    [9, []],
  ])('v1.%i', (minor, expected) => {
    const check = (warnings: string[]) => {
      expect(warnings).toHaveLength(expected.length);
      expected.forEach((w, i) => expect(warnings[i]).toContain(`KubeVirt v1.${minor} ${w}`));
      warnings.forEach(w => expect(w).toMatch(w.includes('gate') ? GATE : RR));
    };

    it('hot-plugs a bridge NIC with the version warnings', () => {
      const e = entryOf(planVm(scenario(spec(), spec([MGMT]), { minor })), 'mgmt');
      expect(e.action).toBe('hotplug');
      check(e.warnings);
    });

    it('unplugs a bridge NIC with the version warnings', () => {
      const e = entryOf(planVm(scenario(spec(), { networks: [DATA] }, { minor })), 'stor');
      expect(e.action).toBe('unplug');
      check(e.warnings);
    });

    it('adds a NIC to a stopped VM without version warnings', () => {
      const e = entryOf(planVm(scenario(spec(), spec([MGMT]), { minor, running: false })), 'mgmt');
      expect(e).toMatchObject({ action: 'hotplug', warnings: [] });
    });
  });
});

describe('planVm: hot-plug port budget', () => {
  const added = nets('n1', 'n2', 'n3', 'n4');
  it.each([
    ['1Gi', ['hotplug', 'hotplug', 'hotplug', 'rejected']],
    ['2Gi', ['hotplug', 'hotplug', 'hotplug', 'rejected']],
    ['4Gi', ['hotplug', 'hotplug', 'hotplug', 'hotplug']],
  ])('v1.9 with %s of memory and 3 interfaces in the VMI', (memory, actions) => {
    const plan = planVm(scenario(spec([], { memory }), spec(added, { memory })));
    expect(added.map(n => entryOf(plan, n.name).action)).toEqual(actions);
    expect(planExitCode(plan)).toBe(actions.includes('rejected') ? 2 : 0);
  });

  it('counts the interfaces of the VMI, not of the VM template (v1.5)', () => {
    const vmi = vmiOf(['default']);
    const plan = planVm(scenario(spec(), spec([MGMT, OVS]), { minor: 5, vmi }));
    expect(entryOf(plan, 'mgmt').action).toBe('hotplug');
    expect(entryOf(plan, 'ovs1').action).toBe('hotplug');
    const full = planVm(scenario(spec(), spec([MGMT]), { minor: 5, vmi: vmiOf(['default', 'data', 'stor', 'x']) }));
    expect(entryOf(full, 'mgmt').action).toBe('rejected');
  });

  it('does not spend the budget on NICs that are not hot-plugged', () => {
    const plan = planVm(scenario(spec([MGMT]), spec([MGMT, VF, MACVLAN, OVS]), { minor: 5 }));
    expect(['vf1', 'mv', 'ovs1'].map(n => entryOf(plan, n).action)).toEqual(['hotplug-via-migration', 'restart-required', 'rejected']);
  });
});

describe('planVm: how each NIC is addressed', () => {
  const STATIC = { name: 'app', vlanId: 60, ipConfig: { address: '10.0.60.5/24', dnsServers: ['10.0.0.53'] }, routes: [{ destination: '10.60.0.0/16', gateway: '10.0.60.1' }] };

  it('says a hot-plugged static bridge NIC is addressed live by KubeVirt\'s DHCP, and what waits for the boot', () => {
    const e = entryOf(planVm(scenario(spec(), spec([STATIC]))), 'app');
    expect(e.action).toBe('hotplug');
    expect(e.addressing).toEqual({
      source: 'kubevirt-dhcp',
      when: 'live',
      live: ['10.0.60.5/24', 'IPv4 routes'],
      nextBoot: ['route metrics (300; live routes get 20000)', 'DNS servers 10.0.0.53'],
      summary: 'live: KubeVirt\'s DHCP hands the guest 10.0.60.5/24',
    });
    expect(e.warnings).toEqual([]);
  });

  it('says NICs that are there at boot get their address at boot', () => {
    const plan = planVm(scenario(spec([STATIC]), spec([STATIC])));
    expect(entryOf(plan, 'app').addressing).toMatchObject({ source: 'kubevirt-dhcp', when: 'boot' });
    expect(entryOf(plan, 'data').addressing).toMatchObject({ source: 'kubevirt-dhcp', when: 'boot' });
    expect(entryOf(plan, 'default').addressing).toMatchObject({ source: 'kubevirt-dhcp', when: 'boot', summary: 'KubeVirt\'s masquerade DHCP at boot' });
  });

  it('warns before a hot-plug whose static address waits for the next boot, naming the fix', () => {
    const nic = { ...STATIC, ipConfig: { ...STATIC.ipConfig, delivery: 'network-data' } };
    const e = entryOf(planVm(scenario(spec(), spec([nic]))), 'app');
    expect(e.addressing).toMatchObject({ source: 'network-data', when: 'next-boot' });
    expect(e.warnings).toEqual([
      'its address reaches the guest only at the next boot (ipConfig.delivery is \'network-data\'); to have it live, remove ipConfig.delivery (the default, \'both\', also puts the IPv4 address into the NAD\'s IPAM)',
    ]);
  });

  it('warns when custom user data does not make the guest bring up a new NIC', () => {
    const e = entryOf(planVm(scenario(spec([], { userData: '#cloud-config\n' }), spec([STATIC], { userData: '#cloud-config\n' }))), 'app');
    expect(e.addressing).toMatchObject({ when: 'next-boot' });
    expect(e.warnings[0]).toMatch(/^its address reaches the guest only at the next boot \(the user data does not make the guest bring up a NIC that appears while it runs\); to have it live, add Wukong's hot-plug stanza/);
  });

  it('says a hot-plugged IPv6-only NIC waits for the boot: KubeVirt\'s DHCP is IPv4 only', () => {
    const e = entryOf(planVm(scenario(spec(), spec([{ name: 'v6', vlanId: 61, ipConfig: { address: 'fd00:61::5/64' } }]))), 'v6');
    expect(e.addressing).toMatchObject({ source: 'network-data', when: 'next-boot', nextBoot: ['fd00:61::5/64'] });
    expect(e.warnings).toEqual(['its address reaches the guest only at the next boot (KubeVirt\'s DHCP serves IPv4 only)']);
  });

  it('says a hot-plugged Kube-OVN NIC with a fixed IPv4 gets it only at the next boot, and the live alternative', () => {
    const e = entryOf(planVm(scenario(spec(), spec([{ ...OVN, ipConfig: { address: '10.20.0.5/24' } }]))), 'ovn');
    expect(e.addressing).toMatchObject({ source: 'kube-ovn', when: 'next-boot' });
    expect(e.warnings[0]).toMatch(/launcher pod's annotations, which KubeVirt copies from the template only when the pod is created\); to have it live, add the NIC with mode dhcp/);
    expect(entryOf(planVm(scenario(spec(), spec([OVN]))), 'ovn').addressing).toMatchObject({ source: 'kube-ovn', when: 'live' });
  });

  it('does not need a restart when only a NAD\'s static IPAM changes (an upgrade to delivery both)', () => {
    const before = { ...STOR, ipConfig: { ...STOR.ipConfig, delivery: 'network-data' } };
    const plan = planVm(scenario({ networks: [DATA, before] }, spec()));
    expect(entryOf(plan, 'stor')).toMatchObject({ action: 'unchanged', applies: true });
    expect(entryOf(plan, 'stor').reason).toMatch(/^only its NAD's static IPAM changes/);
    expect(entryOf(plan, 'ns/web-stor-nad', 'NetworkAttachmentDefinition')).toMatchObject({ action: 'nad-update', applies: true });
    expect(planExitCode(plan)).toBe(0);
  });
});

describe('planVm: NICs attached to a VM defined elsewhere', () => {
  const pinned = (s: Json) => { s.template.spec.domain.devices.interfaces[0].macAddress = '02:aa:00:00:00:01'; };
  /** The VM as its own tooling created it: no Wukong NICs, no record. */
  const foreign = (vmSpec: Json) => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { ...META, resourceVersion: '1' }, spec: vmSpec });

  test('hot-plugs the NICs into the running VM and holds the cloud-init volume it gains for a restart', () => {
    const plan = planVm({
      desired: vmOf({ virtualMachine: baseVmSpec(pinned), networks: [DATA] }),
      live: { vm: foreign(baseVmSpec(pinned)), vmi: vmiOf(['default']), nads: [], subnets: [], secret: null },
      kubevirtVersion: v(8),
    });
    expect(rows(plan)).toEqual(expect.arrayContaining(['nic data hotplug', 'nic default unchanged', 'VirtualMachine web vm-update']));
    const restart = plan.entries.find(e => e.subject === 'VirtualMachine' && e.action === 'restart-required');
    expect(restart).toMatchObject({ applies: false, reason: expect.stringMatching(/^cloud-init source \(networkDataDelivery\)/) });
    // Wukong's labels are live; the NIC and the NAD it needs apply now.
    expect(entryOf(plan, 'data').applies).toBe(true);
    expect(planExitCode(plan)).toBe(3);
  });

  test('says a MAC Wukong pins on the VM\'s pod NIC changes it at a restart', () => {
    const plan = planVm({
      desired: vmOf({ virtualMachine: baseVmSpec(), networks: [DATA] }),
      live: { vm: foreign(baseVmSpec()), vmi: vmiOf(['default']), nads: [], subnets: [], secret: null },
      kubevirtVersion: v(8),
    });
    expect(entryOf(plan, 'default')).toMatchObject({ action: 'restart-required', reason: expect.stringMatching(/^MAC \(none\) → [0-9a-f:]{17}: KubeVirt applies changes to an existing interface only at a restart/) });
  });

  test('plans day 2 as on a VM Wukong made: a NIC added hot-plugs, nothing else changes, the VM\'s own NICs stay quiet', () => {
    const legacy = (s: Json) => {
      s.template.spec.domain.devices.interfaces.push({ name: 'legacy', bridge: {}, macAddress: '02:aa:00:00:00:02' });
      s.template.spec.networks.push({ name: 'legacy', multus: { networkName: 'legacy-net' } });
    };
    const before = { virtualMachine: baseVmSpec(legacy), networks: [DATA] };
    const plan = planVm(scenario(before, { ...before, networks: [DATA, MGMT] }));
    expect(rows(plan).filter(r => !r.endsWith('unchanged'))).toEqual(['NetworkAttachmentDefinition ns/web-mgmt-nad nad-create', 'Secret ns/web-cloudinit secret-update', 'nic mgmt hotplug']);
    expect(plan.warnings).toEqual([]);
  });
});
