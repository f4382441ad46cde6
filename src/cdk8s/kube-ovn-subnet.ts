import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Subnet } from '../../imports/kubeovn.io';
import { IssueCollector, ResolvedSubnet, SubnetConfig, renderSubnet, resolveSubnet, throwIfErrors } from '../model';
import { AppRegistry } from './app-registry';
import { Nad } from './nad';

/** Props of a `KubeOvnSubnet`. */
export interface KubeOvnSubnetProps extends Omit<SubnetConfig, 'provider'> {
  /**
   * The kube-ovn NAD this subnet serves; sets `provider` to `<nad>.<namespace>.ovn`, which is how Kube-OVN pairs them.
   */
  readonly nad: Nad;
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Kube-OVN Subnet (`kubeovn.io/v1`, cluster-scoped) for a kube-ovn attachment, written in the normalized form
 * kube-ovn-controller would write back (protocol, canonical CIDR, gateway, excludeIps with the gateway, vpc,
 * gatewayType, enableLb), so the controller never rewrites it and GitOps tools see no drift.
 *
 * @see https://kubeovn.github.io/docs/stable/en/advance/multi-nic/
 */
export class KubeOvnSubnet extends Construct {
  /** The Subnet as rendered: name, cidrs and normalized spec. */
  public readonly subnet: ResolvedSubnet;
  public readonly apiObject: Subnet;

  public constructor(scope: Construct, id: string, props: KubeOvnSubnetProps) {
    super(scope, id);
    const issues = new IssueCollector();
    if (props.nad.plugin.type !== 'kube-ovn') {
      issues.error('nad', `'${props.nad.name}' is a ${props.nad.plugin.type} NAD; a Kube-OVN subnet pairs with a NAD built with CniPlugin.kubeOvn()`);
    }
    const { nad, labels, ...config } = props;
    const subnet = resolveSubnet(config, nad.name, nad.namespace, '', issues);
    throwIfErrors(`KubeOvnSubnet '${this.node.path}'`, issues.issues);
    this.subnet = subnet!;
    throwIfErrors(`KubeOvnSubnet '${this.node.path}'`, AppRegistry.of(this).inventory.addSubnet(this.subnet, this.node.path, ''));
    const manifest = renderSubnet(this.subnet, labels);
    this.apiObject = new Subnet(this, 'Resource', { metadata: manifest.metadata, spec: Lazy.any({ produce: () => manifest.spec }) });
  }

  public get name(): string {
    return this.subnet.name;
  }
}
