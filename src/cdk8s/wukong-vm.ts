import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { VirtualMachine } from '../../imports/kubevirt.io';
import {
  DEFAULT_NAMESPACE, DEFAULT_POD_NETWORK_NAME, Issue, LastApplied, NetworkConfig, NetworkDataDelivery, OnMissingMultus, RenderedVm,
  ResolvedNic, ResolvedVm, Tombstone, WukongSpec, WukongValidationError, formatIssue, ownedLabels,
  readWukong, renderResolvedVm, resolveVm, throwIfErrors, tombstonesOf, vmKey, withTombstones, withoutGitOpsAnnotations,
} from '../model';
import { AppRegistry } from './app-registry';
import { CniPlugin } from './cni-plugin';
import { FINISH_CONTEXT, GitOpsContext, PREVIOUS_CONTEXT } from './gitops-context';
import { KubeOvnSubnet } from './kube-ovn-subnet';
import { Nad } from './nad';
import { renderedAs } from './rendered-object';
import { IRouteTarget, Route, RouteProps } from './route';
import { WukongNic } from './wukong-nic';

/** A VM's spec resolved, with the warnings of that resolution. */
interface Resolution {
  readonly vm: ResolvedVm;
  readonly warnings: Issue[];
}

const RenderedVirtualMachine = renderedAs(VirtualMachine);
const RenderedSecret = renderedAs(k8s.KubeSecret);

/** Resolutions `_fromResolved` hands to the constructor, by the props object they were made for. */
const GIVEN_RESOLUTIONS = new WeakMap<WukongVmProps, Resolution>();

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

/** Props of `WukongVm.attach`: the NICs to attach to a VM defined elsewhere, and how their network data reaches it. */
export interface WukongAttachProps {
  /** @default - none; add them with `addNic()` */
  readonly networks?: NetworkConfig[];
  /** @default 'secret' */
  readonly networkDataDelivery?: NetworkDataDelivery;
  /** @default 'fail' */
  readonly onMissingMultus?: OnMissingMultus;
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
  /**
   * Attaches Wukong's NICs to a VirtualMachine defined elsewhere in the app (an L1 `VirtualMachine` from `imports/`):
   * the VM keeps its spec (machine, disks, user data, interfaces) and gains the NICs with pinned MACs, their NADs, and
   * their network data, added by MAC to the VM's inline network data or written to Wukong's Secret (see
   * `WukongSpec.virtualMachine`). The returned `WukongVm` takes the object's place (same scope and id), so the VM is
   * written once; edit the L1 object before attaching, as later edits to it are not seen.
   *
   * ```ts
   * const legacy = new VirtualMachine(chart, 'legacy', { metadata: { name: 'legacy' }, spec: { ... } });
   * WukongVm.attach(legacy, { networks: [fabric.nic('storage', { ipConfig: { address: '192.168.200.21/24' } })] });
   * ```
   */
  public static attach(vm: VirtualMachine, props: WukongAttachProps = {}): WukongVm {
    const { metadata, spec } = vm.toJson();
    const scope = vm.node.scope!;
    const id = vm.node.id;
    scope.node.tryRemoveChild(id);
    const { name, namespace, labels, annotations } = metadata ?? {};
    return new WukongVm(scope, id, { name, namespace, labels, annotations, ...props, virtualMachine: spec });
  }

  /** Builds a VM from an operator `Wukong` object (`vm.novasphere.dev/v1alpha1`), e.g. parsed from YAML. */
  public static fromWukong(scope: Construct, id: string, manifest: unknown): WukongVm {
    const { vm, manifest: read, issues } = readWukong(manifest);
    if (!read || !vm) {
      const name = (manifest as { metadata?: { name?: unknown } })?.metadata?.name;
      throw new WukongValidationError(`Wukong '${typeof name === 'string' ? name : id}'`, issues);
    }
    return WukongVm._fromResolved(scope, id, read, vm, issues.filter(i => i.severity === 'warning'));
  }

  /** Builds a VM from the metadata and spec of a Wukong that `readWukong` accepted (its `manifest`). */
  public static fromManifest(scope: Construct, id: string, manifest: LastApplied): WukongVm {
    const { metadata, spec } = manifest;
    return new WukongVm(scope, id, { ...spec, ...metadata });
  }

