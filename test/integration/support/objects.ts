/** Creating synthesized manifests on the test API server and reading them back. */
import { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { describeApiError } from '../../../src/kube';
import { Manifest } from '../../support/manifests';

/** Creates a namespace unless it exists. */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  await ensureNamespaces(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name, namespace: name } }]);
}

/** Creates each namespace the objects live in (once). */
export async function ensureNamespaces(kc: KubeConfig, objects: Manifest[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const ns of new Set(objects.map(o => o.metadata.namespace).filter((n): n is string => !!n && n !== 'default'))) {
    try {
      await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
  }
}

/** Server-side dry-run create of every object, then a real create; errors name the object and the fields. */
export async function dryRunThenCreate(kc: KubeConfig, objects: Manifest[]): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const errors: string[] = [];
  for (const dryRun of ['All', undefined]) {
    for (const obj of objects) {
      try {
        await api.create(structuredClone(obj) as KubernetesObject, undefined, dryRun);
      } catch (e) {
        errors.push(...describeApiError(e, obj).map(m => `${dryRun ? 'dry-run ' : ''}create ${m}`));
      }
    }
    if (errors.length) break;
  }
  return errors;
}

export async function readBack(kc: KubeConfig, obj: Manifest): Promise<any> {
  const { apiVersion, kind, metadata: { name, namespace } } = obj;
  return KubernetesObjectApi.makeApiClient(kc).read({ apiVersion, kind, metadata: { name, namespace } });
}

/**
 * Every field that was sent but is not stored as sent: a pruned field means a typo the schema silently dropped. A
 * Secret's stringData is compared with its stored data.
 */
export function notStoredAsSent(sent: unknown, stored: unknown, path = ''): string[] {
  if (sent !== null && typeof sent === 'object' && !Array.isArray(sent)) {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return [`${path || '/'}: stored as ${JSON.stringify(stored)}`];
    return Object.entries(sent).flatMap(([k, v]) => {
      if (path === '' && k === 'stringData') {
        const data = (stored as { data?: Record<string, string> }).data ?? {};
        return Object.entries(v as Record<string, string>).flatMap(([dk, dv]) =>
          Buffer.from(data[dk] ?? '', 'base64').toString('utf8') === dv ? [] : [`stringData.${dk}: not stored as sent`]);
      }
      if (!(k in (stored as object))) return [`${path}${path ? '.' : ''}${k}: pruned by the server`];
      return notStoredAsSent(v, (stored as Record<string, unknown>)[k], `${path}${path ? '.' : ''}${k}`);
    });
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored) || stored.length !== sent.length) return [`${path}: stored as ${JSON.stringify(stored)}`];
    return sent.flatMap((v, i) => notStoredAsSent(v, stored[i], `${path}[${i}]`));
  }
  return sent === stored ? [] : [`${path}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
}

/** References that do not resolve on the server: NADs named by VM networks, Subnets of kube-ovn NADs, the Secret. */
export async function unresolvedReferences(kc: KubeConfig, objects: Manifest[]): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const problems: string[] = [];
  const exists = async (apiVersion: string, kind: string, name: string, namespace?: string): Promise<any> => {
    try {
      return await api.read({ apiVersion, kind, metadata: { name, namespace } });
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  };
  const subnets = (await api.list('kubeovn.io/v1', 'Subnet')).items as any[];
  for (const vm of objects.filter(o => o.kind === 'VirtualMachine')) {
    const ns = vm.metadata.namespace!;
    for (const net of vm.spec.template.spec.networks) {
      if (!net.multus) continue;
      const [nadNs, nadName] = net.multus.networkName.includes('/') ? net.multus.networkName.split('/') : [ns, net.multus.networkName];
      const nad = await exists('k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition', nadName, nadNs);
      if (!nad) { problems.push(`${ns}/${vm.metadata.name}: network ${net.name} names NAD ${nadNs}/${nadName}, which does not exist`); continue; }
      const config = JSON.parse(nad.spec.config);
      if (config.type === 'kube-ovn' && !subnets.some(s => s.spec.provider === config.provider)) {
        problems.push(`NAD ${nadNs}/${nadName}: provider ${config.provider} has no Subnet`);
      }
    }
    const source = vm.spec.template.spec.volumes.find((v: any) => v.cloudInitNoCloud)?.cloudInitNoCloud;
    const secretName = source?.networkDataSecretRef?.name;
    if (secretName) {
      const secret = await exists('v1', 'Secret', secretName, ns);
      if (!secret?.data?.networkdata) problems.push(`${ns}/${vm.metadata.name}: Secret ${secretName} with key networkdata does not exist`);
    }
  }
  return problems;
}
