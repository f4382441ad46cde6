import { parse } from 'yaml';
import { ResolvedNic } from '../../../src/model';
import { DEFAULT_USER_DATA, HOTPLUG_NETWORKD_FILE, HOTPLUG_NM_FILE, HOTPLUG_USER_DATA, canLeaveRunningGuest, guestBringsUpNewNics, nicAddressing } from '../../../src/model/net/addressing';
import { resolveOk, withNets } from '../fixtures';

function nicOf(net: Record<string, unknown>, name = String(net.name)): ResolvedNic {
  return resolveOk(withNets({ name: 'first', ipConfig: { address: '10.9.0.5/24', gateway: '10.9.0.1' } }, net)).nics.find(n => n.name === name)!;
}

describe('default user data', () => {
  it('is cloud-config that re-applies the network data at every boot and writes the hot-plug files for both network stacks', () => {
    expect(DEFAULT_USER_DATA.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(DEFAULT_USER_DATA);
    expect(doc.updates).toEqual({ network: { when: ['boot'] } });
    expect(doc.write_files.map((f: { path: string }) => f.path)).toEqual([HOTPLUG_NETWORKD_FILE, HOTPLUG_NM_FILE]);
    expect(doc.write_files[0].content).toMatch(/^\[Match\]\nType=ether\nName=en\* eth\*\n\[Network\]\nDHCP=ipv4\n/m);
    expect(doc.runcmd).toHaveLength(1);
  });

  it('is recognised as bringing up new NICs, and user data without the stanza is not', () => {
    expect(guestBringsUpNewNics(DEFAULT_USER_DATA)).toBe(true);
    expect(guestBringsUpNewNics(`#cloud-config\n${HOTPLUG_USER_DATA}`)).toBe(true);
    expect(guestBringsUpNewNics('#cloud-config\nupdates:\n  network:\n    when: [boot]\n')).toBe(false);
  });
});

describe('canLeaveRunningGuest', () => {
  it('is true only for bridge-bound secondary NICs, which KubeVirt can unplug live', () => {
    const vm = resolveOk(withNets({ name: 'first' }, { name: 'br' }, { name: 'ovs', type: 'ovs', vlanId: 4 },
      { name: 'vf', type: 'sriov', resourceName: 'intel.com/vf' }, { name: 'mv', type: 'macvlan' }));
    expect(Object.fromEntries(vm.nics.map(n => [n.name, canLeaveRunningGuest(n)]))).toEqual({
      default: false, first: false, br: true, ovs: true, vf: false, mv: false,
    });
  });
});

describe('nicAddressing of a hot-plugged NIC', () => {
  it('is live from the network\'s DHCP for a DHCP NIC', () => {
    expect(nicAddressing(nicOf({ name: 'dyn' }), DEFAULT_USER_DATA, true)).toEqual({
      source: 'network-dhcp', when: 'live', live: ['address from the network\'s DHCP server'], nextBoot: [], summary: 'live: the guest asks the network\'s DHCP server',
    });
  });

  it('carries no address for mode none', () => {
    expect(nicAddressing(nicOf({ name: 'raw', ipConfig: { mode: 'none' } }), DEFAULT_USER_DATA, true)).toMatchObject({ source: 'none', when: 'live' });
  });

  it('waits for the boot on SR-IOV, which KubeVirt serves no DHCP for, without a fix to offer', () => {
    const a = nicAddressing(nicOf({ name: 'vf', type: 'sriov', resourceName: 'intel.com/vf', ipConfig: { address: '10.7.0.5/24' } }), DEFAULT_USER_DATA, true);
    expect(a).toEqual({
      source: 'network-data',
      when: 'next-boot',
      live: [],
      nextBoot: ['10.7.0.5/24', 'interface name vf'],
      summary: 'at the next boot: KubeVirt serves DHCP only for the bridge binding, not sriov',
      fix: undefined,
    });
  });

  it('waits for the boot when the NIC reuses a NAD, and says to drop nadName', () => {
    const a = nicAddressing(nicOf({ name: 'ext', nadName: 'infra/shared', ipConfig: { address: '10.8.0.5/24' } }), DEFAULT_USER_DATA, true);
    expect(a.when).toBe('next-boot');
    expect(a.fix).toBe('drop nadName so the NIC gets a NAD of its own with static IPAM');
  });

  it('serves only the first IPv4 address live; the others, IPv6 and the IPv6 gateway wait for the boot', () => {
    const nic = nicOf({ name: 'dual', ipConfig: { addresses: ['10.6.0.5/24', '10.6.0.6/24', 'fd00:6::5/64'], dnsServers: ['10.0.0.53'], searchDomains: ['corp'] }, mtu: 9000 });
    expect(nicAddressing(nic, DEFAULT_USER_DATA, true)).toEqual({
      source: 'kubevirt-dhcp',
      when: 'live',
      live: ['10.6.0.5/24', 'MTU 9000'],
      nextBoot: ['10.6.0.6/24', 'fd00:6::5/64', 'DNS servers 10.0.0.53', 'search domains corp'],
      summary: 'live: KubeVirt\'s DHCP hands the guest 10.6.0.5/24',
    });
  });
});
