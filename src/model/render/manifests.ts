/** Plain Kubernetes manifests for the objects around a VM: NADs, Kube-OVN Subnets and the cloud-init Secret. */
import { ObjectMeta } from './vm-spec';
import { RESOURCE_NAME_ANNOTATION } from '../net/cni-config';
import { ResolvedSubnet } from '../resolve/resolved';
import { definedOnly } from '../spec/stable-json';

/** A Multus NetworkAttachmentDefinition (`k8s.cni.cncf.io/v1`), its CNI configuration as JSON text in `spec.config`. */
export interface NadManifest {
  readonly apiVersion: 'k8s.cni.cncf.io/v1';
  readonly kind: 'NetworkAttachmentDefinition';
  readonly metadata: ObjectMeta;
  readonly spec: { readonly config: string };
}

/** A Kube-OVN Subnet (`kubeovn.io/v1`, cluster-scoped). */
export interface SubnetManifest {
  readonly apiVersion: 'kubeovn.io/v1';
  readonly kind: 'Subnet';
  readonly metadata: ObjectMeta;
  readonly spec: ResolvedSubnet['spec'];
}

/** An Opaque Kubernetes Secret in the shape Wukong writes it, its data as plain text in `stringData`. */
export interface SecretManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: ObjectMeta;
  readonly type: 'Opaque';
  readonly stringData: Record<string, string>;
}

/** What `renderNad` makes a NAD from: name, namespace, CNI configuration, and optionally a device-plugin resource and labels. */
export interface NadInput {
  readonly name: string;
  readonly namespace: string;
  readonly config: Record<string, unknown>;
  readonly resourceName?: string;
  readonly labels?: Record<string, string>;
}

/** A NetworkAttachmentDefinition: the CNI config as pretty JSON in `spec.config` (Multus parses either form). */
export function renderNad(input: NadInput): NadManifest {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      ...(input.labels ? { labels: { ...input.labels } } : {}),
      ...(input.resourceName ? { annotations: { [RESOURCE_NAME_ANNOTATION]: input.resourceName } } : {}),
    },
    spec: { config: JSON.stringify(input.config, null, 2) },
  };
}

/** A Kube-OVN Subnet (cluster-scoped) in its normalized form. */
export function renderSubnet(subnet: ResolvedSubnet, labels?: Record<string, string>): SubnetManifest {
  return {
    apiVersion: 'kubeovn.io/v1',
    kind: 'Subnet',
    metadata: { name: subnet.name, ...(labels ? { labels: { ...labels } } : {}) },
    spec: definedOnly({ ...subnet.spec, excludeIps: [...subnet.spec.excludeIps] }),
  };
}

/**
 * The Secret KubeVirt reads cloud-init data from (keys `userdata` and `networkdata`); without `userData` (a VM that
 * keeps its own), only the network data.
 */
export function renderCloudInitSecret(meta: ObjectMeta, userData: string | undefined, networkData: string): SecretManifest {
  const stringData: Record<string, string> = userData === undefined ? { networkdata: networkData } : { userdata: userData, networkdata: networkData };
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', stringData };
}

/** A Secret's `data` as the API returns it, decoded from base64. */
export function secretData(secret: { readonly data?: Record<string, unknown> } | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
}

/** A Secret as the API returns it (base64 `data`) in the shape the renderer writes (`stringData`). */
export function secretAsManifest(raw: unknown): SecretManifest | undefined {
  const s = raw as { data?: Record<string, string>; stringData?: Record<string, string> } | null | undefined;
  if (!s) return undefined;
  return { ...(s as SecretManifest), stringData: { ...secretData(s), ...s.stringData } };
}
