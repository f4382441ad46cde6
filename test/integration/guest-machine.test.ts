/**
 * The guest driver alone (test/integration/support/guest/), no Kubernetes: a real Debian guest per network stack
 * (testbed/guest/build.sh: netplan + systemd-networkd, and NetworkManager) booted under QEMU/TCG as virt-launcher
 * boots a VMI, with
 *   - a pod-network NIC (masquerade binding: QEMU's user network, restricted, guest 10.0.2.2/24, gateway 10.0.2.1),
 *     configured by DHCP as its network-config entry asks;
 *   - a bridge-bound NIC, a tap on bridge k6t-br1 in the VM's network namespace, where the DHCP stand-in (dnsmasq, as
 *     KubeVirt's in-pod DHCP) would offer its IPAM address; its network-config entry gives it a static one instead,
 *     matched by MAC (no set-name, optional), and the guest must take that and never ask the DHCP server;
 * then a NIC hot-plugged with a MAC that network-config does not know, which must get exactly the stand-in's lease
 * (address, classless route, MTU) without a reboot; its unplug; a reboot, after which the boot NICs' addresses are
 * back. Each step's time is measured and printed (budget: a whole guest suite within 10 minutes on 2 cores).
 *
 * What makes each stack bring up a NIC that network-config does not name (cloud-init's own hot-plug hook cannot:
 * with NoCloud it requires the new MAC in the seed's network-config, cloudinit/cmd/devel/hotplug_hook.py):
 *   - systemd-networkd: only links some .network file matches are configured. Wukong's default user data
 *     (HOTPLUG_USER_DATA) writes a catch-all (`Name=en* eth*`, DHCP) that sorts after netplan's 10-netplan-*.network,
 *     so NICs netplan knows keep their own file, and reloads networkd (it read its files before cloud-init wrote this
 *     one). `UseMTU=` defaults to false in systemd.network(5), hence set.
 *   - NetworkManager: nothing. NM's "Wired connection N" auto-default profile (DHCP) takes any ethernet device no
 *     profile matches, and cloud-init 22.4's renderer writes per-MAC keyfiles only, no `no-auto-default`.
 * The same user-data serves both images (the networkd part is skipped where networkd is not running).
 *
 * Needs root (network namespaces, taps) and the Debian mirror for the first image build (CI runs as root).
 */
import { execFileSync } from 'child_process';
import { mkdirSync, rmSync } from 'fs';
import { join } from 'path';
import { describeWithGuest, testCluster } from './support/cluster';
import { startDhcp } from './support/guest/dhcp';
import type { DhcpHandle } from './support/guest/dhcp';
import { Guest, ipv4Of, startGuest } from './support/guest/machine';
import type { ImageName, NicSpec } from './support/guest/machine';
import { buildSeedIso, firmwareUuid, noCloudMetaData } from './support/guest/seed';
import { DEFAULT_USER_DATA } from '../../src/model/net/addressing';

const IMAGES: ImageName[] = ['netplan', 'nm'];
/** Short: unix socket paths live under it. */
const WORK = `/tmp/wk-guest-${process.pid}`;
const BOOT_TIMEOUT = 240_000;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const POD = { id: 'default', mac: '02:00:00:00:00:05' } as const;
const BRIDGE = { id: 'br1', mac: '02:00:00:00:01:05', staticIp: '10.1.0.9/24', dhcpIp: '10.1.0.5/24', bridge: 'k6t-br1', tap: 'tapbr1' } as const;
const HOTPLUG = { id: 'hp1', mac: '02:00:00:00:02:05', ip: '10.2.0.5/24', gateway: '10.2.0.1', route: { dst: '192.168.240.0/24', gw: '10.2.0.1' }, mtu: 1400, bridge: 'k6t-hp1', tap: 'taphp1' } as const;
/** Plugged onto a bridge whose stand-in serves another MAC. */
const STRANGER = { id: 'hp2', mac: '02:00:00:00:03:05', servedMac: '02:00:00:00:03:99', ip: '10.3.0.5/24', bridge: 'k6t-hp2', tap: 'taphp2' } as const;

