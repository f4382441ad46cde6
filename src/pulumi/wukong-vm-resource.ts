import * as pulumi from '@pulumi/pulumi';
import { NicStatus, WukongMetadata, WukongSpec } from '../model';
import { wukongVmProvider } from './vm-provider';
import type { VmOutputs } from './vm-provider-impl';

/** Type token module and type: `pulumi-nodejs:dynamic/wukong:VirtualMachine`. Never change them (state refers to them). */
export const VM_RESOURCE_MODULE = 'wukong';
/** Type part of the `WukongVmResource` type token (see `VM_RESOURCE_MODULE`). Never change it (state refers to it). */
export const VM_RESOURCE_TYPE = 'VirtualMachine';

/** Arguments of a `WukongVmResource`. */
export interface WukongVmResourceArgs {
  /** Name, namespace (default `default`), labels and annotations of the VM. */
  readonly metadata: pulumi.Input<WukongMetadata>;
  /** The Wukong spec (same fields as the `WukongVm` construct and the `Wukong` YAML). */
  readonly spec: pulumi.Input<WukongSpec>;
  /**
   * Kubeconfig content; pass it as a Pulumi secret. Used for preview and update; never stored in outputs, so refresh
   * and destroy use `kubeconfigPath` or the ambient KUBECONFIG.
   * @default - `kubeconfigPath`, else the ambient KUBECONFIG
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /** @default - the ambient KUBECONFIG */
  readonly kubeconfigPath?: pulumi.Input<string>;
  /** @default - the kubeconfig's current context */
  readonly context?: pulumi.Input<string>;
  /** Apply restart-required NIC changes to the template (the VM is never restarted). @default false */
  readonly allowRestart?: pulumi.Input<boolean>;
  /** Wait until hot-plugged NICs are plugged. @default false */
  readonly wait?: pulumi.Input<boolean>;
  /** @default 300 */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** The KubeVirt version to plan for, e.g. `v1.6`. @default - the cluster's, else the newest documented */
  readonly kubevirtVersion?: pulumi.Input<string>;
  /** Also create/delete the VM's NADs, Subnets and Secret (false when a `WukongVm` component manages them). @default true */
  readonly manageOwnedObjects?: pulumi.Input<boolean>;
}

/**
 * A KubeVirt VirtualMachine whose NIC changes are applied in place: added NICs are hot-plugged, removed ones set to
 * `state: absent`, and anything KubeVirt cannot do live is reported (`restartRequired`, `plan`) and applied only with
 * `allowRestart`. Only a new name or namespace replaces the VM.
 *
 * @see https://kubevirt.io/user-guide/network/hotplug_interfaces/
 */
export class WukongVmResource extends pulumi.dynamic.Resource {
  /** The VM's uid: unchanged by in-place NIC changes. */
  public readonly uid!: pulumi.Output<string>;
  /** What the last create/update did, entry by entry. */
  public readonly plan!: pulumi.Output<VmOutputs['plan']>;
  /** A change waits for a restart. */
  public readonly restartRequired!: pulumi.Output<boolean>;
  /** Per NIC: MAC, IPs, guest name, state. */
  public readonly nics!: pulumi.Output<NicStatus[]>;

  /** sha256 of the user data: what outputs and state keep of it. */
  public readonly userDataDigest!: pulumi.Output<string | undefined>;

  public constructor(name: string, args: WukongVmResourceArgs, opts?: pulumi.CustomResourceOptions) {
    // User data may hold passwords and keys: it travels as its own secret input, and outputs keep only a digest.
    const spec = pulumi.output(args.spec);
    const inputs = {
      ...args,
      spec: spec.apply(({ userData: _, ...rest }) => rest),
      userData: pulumi.secret(spec.apply(s => s.userData)),
    };
    const outputs = { uid: undefined, plan: undefined, restartRequired: undefined, nics: undefined, userDataDigest: undefined };
    super(wukongVmProvider, name, { ...inputs, ...outputs },
      opts, VM_RESOURCE_MODULE, VM_RESOURCE_TYPE);
  }
}
