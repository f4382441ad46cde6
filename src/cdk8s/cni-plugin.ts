import {
  BridgeCniOptions, KubeOvnCniOptions, MacvlanCniOptions, MacvtapCniOptions, OvsCniOptions, SriovCniOptions, bridgeCniConfig,
  kubeOvnCniConfig, kubeOvnProvider, macvlanCniConfig, macvtapCniConfig, ovsCniConfig, sriovCniConfig,
} from '../model';

type WithoutName<T> = Omit<T, 'name'>;

/**
 * The CNI plugin of a NetworkAttachmentDefinition and its typed settings. Build one with a static factory:
 * `CniPlugin.bridge({ bridge: 'br-data', vlan: 100 })`.
 *
 * @see https://www.cni.dev/plugins/current/
 */
export class CniPlugin {
  /**
   * Linux bridge. No IPAM by default: the guest gets its address from cloud-init network data.
   * @see https://www.cni.dev/plugins/current/main/bridge/
   */
  public static bridge(options: WithoutName<BridgeCniOptions>): CniPlugin {
    return new CniPlugin('bridge', nad => bridgeCniConfig({ ...options, name: nad.name }));
  }

  /**
   * Open vSwitch bridge (must exist on the node). Without `vlan` the port is a trunk carrying every VLAN.
   * @see https://github.com/k8snetworkplumbingwg/ovs-cni/blob/main/docs/cni-plugin.md
   */
  public static ovs(options: WithoutName<OvsCniOptions>): CniPlugin {
    return new CniPlugin('ovs', nad => ovsCniConfig({ ...options, name: nad.name }));
  }

  /**
   * SR-IOV virtual function; the NAD also needs `resourceName` (the device-plugin pool).
   * @see https://github.com/k8snetworkplumbingwg/sriov-cni/blob/master/docs/configuration-reference.md
   */
  public static sriov(options: WithoutName<SriovCniOptions> = {}): CniPlugin {
    return new CniPlugin('sriov', nad => sriovCniConfig({ ...options, name: nad.name }));
  }

  /**
   * macvtap, for VMs using KubeVirt's macvtap binding; the NAD also needs `resourceName`
   * (`macvtap.network.kubevirt.io/<lower device>`).
   * @see https://kubevirt.io/user-guide/network/net_binding_plugins/macvtap/
   */
  public static macvtap(options: WithoutName<MacvtapCniOptions> = {}): CniPlugin {
    return new CniPlugin('macvtap', nad => macvtapCniConfig({ ...options, name: nad.name }));
  }

  /**
   * macvlan, for pods only: KubeVirt's bridge binding does not work with it; VMs use `macvtap`.
   * @see https://www.cni.dev/plugins/current/main/macvlan/
   */
  public static macvlan(options: WithoutName<MacvlanCniOptions> = {}): CniPlugin {
    return new CniPlugin('macvlan', nad => macvlanCniConfig({ ...options, name: nad.name }));
  }

  /**
   * Kube-OVN attachment; the provider is always `<nad>.<namespace>.ovn`, which the paired Subnet must name.
   * @see https://kubeovn.github.io/docs/stable/en/advance/multi-nic/
   */
  public static kubeOvn(options: WithoutName<Omit<KubeOvnCniOptions, 'provider'>> = {}): CniPlugin {
    return new CniPlugin('kube-ovn', nad => kubeOvnCniConfig({ ...options, name: nad.name, provider: kubeOvnProvider(nad.name, nad.namespace) }));
  }

  /**
   * A CNI config written by hand, for plugins or keys not covered above. It is used as given.
   * @see https://github.com/containernetworking/cni/blob/main/SPEC.md#network-configuration
   */
  public static custom(config: Record<string, unknown>): CniPlugin {
    const type = typeof config.type === 'string' ? config.type : 'custom';
    return new CniPlugin(type, () => ({ ...config }));
  }

  private constructor(
    /** The CNI `type`. */
    public readonly type: string,
    private readonly build: (nad: { name: string; namespace: string }) => Record<string, unknown>,
  ) {}

  /** The CNI config for a NAD of this name and namespace. */
  public configFor(name: string, namespace: string): Record<string, unknown> {
    return this.build({ name, namespace });
  }
}
