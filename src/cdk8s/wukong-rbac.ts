import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_NAMESPACE, RbacOptions, RbacSubject, renderRbac } from '../model';

/** Props of `WukongRbac`. */
export interface WukongRbacProps extends RbacOptions {
  /** Namespace of the VMs. @default - the chart's namespace, else `default` */
  readonly namespace?: string;
  /** Name of the Role (the ClusterRole is `<name>-<namespace>`). @default 'wukong' */
  readonly name?: string;
  /** Users, groups or service accounts that run `wukong apply` or the Pulumi provider. @default - no bindings */
  readonly subjects?: RbacSubject[];
}

/**
 * The least privilege Wukong needs, per resource and verb: a Role in the VMs' namespace (VirtualMachines, VMIs
 * read-only, NADs, Secrets) and a ClusterRole (Kube-OVN Subnets, listing KubeVirt CRs for the version), with bindings
 * for `subjects`. The same rules `wukong rbac` prints and the permission preflight of every apply checks.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */
export class WukongRbac extends Construct {
  public readonly objects: ApiObject[];

  public constructor(scope: Construct, id: string, props: WukongRbacProps = {}) {
    super(scope, id);
    const namespace = props.namespace ?? Chart.of(this).namespace ?? DEFAULT_NAMESPACE;
    type RbacClass = typeof k8s.KubeRole | typeof k8s.KubeClusterRole | typeof k8s.KubeRoleBinding | typeof k8s.KubeClusterRoleBinding;
    const classes: Record<string, RbacClass> = {
      Role: k8s.KubeRole, ClusterRole: k8s.KubeClusterRole, RoleBinding: k8s.KubeRoleBinding, ClusterRoleBinding: k8s.KubeClusterRoleBinding,
    };
    this.objects = renderRbac({ ...props, namespace }).map(({ apiVersion: _, kind, ...body }) => {
      const obj = new classes[kind](this, kind, body as any);
      // A namespaced chart stamps its namespace on every object; cluster-scoped ones must not carry it.
      if (kind.startsWith('Cluster')) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
      return obj;
    });
  }
}
