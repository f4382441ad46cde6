/**
 * 200 random valid specs (the unit fuzz suite's generator, fixed seed; FUZZ_SEED=<n> for another draw) on the real
 * API server with KubeVirt's admission, and in cloud-init: every rendered object passes a dry-run create and a create
 * (through KubeVirt's validating and mutating webhooks for the VMs), reads back as sent, and
 * every VM's network data, read back from the server, renders in cloud-init's own renderers (one interpreter for all
 * of them: support/cloud-init-batch.py) as the spec asks.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { DISTRO, Job, Output, filesUnder, netplanProblems, render, renderBatch, sysconfigProblems } from './support/cloud-init';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { dryRunThenCreate, ensureNamespaces, notStoredAsSent, readBack } from './support/objects';
import { RenderedVm, renderVm } from '../../src/model';
import { cidrsOverlap, parseCidr } from '../../src/model/net/ip';
import { Json, validSpecArb } from '../model/fuzz-arbitraries';
import { Manifest } from '../support/manifests';

const RUNS = 200;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 4217;
const OUTPUTS: readonly Output[] = ['netplan', 'sysconfig'];

/**
 * Makes a spec safe to share one cluster with the other 199: Kube-OVN Subnets are cluster-scoped, so each gets a
 * name and a CIDR (10.(200+slot).0.0/p, fd00:(200+slot)::/q in the generator) of its own.
 */
function forCluster(spec: Json, vm: number, vmName: string): Json {
  const networks = (spec.networks ?? []).map((nic: Json, slot: number) => {
    if (nic.type !== 'kube-ovn' || !nic.subnet) return nic;
    const u = vm * 12 + slot;
    const text = JSON.stringify(nic)
      .replace(new RegExp(`\\b10\\.${200 + slot}\\.`, 'g'), `${11 + Math.floor(u / 256)}.${u % 256}.`)
      .replace(new RegExp(`\\bfd00:0*${(0x200 + slot).toString(16)}:`, 'gi'), `fd01:${u.toString(16)}:`);
    const moved = JSON.parse(text);
    if (moved.subnet.name) moved.subnet.name = `${vmName}-${moved.subnet.name}`;
    return moved;
  });
  // Stopped: the suite checks admission, storage and rendering; 200 running VMs would measure the node stand-in. A
  // WaitAsReceiver VM is refused by KubeVirt's admission without its feature gate (kubevirt.test.ts proves it and the
  // warning Wukong gives), so the cluster copy of such a spec is stopped too.
  return { ...spec, ...(spec.networks ? { networks } : {}), runStrategy: 'Halted' };
}

const isDefault = (r: Json) => r.destination === '0.0.0.0/0' || r.destination === '::/0';

/**
 * Leaves out what the guest checks cannot judge:
 * - explicit IPv4 default routes: one becomes sysconfig's GATEWAY, which sysconfigProblems counts as a stray default
 *   route (IPv6 ones are rejected by validation: cloud-init's eni and sysconfig renderers turn `::/0` into `::/64`);
 * - DNS servers of a NIC without static addresses in the network data: sysconfig writes them to resolv.conf, not to
 *   the ifcfg file sysconfigProblems reads;
 * - NIC names that YAML 1.2 reads as numbers but YAML 1.1 does not ('12e3', '0o17'): cloud-init writes them unquoted
 *   into the netplan file, where netplan reads a string, but netplanProblems parses YAML 1.2. They get a prefix.
 */
function withinGuestChecks(spec: Json): Json {
  const withoutDefaults = (o: Json) => {
    if (!Array.isArray(o.routes)) return { ...o };
    const routes = o.routes.filter(r => !isDefault(r));
    const { routes: _dropped, ...rest } = o;
    return routes.length ? { ...rest, routes } : rest;
  };
  const names = new Set((spec.networks ?? []).map((n: Json) => n.name));
  const networks = (spec.networks ?? []).map((nic: Json) => {
    const out = withoutDefaults(nic);
    if (/^(\d+e\d+|0o[0-7]+)$/i.test(out.name) && out.name.length < 15 && !names.has(`n${out.name}`)) out.name = `n${out.name}`;
    const ip = out.ipConfig;
    if (!ip) return out;
    const addresses: string[] = [ip.address, ...(ip.addresses ?? [])].filter(a => a !== undefined);
    const staticInData = addresses.length > 0 && ip.delivery !== 'cni-ipam' && (out.type !== 'kube-ovn' || addresses.some(a => a.includes(':')));
    if (staticInData) return out;
    const { dnsServers: _d, searchDomains: _s, ...rest } = ip;
    return { ...out, ipConfig: rest };
  });
  return {
    ...spec,
    ...(spec.networks ? { networks } : {}),
    ...(spec.podNetwork ? { podNetwork: withoutDefaults(spec.podNetwork) } : {}),
  };
}

async function eachLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}


interface Case {
  readonly index: number;
  readonly spec: Json;
  readonly rendered: RenderedVm;
  readonly objects: Manifest[];
}

