/**
 * The few Kubernetes calls Wukong makes, through @kubernetes/client-node: read the VM, its VMI and the objects it
 * owns; create; JSON-patch with a resourceVersion test; delete. Custom resources go through CustomObjectsApi with
 * plain JSON bodies (the typed models would drop fields they do not know).
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { JsonPatchOp, KubeVirtVersion, MANAGED_BY, MANAGED_BY_LABEL, VM_NAME_LABEL, VM_NAMESPACE_LABEL, parseKubeVirtVersion } from '../model';
import { apiStatusCode } from './api-errors';

/** Where to find credentials. Without any, the ambient KUBECONFIG (or in-cluster config) is used. */
export interface ClusterOptions {
  /** Kubeconfig content (YAML or JSON). Never stored or logged. */
  readonly kubeconfig?: string;
  /** Path of a kubeconfig file. */
  readonly kubeconfigPath?: string;
  /** Context to use. @default - the kubeconfig's current context */
  readonly context?: string;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

const PLURALS: Record<string, string> = {
  VirtualMachine: 'virtualmachines',
  VirtualMachineInstance: 'virtualmachineinstances',
  NetworkAttachmentDefinition: 'network-attachment-definitions',
  Subnet: 'subnets',
  KubeVirt: 'kubevirts',
};

function gv(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.split('/');
  return { group, version };
}

const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export class Cluster {
  /** A client for the cluster the options name. */
  public static connect(options: ClusterOptions = {}): Cluster {
    const kc = new KubeConfig();
    if (options.kubeconfig) kc.loadFromString(options.kubeconfig);
    else if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
    return new Cluster(kc);
  }

  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  public constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The object, or undefined when it does not exist. */
  public async get(ref: ObjectRef): Promise<any | undefined> {
    try {
      if (ref.kind === 'Secret') return await this.core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace! });
      const { group, version } = gv(ref.apiVersion);
      const plural = PLURALS[ref.kind];
      return ref.namespace
        ? await this.custom.getNamespacedCustomObject({ group, version, plural, namespace: ref.namespace, name: ref.name })
        : await this.custom.getClusterCustomObject({ group, version, plural, name: ref.name });
    } catch (e) {
      if (apiStatusCode(e) === 404) return undefined;
      throw e;
    }
  }

  public async create(obj: any): Promise<any> {
    const ns = obj.metadata.namespace;
    if (obj.kind === 'Secret') return this.core.createNamespacedSecret({ namespace: ns, body: obj });
    const { group, version } = gv(obj.apiVersion);
    const plural = PLURALS[obj.kind];
    return ns
      ? this.custom.createNamespacedCustomObject({ group, version, plural, namespace: ns, body: obj })
      : this.custom.createClusterCustomObject({ group, version, plural, body: obj });
  }

  /** Applies a JSON patch (RFC 6902); callers guard it with a `test` on `/metadata/resourceVersion`. */
  public async patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any> {
    if (ref.kind === 'Secret') return this.core.patchNamespacedSecret({ name: ref.name, namespace: ref.namespace!, body: ops }, JSON_PATCH);
    const { group, version } = gv(ref.apiVersion);
    const plural = PLURALS[ref.kind];
    return ref.namespace
      ? this.custom.patchNamespacedCustomObject({ group, version, plural, namespace: ref.namespace, name: ref.name, body: ops }, JSON_PATCH)
      : this.custom.patchClusterCustomObject({ group, version, plural, name: ref.name, body: ops }, JSON_PATCH);
  }

  /** Deletes the object; true when it existed. */
  public async delete(ref: ObjectRef): Promise<boolean> {
    try {
      if (ref.kind === 'Secret') {await this.core.deleteNamespacedSecret({ name: ref.name, namespace: ref.namespace! });} else {
        const { group, version } = gv(ref.apiVersion);
        const plural = PLURALS[ref.kind];
        if (ref.namespace) await this.custom.deleteNamespacedCustomObject({ group, version, plural, namespace: ref.namespace, name: ref.name });
        else await this.custom.deleteClusterCustomObject({ group, version, plural, name: ref.name });
      }
      return true;
    } catch (e) {
      if (apiStatusCode(e) === 404) return false;
      throw e;
    }
  }

  /** NADs in `namespace` that the VM owns (labelled with its name); none without Multus. */
  public async ownedNads(namespace: string, vmName: string): Promise<any[]> {
    try {
      const r = await this.custom.listNamespacedCustomObject({
        group: 'k8s.cni.cncf.io',
        version: 'v1',
        plural: PLURALS.NetworkAttachmentDefinition,
        namespace,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${VM_NAME_LABEL}=${vmName}`,
      });
      return r.items ?? [];
    } catch (e) {
      // No NetworkAttachmentDefinition resource: Multus is not installed, so there is nothing to own.
      if (apiStatusCode(e) === 404) return [];
      throw e;
    }
  }

  /** Kube-OVN Subnets the VM owns (cluster-scoped, labelled with its name and namespace); none without Kube-OVN. */
  public async ownedSubnets(namespace: string, vmName: string): Promise<any[]> {
    try {
      const r = await this.custom.listClusterCustomObject({
        group: 'kubeovn.io',
        version: 'v1',
        plural: PLURALS.Subnet,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${VM_NAME_LABEL}=${vmName},${VM_NAMESPACE_LABEL}=${namespace}`,
      });
      return r.items ?? [];
    } catch (e) {
      if (apiStatusCode(e) === 404) return [];
      throw e;
    }
  }

  /** False when the cluster has no NetworkAttachmentDefinition resource (Multus is not installed). */
  public async hasMultus(namespace: string): Promise<boolean> {
    try {
      await this.custom.listNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: PLURALS.NetworkAttachmentDefinition, namespace, limit: 1 });
      return true;
    } catch (e) {
      if (apiStatusCode(e) === 404) return false;
      throw e;
    }
  }

  /** The KubeVirt release the cluster runs (the KubeVirt CR's observedKubeVirtVersion), when it can be read. */
  public async kubevirtVersion(): Promise<KubeVirtVersion | undefined> {
    try {
      const r = await this.custom.listCustomObjectForAllNamespaces({ group: 'kubevirt.io', version: 'v1', plural: PLURALS.KubeVirt });
      for (const kv of r.items ?? []) {
        const v = parseKubeVirtVersion(String(kv.status?.observedKubeVirtVersion ?? ''));
        if (v) return v;
      }
      return undefined;
    } catch (e) {
      const code = apiStatusCode(e);
      if (code === 404 || code === 403) return undefined;
      throw e;
    }
  }
}
