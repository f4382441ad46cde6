/**
 * How the guest gets its address on each NIC, and when: the one place that knows which part of a NIC's IP
 * configuration can reach a running guest and which waits for a boot. Facts (guest-addressing-and-gitops.md, part A):
 * - KubeVirt builds the NoCloud seed once, when the VMI starts (pkg/virt-launcher/virtwrap/manager.go), so the network
 *   data of a NIC hot-plugged later reaches the guest only at the next boot.
 * - For a bridge-bound NIC whose pod interface got an IPv4 address from CNI IPAM, KubeVirt's in-pod DHCP serves exactly
 *   that address to the NIC's MAC, hot-plugged NICs included (pkg/network/setup/netpod/discoverbridge.go,
 *   pkg/network/dhcp/server/server.go): router = next hop of the first route, classless routes, MTU of the pod NIC;
 *   DNS and search domains come from the launcher pod's resolv.conf, not from the NIC; IPv4 only; lease 999 days.
 * - A guest brings a NIC it has no configuration for up only if something tells it to: DEFAULT_USER_DATA does, for
 *   systemd-networkd (netplan's backend) and NetworkManager.
 */
import { ResolvedNic } from '../resolve/resolved';

/** Where a NIC's address comes from. */
export type AddressSource =
  /** cloud-init network data, read at boot (static addresses, routes, DNS). */
  | 'network-data'
  /** KubeVirt's in-pod DHCP, serving the static IPAM address of the NIC's own NAD. */
  | 'kubevirt-dhcp'
  /** A DHCP server on the network itself (mode `dhcp` on an L2 network). */
  | 'network-dhcp'
  /** Kube-OVN's IPAM, served by KubeVirt's DHCP. */
  | 'kube-ovn'
  /** The NIC gets no address (mode `none`). */
  | 'none';

/** When the guest has it: at boot, live as the NIC appears, or only at the next boot. */
export type AddressTiming = 'boot' | 'live' | 'next-boot';

/** How and when the guest gets one NIC's address, as plans and status report it (see `nicAddressing`). */
export interface NicAddressing {
  readonly source: AddressSource;
  readonly when: AddressTiming;
  /** What the guest gets at once (for a hot-plugged NIC), e.g. `10.0.1.5/24`, `routes`, `MTU`. */
  readonly live: string[];
  /** What reaches the guest only at its next boot. */
  readonly nextBoot: string[];
  /** One sentence for plans and status. */
  readonly summary: string;
  /** How to make a hot-plugged NIC's address live, when it is not. */
  readonly fix?: string;
}

/** The guest file DEFAULT_USER_DATA writes for systemd-networkd; its presence in user data marks the stanza. */
export const HOTPLUG_NETWORKD_FILE = '/etc/systemd/network/99-wukong-hotplug.network';
/** The guest file DEFAULT_USER_DATA writes for NetworkManager. */
export const HOTPLUG_NM_FILE = '/etc/NetworkManager/conf.d/99-wukong-hotplug.conf';
/** Metric of routes a hot-plugged NIC learns by DHCP: behind every NIC of the network data (100 × rank). */
export const HOTPLUG_ROUTE_METRIC = 20000;

/**
 * The part of the default user data that makes a guest bring up NICs that appear while it runs: a systemd-networkd
 * catch-all that sorts after netplan's `10-netplan-*` files (networkd takes the first matching file, so NICs of the
 * network data keep theirs) and asks for DHCP without touching DNS; and NetworkManager's automatic DHCP profile for
 * unknown devices, kept on. Both are reloaded once, as the files are written after the network came up.
 */
export const HOTPLUG_USER_DATA = [
  'write_files:',
  `  - path: ${HOTPLUG_NETWORKD_FILE}`,
  '    content: |',
  '      # Wukong: a NIC hot-plugged while the guest runs is not in this boot\'s network data; KubeVirt\'s DHCP hands',
  '      # a bridge NIC its address. NICs of the network data match netplan\'s 10-netplan-* files first.',
  '      [Match]',
  '      Type=ether',
  '      Name=en* eth*',
  '      [Network]',
  '      DHCP=ipv4',
  '      LinkLocalAddressing=no',
  '      IPv6AcceptRA=no',
  '      [DHCPv4]',
  '      UseMTU=true',
  '      UseDNS=no',
  '      UseDomains=no',
  `      RouteMetric=${HOTPLUG_ROUTE_METRIC}`,
  `  - path: ${HOTPLUG_NM_FILE}`,
  '    content: |',
  '      # Wukong: NetworkManager brings up a hot-plugged NIC with its automatic DHCP profile.',
  '      [main]',
  '      no-auto-default=',
  'runcmd:',
  '  - [sh, -c, "networkctl reload 2>/dev/null; nmcli general reload conf 2>/dev/null; true"]',
].join('\n');

