/**
 * The machine fields of a spec (disks, instance type and preference, scheduling), checked the way the API server and
 * KubeVirt's admission would check them, so a mistake is named at its field before anything reaches the cluster.
 * Rules and messages cite their upstream source.
 */
import { DNS1123_LABEL_MAX, dns1123LabelProblem, dns1123SubdomainProblem, labelValueProblem, metadataKeyProblem } from '../net/names';
import { quantityValue } from '../plan/hotplug-budget';
import { IssueCollector, show } from '../spec/issues';
import {
  AffinityConfig, DataVolumeConfig, DiskBus, DiskConfig, InstancetypeKind, MachineConfig, NodeSelectorTerm,
  PersistentVolumeClaimConfig, PodAffinityTerm, PreferenceKind, ResourcesConfig, SelectorRequirement, TolerationConfig,
} from '../spec/machine';
import { present } from '../spec/shape';
import { definedOnly } from '../spec/stable-json';
import { WukongSpec } from '../spec/types';

/** Volume names Wukong gives its own disks. */
export const CONTAINER_DISK = 'containerdisk';
export const CLOUD_INIT_DISK = 'cloudinitdisk';

/** A validated entry of `disks`, its bus defaulted and its DataVolume named. */
export interface ResolvedDisk {
  readonly name: string;
  readonly bus: DiskBus;
  readonly bootOrder?: number;
  /** The DataVolume template (`<vm>-<disk>`) the disk's volume refers to. */
  readonly dataVolume?: { readonly name: string; readonly config: DataVolumeConfig };
  readonly persistentVolumeClaim?: PersistentVolumeClaimConfig;
}

/** Everything about the VM's machine except its NICs and its size: the spec's fields, disks and references resolved. */
export interface ResolvedMachine extends Omit<MachineConfig, 'disks' | 'instancetype' | 'preference'> {
  readonly disks: ResolvedDisk[];
  readonly instancetype?: { readonly name: string; readonly kind: InstancetypeKind };
  readonly preference?: { readonly name: string; readonly kind: PreferenceKind };
}

/** The DataVolume a VM's disk is imported into: `<vm>-<disk>`, as `virtctl` and the KubeVirt examples name them. */
export function dataVolumeName(vmName: string, disk: string): string {
  return `${vmName}-${disk}`;
}

export function resolveMachine(spec: WukongSpec, vmName: string, issues: IssueCollector): ResolvedMachine {
  const disks = resolveDisks(spec.disks, vmName, issues);
  checkInstancetype(spec, issues);
  checkResources(spec.resources, issues);
  checkLabelMap(spec.nodeSelector, 'nodeSelector', issues);
  checkAffinity(spec.affinity, issues);
  for (const [t, i] of present(spec.tolerations)) checkToleration(t, `tolerations[${i}]`, issues);
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) {
    issues.error('terminationGracePeriodSeconds', `${show(grace)} must be a whole number of seconds, 0 or more`);
  }
  return {
    disks,
    ...(spec.instancetype ? { instancetype: { name: spec.instancetype.name, kind: spec.instancetype.kind ?? 'VirtualMachineClusterInstancetype' } } : {}),
    ...(spec.preference ? { preference: { name: spec.preference.name, kind: spec.preference.kind ?? 'VirtualMachineClusterPreference' } } : {}),
    ...definedOnly({
      resources: spec.resources,
      nodeSelector: spec.nodeSelector,
      affinity: spec.affinity,
      tolerations: spec.tolerations,
      evictionStrategy: spec.evictionStrategy,
      terminationGracePeriodSeconds: grace,
    }),
  };
}

