import { Construct } from 'constructs';
import {
  IssueCollector, MULTINIC_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NetworkConfig, RouteConfig, IpConfig, SubnetConfig, NetworkType, NicPresence,
  LinkState,
  WukongValidationError, nicCniConfig, resolveVm, sharedNadName, throwIfErrors,
} from '../model';
import { AppRegistry, ISharedNetworks } from './app-registry';
import { CniPlugin } from './cni-plugin';
import { GitOpsContext } from './gitops-context';
import { KubeOvnSubnet } from './kube-ovn-subnet';
import { Nad } from './nad';

/** One network of a `MultiNic`: what every VM attached to it shares. */
export interface MultiNicNetworkProps {
  /** Network name; also the default NIC name in each VM. */
  readonly name: string;
  /** @default 'bridge' */
  readonly type?: NetworkType;
  /** @default - untagged */
  readonly vlanId?: number;
  /** @default - `br-<name>` */
  readonly bridgeName?: string;
  /** Lower device of a macvlan network. @default 'eth0' */
  readonly master?: string;
  /** Device-plugin resource; required for sriov. @default - none */
  readonly resourceName?: string;
  /** @default - kernel default */
  readonly mtu?: number;
  /** Kube-OVN subnet of a kube-ovn network. @default - none */
  readonly subnet?: SubnetConfig;
  /** @default '0.3.1' */
  readonly cniVersion?: string;
  /** Name of the shared NAD. @default - `{multinic}-{name}-nad` */
  readonly nadName?: string;
}

/** What one VM adds when it attaches to a network of a `MultiNic`. */
export interface MultiNicAttachment {
  /** NIC name in the VM. @default - the network's name */
  readonly name?: string;
  readonly ipConfig?: IpConfig;
  /** @default - derived from namespace/vm/nic */
  readonly macAddress?: string;
  readonly routes?: RouteConfig[];
  readonly primary?: boolean;
  readonly priority?: number;
  /**
   * `absent` unplugs this VM's NIC and keeps the shared NAD (see `NetworkConfig.state`).
   * @default 'present'
   * @see https://kubevirt.io/user-guide/network/hotplug/interfaces/
   */
  readonly state?: NicPresence;
  /**
   * @default 'up'
   * @see https://kubevirt.io/user-guide/network/interfaces_and_networks/#interface-link-state
   */
  readonly linkState?: LinkState;
}

/** Props of a `MultiNic`. */
export interface MultiNicProps {
  /**
   * Name of the set; prefix of its NADs (a DNS-1123 label).
   * @default - the construct id
   */
  readonly name?: string;
  /** @default - none; add them with `addNetwork()` */
  readonly networks?: MultiNicNetworkProps[];
}

/**
 * A reusable, named set of networks (type, VLAN, bridge, MTU, subnet) shared by many VMs. It creates each network's NAD
 * (and Kube-OVN Subnet) once per namespace in which a VM attaches, and never per VM; each VM adds its own IPs, MAC and
 * routes through `nic()`.
 *
 * ```ts
 * const fabric = new MultiNic(chart, 'fabric', { networks: [{ name: 'storage', vlanId: 200, mtu: 9000 }] });
 * new WukongVm(chart, 'db1', { networks: [fabric.nic('storage', { ipConfig: { address: '192.168.200.11/24' } })] });
 * ```
 */
export class MultiNic extends Construct implements ISharedNetworks {
  public readonly name: string;
  private readonly _networks: MultiNicNetworkProps[] = [];
  private readonly namespaces = new Set<string>();
  private readonly _nads: Nad[] = [];

  public constructor(scope: Construct, id: string, props: MultiNicProps = {}) {
    super(scope, id);
    this.name = props.name ?? id;
    AppRegistry.of(this).registerSharedNetworks(this.name, this.node.path, this);
    for (const n of props.networks ?? []) this.addNetwork(n);
  }

  /** The networks of the set (copies). */
  public get networks(): MultiNicNetworkProps[] {
    return this._networks.map(n => ({ ...n }));
  }

  /** The NADs created so far, one per network and namespace. */
  public get nads(): Nad[] {
    return [...this._nads];
  }

  /** Adds a network to the set; checked with the same rules as a VM NIC. */
  public addNetwork(network: MultiNicNetworkProps): MultiNicNetworkProps {
    const index = this._networks.length;
    if (this._networks.some(n => n.name === network.name)) {
      throw new WukongValidationError(this.subject, [{ severity: 'error', path: `networks[${index}].name`, message: `'${network.name}' is already a network of this set` }]);
    }
    this.check(network, index);
    this._networks.push(network);
    for (const ns of this.namespaces) this.createShared(network, ns);
    return { ...network };
  }

  /** A NIC for a VM on the network called `network`; pass it to `WukongVm` `networks` or `addNic()`. */
  public nic(network: string, attachment: MultiNicAttachment = {}): NetworkConfig {
    const def = this._networks.find(n => n.name === network);
    if (!def) {
      throw new WukongValidationError(this.subject, [{
        severity: 'error', path: 'network', message: `'${network}' is not a network of this set; it has ${this._networks.map(n => n.name).join(', ') || 'none'}`,
      }]);
    }
    const { nadName, name, ...shared } = def;
    return { ...shared, ...attachment, name: attachment.name ?? name, nadName: this.nadName(def), sharedBy: this.name };
  }

  /** @internal */
  public attachTo(namespace: string): void {
    if (this.namespaces.has(namespace)) return;
    this.namespaces.add(namespace);
    for (const n of this._networks) this.createShared(n, namespace);
  }

  private get subject(): string {
    return `MultiNic '${this.node.path}'`;
  }

  private nadName(def: MultiNicNetworkProps): string {
    return def.nadName ?? sharedNadName(this.name, def.name);
  }

  /** Checks a network with the VM NIC rules, reporting paths of this set. */
  private check(network: MultiNicNetworkProps, index: number): void {
    const { nadName, ...rest } = network;
    const probe = { ...rest, nadName: this.nadName(network), sharedBy: this.name };
    const { issues } = resolveVm({ name: this.name }, { podNetwork: { enabled: false }, networks: [probe as NetworkConfig] });
    const relevant = issues
      .filter(i => i.severity === 'error' && i.path.startsWith('networks[0]') && !i.path.includes('ipConfig'))
      .map(i => ({ ...i, path: i.path.replace('networks[0]', `networks[${index}]`) }));
    throwIfErrors(this.subject, relevant);
  }

  private createShared(def: MultiNicNetworkProps, namespace: string): void {
    const name = this.nadName(def);
    const issues = new IssueCollector();
    const { config, resourceName } = nicCniConfig({ ...def, nadName: name, sharedBy: this.name }, name, namespace, undefined, def.name, issues);
    throwIfErrors(this.subject, issues.issues);
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [MULTINIC_LABEL]: this.name };
    const nad = new Nad(this, `${def.name}-${namespace}`, { name, namespace, plugin: CniPlugin.custom(config), resourceName, labels });
    this._nads.push(nad);
    const gitops = GitOpsContext.of(this);
    gitops.annotate(nad.apiObject, 'prerequisite');
    if (def.subnet) {
      const { provider, ...subnet } = def.subnet;
      gitops.annotate(new KubeOvnSubnet(this, `${def.name}-${namespace}-subnet`, { ...subnet, nad, labels }).apiObject, 'prerequisite');
    }
  }
}