/**
 * Default user data. cloud-init reads network-config only with some user data, and by default applies it for a new
 * instance only (KubeVirt's NoCloud instance-id is the VM's stable firmware UUID): opting in to `boot` makes the guest
 * re-apply the network data from the VM's Secret at every boot, so day-2 IP and route changes reach it. The rest
 * (HOTPLUG_USER_DATA) brings up NICs hot-plugged while the guest runs.
 */
export const DEFAULT_USER_DATA = `#cloud-config\nupdates:\n  network:\n    when: [boot]\n${HOTPLUG_USER_DATA}\n`;

/** Does this user data make the guest bring up NICs that appear after boot? */
export function guestBringsUpNewNics(userData: string): boolean {
  return userData.includes(HOTPLUG_NETWORKD_FILE) || userData.includes(HOTPLUG_NM_FILE);
}

/**
 * Can this NIC leave a running guest? Bridge-bound secondary NICs can (KubeVirt accepts `state: absent` only with the
 * bridge binding, never on the pod network; Wukong never unplugs the primary NIC). Such a NIC gets no `set-name` in
 * the network data: after an unplug, a guest that reboots without a restart of its VMI still reads the seed built when
 * the VMI started, and cloud-init stops applying the whole network data when a device it must rename is missing
 * (cloudinit/net/__init__.py extract_physdevs, distros/networking.py wait_for_physdevs).
 */
export function canLeaveRunningGuest(nic: ResolvedNic): boolean {
  return nic.type !== 'pod' && nic.binding === 'bridge' && !nic.primary;
}

const v4 = (nic: ResolvedNic) => nic.ip.addresses.filter(a => a.family === 4);

/** What of a static NIC's configuration only its network data carries, i.e. waits for a boot when it is hot-plugged. */
function bootOnlyParts(nic: ResolvedNic, liveAddress?: string): string[] {
  const out: string[] = [];
  for (const a of nic.ip.addresses) if (a.text !== liveAddress && (nic.type !== 'kube-ovn' || a.family === 6)) out.push(a.text);
  if (nic.ip.gateway6) out.push(`IPv6 gateway ${nic.ip.gateway6.text}`);
  if (nic.routes.some(r => r.destination.family === 6)) out.push('IPv6 routes');
  if (nic.routes.length && liveAddress) out.push(`route metrics (${nic.metric}; live routes get ${HOTPLUG_ROUTE_METRIC})`);
  if (nic.ip.dnsServers.length) out.push(`DNS servers ${nic.ip.dnsServers.join(', ')}`);
  if (nic.ip.searchDomains.length) out.push(`search domains ${nic.ip.searchDomains.join(', ')}`);
  if (!canLeaveRunningGuest(nic)) out.push(`interface name ${nic.name}`);
  return out;
}

/**
 * How the guest gets this NIC's address. `hotplug`: the NIC is added to a running VM (else it is there at boot);
 * `userData`: the VM's user data, which decides whether the guest brings up a NIC it has no configuration for.
 */