function resolveDisks(disks: DiskConfig[] | undefined, vmName: string, issues: IssueCollector): ResolvedDisk[] {
  const out: ResolvedDisk[] = [];
  const names = new Map<string, string>();
  const boots = new Map<number, string>();
  for (const [d, i] of present(disks)) {
    const path = `disks[${i}]`;
    const problem = dns1123LabelProblem(d.name);
    if (problem) {issues.error(`${path}.name`, `${show(d.name)} ${problem}`);} else if (d.name === CONTAINER_DISK || d.name === CLOUD_INIT_DISK) {
      issues.error(`${path}.name`, `${show(d.name)} is the name of Wukong's own ${d.name === CONTAINER_DISK ? 'container disk' : 'cloud-init disk'}; pick another`);
    }
    const other = names.get(d.name);
    if (other) issues.error(`${path}.name`, `${show(d.name)} is already used by ${other}; disk names must be unique within a VM`, [other]);
    else names.set(d.name, `${path}.name`);
    if (d.bootOrder !== undefined) {
      // pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go: bootOrder must be > 0 and unique.
      if (!Number.isInteger(d.bootOrder) || d.bootOrder < 1) issues.error(`${path}.bootOrder`, `${show(d.bootOrder)} must be a whole number, 1 or more`);
      const taken = boots.get(d.bootOrder);
      if (taken) issues.error(`${path}.bootOrder`, `${d.bootOrder} is already the boot order of ${taken}; each disk needs its own`, [taken]);
      else boots.set(d.bootOrder, `${path}.bootOrder`);
    }
    const sources = [d.dataVolume && 'dataVolume', d.persistentVolumeClaim && 'persistentVolumeClaim'].filter(Boolean);
    if (sources.length !== 1) {
      issues.error(path, sources.length
        ? 'sets both dataVolume and persistentVolumeClaim; a disk has one volume, keep one'
        : 'has no volume; give it a dataVolume (imported with the VM) or a persistentVolumeClaim (that exists)');
    }
    let dataVolume: ResolvedDisk['dataVolume'];
    if (d.dataVolume) {
      const name = dataVolumeName(vmName, d.name);
      if (vmName && !problem && name.length > DNS1123_LABEL_MAX) {
        issues.error(`${path}.name`, `makes the DataVolume name '${name}', ${name.length} characters long; CDI labels its pods with it, so `
          + `the limit is ${DNS1123_LABEL_MAX}: shorten the disk or VM name`);
      }
      checkDataVolume(d.dataVolume, `${path}.dataVolume`, issues);
      dataVolume = { name, config: d.dataVolume };
    }
    if (d.persistentVolumeClaim) {
      const claim = dns1123SubdomainProblem(d.persistentVolumeClaim.claimName);
      if (claim) issues.error(`${path}.persistentVolumeClaim.claimName`, `${show(d.persistentVolumeClaim.claimName)} ${claim}`);
    }
    out.push({
      name: d.name,
      bus: d.bus ?? 'virtio',
      ...(d.bootOrder !== undefined ? { bootOrder: d.bootOrder } : {}),
      ...(dataVolume ? { dataVolume } : {}),
      ...(d.persistentVolumeClaim ? { persistentVolumeClaim: d.persistentVolumeClaim } : {}),
    });
  }
  return out;
}

/** CDI's DataVolume rules (pkg/apiserver/webhooks/datavolume-validate.go in kubevirt/containerized-data-importer). */
function checkDataVolume(dv: DataVolumeConfig, path: string, issues: IssueCollector): void {
  const src = dv.source;
  const kinds = (['registry', 'http', 'pvc', 'snapshot'] as const).filter(k => src[k] !== undefined);
  if (kinds.length !== 1) {
    issues.error(`${path}.source`, kinds.length
      ? `sets ${kinds.join(' and ')}; a DataVolume has exactly one source`
      : 'is empty; give one of registry (docker://...), http (https://...), pvc or snapshot');
  }
  if (src.registry && !/^(docker|oci-archive):\/\/\S+$/.test(src.registry.url)) {
    issues.error(`${path}.source.registry.url`, `${show(src.registry.url)} needs the scheme CDI reads: 'docker://quay.io/...' or 'oci-archive://...'`);
  }
  if (src.http && !/^https?:\/\/\S+$/.test(src.http.url)) {
    issues.error(`${path}.source.http.url`, `${show(src.http.url)} is not an http:// or https:// URL`);
  }
  for (const kind of ['pvc', 'snapshot'] as const) {
    const ref = src[kind];
    if (!ref) continue;
    const problem = dns1123SubdomainProblem(ref.name);
    if (problem) issues.error(`${path}.source.${kind}.name`, `${show(ref.name)} ${problem}`);
    const nsProblem = ref.namespace === undefined ? undefined : dns1123LabelProblem(ref.namespace);
    if (nsProblem) issues.error(`${path}.source.${kind}.namespace`, `${show(ref.namespace)} ${nsProblem}`);
  }
  const size = quantityValue(dv.size);
  if (size === undefined || size < 1) issues.error(`${path}.size`, `${show(dv.size)} is not a storage size; write a quantity like '30Gi'`);
  if (dv.storageClassName !== undefined) {
    const problem = dns1123SubdomainProblem(dv.storageClassName);
    if (problem) issues.error(`${path}.storageClassName`, `${show(dv.storageClassName)} ${problem}`);
  }
  const modes = dv.accessModes ?? [];
  if (new Set(modes).size !== modes.length) issues.error(`${path}.accessModes`, `${show(modes)} lists a mode twice`);
}