/** KubeVirt's masquerade addresses: guest .2, gateway .1 of vmNetworkCIDR 10.0.2.0/24 (pkg/network/link/address.go). */
const POD_BACKEND = { type: 'user', net: '10.0.2.0/24', host: '10.0.2.1', dhcpstart: '10.0.2.2' } as const;

/** The product's default user data: what every VM Wukong makes boots with (src/model/net/addressing.ts). */
const USER_DATA = DEFAULT_USER_DATA;

const NETWORK_CONFIG = `version: 2
ethernets:
  "default":
    match: {macaddress: "${POD.mac}"}
    dhcp4: true
  "br1":
    match: {macaddress: "${BRIDGE.mac}"}
    addresses: ["${BRIDGE.staticIp}"]
    optional: true
`;

const say = (line: string) => process.stderr.write(`[guest-machine] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Polls the guest agent until `check` holds for the interfaces, or fails with what the agent last reported. */
async function waitInterfaces(guest: Guest, what: string, check: (ifaces: Awaited<ReturnType<Guest['interfaces']>>) => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    last = await guest.interfaces();
    if (check(last as any)) return Date.now() - t0;
    await sleep(250);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s; the guest agent reports ${JSON.stringify(last)}`);
}

/** The images scripts/test-env.sh built (testbed/guest/build.sh) for the whole run. */
const imagesDir = testCluster()?.guestImages ?? '';

beforeAll(() => {
  say(`images in ${imagesDir}`);
  mkdirSync(WORK, { recursive: true });
});

afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