  /**
   * `fromManifest` for a caller that holds `readWukong`'s resolution of the manifest (`vm`, and its warnings): the
   * construct starts from it instead of resolving the same spec again.
   * @internal
   */
  public static _fromResolved(scope: Construct, id: string, manifest: LastApplied, vm: ResolvedVm, warnings: Issue[]): WukongVm {
    const { metadata, spec } = manifest;
    const props: WukongVmProps = { ...spec, ...metadata };
    GIVEN_RESOLUTIONS.set(props, { vm, warnings });
    return new WukongVm(scope, id, props);
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
  /** NICs of the previous output gone from the code (context `wukong:previous`), with the ids of their objects. */
  private readonly _tombstones = new Map<string, { tombstone: Tombstone; ids: string[] }>();
  private readonly _tombstoneWarnings: Issue[] = [];
  /** The current networks and routes, resolved (with their warnings); reset when either changes. */
  private _resolution?: Resolution;
  /** Rendered from `_resolution` on demand: adding NICs one by one resolves each step but renders once. */
  private _rendered?: RenderedVm;
  private _warningsPrinted = false;
  private _path?: string;

  public constructor(scope: Construct, id: string, props: WukongVmProps = {}) {
    super(scope, id);
    const { name, namespace, labels, annotations, networks, ...spec } = props;
    this.name = name ?? id;
    this.namespace = namespace ?? Chart.of(this).namespace ?? DEFAULT_NAMESPACE;
    this.meta = { name: this.name, namespace: this.namespace, labels, annotations };
    this.spec = spec;
    // Report every problem of the props at once, before adding NICs one by one.
    const resolution = GIVEN_RESOLUTIONS.get(props) ?? this.resolveSpec({ ...spec, networks });
    if (resolution.vm.networkDataDelivery === 'inline') {
      // Rendering checks inline's size limit: add (resolve and render) NIC by NIC, so the NIC that crosses it throws.
      for (const n of networks ?? []) this.addNic(n);
    } else {
      // The spec is valid, so each of its prefixes is, and a NIC resolves the same in any of them (its MAC, NAD and
      // addresses do not depend on the NICs after it): add the NICs one by one from this single resolution.
      (networks ?? []).forEach((n, i) => {
        this.requireSharedNetworks(n, i);
        this.commitNic(n, i, resolution);
      });
    }
    this.addTombstones();
    const first = this.render();
    this.apiObject = new RenderedVirtualMachine(this, 'Resource', {
      metadata: first.virtualMachine.metadata,
      spec: Lazy.any({ produce: () => this.render().virtualMachine.spec }),
    });
    if (first.secret) {
      this.cloudInitSecret = new RenderedSecret(this, 'CloudInit', {
        metadata: first.secret.metadata,
        type: first.secret.type,
        stringData: Lazy.any({ produce: () => this.render().secret!.stringData }),
      });
      GitOpsContext.of(this).annotate(this.cloudInitSecret, 'prerequisite');
    }
    this.node.addValidation({ validate: () => this.printWarnings() });
  }

  /** NICs in VM order (pod network first). */
  public get nics(): WukongNic[] {
    return this.resolved.nics.map(n => this.nic(n.name)!);
  }

  /** Warnings about the current spec (fields that are ignored, limits to know about) and its tombstones. */
  public get warnings(): Issue[] {
    return [...this.render().warnings, ...this._tombstoneWarnings];
  }

  /** Names of the NICs kept as tombstones (`state: absent`) because the previous output had them. */
  public get tombstones(): string[] {
    return [...this._tombstones.keys()];
  }

  /** One warning per tombstone, saying what finishes it (also part of `warnings`). */
  public get tombstoneWarnings(): Issue[] {
    return [...this._tombstoneWarnings];
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
    const index = this._networks.length;
    this.requireSharedNetworks(nic, index);
    return this.commitNic(nic, index, this.resolveOrThrow([...this._networks, nic], this._routes.map(r => r)));
  }

  /** Adds a static route on the NIC called `nic`. */
  public addRoute(nic: string, props: Omit<RouteProps, 'nic'>): Route {
    return new Route(this, `route-${nic}-${props.destination.replace(/[/:]/g, '_')}`, { ...props, nic });
  }

  /** The rendered manifests (plain JSON), exactly what synth writes. */
  public render(): RenderedVm {
    if (!this._rendered) {
      const { vm, warnings } = this.resolution;
      this._rendered = renderResolvedVm(withTombstones(vm, [...this._tombstones.values()].map(t => t.tombstone)), warnings);
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
    this._resolution = undefined;
    this._rendered = undefined;
  }

  /** @internal */
  public _resolvedNic(name: string): ResolvedNic | undefined {
    return this.resolved.nics.find(n => n.name === name);
  }

  /** A NIC from a MultiNic: that MultiNic must exist, and its NADs are created in this VM's namespace. */
  private requireSharedNetworks(nic: NetworkConfig, index: number): void {
    if (nic.sharedBy === undefined) return;
    const shared = AppRegistry.of(this).sharedNetworksNamed(nic.sharedBy);
    if (!shared) {
      throw new WukongValidationError(this.subject, [{
        severity: 'error', path: `networks[${index}].sharedBy`, message: `no MultiNic named '${nic.sharedBy}' in this app; create it first`,
      }]);
    }
    shared.attachTo(this.namespace);
  }

  /**
   * Adds `nic`, `networks[index]`, given a valid resolution of a spec whose networks start with the current ones and
   * then `nic`: claims its MAC and IPs, creates its NAD and Subnet. `resolution` becomes the VM's, rendered on demand.
   */
  private commitNic(nic: NetworkConfig, index: number, resolution: Resolution): WukongNic {
    const { vm } = resolution;
    // The app-wide inventory gets each NIC once, with the first NIC the pod network: the NICs before this one are in it
    // already, with the same MACs and addresses (neither depends on the NICs after them).
    const added = vm.nics.filter(n => n.index === index || (index === 0 && n.index < 0));
    const issues = AppRegistry.of(this).inventory.addVm({ ...vm, nics: added }, this.path);
    throwIfErrors(this.subject, issues);
    this._networks.push(nic);
    this._resolution = resolution;
    this._rendered = undefined;
    const resolved = vm.nics.find(n => n.name === nic.name)!;
    // A NIC back in the code is no tombstone: its own objects replace the kept ones.
    for (const id of this._tombstones.get(nic.name)?.ids ?? []) this.node.tryRemoveChild(id);
    this._tombstones.delete(nic.name);
    this.addOwnedObjects(vm, resolved, nic);
    this.checkInlineLimit();
    return this.nic(nic.name)!;
  }

  private get subject(): string {
    return `WukongVm '${this.path}'`;
  }

  /** The construct path, read once: constructs build it from their scopes on every read, and the inventory keeps it. */
  private get path(): string {
    this._path ??= this.node.path;
    return this._path;
  }

  private get resolved(): ResolvedVm {
    return this.resolution.vm;
  }

  private get resolution(): Resolution {
    if (!this._resolution) this._resolution = this.resolveOrThrow(this._networks, this._routes);
    return this._resolution;
  }

  /** The spec with routes from `Route` constructs merged into their NICs. */
  private resolveOrThrow(networks: NetworkConfig[], routes: Array<Pick<Route, 'nic' | 'toConfig'>>): Resolution {
    const extra = (nic: string) => routes.filter(r => r.nic === nic).map(r => r.toConfig());
    const podName = this.spec.podNetwork?.name ?? DEFAULT_POD_NETWORK_NAME;
    const podRoutes = extra(podName);
    const spec: WukongSpec = {
      ...this.spec,
      // Only when there is one: a VM with `virtualMachine` has its pod network in it.
      ...(this.spec.podNetwork || podRoutes.length
        ? { podNetwork: { ...this.spec.podNetwork, routes: [...this.spec.podNetwork?.routes ?? [], ...podRoutes] } }
        : {}),
      networks: networks.map(n => ({ ...n, routes: [...n.routes ?? [], ...extra(n.name)] })),
    };
    return this.resolveSpec(spec);
  }

  private resolveSpec(spec: WukongSpec): Resolution {
    const { vm, issues } = resolveVm(this.meta, spec);
    throwIfErrors(this.subject, issues);
    return { vm: vm!, warnings: issues.filter(i => i.severity === 'warning') };
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
    const gitops = GitOpsContext.of(this);
    gitops.annotate(nad.apiObject, nic.state === 'absent' ? 'tombstone-prerequisite' : 'prerequisite');
    if (nic.kubeOvn?.subnet && input.subnet) {
      const { provider, ...subnet } = input.subnet;
      const created = new KubeOvnSubnet(this, `${nic.name}-subnet`, { ...subnet, nad, labels: ownedLabels(vm) });
      gitops.annotate(created.apiObject, nic.state === 'absent' ? 'tombstone-prerequisite' : 'prerequisite');
      this.nic(nic.name)!._setSubnet(created);
    }
  }

  /**
   * Keeps the NICs of the previous output that the code no longer has as tombstones: their interface with
   * `state: absent`, their network, and their NAD and Subnet as they were, protected from the GitOps tool's pruning.
   */
  private addTombstones(): void {
    const gitops = GitOpsContext.of(this);
    const key = vmKey(this);
    const hint = (nic: string) => `--finish ${key}/${nic} beside --previous (cdk8s: context ${FINISH_CONTEXT} beside ${PREVIOUS_CONTEXT})`;
    const result = tombstonesOf(this.resolved, gitops.previousOf(key), gitops.finishOf(key), hint);
    if (result.errors.length) throw new WukongValidationError(this.subject, result.errors.map(message => ({ severity: 'error' as const, path: FINISH_CONTEXT, message })));
    this._tombstoneWarnings.push(...result.warnings.map(message => ({ severity: 'warning' as const, path: 'networks', message })));
    for (const tombstone of result.tombstones) {
      const ids: string[] = [];
      for (const object of [tombstone.nad, tombstone.subnet]) {
        if (!object) continue;
        const id = `${tombstone.name}-tombstone-${object.kind === 'Subnet' ? 'subnet' : 'nad'}`;
        gitops.annotate(new ApiObject(this, id, withoutGitOpsAnnotations(object)), 'tombstone-prerequisite');
        ids.push(id);
      }
      this._tombstones.set(tombstone.name, { tombstone, ids });
    }
  }

  /**
   * Inline delivery has a size limit that only rendering checks: render right away for such VMs, so the NIC that
   * crosses it is still the one that throws. Other VMs render once, when first asked.
   */
  private checkInlineLimit(): void {
    if (this.resolution.vm.networkDataDelivery === 'inline') this.render();
  }

  private printWarnings(): string[] {
    if (this._warningsPrinted || this.node.tryGetContext(PRINT_WARNINGS_CONTEXT) === false) return [];
    this._warningsPrinted = true;
    for (const w of this.warnings) console.warn(`warning: ${this.node.path}: ${formatIssue(w)}`);
    return [];
  }
}