/**
 * What an instance type sets, the VM may not set too: KubeVirt's VM admission applies the instance type to the template
 * and rejects every field it would overwrite (pkg/instancetype/apply/vmi.go, `Conflicts`).
 */
function checkInstancetype(spec: WukongSpec, issues: IssueCollector): void {
  for (const [field, ref] of [['instancetype', spec.instancetype], ['preference', spec.preference]] as const) {
    const problem = ref ? dns1123SubdomainProblem(ref.name) : undefined;
    if (problem) issues.error(`${field}.name`, `${show(ref!.name)} ${problem}`);
  }
  const it = spec.instancetype;
  if (!it) return;
  const fix = `instance type '${it.name}', which sets it (KubeVirt's admission rejects both); remove it, or drop the instancetype`;
  if (spec.cpu !== undefined) issues.error('cpu', `${show(spec.cpu)} conflicts with the ${fix}`);
  if (spec.memory !== undefined) issues.error('memory', `${show(spec.memory)} conflicts with the ${fix}`);
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      const value = spec.resources?.[kind]?.[resource];
      if (value !== undefined) issues.error(`resources.${kind}.${resource}`, `${show(value)} conflicts with the ${fix}`);
    }
  }
}

function checkResources(resources: ResourcesConfig | undefined, issues: IssueCollector): void {
  const values = new Map<string, number>();
  for (const kind of ['requests', 'limits'] as const) {
    for (const [name, q] of Object.entries(resources?.[kind] ?? {})) {
      const keyProblem = metadataKeyProblem(name);
      if (keyProblem) issues.error(`resources.${kind}.${name}`, `the resource name ${show(name)} ${keyProblem}`);
      const value = quantityValue(q);
      if (value === undefined) {issues.error(`resources.${kind}.${name}`, `${show(q)} is not a Kubernetes quantity like '2', '500m' or '4Gi'`);} else if (kind === 'requests') {values.set(name, value);} else if ((values.get(name) ?? 0) > value) {
        // k8s.io/kubernetes pkg/apis/core/validation: ValidateResourceRequirements.
        issues.error(`resources.requests.${name}`, `${show(resources!.requests![name])} is more than the limit ${show(q)}; a request may not exceed its limit`,
          [`resources.limits.${name}`]);
      }
    }
  }
}

function checkLabelMap(map: Record<string, string> | undefined, path: string, issues: IssueCollector): void {
  for (const [key, value] of Object.entries(map ?? {})) {
    const keyProblem = metadataKeyProblem(key);
    if (keyProblem) issues.error(`${path}.${key}`, `key ${show(key)} ${keyProblem}`);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) issues.error(`${path}.${key}`, `${show(value)} ${valueProblem}`);
  }
}

