import { Construct } from 'constructs';
import { Subnet } from '../../imports/kubeovn.io';
import { IssueCollector, ResolvedSubnet, SubnetConfig, renderSubnet, resolveSubnet, throwIfErrors } from '../model';
import { AppRegistry } from './app-registry';
import { Nad } from './nad';
import { renderedAs } from './rendered-object';

const RenderedSubnet = renderedAs(Subnet);

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
 * The construct is the L1 object itself; `apiObject` returns it.
 *
 * @see https://kubeovn.github.io/docs/stable/en/advance/multi-nic/
 */
export class KubeOvnSubnet extends RenderedSubnet {
  /** The Subnet as rendered: name, cidrs and normalized spec. */
  public readonly subnet: ResolvedSubnet;

  public constructor(scope: Construct, id: string, props: KubeOvnSubnetProps) {
    const issues = new IssueCollector();
    if (props.nad.plugin.type !== 'kube-ovn') {
      issues.error('nad', `'${props.nad.name}' is a ${props.nad.plugin.type} NAD; a Kube-OVN subnet pairs with a NAD built with CniPlugin.kubeOvn()`);
    }
    const { nad, labels, ...config } = props;
    const resolved = resolveSubnet(config, nad.name, nad.namespace, '', issues);
    // Checked before the object joins the tree, so a rejected Subnet leaves nothing behind.
    const path = `${scope.node.path}/${id}`;
    throwIfErrors(`KubeOvnSubnet '${path}'`, issues.issues);
    throwIfErrors(`KubeOvnSubnet '${path}'`, AppRegistry.of(scope).inventory.addSubnet(resolved!, path, ''));
    const manifest = renderSubnet(resolved!, labels);
    super(scope, id, { metadata: manifest.metadata, spec: manifest.spec });
    this.subnet = resolved!;
  }

  /** This Subnet: it is its own L1 object. */
  public get apiObject(): Subnet {
    return this;
  }
}
