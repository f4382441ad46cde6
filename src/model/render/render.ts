import { INLINE_CLOUD_INIT_LIMIT, buildNetworkData, networkDataYaml } from './cloud-init';
import { withoutGitOpsAnnotations } from './gitops';
import { NadManifest, SecretManifest, SubnetManifest, renderCloudInitSecret, renderNad, renderSubnet } from './manifests';
import { KvVirtualMachine, ownedLabels, renderVirtualMachine } from './vm-spec';
import { cloudInitSecretName } from '../net/names';
import { resolveVm } from '../resolve/resolve';
import { ResolvedVm } from '../resolve/resolved';
import { FieldPaths, Issue, WukongValidationError, fieldPath } from '../spec/issues';

/** Everything one VM needs in the cluster, as plain manifests. */
export interface RenderedVm {
  readonly vm: ResolvedVm;
  readonly virtualMachine: KvVirtualMachine;
  /** NADs this VM owns (shared and reused NADs are not here). */
  readonly nads: NadManifest[];
  /** Kube-OVN Subnets this VM owns. */
  readonly subnets: SubnetManifest[];
  /** The cloud-init Secret; absent with inline delivery. */
  readonly secret?: SecretManifest;
  /** The guest's network-config v2 document. */
  readonly networkData: string;
  readonly warnings: Issue[];
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function inlineProblems(vm: ResolvedVm, networkData: string, path: string): Issue[] {
  const out: Issue[] = [];
  for (const [what, text] of [['network data', networkData], ['user data', vm.userData]] as const) {
    const size = byteLength(text);
    if (size > INLINE_CLOUD_INIT_LIMIT) {
      out.push({
        severity: 'error',
        path,
        message: `'inline' cannot carry this VM's ${what}: it is ${size} bytes and KubeVirt accepts at most ${INLINE_CLOUD_INIT_LIMIT} inline; use 'secret'`,
      });
    }
  }
  return out;
}

/** Renders the manifests of a resolved VM; `path` locates `networkDataDelivery` for errors. */
export function renderResolvedVm(vm: ResolvedVm, warnings: Issue[] = [], deliveryPath = 'networkDataDelivery'): RenderedVm {
  const networkData = networkDataYaml(buildNetworkData(vm));
  const labels = ownedLabels(vm);
  if (vm.networkDataDelivery === 'inline') {
    const problems = inlineProblems(vm, networkData, deliveryPath);
    if (problems.length) throw new WukongValidationError(`VM '${vm.namespace}/${vm.name}'`, problems);
  }
  // A VM Wukong attaches NICs to keeps its user data where it has it.
  const userData = vm.base?.cloudInitVolume ? undefined : vm.userData;
  const secret = vm.networkDataDelivery === 'secret'
    ? renderCloudInitSecret({ name: cloudInitSecretName(vm.name), namespace: vm.namespace, labels }, userData, networkData)
    : undefined;
  const virtualMachine = renderVirtualMachine(vm, secret ? { secretName: secret.metadata.name } : { userData: vm.userData, networkData });
  // The NADs and Subnets on first read: a cdk8s app renders each in its own construct and never reads them here, so
  // rendering them with the VM would render every NAD twice.
  let owned: { nads: NadManifest[]; subnets: SubnetManifest[] } | undefined;
  const ownedObjects = () => {
    owned ??= renderOwnedObjects(vm, labels);
    return owned;
  };
  return {
    vm,
    virtualMachine,
    get nads() {
      return ownedObjects().nads;
    },
    get subnets() {
      return ownedObjects().subnets;
    },
    secret,
    networkData,
    warnings,
  };
}

/** The NADs and Subnets a VM owns, its tombstones' last. */
function renderOwnedObjects(vm: ResolvedVm, labels: Record<string, string>): { nads: NadManifest[]; subnets: SubnetManifest[] } {
  const nads: NadManifest[] = [];
  const subnets: SubnetManifest[] = [];
  for (const nic of vm.nics) {
    if (nic.nad?.owner !== 'vm' || !nic.nad.config) continue;
    nads.push(renderNad({ ...nic.nad, config: nic.nad.config, labels }));
    if (nic.kubeOvn?.subnet) subnets.push(renderSubnet(nic.kubeOvn.subnet, labels));
  }
  for (const t of vm.tombstones ?? []) {
    if (t.nad) nads.push(withoutGitOpsAnnotations(t.nad));
    if (t.subnet) subnets.push(withoutGitOpsAnnotations(t.subnet));
  }
  return { nads, subnets };
}

/**
 * Validates and renders a VM described by metadata + spec. Throws `WukongValidationError` listing every error of the
 * spec; warnings are returned with the result.
 */
export function renderVm(metadata: unknown, spec: unknown, paths?: FieldPaths): RenderedVm {
  const { vm, issues } = resolveVm(metadata, spec, paths);
  const name = typeof (metadata as { name?: unknown })?.name === 'string' ? (metadata as { name: string }).name : '(unnamed)';
  if (!vm) throw new WukongValidationError(`VM '${name}'`, issues);
  return renderResolvedVm(vm, issues.filter(i => i.severity === 'warning'), fieldPath(paths?.spec ?? '', 'networkDataDelivery'));
}
