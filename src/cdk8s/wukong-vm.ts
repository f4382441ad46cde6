import { Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { VirtualMachine } from '../../imports/kubevirt.io';
import {
  Issue, NetworkConfig, RenderedVm, ResolvedNic, ResolvedVm, WukongSpec, WukongValidationError, formatIssue, ownedLabels, readWukong,
  renderResolvedVm, resolveVm, throwIfErrors,
} from '../model';
import { AppRegistry } from './app-registry';
import { CniPlugin } from './cni-plugin';
import { KubeOvnSubnet } from './kube-ovn-subnet';
import { toKubeVirtSpec } from './kubevirt-spec';
import { Nad } from './nad';
import { IRouteTarget, Route, RouteProps } from './route';
import { WukongNic } from './wukong-nic';

/** Context key: set to `false` on the app to keep `WukongVm` from printing its warnings at synth. */
export const PRINT_WARNINGS_CONTEXT = 'wukong:printWarnings';

/**
 * Props of a `WukongVm`: the `WukongSpec` of the Wukong operator plus the object's metadata.
 *
 * @see https://kubevirt.io/user-guide/network/interfaces_and_networks/
 */
export interface WukongVmProps extends WukongSpec {
  /**
   * VM name; also the prefix of the NADs (`{vm}-{nic}-nad`) and of the cloud-init Secret this VM creates.
   * @default - the construct id
   */
  readonly name?: string;
  /** @default - the chart's namespace, else `default` */
  readonly namespace?: string;
  /** Labels of the VM and its pods. @default - none */
  readonly labels?: Record<string, string>;
  /** Annotations of the VM. @default - none */
  readonly annotations?: Record<string, string>;
}

/**
 * A KubeVirt VirtualMachine with several NICs, and everything the cluster needs for them: a NAD per NIC (unless the
 * NIC reuses one by `nadName` or comes from a `MultiNic`), a Kube-OVN Subnet per kube-ovn NIC, and the cloud-init
 * Secret with the guest's network data (static IPs, routes, DNS), matched by the MAC pinned on each interface.
 *
 * Children: `Resource` (the VirtualMachine, the default child for `addJsonPatch`), `CloudInit` (the Secret),
 * `<nic>-nad` and `<nic>-subnet`.
 */
export class WukongVm extends Construct implements IRouteTarget {
  /** Builds a VM from an operator `Wukong` object (`vm.novasphere.dev/v1alpha1`), e.g. parsed from YAML. */
  public static fromWukong(scope: Construct, id: string, manifest: unknown): WukongVm {
    const { vm, issues } = readWukong(manifest);
    if (!vm) {
      const name = (manifest as { metadata?: { name?: unknown } })?.metadata?.name;
      throw new WukongValidationError(`Wukong '${typeof name === 'string' ? name : id}'`, issues);
    }
    const { metadata, spec } = manifest as { metadata: WukongVmProps; spec: WukongSpec };
    return new WukongVm(scope, id, {
      ...spec, name: vm.name, namespace: vm.namespace, labels: metadata.labels, annotations: metadata.annotations,
    });
  }

  public readonly name: string;
  public readonly namespace: string;
  /** The generated VirtualMachine object. */
  public readonly apiObject: VirtualMachine;
  /** The Secret with `userdata` and `networkdata`; absent with `networkDataDelivery: 'inline'`. */
  public readonly cloudInitSecret?: k8s.KubeSecret;

  private readonly spec: WukongSpec;
  private readonly meta: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  private readonly _networks: NetworkConfig[] = [];
  private readonly _routes: Route[] = [];
  private readonly _nics = new Map<string, WukongNic>();
  private _rendered?: RenderedVm;
  private _warningsPrinted = false;
  private lastWarnings: Issue[] = [];

  public constructor(scope: Construct, id: string, props: WukongVmProps = {}) {
    super(scope, id);
    const { name, namespace, labels, annotations, networks, ...spec } = props;
    this.name = name ?? id;
    this.namespace = namespace ?? Chart.of(this).namespace ?? 'default';
    this.meta = { name: this.name, namespace: this.namespace, labels, annotations };
    this.spec = spec;
    // Report every problem of the props at once, before adding NICs one by one.
    throwIfErrors(this.subject, resolveVm(this.meta, { ...spec, networks }).issues);
    for (const n of networks ?? []) this.addNic(n);
    const first = this.render();
    this.apiObject = new VirtualMachine(this, 'Resource', {
      metadata: first.virtualMachine.metadata,
      spec: Lazy.any({ produce: () => toKubeVirtSpec(this.render().virtualMachine.spec) }),
    });
    if (first.secret) {
      this.cloudInitSecret = new k8s.KubeSecret(this, 'CloudInit', {
        metadata: first.secret.metadata,
        type: first.secret.type,
        stringData: Lazy.any({ produce: () => this.render().secret!.stringData }),
      });
    }
    this.node.addValidation({ validate: () => this.printWarnings() });
  }

  /** NICs in VM order (pod network first). */
  public get nics(): WukongNic[] {
    return this.resolved.nics.map(n => this.nic(n.name)!);
  }

  /** Warnings about the current spec (fields that are ignored, limits to know about). */
  public get warnings(): Issue[] {
    return [...this.render().warnings];
  }

  /** The NIC called `name`, or undefined. */
  public nic(name: string): WukongNic | undefined {
    if (!this._nics.has(name) && this.resolved.nics.some(n => n.name === name)) this._nics.set(name, new WukongNic(this, name));
    return this._nics.get(name);
  }

  /**
   * Adds a NIC (a `networks[]` entry). Creates its NAD and, for kube-ovn, its Subnet, unless the NIC reuses a NAD by
   * `nadName` or comes from `MultiNic.nic()`. Throws with every problem of the resulting spec.
   */
  public addNic(nic: NetworkConfig): WukongNic {
    if (nic.sharedBy !== undefined) {
      const shared = AppRegistry.of(this).sharedNetworksNamed(nic.sharedBy);
      if (!shared) {
        throw new WukongValidationError(this.subject, [{
          severity: 'error', path: `networks[${this._networks.length}].sharedBy`, message: `no MultiNic named '${nic.sharedBy}' in this app; create it first`,
        }]);
      }
      shared.attachTo(this.namespace);
    }
    const vm = this.resolveOrThrow([...this._networks, nic], this._routes.map(r => r));
    throwIfErrors(this.subject, AppRegistry.of(this).inventory.addVm(vm, this.node.path));
    this._networks.push(nic);
    this._rendered = undefined;
    const resolved = vm.nics.find(n => n.name === nic.name)!;
    this.addOwnedObjects(vm, resolved, nic);
    return this.nic(nic.name)!;
  }

  /** Adds a static route on the NIC called `nic`. */
  public addRoute(nic: string, props: Omit<RouteProps, 'nic'>): Route {
    return new Route(this, `route-${nic}-${props.destination.replace(/[/:]/g, '_')}`, { ...props, nic });
  }

  /** The rendered manifests (plain JSON), exactly what synth writes. */
  public render(): RenderedVm {
    if (!this._rendered) {
      const vm = this.resolveOrThrow(this._networks, this._routes);
      this._rendered = renderResolvedVm(vm, this.lastWarnings);
    }
    return this._rendered;
  }

  /** @internal */
  public _checkRoute(props: RouteProps): void {
    const known = this.resolved.nics.map(n => n.name);
    if (!known.includes(props.nic)) {
      throw new WukongValidationError(this.subject, [{
        severity: 'error', path: 'nic', message: `'${props.nic}' is not a NIC of this VM; its NICs are ${known.join(', ')}`,
      }]);
    }
    const { nic, ...route } = props;
    this.resolveOrThrow(this._networks, [...this._routes, { nic, toConfig: () => route }]);
  }

  /** @internal */
  public _registerRoute(route: Route): void {
    this._routes.push(route);
    this._rendered = undefined;
  }

  /** @internal */
  public _resolvedNic(name: string): ResolvedNic | undefined {
    return this.resolved.nics.find(n => n.name === name);
  }

  private get subject(): string {
    return `WukongVm '${this.node.path}'`;
  }

  private get resolved(): ResolvedVm {
    return this.render().vm;
  }

  /** The spec with routes from `Route` constructs merged into their NICs. */
  private resolveOrThrow(networks: NetworkConfig[], routes: Array<Pick<Route, 'nic' | 'toConfig'>>): ResolvedVm {
    const extra = (nic: string) => routes.filter(r => r.nic === nic).map(r => r.toConfig());
    const podName = this.spec.podNetwork?.name ?? 'default';
    const spec: WukongSpec = {
      ...this.spec,
      podNetwork: { ...this.spec.podNetwork, routes: [...this.spec.podNetwork?.routes ?? [], ...extra(podName)] },
      networks: networks.map(n => ({ ...n, routes: [...n.routes ?? [], ...extra(n.name)] })),
    };
    const { vm, issues } = resolveVm(this.meta, spec);
    throwIfErrors(this.subject, issues);
    this.lastWarnings = issues.filter(i => i.severity === 'warning');
    return vm!;
  }

  private addOwnedObjects(vm: ResolvedVm, nic: ResolvedNic, input: NetworkConfig): void {
    if (nic.nad?.owner !== 'vm' || !nic.nad.config) return;
    const nad = new Nad(this, `${nic.name}-nad`, {
      name: nic.nad.name,
      namespace: nic.nad.namespace,
      plugin: CniPlugin.custom(nic.nad.config),
      resourceName: nic.nad.resourceName,
      labels: ownedLabels(vm),
    });
    this.nic(nic.name)!._setNad(nad);
    if (nic.kubeOvn?.subnet && input.subnet) {
      const { provider, ...subnet } = input.subnet;
      this.nic(nic.name)!._setSubnet(new KubeOvnSubnet(this, `${nic.name}-subnet`, { ...subnet, nad, labels: ownedLabels(vm) }));
    }
  }

  private printWarnings(): string[] {
    if (this._warningsPrinted || this.node.tryGetContext(PRINT_WARNINGS_CONTEXT) === false) return [];
    this._warningsPrinted = true;
    for (const w of this.warnings) console.warn(`warning: ${this.node.path}: ${formatIssue(w)}`);
    return [];
  }
}
