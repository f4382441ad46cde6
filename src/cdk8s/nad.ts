import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { NetworkAttachmentDefinition } from '../../imports/k8s.cni.cncf.io';
import { DEFAULT_NAMESPACE, IssueCollector, dns1123LabelProblem, formatNadRef, kubeOvnProvider, renderNad, show, throwIfErrors } from '../model';
import { AppRegistry } from './app-registry';
import { CniPlugin } from './cni-plugin';

/** Plugins whose NAD only works with a device-plugin resource. */
const NEEDS_RESOURCE = ['sriov', 'macvtap'];

/** Props of a `Nad`. */
export interface NadProps {
  /**
   * NAD name: a DNS-1123 label, as Multus requires.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * The CNI plugin and its settings, e.g. `CniPlugin.bridge({ bridge: 'br-data', vlan: 100 })`.
   * @see https://github.com/k8snetworkplumbingwg/multi-net-spec
   */
  readonly plugin: CniPlugin;
  /**
   * Device-plugin resource that Multus and KubeVirt request for this network (`k8s.v1.cni.cncf.io/resourceName`).
   * Required for sriov and macvtap.
   * @default - none
   */
  readonly resourceName?: string;
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Multus NetworkAttachmentDefinition (`k8s.cni.cncf.io/v1`) from typed CNI settings.
 *
 * The L1 object is the child `Resource` (`Node.of(nad).defaultChild`) for `addJsonPatch` escape hatches.
 *
 * @see https://github.com/k8snetworkplumbingwg/multus-cni/blob/master/docs/how-to-use.md
 */
export class Nad extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly plugin: CniPlugin;
  public readonly resourceName?: string;
  /** The generated NetworkAttachmentDefinition object. */
  public readonly apiObject: NetworkAttachmentDefinition;

  public constructor(scope: Construct, id: string, props: NadProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? DEFAULT_NAMESPACE;
    this.plugin = props.plugin;
    this.resourceName = props.resourceName;
    const issues = new IssueCollector();
    for (const [field, value] of [['name', this.name], ['namespace', this.namespace]] as const) {
      const problem = dns1123LabelProblem(value);
      if (problem) issues.error(field, `${show(value)} ${problem}`);
    }
    if (NEEDS_RESOURCE.includes(props.plugin.type) && !props.resourceName) {
      issues.error('resourceName', `is required for ${props.plugin.type} NADs: name the device-plugin resource Multus must allocate`);
    }
    // A construct's path is built from its scopes on every read: read it once.
    const path = this.node.path;
    throwIfErrors(`Nad '${path}'`, issues.issues);
    throwIfErrors(`Nad '${path}'`, AppRegistry.of(this).inventory.addNad(this.namespace, this.name, path, 'name'));
    // Rendered once: the metadata is needed now, and the spec at synth is the same rendering.
    const manifest = renderNad({
      name: this.name,
      namespace: this.namespace,
      config: this.plugin.configFor(this.name, this.namespace),
      resourceName: this.resourceName,
      labels: props.labels,
    });
    this.apiObject = new NetworkAttachmentDefinition(this, 'Resource', { metadata: manifest.metadata, spec: manifest.spec });
  }

  /** The reference a VM network uses (`multus.networkName`): `name`, or `namespace/name` from another namespace. */
  public networkNameFrom(namespace: string): string {
    return formatNadRef(this, namespace);
  }

  /** Kube-OVN provider of this NAD (`<name>.<namespace>.ovn`). */
  public get kubeOvnProvider(): string {
    return kubeOvnProvider(this.name, this.namespace);
  }
}
