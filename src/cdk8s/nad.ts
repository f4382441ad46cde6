import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { NetworkAttachmentDefinition } from '../../imports/k8s.cni.cncf.io';
import { DEFAULT_NAMESPACE, IssueCollector, dns1123LabelProblem, formatNadRef, kubeOvnProvider, renderNad, show, throwIfErrors } from '../model';
import { AppRegistry } from './app-registry';
import { CniPlugin } from './cni-plugin';
import { renderedAs } from './rendered-object';

const RenderedNad = renderedAs(NetworkAttachmentDefinition);

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
 * The construct is the L1 object itself (one node in the construct tree per NAD, which a fleet of VMs pays for in
 * synth time and memory): call `addJsonPatch` or `metadata.addLabel` on it directly. `apiObject` returns it, for code
 * written against the earlier `Resource` child.
 *
 * @see https://github.com/k8snetworkplumbingwg/multus-cni/blob/master/docs/how-to-use.md
 */
export class Nad extends RenderedNad {
  public readonly namespace: string;
  public readonly plugin: CniPlugin;
  public readonly resourceName?: string;

  public constructor(scope: Construct, id: string, props: NadProps) {
    const name = props.name ?? id;
    const namespace = props.namespace ?? Chart.of(scope).namespace ?? DEFAULT_NAMESPACE;
    const issues = new IssueCollector();
    for (const [field, value] of [['name', name], ['namespace', namespace]] as const) {
      const problem = dns1123LabelProblem(value);
      if (problem) issues.error(field, `${show(value)} ${problem}`);
    }
    if (NEEDS_RESOURCE.includes(props.plugin.type) && !props.resourceName) {
      issues.error('resourceName', `is required for ${props.plugin.type} NADs: name the device-plugin resource Multus must allocate`);
    }
    // Checked before the object joins the tree, so a rejected NAD leaves nothing behind.
    const path = `${scope.node.path}/${id}`;
    throwIfErrors(`Nad '${path}'`, issues.issues);
    throwIfErrors(`Nad '${path}'`, AppRegistry.of(scope).inventory.addNad(namespace, name, path, 'name'));
    const manifest = renderNad({
      name,
      namespace,
      config: props.plugin.configFor(name, namespace),
      resourceName: props.resourceName,
      labels: props.labels,
    });
    super(scope, id, { metadata: manifest.metadata, spec: manifest.spec });
    this.namespace = namespace;
    this.plugin = props.plugin;
    this.resourceName = props.resourceName;
  }

  /** This NAD: it is its own L1 object. */
  public get apiObject(): NetworkAttachmentDefinition {
    return this;
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