describeWithGuest.each(IMAGES)('%s guest', image => {
  const name = `gm-${image}`;
  const dir = join(WORK, image);
  const netns = `wk-gm-${image}-${process.pid % 100000}`;
  const uuid = firmwareUuid(name);
  const dhcps: DhcpHandle[] = [];
  let guest: Guest | undefined;
  const measured: Record<string, string> = {};

  const g = () => {
    if (!guest) throw new Error(`the ${image} guest did not start (see the first failure)`);
    return guest;
  };
  const ifname = async (mac: string) => {
    const nic = (await g().interfaces()).find(i => i['hardware-address'] === mac);
    if (!nic) throw new Error(`no guest NIC with MAC ${mac}`);
    return nic.name;
  };

  beforeAll(async () => {
    // In KubeVirt the tap and DHCP server are there before QEMU opens the tap (virt-handler's phase 1, the
    // launcher's phase 2); same order here.
    dhcps.push(await startDhcp({ netns, bridge: BRIDGE.bridge, tap: BRIDGE.tap, mac: BRIDGE.mac, ip: BRIDGE.dhcpIp, index: 1, dir }));
    const seedIso = await buildSeedIso(dir, { userData: USER_DATA, metaData: noCloudMetaData(uuid, name), networkConfig: NETWORK_CONFIG });
    const nics: NicSpec[] = [
      { ...POD, backend: POD_BACKEND },
      { id: BRIDGE.id, mac: BRIDGE.mac, backend: { type: 'tap', ifname: BRIDGE.tap } },
    ];
    guest = await startGuest({ image, imagesDir, dir, seedIso, uuid, netns, nics, rootPorts: 4 });
  }, 60_000);

  afterAll(async () => {
    await guest?.stop();
    for (const d of dhcps) await d.stop();
    say(`${image}: ${Object.entries(measured).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }, 60_000);

  test('boots under TCG to cloud-init done, from the NoCloud seed, with the VMI firmware UUID', async () => {
    const ready = await g().waitReady(BOOT_TIMEOUT);
    measured['first boot to cloud-init done'] = seconds(ready.ms);
    expect(ready.datasource).toMatch(/^DataSourceNoCloud /);
    expect(ready.errors).toEqual([]);
    expect((await g().sh(['cat', '/sys/class/dmi/id/product_uuid'])).trim()).toBe(uuid);
    // The meta-data's instance-id is that UUID too (KubeVirt's cloudInitUUIDFromVMI).
    expect((await g().sh(['cat', '/var/lib/cloud/data/instance-id'])).trim()).toBe(uuid);
    expect(g().consoleTail()).toMatch(/Cloud-init v\. [\d.]+ finished .* Datasource DataSourceNoCloud/);
    const analyze = await g().sh(['systemd-analyze']);
    const blame = (await g().sh(['systemd-analyze', 'blame', '--no-pager'])).trim().split('\n').slice(0, 6).map(l => l.trim()).join('; ');
    say(`${image}: ${analyze.split('\n')[0]}; slowest units: ${blame}`);
  }, BOOT_TIMEOUT + 30_000);

  test('network-config v2 by MAC: the pod NIC by DHCP, the bridge NIC static (the in-pod DHCP server never asked)', async () => {
    const ifaces = await g().interfaces();
    expect(ipv4Of(ifaces, POD.mac)).toEqual(['10.0.2.2/24']);
    expect(ipv4Of(ifaces, BRIDGE.mac)).toEqual([BRIDGE.staticIp]);
    expect(dhcps[0].log()).not.toMatch(new RegExp(`DHCPDISCOVER\\(${BRIDGE.bridge}\\) ${BRIDGE.mac}`));
  });

  test('a hot-plugged NIC network-config does not know gets exactly the in-pod DHCP lease: address, classless route, MTU; no reboot', async () => {
    const dhcp = await startDhcp({ netns, bridge: HOTPLUG.bridge, tap: HOTPLUG.tap, mac: HOTPLUG.mac, ip: HOTPLUG.ip, gateway: HOTPLUG.gateway, routes: [HOTPLUG.route], mtu: HOTPLUG.mtu, dns: ['10.2.0.53'], search: ['example.test'], index: 2, dir });
    dhcps.push(dhcp);
    const resets = g().events().filter(e => e.event === 'RESET').length;
    const t0 = Date.now();
    await g().hotplug({ id: HOTPLUG.id, mac: HOTPLUG.mac, backend: { type: 'tap', ifname: HOTPLUG.tap } });
    await waitInterfaces(g(), `an IPv4 address on the hot-plugged ${HOTPLUG.mac}`, i => (ipv4Of(i, HOTPLUG.mac)?.length ?? 0) > 0, 120_000);
    measured['hot-plug to address'] = seconds(Date.now() - t0);
    expect(ipv4Of(await g().interfaces(), HOTPLUG.mac)).toEqual([HOTPLUG.ip]);
    const nic = await ifname(HOTPLUG.mac);
    const routes = JSON.parse(await g().sh(['ip', '-j', '-4', 'route', 'show', HOTPLUG.route.dst]));
    expect(routes).toEqual([expect.objectContaining({ dst: HOTPLUG.route.dst, gateway: HOTPLUG.route.gw, dev: nic })]);
    expect(JSON.parse(await g().sh(['ip', '-j', 'link', 'show', 'dev', nic]))[0].mtu).toBe(HOTPLUG.mtu);
    // The lease carries a router (option 3) beside the classless routes (121). RFC 3442: "If the DHCP server returns
    // both a Classless Static Routes option and a Router option, the DHCP client MUST ignore the Router option."
    // networkd does; NetworkManager 1.42 installs the default route anyway. (KubeVirt puts a pod default route into
    // option 121 as well, last: pkg/network/dhcp/server/server.go sortRoutes.)
    expect(dhcp.log()).toMatch(new RegExp(`option:  3 router  ${HOTPLUG.gateway}`));
    const defaults = JSON.parse(await g().sh(['ip', '-j', '-4', 'route', 'show', 'default', 'dev', nic]));
    if (image === 'netplan') expect(defaults).toEqual([]);
    else expect(defaults).toEqual([expect.objectContaining({ dst: 'default', gateway: HOTPLUG.gateway })]);
    // Which profile took it: the catch-all .network file, or NetworkManager's auto-default connection.
    if (image === 'netplan') {
      expect(await g().sh(['networkctl', 'status', '--no-pager', nic])).toMatch(/Network File: \/etc\/systemd\/network\/99-wukong-hotplug\.network/);
    } else {
      expect((await g().sh(['nmcli', '-g', 'GENERAL.CONNECTION', 'device', 'show', nic])).trim()).toMatch(/^Wired connection \d+$/);
    }
    expect(dhcp.log()).toMatch(new RegExp(`DHCPACK\\(${HOTPLUG.bridge}\\) ${HOTPLUG.ip.split('/')[0]} ${HOTPLUG.mac}`));
    expect(g().events().filter(e => e.event === 'RESET')).toHaveLength(resets);
  }, 180_000);

  test('the in-pod DHCP stand-in answers no MAC but the VM interface\'s', async () => {
    const dhcp = await startDhcp({ netns, bridge: STRANGER.bridge, tap: STRANGER.tap, mac: STRANGER.servedMac, ip: STRANGER.ip, index: 3, dir });
    dhcps.push(dhcp);
    await g().hotplug({ id: STRANGER.id, mac: STRANGER.mac, backend: { type: 'tap', ifname: STRANGER.tap } });
    const ignored = new RegExp(`DHCPDISCOVER\\(${STRANGER.bridge}\\) ${STRANGER.mac} ignored`);
    const t0 = Date.now();
    while (!ignored.test(dhcp.log())) {
      if (Date.now() - t0 > 60_000) throw new Error(`dnsmasq never saw (and ignored) a DHCPDISCOVER from ${STRANGER.mac}:\n${dhcp.log()}`);
      await sleep(250);
    }
    expect(dhcp.log()).not.toMatch(/DHCPOFFER/);
    expect(ipv4Of(await g().interfaces(), STRANGER.mac)).toEqual([]);
    await g().unplug(STRANGER.id);
  }, 120_000);

  test('an unplugged NIC is gone from the guest; the other NICs keep their addresses', async () => {
    const t0 = Date.now();
    await g().unplug(HOTPLUG.id);
    measured.unplug = seconds(Date.now() - t0);
    await waitInterfaces(g(), `${HOTPLUG.mac} gone`, i => ipv4Of(i, HOTPLUG.mac) === undefined, 30_000);
    const ifaces = await g().interfaces();
    expect(ipv4Of(ifaces, POD.mac)).toEqual(['10.0.2.2/24']);
    expect(ipv4Of(ifaces, BRIDGE.mac)).toEqual([BRIDGE.staticIp]);
  }, 90_000);

  test('fails if a NIC id is not plugged: QMP names the device', async () => {
    await expect(g().unplug('nope')).rejects.toThrow(/QMP device_del failed: .*ua-nope/);
  });

  test('after a reboot (same QEMU, same seed) the boot NICs have the same addresses', async () => {
    const ready = await g().reboot({ timeoutMs: BOOT_TIMEOUT });
    measured['reboot to cloud-init done'] = `${seconds(ready.ms)} (shutdown ${seconds(ready.resetMs!)})`;
    expect(ready.errors).toEqual([]);
    const ifaces = await g().interfaces();
    expect(ipv4Of(ifaces, POD.mac)).toEqual(['10.0.2.2/24']);
    expect(ipv4Of(ifaces, BRIDGE.mac)).toEqual([BRIDGE.staticIp]);
    expect(ipv4Of(ifaces, HOTPLUG.mac)).toBeUndefined();
  }, BOOT_TIMEOUT + 150_000);
});

describeWithGuest('the NoCloud seed', () => {
  test('firmwareUuid is virt-controller\'s: uuid.NewSHA1 of the VM name in KubeVirt\'s namespace', () => {
    // Computed with github.com/google/uuid v1.6.0 (KubeVirt's dependency) exactly as firmware.go CalculateLegacyUUID.
    expect(firmwareUuid('testvmi')).toBe('f8918e71-270a-598e-a2a4-1afac39e1394');
    expect(firmwareUuid('vm1')).toBe('133bf63e-9459-5126-9b21-b56e9b3d17b3');
    expect(firmwareUuid('a-much-longer-virtual-machine-name-01')).toBe('b0faf029-0d52-5af5-8171-8d0fe59b57fe');
  });

  test('buildSeedIso packs KubeVirt\'s files, mode 0600, into a `cidata` ISO; network-config only when given', async () => {
    const dir = join(WORK, 'seed');
    const list = (iso: string) => execFileSync('xorriso', ['-indev', iso, '-find', '/', '-type', 'f', '-exec', 'lsdl', '--'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const withNet = await buildSeedIso(dir, { userData: USER_DATA, metaData: noCloudMetaData('i-1', 'h'), networkConfig: NETWORK_CONFIG });
    expect(list(withNet).trim().split('\n').map(l => l.replace(/^(\S+).*'\/(.*)'$/, '$1 $2')).sort()).toEqual(['-rw------- meta-data', '-rw------- network-config', '-rw------- user-data']);
    expect(execFileSync('xorriso', ['-indev', withNet, '-pvd_info'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toMatch(/Volume Id\s*: cidata\n/);
    const without = await buildSeedIso(dir, { userData: USER_DATA, metaData: noCloudMetaData('i-1') });
    expect(list(without)).not.toContain('network-config');
    expect(noCloudMetaData('i-1', 'h')).toBe('{"instance-id":"i-1","local-hostname":"h"}');
  });
});

describeWithGuest('the driver\'s failures', () => {
  const dir = join(WORK, 'fail');

  test('fails if the guest is not ready in time, saying how far it got, with the console\'s tail', async () => {
    const uuid = firmwareUuid('gm-fail');
    const seedIso = await buildSeedIso(dir, { userData: USER_DATA, metaData: noCloudMetaData(uuid) });
    const guest = await startGuest({ image: 'netplan', imagesDir, dir, seedIso, uuid, nics: [], rootPorts: 0 });
    try {
      // No spare root port: the error says so before QMP is asked anything.
      await expect(guest.hotplug({ id: 'x', mac: '02:00:00:00:09:05', backend: POD_BACKEND })).rejects.toThrow(/no free root port left/);
      // Booting `quiet`, the console stays empty for its first ~15 s: the boot tests check that it is captured.
      await expect(guest.waitReady(2000)).rejects.toThrow(/not ready after 2 s: the guest agent never answered [^]*console \(last 40 lines of .*console\.log\):/);
    } finally {
      await guest.stop();
    }
    expect(guest.exited()).toMatch(/QEMU exited/);
  }, 120_000);

  test('fails if the VM\'s network namespace does not exist, saying so', async () => {
    const uuid = firmwareUuid('gm-fail');
    const seedIso = await buildSeedIso(dir, { userData: USER_DATA, metaData: noCloudMetaData(uuid) });
    await expect(startGuest({ image: 'netplan', imagesDir, dir, seedIso, uuid, netns: 'wk-no-such-ns', nics: [] }))
      .rejects.toThrow(/QEMU exited \(\d+\) at start; .*qemu\.log:\n[^]*Cannot open network namespace "wk-no-such-ns"/);
  }, 60_000);

  test('fails if dnsmasq rejects its configuration, and leaves no namespace behind', async () => {
    const netns = `wk-gm-fail-${process.pid % 100000}`;
    await expect(startDhcp({ netns, bridge: 'k6t-f', tap: 'tapf', mac: '02:00:00:00:09:07', ip: '10.9.0.5/24', dns: ['10.9.0.999'], dir }))
      .rejects.toThrow(/DNS server 10\.9\.0\.999 is not an IPv4 address/);
    await expect(startDhcp({ netns, bridge: 'k6t-f', tap: 'tapf', mac: '02:00:00:00:09:07', ip: '10.9.0.5/24', hostname: 'bad_name!', dir }))
      .rejects.toThrow(/dnsmasq in wk-gm-fail-\d+ exited \(1\):\n[^]*bad DHCP host name/);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(netns);
  }, 30_000);
});
