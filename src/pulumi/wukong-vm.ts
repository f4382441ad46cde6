import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { MANIFEST_PATHS, NicStatus, WukongMetadata, WukongSpec, WukongValidationError, renderVm } from '../model';
import type { VmOutputs } from './vm-provider-impl';
import { WukongVmResource, WukongVmResourceArgs } from './wukong-vm-resource';

/** True when `value` holds a Pulumi Output anywhere (so it is not known until deployment). */
function hasOutputs(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
  if (Array.isArray(value)) return value.some(hasOutputs);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasOutputs);
  return false;
}

/** Type token of the component. */
export const WUKONG_VM_COMPONENT = 'wukong:index:WukongVm';

/** Arguments of a `WukongVm` component: the same spec as the cdk8s construct, as Pulumi inputs. */
export interface WukongVmArgs extends Omit<WukongVmResourceArgs, 'manageOwnedObjects'> {
  /**
   * Provider for the NADs, Subnets and Secret (created with @pulumi/kubernetes).
   * @default - one made from `kubeconfig` when given, else the default kubernetes provider
   */
  readonly k8sProvider?: k8s.Provider;
}

/**
 * A multi-NIC KubeVirt VM for Pulumi: its NADs, Kube-OVN Subnets and cloud-init Secret as @pulumi/kubernetes objects,
 * rendered from the same model as the cdk8s constructs, and the VM itself as a `WukongVmResource`, whose NIC changes
 * are hot-plugged or unplugged in place.
 *
 * Order: the owned objects are created and updated before the VM (the VM depends on them); objects no longer needed
 * are deleted after the VM update, which waits until KubeVirt detached the NICs that used them.
 */
export class WukongVm extends pulumi.ComponentResource {
  /** NADs, Subnets and the Secret the VM owns. */
  public readonly ownedObjects: k8s.yaml.v2.ConfigGroup;
  public readonly vm: WukongVmResource;
  public readonly uid: pulumi.Output<string>;
  public readonly plan: pulumi.Output<VmOutputs['plan']>;
  public readonly restartRequired: pulumi.Output<boolean>;
  public readonly nics: pulumi.Output<NicStatus[]>;

  public constructor(name: string, args: WukongVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super(WUKONG_VM_COMPONENT, name, {}, opts);
    // A spec known now is checked now: every problem, by field, before any resource is registered.
    if (!hasOutputs(args.metadata) && !hasOutputs(args.spec)) renderVm(args.metadata, args.spec, MANIFEST_PATHS);
    const { k8sProvider, ...vmArgs } = args;
    const provider = k8sProvider ?? (args.kubeconfig ? new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, { parent: this }) : undefined);
    const objects = pulumi.all([args.metadata, args.spec]).apply(([metadata, spec]: [WukongMetadata, WukongSpec]) => {
      try {
        const rendered = renderVm(metadata, spec, MANIFEST_PATHS);
        return [...rendered.nads, ...rendered.subnets, ...(rendered.secret ? [rendered.secret] : [])];
      } catch (e) {
        throw new pulumi.ResourceError(e instanceof WukongValidationError ? e.message : String(e), this);
      }
    });
    this.ownedObjects = new k8s.yaml.v2.ConfigGroup(`${name}-owned`, { objs: objects }, { parent: this, provider });
    this.vm = new WukongVmResource(name, { ...vmArgs, manageOwnedObjects: false }, { parent: this, dependsOn: [this.ownedObjects] });
    this.uid = this.vm.uid;
    this.plan = this.vm.plan;
    this.restartRequired = this.vm.restartRequired;
    this.nics = this.vm.nics;
    this.registerOutputs({ uid: this.uid, plan: this.plan, restartRequired: this.restartRequired, nics: this.nics });
  }
}