/** core/v1 selector requirement rules (k8s.io/kubernetes pkg/apis/core/validation: validateNodeSelectorRequirement). */
function checkRequirement(r: SelectorRequirement, path: string, issues: IssueCollector): void {
  const keyProblem = metadataKeyProblem(r.key);
  if (keyProblem) issues.error(`${path}.key`, `${show(r.key)} ${keyProblem}`);
  const values = r.values ?? [];
  // Which operators a selector takes is the shape's rule (wukong-schema.ts): label selectors have no Gt or Lt.
  if ((r.operator === 'In' || r.operator === 'NotIn') && !values.length) {
    issues.error(`${path}.values`, `must list at least one value for operator ${r.operator}`);
  } else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length) {
    issues.error(`${path}.values`, `must be empty for operator ${r.operator}`);
  } else if ((r.operator === 'Gt' || r.operator === 'Lt') && (values.length !== 1 || !/^-?\d+$/.test(values[0]))) {
    issues.error(`${path}.values`, `${show(values)} must be exactly one whole number for operator ${r.operator}`);
  }
}

function checkTerm(term: NodeSelectorTerm, path: string, issues: IssueCollector): void {
  for (const [r, i] of present(term.matchExpressions)) checkRequirement(r, `${path}.matchExpressions[${i}]`, issues);
  for (const [r, i] of present(term.matchFields)) checkRequirement(r, `${path}.matchFields[${i}]`, issues);
}

function checkWeight(weight: number, path: string, issues: IssueCollector): void {
  if (!Number.isInteger(weight) || weight < 1 || weight > 100) issues.error(`${path}.weight`, `${show(weight)} is out of range 1..100`);
}

function checkPodTerm(term: PodAffinityTerm, path: string, issues: IssueCollector): void {
  if (!term.topologyKey) issues.error(`${path}.topologyKey`, 'must not be empty; e.g. \'kubernetes.io/hostname\'');
  checkLabelMap(term.labelSelector?.matchLabels, `${path}.labelSelector.matchLabels`, issues);
  for (const [r, i] of present(term.labelSelector?.matchExpressions)) checkRequirement(r, `${path}.labelSelector.matchExpressions[${i}]`, issues);
}

function checkAffinity(affinity: AffinityConfig | undefined, issues: IssueCollector): void {
  const node = affinity?.nodeAffinity;
  const required = node?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms?.length) {
    issues.error('affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', 'must list at least one term');
  }
  for (const [t, i] of present(required?.nodeSelectorTerms)) {
    checkTerm(t, `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`, issues);
  }
  for (const [p, i] of present(node?.preferredDuringSchedulingIgnoredDuringExecution)) {
    const path = `affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    checkWeight(p.weight, path, issues);
    checkTerm(p.preference, `${path}.preference`, issues);
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pod = affinity?.[kind];
    for (const [t, i] of present(pod?.requiredDuringSchedulingIgnoredDuringExecution)) {
      checkPodTerm(t, `affinity.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, issues);
    }
    for (const [p, i] of present(pod?.preferredDuringSchedulingIgnoredDuringExecution)) {
      const path = `affinity.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      checkWeight(p.weight, path, issues);
      checkPodTerm(p.podAffinityTerm, `${path}.podAffinityTerm`, issues);
    }
  }
}

/** core/v1 toleration rules (k8s.io/kubernetes pkg/apis/core/validation: ValidateTolerations). */
function checkToleration(t: TolerationConfig, path: string, issues: IssueCollector): void {
  const operator = t.operator ?? 'Equal';
  if (t.key !== undefined && t.key !== '') {
    const problem = metadataKeyProblem(t.key);
    if (problem) issues.error(`${path}.key`, `${show(t.key)} ${problem}`);
  } else if (operator !== 'Exists') {
    issues.error(`${path}.operator`, 'must be Exists when key is empty (an empty key tolerates every taint)');
  }
  if (operator === 'Exists' && t.value) issues.error(`${path}.value`, `${show(t.value)} must be empty with operator Exists`);
  if (operator === 'Equal' && t.value) {
    const problem = labelValueProblem(t.value);
    if (problem) issues.error(`${path}.value`, `${show(t.value)} ${problem}`);
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    issues.error(`${path}.tolerationSeconds`, `applies only to effect NoExecute (effect is ${t.effect ? `'${t.effect}'` : 'every effect'})`);
  }
}
