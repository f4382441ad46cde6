/**
 * A real booted guest behind the whole product: `wukong apply` on the test bed, KubeVirt's controllers, the node
 * stand-in booting the Debian guest of testbed/guest under QEMU for the VMI (support/guest/launcher.ts), the real CNI
 * bridge plugin with the NAD's static IPAM, KubeVirt-style DHCP on the pod side. Checked inside the guest through its
 * agent, and through `wukong status`, which shows what the guest agent reports. Both guest network stacks run at once
 * (netplan + systemd-networkd, and NetworkManager), each in its own namespace with its own node bridges.
 */
import { execFileSync, spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CoreV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { describeWithGuest, kubeConfigFor, testCluster } from './support/cluster';
import { agentExec } from './support/guest/machine';
import { restartVm, waitFor } from './support/kubevirt';
import { deriveMac } from '../../src/model/net/mac';
import { wukongAsync } from '../support/cli';

type Json = any;
const IMAGES = ['netplan', 'nm'] as const;
type Image = typeof IMAGES[number];
const BOOT_TIMEOUT = 420_000;
const HOTPLUG_BOUND = 120_000;

interface Net { readonly bridge: string; readonly router?: string; readonly dhcpRange?: string }

describeWithGuest('a real booted guest: network data at boot, a hot-plugged NIC addressed live, unplug, restart', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const k = ['--kubeconfig', state.kubeconfig];
  const dir = mkdtempSync(join(tmpdir(), 'wukong-guest-'));
  const node = (...args: string[]) => execFileSync('ip', ['-n', state.nodeNetns!, ...args], { encoding: 'utf8' });
  const servers: Array<{ kill: () => void }> = [];
  const ns = (image: Image) => `guest-${image}`;
  const br = (image: Image, net: string) => `${image === 'netplan' ? 'np' : 'nm'}-${net}`;
  const mac = (image: Image, nic: string) => deriveMac(ns(image), 'vm1', nic);

  const wukong = wukongAsync;

  /** The networks, played in the node's namespace: a bridge each, the router's address, a DHCP server for `dyn`. */
  function network(image: Image, name: string, n: Omit<Net, 'bridge'>): void {
    const bridge = br(image, name);
    node('link', 'add', bridge, 'type', 'bridge');
    node('link', 'set', bridge, 'up');
    if (n.router) node('addr', 'add', n.router, 'dev', bridge);
    if (n.dhcpRange) {
      const server = spawn('ip', ['netns', 'exec', state.nodeNetns!, 'dnsmasq', '--no-daemon', '--port=0', '--bind-interfaces', `--interface=${bridge}`,
        `--dhcp-range=${n.dhcpRange},12h`, `--dhcp-leasefile=${join(dir, `${bridge}.leases`)}`, '--no-resolv', '--no-hosts', '--log-dhcp'], { stdio: 'ignore' });
      servers.push({ kill: () => server.kill('SIGKILL') });
    }
  }

  function spec(image: Image, withHot: boolean, hotLink: 'up' | 'down' = 'up'): string {
    const nic = (name: string, rest: Json) => ({ name, bridgeName: br(image, name), ...rest });
    return stringify({
      apiVersion: 'vm.novasphere.dev/v1alpha1',
      kind: 'Wukong',
      metadata: { name: 'vm1', namespace: ns(image) },
      spec: {
        networks: [
          nic('mgmt', { primary: true, ipConfig: { address: '10.61.0.5/24', gateway: '10.61.0.1', dnsServers: ['10.61.0.53'], searchDomains: ['corp.example'] } }),
          nic('dyn', { ipConfig: { mode: 'dhcp' } }),
          nic('app', { ipConfig: { address: '10.63.0.5/24' }, routes: [{ destination: '10.163.0.0/16', gateway: '10.63.0.254', metric: 250 }] }),
          ...(withHot ? [nic('hot', { ...(hotLink === 'down' ? { linkState: 'down' } : {}), mtu: 1400, ipConfig: { address: '10.64.0.5/24', dnsServers: ['10.64.0.53'] }, routes: [{ destination: '10.164.0.0/16', gateway: '10.64.0.1' }] })] : []),
        ],
      },
    });
  }

  async function apply(image: Image, withHot: boolean, hotLink: 'up' | 'down' = 'up'): Promise<string> {
    const file = join(dir, `${image}.yaml`);
    writeFileSync(file, spec(image, withHot, hotLink));
    const r = await wukong(['apply', file, '--wait', '--timeout', '240', ...k]);
    expect({ code: r.code, errors: r.stderr.split('\n').filter(l => /^error/.test(l)) }).toEqual({ code: 0, errors: [] });
    return r.stdout;
  }

  const guestDir = (image: Image) => readFileSync(join(state.dir, 'g', `${ns(image)}.vm1.dir`), 'utf8');
  /** Runs a command in the guest through its agent, as `virtctl ssh` would let a user look. */
  const inGuest = async (image: Image, argv: string[]) => {
    const r = await agentExec(guestDir(image), argv);
    if (r.exitcode !== 0) throw new Error(`${argv.join(' ')} in the ${image} guest exited ${r.exitcode}: ${r.stderr}`);
    return r.stdout;
  };
  const links = async (image: Image): Promise<Json[]> => JSON.parse(await inGuest(image, ['ip', '-j', 'addr', 'show']));
  const byMac = async (image: Image, nic: string) => (await links(image)).find(l => l.address === mac(image, nic));
  const v4 = (link: Json | undefined) => (link?.addr_info ?? []).filter((a: Json) => a.family === 'inet').map((a: Json) => `${a.local}/${a.prefixlen}`);
  const routes = async (image: Image): Promise<Json[]> => JSON.parse(await inGuest(image, ['ip', '-j', '-4', 'route', 'show']));
  /** The VMI's interfaces as `wukong status --json` prints them: what the guest agent reports. */
  const status = async (image: Image): Promise<Json[]> => {
    const r = await wukong(['status', 'vm1', '-n', ns(image), '--json', ...k]);
    return r.code === 0 ? JSON.parse(r.stdout).nics : [];
  };
  const booted = async (image: Image, since: number) => waitFor(`the ${image} guest to report its addresses`, async () => {
    const nics = await status(image);
    const ok = ['mgmt', 'app'].every(n => nics.find(x => x.name === n)?.ipAddresses?.length) && nics.find(x => x.name === 'dyn')?.ipAddresses?.some((a: string) => a.startsWith('10.62.0.'));
    return ok ? Date.now() - since : undefined;
  }, undefined, BOOT_TIMEOUT);

  /** The guest's default routes, each as `<NIC> via <gateway>`, sorted. */
  const defaultRoutes = async (image: Image) => {
    const names = Object.fromEntries((await links(image)).map(l => [l.ifname, ['default', 'mgmt', 'dyn', 'app', 'hot'].find(n => mac(image, n) === l.address) ?? l.ifname]));
    return (await routes(image)).filter(r => r.dst === 'default').map(r => `${names[r.dev]} via ${r.gateway}`).sort();
  };
  /**
   * The default route goes only through the primary NIC on netplan. cloud-init 22.4 keeps nothing of
   * `dhcp4-overrides` but `route-metric` for its other renderers (cloudinit/net/network_state.py,
   * `_add_dhcp_overrides`), and its NetworkManager renderer not even that: NetworkManager also takes the router of
   * the DHCP NIC's own server (README, "Where the IPs go").
   */
  const DEFAULT_ROUTES: Record<Image, string[]> = { netplan: ['mgmt via 10.61.0.1'], nm: ['dyn via 10.62.0.1', 'mgmt via 10.61.0.1'] };

  /** What the spec asks for at boot, checked inside the guest. */
  async function expectBootState(image: Image, hot: boolean): Promise<void> {
    expect(v4(await byMac(image, 'mgmt'))).toEqual(['10.61.0.5/24']);
    expect(v4(await byMac(image, 'app'))).toEqual(['10.63.0.5/24']);
    expect(v4(await byMac(image, 'dyn'))).toEqual([expect.stringMatching(/^10\.62\.0\.(5\d|60)\/24$/)]);
    expect(!!(await byMac(image, 'hot'))).toBe(hot);
    if (hot) expect(v4(await byMac(image, 'hot'))).toEqual(['10.64.0.5/24']);
    const r = await routes(image);
    const mgmt = (await byMac(image, 'mgmt')).ifname;
    const app = (await byMac(image, 'app')).ifname;
    expect(r).toEqual(expect.arrayContaining([
      expect.objectContaining({ dst: 'default', gateway: '10.61.0.1', dev: mgmt }),
      expect.objectContaining({ dst: '10.163.0.0/16', gateway: '10.63.0.254', dev: app }),
    ]));
    expect(await defaultRoutes(image)).toEqual(DEFAULT_ROUTES[image]);
    // Route metrics survive the netplan renderer only (canonical/cloud-init#4217, README "Where the IPs go").
    if (image === 'netplan') expect(r.find(x => x.dst === '10.163.0.0/16')?.metric).toBe(250);
    // netplan hands DNS to systemd-resolved (the guest's /etc/resolv.conf is its stub); NetworkManager writes resolv.conf.
    const resolv = await inGuest(image, ['cat', image === 'netplan' ? '/run/systemd/resolve/resolv.conf' : '/etc/resolv.conf']);
    expect(resolv).toMatch(/nameserver 10\.61\.0\.53/);
    expect(resolv).toMatch(/search .*corp\.example/);
    // The pod network (masquerade) comes up too, by KubeVirt's DHCP.
    expect(v4(await byMac(image, 'default'))).toEqual(['10.0.2.2/24']);
  }

  beforeAll(async () => {
    const core = kc.makeApiClient(CoreV1Api);
    for (const image of IMAGES) {
      await core.createNamespace({ body: { metadata: { name: ns(image), labels: { 'wukong.test/guest': image } } } });
      network(image, 'mgmt', { router: '10.61.0.1/24' });
      network(image, 'dyn', { router: '10.62.0.1/24', dhcpRange: '10.62.0.50,10.62.0.60' });
      network(image, 'app', { router: '10.63.0.254/24' });
      network(image, 'hot', { router: '10.64.0.1/24' });
    }
  }, 60_000);

  afterAll(() => {
    for (const s of servers) s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const boot: Partial<Record<Image, number>> = {};

  it('boots a 3-NIC VM on both network stacks: static with gateway and DNS, DHCP, routes with metrics', async () => {
    const t0 = Date.now();
    await Promise.all(IMAGES.map(image => apply(image, false)));
    const times = await Promise.all(IMAGES.map(image => booted(image, t0)));
    IMAGES.forEach((image, i) => { boot[image] = times[i]; });
    process.stderr.write(`[guest] first boot to addresses reported: ${IMAGES.map(i => `${i} ${Math.round(boot[i]! / 1000)} s`).join(', ')}\n`);
    for (const image of IMAGES) await expectBootState(image, false);
  }, BOOT_TIMEOUT + 120_000);

  it('hot-plugs a NIC with a static IPv4 and the guest has its address, route and MTU live, without a reboot', async () => {
    const uptime = async (image: Image) => Number((await inGuest(image, ['cat', '/proc/uptime'])).split(' ')[0]);
    const before = await Promise.all(IMAGES.map(uptime));
    const file = join(dir, 'netplan.yaml');
    writeFileSync(file, spec('netplan', true));
    const plan = await wukong(['plan', file, '--live', ...k]);
    expect(plan.stdout).toMatch(/nic hot\s+hotplug\s+live: KubeVirt's DHCP hands the guest 10\.64\.0\.5\/24/);
    expect(plan.stdout).toMatch(/hot: live 10\.64\.0\.5\/24, IPv4 routes, MTU 1400; at the next boot route metrics \(400; live routes get 20000\), DNS servers 10\.64\.0\.53/);
    const t0 = Date.now();
    await Promise.all(IMAGES.map(image => apply(image, true)));
    const took = await Promise.all(IMAGES.map(image => waitFor(`the hot-plugged NIC to get 10.64.0.5 in the ${image} guest`, async () => {
      return v4(await byMac(image, 'hot')).includes('10.64.0.5/24') ? Date.now() - t0 : undefined;
    }, undefined, HOTPLUG_BOUND)));
    process.stderr.write(`[guest] hot-plug to address in the guest: ${IMAGES.map((i, n) => `${i} ${Math.round(took[n] / 1000)} s`).join(', ')}\n`);
    for (const [n, image] of IMAGES.entries()) {
      const hot = await byMac(image, 'hot');
      expect(v4(hot)).toEqual(['10.64.0.5/24']);
      expect(hot.mtu).toBe(1400);
      expect(await routes(image)).toEqual(expect.arrayContaining([expect.objectContaining({ dst: '10.164.0.0/16', gateway: '10.64.0.1', dev: hot.ifname })]));
      // No default route through the new NIC, and no reboot: the uptime kept counting.
      expect(await defaultRoutes(image)).toEqual(DEFAULT_ROUTES[image]);
      expect(await uptime(image)).toBeGreaterThan(before[n]);
      // What the guest agent reports is what `wukong status` shows.
      // (NetworkManager also gives it an IPv6 link-local address, which KubeVirt reports for bridge NICs.)
      const reported = (await status(image)).find(x => x.name === 'hot');
      expect({ ...reported, ipAddresses: reported.ipAddresses.filter((a: string) => !a.startsWith('fe80:')) })
        .toMatchObject({ ipAddresses: ['10.64.0.5'], guestInterfaceName: hot.ifname });
    }
  }, HOTPLUG_BOUND + 300_000);

  it('sets its link down and up again live: the guest loses and regains the carrier, keeping the device', async () => {
    const carrier = async (image: Image) => (await inGuest(image, ['cat', `/sys/class/net/${(await byMac(image, 'hot')).ifname}/carrier`])).trim();
    for (const link of ['down', 'up'] as const) {
      await Promise.all(IMAGES.map(image => apply(image, true, link)));
      for (const image of IMAGES) {
        await waitFor(`the ${image} guest's hot NIC carrier to be ${link}`, async () => ((await carrier(image)) === (link === 'down' ? '0' : '1') ? true : undefined), undefined, 60_000);
        expect((await status(image)).find(x => x.name === 'hot')?.linkState).toBe(link);
      }
    }
  }, 300_000);

  it('unplugs it: the device and its configuration leave the guest', async () => {
    await Promise.all(IMAGES.map(image => apply(image, false)));
    for (const image of IMAGES) {
      await waitFor(`the NIC to leave the ${image} guest`, async () => (await byMac(image, 'hot')) ? undefined : true, undefined, 120_000);
      expect(await routes(image)).not.toEqual(expect.arrayContaining([expect.objectContaining({ dst: '10.164.0.0/16' })]));
    }
  }, 300_000);

  it('restarts with exactly the spec\'s addresses: the new seed has no trace of the unplugged NIC', async () => {
    const t0 = Date.now();
    await Promise.all(IMAGES.map(image => restartVm(state, kc, ns(image), 'vm1')));
    const times = await Promise.all(IMAGES.map(image => booted(image, t0)));
    process.stderr.write(`[guest] restart to addresses reported: ${IMAGES.map((i, n) => `${i} ${Math.round(times[n] / 1000)} s`).join(', ')}\n`);
    for (const image of IMAGES) {
      await expectBootState(image, false);
      const seeded = await inGuest(image, ['sh', '-c', 'cat /etc/netplan/*.yaml /etc/NetworkManager/system-connections/* 2>/dev/null; true']);
      expect(seeded).not.toContain(mac(image, 'hot'));
    }
  }, BOOT_TIMEOUT + 120_000);
});
