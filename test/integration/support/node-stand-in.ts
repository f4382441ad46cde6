/**
 * The test bed's node: what kube-scheduler, the kubelet, Multus (thick daemon and dynamic-networks controller) and
 * virt-handler with virt-launcher write to the API server for the one node `wukong-node`, and nothing else. Everything a
 * KubeVirt controller decides (the VMI, its launcher pod and that pod's networks annotation, hot-plugged and absent
 * interfaces in VMI and VM, the conditions) is left to the real virt-controller. Each duty below names the upstream
 * file it stands in for; the integration suite `node-stand-in.test.ts` proves from the API server's audit log that
 * this process never writes a VM, a VMI spec or a condition.
 *
 * Run as its own process (`node node-stand-in.ts KUBECONFIG`), so a test that blocks its own event loop never stalls
 * the node. Node strips the types; only erasable TypeScript syntax is used, and nothing of the project is imported.
 */
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import type { GuestLauncher } from './guest/launcher';

export const NODE_NAME = 'wukong-node';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';
const NETWORK_STATUS = 'k8s.v1.cni.cncf.io/network-status';
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' };
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** What a node's device plugins advertise: KubeVirt's (kvm, tun, vhost-net) and an SR-IOV pool. */
const CAPACITY: Record<string, string> = {
  'cpu': '32',
  'memory': '128Gi',
  'pods': '250',
  'ephemeral-storage': '500Gi',
  'devices.kubevirt.io/kvm': '1k',
  'devices.kubevirt.io/tun': '1k',
  'devices.kubevirt.io/vhost-net': '1k',
  'intel.com/sriov_vfio': '16',
  'intel.com/sriov_netdevice': '16',
};

type Json = any;
interface NetworkStatus { name: string; interface: string; mac?: string; ips?: string[]; default?: boolean; dns: object }

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const now = () => new Date().toISOString();
/** One line per write, in the log the test bed keeps beside the API server's. */
const say = (line: string) => process.stdout.write(`${now()} ${line}\n`);

export class NodeStandIn {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private running = true;
  private nextIp = 10;
  private readonly podIps = new Map<string, string>();
  private lastHeartbeat = 0;
  private readonly reported = new Set<string>();
  private readonly guestImages = new Map<string, { image?: string; at: number }>();
  /** virt-launcher with a real guest, for VMIs in namespaces labelled GUEST_LABEL (guest/launcher.ts). */
  public launcher?: GuestLauncher;

  public constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  public stop(): void {
    this.running = false;
  }