export function nicAddressing(nic: ResolvedNic, userData: string, hotplug: boolean): NicAddressing {
  const source = addressSource(nic);
  // The pod network cannot be hot-plugged (the planner says restart-required): it is only ever there at boot.
  if (!hotplug || nic.type === 'pod') {
    const summary = source === 'none' ? 'no address'
      : nic.type === 'pod' ? 'KubeVirt\'s masquerade DHCP at boot'
        : source === 'network-data' ? 'network data at boot'
          : source === 'kubevirt-dhcp' ? 'network data at boot; KubeVirt\'s DHCP serves the same IPv4 address'
            : source === 'kube-ovn' ? 'Kube-OVN\'s address by KubeVirt\'s DHCP at boot'
              : 'the network\'s DHCP at boot';
    return { source, when: 'boot', live: [], nextBoot: [], summary };
  }
  if (source === 'none') return { source, when: 'live', live: [], nextBoot: [], summary: 'no address' };
  const guestReady = guestBringsUpNewNics(userData);
  const noGuest = 'the user data does not make the guest bring up a NIC that appears while it runs';
  const guestFix = 'add Wukong\'s hot-plug stanza to the user data (HOTPLUG_USER_DATA, part of the default user data)';
  const waits = (why: string, fix: string | undefined, nextBoot: string[]): NicAddressing =>
    ({ source, when: 'next-boot', live: [], nextBoot, summary: `${NEXT_BOOT}${why}`, fix });
  if (nic.type === 'kube-ovn') {
    if (v4(nic).length) {
      return waits('Kube-OVN reads a fixed IPv4 from the launcher pod\'s annotations, which KubeVirt copies from the template only when the pod is created',
        'add the NIC with mode dhcp (Kube-OVN picks a free address, served live by KubeVirt\'s DHCP), or restart the VM', bootOnlyParts(nic));
    }
    if (!guestReady) return waits(noGuest, guestFix, ['Kube-OVN address by DHCP']);
    return { source, when: 'live', live: ['Kube-OVN IPv4 address by KubeVirt\'s DHCP'], nextBoot: bootOnlyParts(nic), summary: 'live: KubeVirt\'s DHCP hands the guest Kube-OVN\'s IPv4 address' };
  }
  if (source === 'network-dhcp') {
    if (!guestReady) return waits(noGuest, guestFix, ['DHCP']);
    return { source, when: 'live', live: ['address from the network\'s DHCP server'], nextBoot: [], summary: 'live: the guest asks the network\'s DHCP server' };
  }
  if (source === 'kubevirt-dhcp') {
    const address = v4(nic)[0].text;
    if (!guestReady) return waits(noGuest, guestFix, bootOnlyParts(nic));
    const live = [address, ...(nic.primary && nic.ip.gateway4 ? [`default route via ${nic.ip.gateway4.text}`] : []),
      ...(nic.routes.some(r => r.destination.family === 4) ? ['IPv4 routes'] : []), ...(nic.mtu !== undefined ? [`MTU ${nic.mtu}`] : [])];
    return { source, when: 'live', live, nextBoot: bootOnlyParts(nic, address), summary: `live: KubeVirt's DHCP hands the guest ${address}` };
  }
  const why = nic.binding !== 'bridge' ? `KubeVirt serves DHCP only for the bridge binding, not ${nic.binding}`
    : !v4(nic).length ? 'KubeVirt\'s DHCP serves IPv4 only'
      : nic.nad?.owner !== 'vm' ? 'the NIC reuses a NAD (nadName), so its address cannot be put into that NAD\'s IPAM'
        : 'ipConfig.delivery is \'network-data\'';
  const fix = nic.binding !== 'bridge' || !v4(nic).length ? undefined
    : nic.nad?.owner !== 'vm' ? 'drop nadName so the NIC gets a NAD of its own with static IPAM'
      : 'remove ipConfig.delivery (the default, \'both\', also puts the IPv4 address into the NAD\'s IPAM)';
  return waits(why, fix, bootOnlyParts(nic));
}

/**
 * The warning a plan gives before hot-plugging a NIC whose address will not be live: why, and what would make it live.
 */
export function notLiveWarning(a: NicAddressing): string | undefined {
  if (a.when !== 'next-boot') return undefined;
  return `its address reaches the guest only at the next boot (${a.summary.slice(NEXT_BOOT.length)})${a.fix ? `; to have it live, ${a.fix}` : ''}`;
}

const NEXT_BOOT = 'at the next boot: ';

function addressSource(nic: ResolvedNic): AddressSource {
  if (nic.ip.mode === 'none') return 'none';
  if (nic.type === 'pod') return 'kubevirt-dhcp';
  if (nic.type === 'kube-ovn') return 'kube-ovn';
  if (nic.ip.mode === 'dhcp') return 'network-dhcp';
  // What resolving decided: the NIC's own NAD carries its address as static IPAM, which KubeVirt's DHCP serves.
  const ipam = nic.nad?.owner === 'vm' ? nic.nad.config?.ipam as { type?: string } | undefined : undefined;
  return ipam?.type === 'static' && nic.binding === 'bridge' ? 'kubevirt-dhcp' : 'network-data';
}