describeWithCluster('fuzz: random valid specs on the real API server and in cloud-init', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const token = Math.random().toString(36).slice(2, 6);
  const namespace = `fuzz-${token}`;
  const dir = mkdtempSync(join(tmpdir(), 'wukong-it-fuzz-'));
  const cases: Case[] = fc.sample(validSpecArb({ inline: true }), { seed: SEED, numRuns: RUNS }).map((v, index) => {
    const name = `fz${token}-${index}`;
    const spec = withinGuestChecks(forCluster(v.spec, index, name));
    const rendered = renderVm({ name, namespace }, spec);
    const objects = [...rendered.nads, ...rendered.subnets, ...(rendered.secret ? [rendered.secret] : []), rendered.virtualMachine];
    return { index, spec, rendered, objects: objects as unknown as Manifest[] };
  });
  let createErrors: string[] = [];
  let stored: any[][] = [];
  let rendered: Array<Record<Output, Map<string, string>>> = [];
  let batchFailures: string[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    await ensureNamespaces(kc, cases.flatMap(c => c.objects));
    createErrors = (await eachLimit(cases, 8, c => dryRunThenCreate(kc, c.objects))).flat();
    stored = await eachLimit(cases, 8, c => Promise.all(c.objects.map(o => readBack(kc, o))));
    const jobs: Job[] = [];
    cases.forEach(c => {
      const vm = stored[c.index][c.objects.length - 1];
      const secret = c.rendered.secret ? stored[c.index][c.objects.length - 2] : undefined;
      const networkData = secret
        ? Buffer.from(secret.data.networkdata, 'base64').toString('utf8')
        : vm.spec.template.spec.volumes.find((x: any) => x.cloudInitNoCloud).cloudInitNoCloud.networkData;
      const base = join(dir, String(c.index));
      mkdirSync(base, { recursive: true });
      writeFileSync(join(base, 'network-config'), networkData);
      for (const output of OUTPUTS) {
        jobs.push({ networkData: join(base, 'network-config'), distro: DISTRO[output], outputKind: output, directory: join(base, output) });
      }
    });
    const results = renderBatch(state.cloudInit, jobs);
    batchFailures = results.flatMap((r, i) => (r.ok ? [] : [`${jobs[i].networkData} ${jobs[i].outputKind}: ${r.error}`]));
    rendered = cases.map(c => {
      const files = OUTPUTS.map(o => [o, filesUnder(join(dir, String(c.index), o))]);
      return Object.fromEntries(files) as Record<Output, Map<string, string>>;
    });
  });

  it(`draws ${RUNS} valid specs of every kind`, () => {
    const nics = cases.flatMap(c => c.rendered.vm.nics);
    expect(cases.length).toBe(RUNS);
    expect(new Set(cases.map(c => c.rendered.vm.name)).size).toBe(RUNS);
    for (const type of ['pod', 'bridge', 'ovs', 'macvlan', 'sriov', 'kube-ovn']) expect(nics.filter(n => n.type === type).length).toBeGreaterThan(10);
    expect(cases.filter(c => !c.rendered.secret).length).toBeGreaterThan(3);
    expect(nics.filter(n => n.ip.addresses.some(a => a.family === 6)).length).toBeGreaterThan(20);
    expect(nics.filter(n => n.routes.length).length).toBeGreaterThan(20);
    expect(nics.filter(n => n.ip.delivery === 'cni-ipam').length).toBeGreaterThan(3);
    expect(cases.filter(c => c.rendered.vm.nics.length >= 6).length).toBeGreaterThan(10);
  });

  it('gives every Kube-OVN Subnet a name and CIDRs of its own', () => {
    const subnets = cases.flatMap(c => c.rendered.subnets);
    expect(subnets.length).toBeGreaterThan(30);
    expect(new Set(subnets.map(s => s.metadata.name)).size).toBe(subnets.length);
    const cidrs = subnets.flatMap(s => s.spec.cidrBlock.split(',').map(c => ({ name: s.metadata.name, cidr: parseCidr(c)! })));
    const overlaps = cidrs.flatMap((a, i) => cidrs.slice(i + 1).filter(b => cidrsOverlap(a.cidr, b.cidr)).map(b => `${a.name} ${a.cidr.network} ∩ ${b.name} ${b.cidr.network}`));
    expect(overlaps).toEqual([]);
  });

  it('is accepted by the server: a dry-run create of every object, then a real create', () => {
    expect(cases.flatMap(c => c.objects).length).toBeGreaterThan(RUNS * 2);
    expect(createErrors).toEqual([]);
  });

  it('reads back as sent: no field was pruned or changed', () => {
    const problems = cases.flatMap(c => c.objects.flatMap((o, k) => notStoredAsSent(o, stored[c.index][k]).map(p => `${o.kind} ${o.metadata.name}: ${p}`)));
    expect(problems).toEqual([]);
  });

  it('has network data that cloud-init renders as the spec asks (debian netplan, fedora sysconfig)', () => {
    expect(batchFailures).toEqual([]);
    const problems = cases.flatMap(c => {
      const vm = c.rendered.vm;
      const files = rendered[c.index];
      return [...netplanProblems(vm, files.netplan), ...sysconfigProblems(vm, files.sysconfig)].map(p => `${vm.name}: ${p}`);
    });
    expect(problems).toEqual([]);
  });

  it('renders in the batch exactly as `cloud-init devel net-convert` does', () => {
    for (const c of cases.slice(0, 3)) {
      const networkData = readFileSync(join(dir, String(c.index), 'network-config'), 'utf8');
      for (const output of OUTPUTS) expect(rendered[c.index][output]).toEqual(render(state.cloudInit, networkData, output));
    }
  });
});
