/**
 * Every NetworkAttachmentDefinition the examples and a fuzz sample synthesize, run through the real CNI plugin it names
 * (github.com/containernetworking/plugins, built by testbed/build.sh), the way Multus runs it for a launcher pod:
 * ADD, CHECK and DEL with the NAD's `spec.config` on stdin, inside network namespaces this suite creates — a "node"
 * one holding what a node has (the plugins create the bridge themselves) and a "pod" one. Nothing touches the
 * machine's own network namespace. Needs root (CI runs as root).
 *
 * This kernel has no 802.1Q (CONFIG_VLAN_8021Q): a bridge with `vlan` fails exactly with "operation not supported"
 * after its config parsed; on a kernel with VLANs the same configs get their interfaces like the others.
 * ovs configs are parsed by ovs-cni's own config loader (testbed/cni/cmd/ovs-config-check); its ADD needs a running
 * Open vSwitch. Not executed here, and why: macvtap (the module proxy refuses macvtap-cni: 403), sriov (SR-IOV
 * hardware and its device plugin; sriov-cni's loader reads the VF from sysfs), kube-ovn (Kube-OVN's daemon, which the
 * kube-ovn plugin calls over its socket).
 */
import { execFileSync, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { join } from 'path';
import * as fc from 'fast-check';
import { describeWithCluster, testCluster } from './support/cluster';
import { exampleObjects } from './support/examples';
import { CNI_PLUGINS_VERSION } from './support/test-cluster';
import { renderVm } from '../../src/model';
import { validSpecArb } from '../model/fuzz-arbitraries';
import { Manifest } from '../support/manifests';

const EXECUTED = new Set(['bridge']);
/** Parsed by the plugin's own config loader, not run. */
const PARSED = new Set(['ovs']);
const NOT_EXECUTED: Record<string, string> = {
  'macvtap': 'macvtap-cni (refused by the Go module proxy) and its device plugin',
  'sriov': 'SR-IOV hardware and the SR-IOV device plugin',
  'kube-ovn': 'the Kube-OVN daemon',
};

let CNI_PATH = '';

interface CniResult {
  readonly code: number;
  readonly out: any;
}

/** One CNI call, as Multus makes it: the plugin run with CNI_* variables in the node namespace, the config on stdin. */
function cni(command: string, config: object, node: string, pod: string, ifname: string): CniResult {
  const plugin = join(CNI_PATH, (config as { type: string }).type);
  const r = spawnSync('ip', ['netns', 'exec', node, plugin], {
    input: JSON.stringify(config),
    encoding: 'utf8',
    env: { ...process.env, CNI_COMMAND: command, CNI_CONTAINERID: pod, CNI_NETNS: `/var/run/netns/${pod}`, CNI_IFNAME: ifname, CNI_PATH },
  });
  return { code: r.status ?? -1, out: r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
}

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const podLinks = (pod: string): Array<{ ifname: string; mtu: number }> => JSON.parse(ip('-n', pod, '-j', 'link', 'show'));
const podAddresses = (pod: string, ifname: string): string[] =>
  // Global scope: the kernel adds an IPv6 link-local address by itself once the link is up.
  JSON.parse(ip('-n', pod, '-j', 'addr', 'show', 'dev', ifname, 'scope', 'global'))
    .flatMap((l: any) => l.addr_info.filter((a: any) => a.local).map((a: any) => `${a.local}/${a.prefixlen}`));

/** The fuzz suite's generator and seed (FUZZ_SEED for another draw): the NADs of 60 random valid specs. */
const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 4217;
const fuzzNads = fc.sample(validSpecArb({ inline: true }), { seed: FUZZ_SEED, numRuns: 60 })
  .flatMap((v, i) => renderVm({ name: `fz${i}`, namespace: 'fuzz' }, v.spec).nads as unknown as Manifest[]);

const nads = [...exampleObjects().filter(o => o.kind === 'NetworkAttachmentDefinition'), ...fuzzNads];
const configs = nads.map(n => ({ name: `${n.metadata.namespace}/${n.metadata.name}`, config: JSON.parse((n as Manifest).spec.config) }));

describeWithCluster(`the examples' NADs through the real CNI plugins (containernetworking/plugins ${CNI_PLUGINS_VERSION})`, () => {
  beforeAll(() => {
    CNI_PATH = join(testCluster()!.testbed, 'cni');
    process.stdout.write(`[cni] plugins ${CNI_PLUGINS_VERSION} from ${CNI_PATH}; kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}\n`);
    if (process.getuid?.() !== 0) throw new Error('the CNI suite creates network namespaces: run it as root (CI does)');
  });

  it('covers every NAD the examples and the fuzz sample synthesize: each type is executed here or named with what it needs', () => {
    expect(configs.length).toBeGreaterThan(5);
    for (const { name, config } of configs) {
      expect({ name, type: EXECUTED.has(config.type) || PARSED.has(config.type) || config.type in NOT_EXECUTED ? 'known' : config.type }).toEqual({ name, type: 'known' });
    }
    expect(configs.some(c => c.config.type === 'bridge' && c.config.vlan === undefined)).toBe(true);
    expect(configs.some(c => c.config.type === 'bridge' && c.config.vlan !== undefined)).toBe(true);
    // The seed-compatible delivery: static IPAM in the NAD, whose address the plugin puts on the pod side.
    expect(configs.some(c => c.config.type === 'bridge' && c.config.ipam?.type === 'static')).toBe(true);
    expect(configs.filter(c => c.config.type === 'ovs').length).toBeGreaterThan(3);
  });

  it.each(configs.filter(c => PARSED.has(c.config.type)).map(c => [c.name, c.config]))('%s: parsed by ovs-cni\'s own config loader as written', (_name, config: any) => {
    const parsed = JSON.parse(execFileSync(join(CNI_PATH, 'ovs-config-check'), { input: JSON.stringify(config), encoding: 'utf8' }));
    expect(parsed).toEqual({
      name: config.name, bridge: config.bridge, vlan: config.vlan ?? null, mtu: config.mtu ?? 0, trunk: config.trunk ?? null, ipam: config.ipam?.type ?? '',
    });
  });

  it('fails if an ovs config is broken: ovs-cni\'s loader names the field', () => {
    const r = spawnSync(join(CNI_PATH, 'ovs-config-check'), { input: JSON.stringify({ cniVersion: '0.3.1', name: 'x', type: 'ovs', bridge: 'br1', vlan: 'ten' }), encoding: 'utf8' });
    expect({ code: r.status, err: r.stderr.trim() }).toEqual({ code: 1, err: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.vlan of type uint' });
  });

  it.each(configs.filter(c => EXECUTED.has(c.config.type)).map(c => [c.name, c.config]))('%s: ADD, CHECK, DEL', (_name, config: any) => {
    const id = randomBytes(3).toString('hex');
    const [node, pod] = [`wk-node-${id}`, `wk-pod-${id}`];
    ip('netns', 'add', node);
    ip('netns', 'add', pod);
    try {
      const added = cni('ADD', config, node, pod, 'net1');
      if (config.vlan !== undefined) {
        // The kernel limit, after the plugin parsed the config (a config it rejects fails with another message).
        expect(added).toEqual({ code: 1, out: { code: 999, msg: `failed to create bridge "${config.bridge}": could not add "${config.bridge}": operation not supported` } });
        expect(podLinks(pod).map(l => l.ifname)).toEqual(['lo']);
        return;
      }
      expect(added.code).toBe(0);
      expect(added.out.cniVersion).toBe(config.cniVersion);
      expect(added.out.interfaces).toEqual(expect.arrayContaining([{ name: 'net1', mac: expect.any(String), sandbox: `/var/run/netns/${pod}` }]));
      const link = podLinks(pod).find(l => l.ifname === 'net1')!;
      expect(link).toBeDefined();
      if (config.mtu) expect(link.mtu).toBe(config.mtu);
      // Static IPAM (the seed-compatible cni-ipam delivery) puts the address on the pod side, where KubeVirt's DHCP takes it from.
      const staticAddresses = config.ipam?.type === 'static' ? config.ipam.addresses.map((a: { address: string }) => a.address) : [];
      expect(podAddresses(pod, 'net1')).toEqual(staticAddresses);

      // CHECK came with CNI 0.4.0: a 0.3.x config is refused by the spec's own rule, so the same config is also run at
      // 1.0.0, where CHECK compares the ADD result (prevResult) with the live interfaces.
      const modern = /^0\.[0-3]\./.test(config.cniVersion) ? { ...config, cniVersion: '1.0.0' } : undefined;
      const check = cni('CHECK', { ...config, prevResult: added.out }, node, pod, 'net1');
      if (modern) expect(check).toEqual({ code: 1, out: { code: 1, msg: 'config version does not allow CHECK' } });
      else expect(check).toEqual({ code: 0, out: undefined });
      expect(cni('DEL', config, node, pod, 'net1')).toEqual({ code: 0, out: undefined });
      expect(podLinks(pod).map(l => l.ifname)).toEqual(['lo']);

      if (modern) {
        const again = cni('ADD', modern, node, pod, 'net1');
        expect(again.code).toBe(0);
        expect(cni('CHECK', { ...modern, prevResult: again.out }, node, pod, 'net1')).toEqual({ code: 0, out: undefined });
        expect(cni('DEL', modern, node, pod, 'net1')).toEqual({ code: 0, out: undefined });
        expect(podLinks(pod).map(l => l.ifname)).toEqual(['lo']);
      }
    } finally {
      ip('netns', 'del', pod);
      ip('netns', 'del', node);
    }
  });
});