  /** What a launcher reads for a VMI: the Secrets its pod mounts and the NADs Multus delegates to. */
  public async read(kind: 'secret' | 'nad', namespace: string, name: string): Promise<Json> {
    if (kind === 'secret') return this.core.readNamespacedSecret({ namespace, name });
    return this.custom.getNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace, name });
  }

  /** The guest image a namespace asks for (label `wukong.test/guest`), read at most every 10 s. */
  private async guestImage(namespace: string): Promise<string | undefined> {
    if (!this.launcher) return undefined;
    const cached = this.guestImages.get(namespace);
    if (cached && Date.now() - cached.at < 10_000) return cached.image;
    const ns = await this.core.readNamespace({ name: namespace });
    const image = ns.metadata?.labels?.['wukong.test/guest'];
    this.guestImages.set(namespace, { image, at: Date.now() });
    return image;
  }

  public async run(stepMs = 100): Promise<void> {
    while (this.running) {
      for (const duty of [() => this.heartbeat(), () => this.pods(), () => this.vmis()]) {
        try {
          await duty();
        } catch (e) {
          // Conflicts are retried next pass, as every node agent does; anything else is logged. A JSON patch whose
          // resourceVersion `test` failed is a conflict too: the server answers it with a bare 422.
          const { code, body } = e as { code?: number; body?: unknown };
          const staleTest = code === 422 && /"message":"the server rejected our request due to an error in our request","reason":"Invalid","details":\{\}/.test(String(body));
          if (code !== 409 && !staleTest) process.stderr.write(`${now()} ${String((e as { body?: string }).body ?? (e as Error).stack ?? e)}\n`);
        }
      }
      await sleep(stepMs);
    }
  }

  /**
   * The kubelet registers its Node and keeps its Ready condition and capacity (kubernetes
   * pkg/kubelet/kubelet_node_status.go); virt-handler labels it schedulable and stamps `kubevirt.io/heartbeat`, which
   * virt-controller's node controller watches (kubevirt pkg/virt-handler/heartbeat/heartbeat.go).
   */
  private async heartbeat(): Promise<void> {
    if (Date.now() - this.lastHeartbeat < 30_000) return;
    try {
      await this.core.readNode({ name: NODE_NAME });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await this.core.createNode({
        body: {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
        },
      });
    }
    const stamp = now();
    await this.core.patchNode({
      name: NODE_NAME,
      body: { metadata: { labels: { 'kubevirt.io/schedulable': 'true' }, annotations: { 'kubevirt.io/heartbeat': stamp } } },
    }, MERGE_PATCH);
    await this.core.patchNodeStatus({
      name: NODE_NAME,
      body: {
        status: {
          capacity: CAPACITY,
          allocatable: CAPACITY,
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE_NAME }],
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: stamp, lastTransitionTime: stamp }],
          nodeInfo: {
            architecture: 'amd64',
            operatingSystem: 'linux',
            kubeletVersion: 'v0.0.0-wukong-stand-in',
            kubeProxyVersion: '',
            osImage: 'wukong test bed',
            kernelVersion: '',
            containerRuntimeVersion: '',
            machineID: '',
            systemUUID: '',
            bootID: '',
          },
        },
      },
    }, MERGE_PATCH);
    this.lastHeartbeat = Date.now();
  }

  private async pods(): Promise<void> {
    for (const pod of (await this.core.listPodForAllNamespaces()).items) {
      const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
      if (!pod.spec!.nodeName) {
        if (!pod.metadata!.deletionTimestamp) await this.bind(pod);
      } else if (pod.spec!.nodeName !== NODE_NAME) {
        continue;
      } else if (pod.metadata!.deletionTimestamp) {
        // The kubelet stops the containers, then deletes the pod with grace period 0 (kubernetes
        // pkg/kubelet/status/status_manager.go, canBeDeleted / deletePodFromAPIServer).
        say(`kubelet: pod ${key} terminated, deleting it`);
        await this.core.deleteNamespacedPod({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
        this.podIps.delete(key);
      } else if (pod.status?.phase !== 'Running') {
        await this.start(pod, key);
      } else {
        await this.syncNetworkStatus(pod, key);
      }
    }
  }

  /**
   * kube-scheduler: a pod whose requests fit the node is bound through the binding subresource (kubernetes
   * pkg/scheduler/framework/plugins/defaultbinder/default_binder.go). One node: fitting is the whole decision.
   */
  private async bind(pod: V1Pod): Promise<void> {
    const missing = (pod.spec!.containers ?? []).flatMap(c => Object.keys(c.resources?.limits ?? {})).filter(r => !(r in CAPACITY));
    if (missing.length) {
      await this.eventOnce(pod, 'FailedScheduling', `0/1 nodes are available: 1 Insufficient ${missing.join(', ')}.`, 'default-scheduler');
      return;
    }
    say(`scheduler: bind pod ${pod.metadata!.namespace}/${pod.metadata!.name} to ${NODE_NAME}`);
    await this.core.createNamespacedPodBinding({
      name: pod.metadata!.name!,
      namespace: pod.metadata!.namespace!,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata!.name!, uid: pod.metadata!.uid }, target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME } },
    });
  }

  /**
   * The kubelet creates the sandbox through the CNI: Multus attaches each network of the pod's networks annotation and
   * writes the network-status annotation (multus-cni pkg/multus/multus.go, CmdAdd; pkg/k8sclient/k8sclient.go,
   * SetNetworkStatus), failing the sandbox if a NetworkAttachmentDefinition is missing. Then the kubelet reports the
   * containers running (kubernetes pkg/kubelet/kubelet_pods.go, generateAPIPodStatus).
   */
  private async start(pod: V1Pod, key: string): Promise<void> {
    const ip = this.podIps.get(key) ?? `10.244.0.${this.nextIp++ % 250}`;
    this.podIps.set(key, ip);
    const statuses = await this.attach(pod, [{ name: 'wukong-pod-network', interface: 'eth0', ips: [ip], default: true, dns: {} }]);
    if (!statuses) return;
    await this.patchNetworkStatus(pod, statuses);
    const started = now();
    say(`kubelet: pod ${key} running, IP ${ip}, networks ${statuses.map(st => `${st.name}@${st.interface}`).join(' ')}`);
    const running = (c: { name: string; image?: string }) => ({
      name: c.name, image: c.image ?? '', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: started } },
    });
    const done = (c: { name: string; image?: string }) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: true,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } },
    });
    const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: started });
    await this.core.patchNamespacedPodStatus({
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      body: {
        status: {
          phase: 'Running',
          hostIP: '127.0.0.1',
          hostIPs: [{ ip: '127.0.0.1' }],
          podIP: ip,
          podIPs: [{ ip }],
          startTime: started,
          conditions: ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map(condition),
          initContainerStatuses: (pod.spec!.initContainers ?? []).map(done),
          containerStatuses: pod.spec!.containers.map(running),
        },
      },
    }, MERGE_PATCH);
  }

  /**
   * multus-dynamic-networks-controller: when the networks annotation of a running pod changes, it adds or removes
   * the difference through the Multus daemon and rewrites the network-status annotation (k8snetworkplumbingwg
   * multus-dynamic-networks-controller pkg/controller/pod.go, handleDynamicInterfaceRequest).
   */
  private async syncNetworkStatus(pod: V1Pod, key: string): Promise<void> {
    const current: NetworkStatus[] = JSON.parse(pod.metadata!.annotations?.[NETWORK_STATUS] ?? '[]');
    const primary = current.filter(s => s.default);
    const next = await this.attach(pod, primary, current);
    if (!next || JSON.stringify(next) === JSON.stringify(current)) return;
    say(`multus-dynamic-networks: pod ${key} networks now ${next.map(st => `${st.name}@${st.interface}`).join(' ')}`);
    await this.patchNetworkStatus(pod, next);
  }

  /** The network-status a pod gets for its networks annotation, or undefined (and an event) if a NAD is missing. */
  private async attach(pod: V1Pod, primary: NetworkStatus[], previous: NetworkStatus[] = []): Promise<NetworkStatus[] | undefined> {
    const ns = pod.metadata!.namespace!;
    const requested: Json[] = JSON.parse(pod.metadata!.annotations?.[NETWORKS] ?? '[]');
    const statuses = [...primary];
    for (const [i, net] of requested.entries()) {
      const nadNs = net.namespace ?? ns;
      const name = `${nadNs}/${net.name}`;
      const iface = net.interface ?? `net${i + 1}`;
      const kept = previous.find(s => s.name === name && s.interface === iface);
      if (kept) {
        statuses.push(kept);
        continue;
      }
      try {
        await this.custom.getNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespace: nadNs, name: net.name });
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
        // Multus's own wording (pkg/k8sclient/k8sclient.go, getKubernetesDelegate).
        await this.eventOnce(pod, 'FailedCreatePodSandBox', `Multus: error adding pod to network "${name}": cannot find a network-attachment-definition (${net.name}) in namespace (${nadNs}): network-attachment-definitions.k8s.cni.cncf.io "${net.name}" not found`, 'kubelet');
        return undefined;
      }
      statuses.push({ name, interface: iface, ...(net.mac ? { mac: net.mac } : {}), dns: {} });
    }
    return statuses;
  }

  private async patchNetworkStatus(pod: V1Pod, statuses: NetworkStatus[]): Promise<void> {
    const annotations = pod.metadata!.annotations;
    await this.core.patchNamespacedPod({
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: pod.metadata!.resourceVersion },
        annotations ? { op: 'add', path: '/metadata/annotations/k8s.v1.cni.cncf.io~1network-status', value: JSON.stringify(statuses) }
          : { op: 'add', path: '/metadata/annotations', value: { [NETWORK_STATUS]: JSON.stringify(statuses) } },
      ],
    }, JSON_PATCH);
  }

  /**
   * virt-handler with virt-launcher and libvirt, for VMIs virt-controller handed to this node (phase Scheduled):
   * - the domain starts with every interface of the VMI spec that is not absent and has its pod interface (the pod
   *   network, or one Multus reports), and the VMI goes Running (kubevirt pkg/virt-handler/vm.go,
   *   updateVMIStatusFromDomain);
   * - an interface virt-controller added to the VMI spec is attached once Multus reports its pod interface
   *   (`multus-status`), bridge binding only: SR-IOV is plugged by a migration; an interface marked absent is
   *   detached (pkg/virt-handler/vm.go, hotplug/unplug of network interfaces; pkg/network/setup/netstat.go);
   * - `status.interfaces` is rebuilt as netstat.UpdateStatus does: the domain's interfaces (infoSource `domain`),
   *   then those only Multus reports (pkg/network/setup/netstat.go, UpdateStatus); each one's `linkState` is the
   *   domain's, which virt-launcher sets from the VMI spec's `state: up|down` (pkg/virt-launcher/virtwrap/network/
   *   nichotplug.go, updateDomainLinkState; netstat.go, linkStateFromDomain).
   * The VMI has no status subresource: virt-handler patches the object, and KubeVirt's VMI mutator keeps the old status
   * unless a KubeVirt service account writes (pkg/virt-api/webhooks/mutating-webhook/mutators/vmi-mutator.go), so the
   * stand-in runs as virt-handler's service account.
   * For a VMI with a real guest (guest/launcher.ts), the guest agent's interfaces are merged in as
   * ifacesStatusFromGuestAgent does (matched by MAC; `interfaceName`, the IPs, link-local ones dropped on masquerade;
   * infoSource `domain, guest-agent`); other VMIs have no guest agent, so no guest addresses.
   */
  private async vmis(): Promise<void> {
    const list = await this.custom.listCustomObjectForAllNamespaces({ ...VMI, resourcePlural: VMI.plural });
    const live = new Set<string>();
    for (const vmi of list.items as Json[]) {
      if (vmi.status?.nodeName !== NODE_NAME || vmi.metadata.deletionTimestamp) continue;
      const phase = vmi.status.phase;
      if (phase !== 'Scheduled' && phase !== 'Running') continue;
      live.add(vmi.metadata.uid);
      const spec: Json[] = vmi.spec.domain?.devices?.interfaces ?? [];
      const previous: Json[] = vmi.status.interfaces ?? [];
      const has = (st: Json | undefined, source: string) => !!st && String(st.infoSource ?? '').split(', ').includes(source);
      const podNetwork = (vmi.spec.networks ?? []).find((n: Json) => n.pod)?.name;
      // A Multus interface goes into the domain once its pod interface exists (Multus reports it): at start, every one;
      // later, bridge ones only (SR-IOV waits for a migration).
      const domain = spec.filter(i => {
        const st = previous.find(s => s.name === i.name);
        if (i.state === 'absent') return false;
        if (has(st, 'domain') || i.name === podNetwork) return true;
        return has(st, 'multus-status') && (phase === 'Scheduled' || i.bridge !== undefined);
      });
      const image = await this.guestImage(vmi.metadata.namespace);
      if (image) this.launcher!.sync(vmi, image, domain);
      const agent = image ? this.launcher!.agentInterfaces(vmi.metadata.uid) : undefined;
      const status: Json[] = domain.map(i => {
        const { interfaceName: _n, ipAddress: _a, ipAddresses: _as, ...st } = previous.find(s => s.name === i.name) ?? {};
        const mac = String(i.macAddress ?? st.mac ?? '').toLowerCase();
        const guest = agent?.find(g => g['hardware-address']?.toLowerCase() === mac);
        const sources = ['domain', ...(guest ? ['guest-agent'] : []), ...(has(st, 'multus-status') ? ['multus-status'] : [])];
        const ips = (guest?.['ip-addresses'] ?? []).map(a => a['ip-address']).filter(a => !(i.masquerade && /^fe[89ab]/i.test(a)));
        const fromGuest = guest ? { interfaceName: guest.name, ...(ips.length ? { ipAddress: ips[0], ipAddresses: ips } : {}) } : {};
        return { ...st, name: i.name, mac: i.macAddress ?? st.mac, ...fromGuest, infoSource: sources.join(', '), queueCount: 1, linkState: i.state === 'down' ? 'down' : 'up' };
      });
      for (const st of previous) {
        if (!status.some(s => s.name === st.name) && has(st, 'multus-status') && spec.some(i => i.name === st.name)) {
          const { mac: _mac, queueCount: _q, linkState: _l, ...rest } = st;
          status.push({ ...rest, infoSource: 'multus-status' });
        }
      }
      status.sort((a, b) => Number(b.name === podNetwork) - Number(a.name === podNetwork));
      if (phase === 'Running' && JSON.stringify(status) === JSON.stringify(previous)) continue;
      say(`virt-handler: VMI ${vmi.metadata.namespace}/${vmi.metadata.name} ${phase === 'Scheduled' ? 'started' : 'running'}, domain interfaces ${domain.map(i => i.name).join(' ')}`);
      await this.custom.patchNamespacedCustomObject({
        ...VMI,
        namespace: vmi.metadata.namespace,
        name: vmi.metadata.name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: vmi.metadata.resourceVersion },
          { op: 'add', path: '/status/interfaces', value: status },
          { op: 'replace', path: '/status/phase', value: 'Running' },
        ],
      }, JSON_PATCH);
    }
    this.launcher?.retain(live);
  }

  private async eventOnce(pod: V1Pod, reason: string, message: string, component: string): Promise<void> {
    const key = `${pod.metadata!.namespace}/${pod.metadata!.name}/${reason}/${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const stamp = now();
    await this.core.createNamespacedEvent({
      namespace: pod.metadata!.namespace!,
      body: {
        metadata: { generateName: `${pod.metadata!.name}.`, namespace: pod.metadata!.namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata!.namespace, name: pod.metadata!.name, uid: pod.metadata!.uid },
        reason,
        message,
        type: 'Warning',
        source: { component, host: NODE_NAME },
        firstTimestamp: stamp as any,
        lastTimestamp: stamp as any,
        count: 1,
      },
    });
  }
}

// Run directly (not imported by a test): Node may load this file as an ES module, where `require.main` is not set.
if (process.argv[1]?.endsWith('node-stand-in.ts')) {
  const kc = new KubeConfig();
  kc.loadFromFile(process.argv[2]);
  const node = new NodeStandIn(kc);
  const start = async () => {
    // Real guests (WUKONG_GUEST_IMAGES: testbed/guest/build.sh's folder), loaded only here: jest never compiles them.
    const images = process.env.WUKONG_GUEST_IMAGES;
    if (images) {
      const load = (file: string) => import(pathToFileURL(join(dirname(process.argv[1]), 'guest', file)).href);
      const [machine, dhcp, seed, { GuestLauncher }] = await Promise.all(['machine.ts', 'dhcp.ts', 'seed.ts', 'launcher.ts'].map(load));
      node.launcher = new GuestLauncher({ ...machine, ...dhcp, ...seed }, {
        imagesDir: images,
        cniPath: process.env.WUKONG_CNI_PATH!,
        nodeNetns: process.env.WUKONG_NODE_NETNS!,
        workDir: process.env.WUKONG_GUEST_DIR!,
        read: (kind: 'secret' | 'nad', namespace: string, name: string) => node.read(kind, namespace, name),
        say,
      });
      await node.launcher!.start();
    }
    process.stdout.write(`${now()} node stand-in ${NODE_NAME} running against ${kc.getCurrentCluster()?.server}${images ? `, real guests from ${images}` : ''}\n`);
    await node.run();
    await node.launcher?.stopAll();
    process.exit(0);
  };
  process.on('SIGTERM', () => node.stop());
  start().catch(e => {
    process.stderr.write(`${now()} node stand-in failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
