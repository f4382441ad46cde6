/** Helpers for reading synthesized manifests in tests. */
import { parse } from 'yaml';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec?: any;
  readonly stringData?: Record<string, string>;
}

export function ofKind(objects: Manifest[], kind: string): Manifest[] {
  return objects.filter(o => o.kind === kind);
}

export function one(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = ofKind(objects, kind).filter(o => name === undefined || o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** The VM's interfaces by name. */
export function interfaces(vm: Manifest): Record<string, any> {
  return Object.fromEntries(vm.spec.template.spec.domain.devices.interfaces.map((i: any) => [i.name, i]));
}

/** The parsed network data of a cloud-init Secret. */
export function networkData(secret: Manifest): any {
  return parse(secret.stringData!.networkdata);
}

/** Problems with references between objects: VM networks → NADs, kube-ovn NAD provider → Subnet, VM → Secret. */
export function referenceProblems(objects: Manifest[], externalNads: string[] = []): string[] {
  const problems: string[] = [];
  const nads = new Set(ofKind(objects, 'NetworkAttachmentDefinition').map(n => `${n.metadata.namespace}/${n.metadata.name}`));
  for (const vm of ofKind(objects, 'VirtualMachine')) {
    const ns = vm.metadata.namespace!;
    for (const net of vm.spec.template.spec.networks ?? []) {
      if (!net.multus) continue;
      const ref = net.multus.networkName.includes('/') ? net.multus.networkName : `${ns}/${net.multus.networkName}`;
      if (!nads.has(ref) && !externalNads.includes(ref)) problems.push(`${vm.metadata.name}: network ${net.name} names NAD ${ref}, which is not defined`);
    }
    const volume = vm.spec.template.spec.volumes.find((v: any) => v.cloudInitNoCloud)?.cloudInitNoCloud;
    const secretName = volume?.networkDataSecretRef?.name;
    if (secretName) {
      const secret = objects.find(o => o.kind === 'Secret' && o.metadata.name === secretName && o.metadata.namespace === ns);
      if (!secret) problems.push(`${vm.metadata.name}: network-data Secret ${secretName} is not defined`);
      else if (typeof secret.stringData?.networkdata !== 'string') problems.push(`${vm.metadata.name}: Secret ${secretName} has no networkdata key`);
    }
  }
  const subnets = ofKind(objects, 'Subnet');
  for (const nad of ofKind(objects, 'NetworkAttachmentDefinition')) {
    const config = JSON.parse(nad.spec.config);
    if (config.type !== 'kube-ovn') continue;
    if (!subnets.some(s => s.spec.provider === config.provider)) problems.push(`NAD ${nad.metadata.name}: no Subnet with provider ${config.provider}`);
  }
  return problems;
}
