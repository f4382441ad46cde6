/**
 * The few Kubernetes calls Wukong makes, through @kubernetes/client-node: read the VM, its VMI and the objects it
 * owns; create; JSON-patch with a resourceVersion test; delete. Custom resources go through CustomObjectsApi with
 * plain JSON bodies (the typed models would drop fields they do not know).
 */
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { JsonPatchOp, KubeVirtVersion, MANAGED_BY, MANAGED_BY_LABEL, VM_NAME_LABEL, VM_NAMESPACE_LABEL, parseKubeVirtVersion } from '../model';
import { apiStatusCode, describeApiError } from './api-errors';

/**
 * Every create and patch asks the API server for strict field validation: a field the schema does not know is an
 * error naming it, never a silent prune (the default since Kubernetes 1.23 is a warning only).
 */
const STRICT = 'Strict';

/** Where to find credentials (without any: the ambient KUBECONFIG or in-cluster config), and how patient to be. */
export interface ClusterOptions {
  /** Limit for one request, in milliseconds. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Attempts for a request that failed transiently (429, 5xx, reset, timeout). @default 4 */
  readonly attempts?: number;
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

function refText(ref: { kind: string; name: string; namespace?: string }): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function gv(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.split('/');
  return { group, version };
}

type CallOptions = ReturnType<typeof setHeaderOptions>;

/**
 * Per-request options that tie the request to `signal`, so a timed-out request closes its connection. The client
 * runs per-call middleware as its internal observables, of which only `toPromise` is used.
 */
function withSignal(signal: AbortSignal): CallOptions {
  const observable = <V>(value: V) => ({ toPromise: async () => value });
  const middleware = {
    pre: (request: { setSignal(s: AbortSignal): void }) => {
      request.setSignal(signal);
      return observable(request);
    },
    post: <R>(response: R) => observable(response),
  };
  return { middleware: [middleware as any], middlewareMergeStrategy: 'append' };
}

/** Adds the JSON-patch content type to `options`. */
function jsonPatch(options: CallOptions): CallOptions {
  return setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, options);
}
const TRANSIENT_STATUS = [429, 500, 502, 503, 504];
const TRANSIENT_NETWORK = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|other side closed|terminated/i;

/** A request that kept failing transiently; running the same command again is the way out. */
export class ClusterUnavailableError extends Error {
  public constructor(what: string, attempts: number, cause: string) {
    super(`${what} failed ${attempts} times (${cause}); the API server may be overloaded or unreachable. `
      + 'Every step Wukong takes is guarded and repeatable: run the same command again to finish.');
    this.name = 'ClusterUnavailableError';
  }
}

/**
 * Permissions the caller lacks: found by the preflight before anything was written, or refused by the server (403).
 * Carries `code` 403 so callers that treat a 403 specially still recognise it.
 */
export class MissingPermissionsError extends Error {
  public readonly code = 403;

  /** `refusal`: the server's message when it refused a request (else the preflight found them first). */
  public constructor(public readonly missing: string[], public readonly refusal?: string, alternative?: string) {
    super(`${refusal === undefined ? 'missing permissions, so nothing was changed' : `the API server refused (HTTP 403: ${refusal})`}:\n`
      + `${missing.map(m => `  ${m}`).join('\n')}\ngrant them (\`wukong rbac\` prints the Role and ClusterRole Wukong needs)`
      + `${alternative ? ` ${alternative}` : ''}, then run the same command again`);
    this.name = 'MissingPermissionsError';
  }
}

/** A permission to check: verb on resource (of group), in a namespace or cluster-wide. */
export interface Permission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
}

export function describePermission(p: Permission): string {
  return `${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''} ${p.namespace ? `in namespace ${p.namespace}` : 'cluster-wide'}`;
}

const ACCESS_REVIEW: Permission = { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' };
const LIST_NADS: Permission = { verb: 'list', group: 'k8s.cni.cncf.io', resource: 'network-attachment-definitions' };
const LIST_SUBNETS: Permission = { verb: 'list', group: 'kubeovn.io', resource: 'subnets' };
const LIST_KUBEVIRTS: Permission = { verb: 'list', group: 'kubevirt.io', resource: 'kubevirts' };

function permissionFor(verb: string, ref: ObjectRef): Permission {
  const group = ref.kind === 'Secret' ? '' : gv(ref.apiVersion).group;
  return { verb, group, resource: ref.kind === 'Secret' ? 'secrets' : PLURALS[ref.kind], namespace: ref.namespace };
}

function refOf(obj: any): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

function transientCause(e: unknown): string | undefined {
  const code = apiStatusCode(e);
  if (code !== undefined) return TRANSIENT_STATUS.includes(code) ? `HTTP ${code}` : undefined;
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const text = `${err?.code ?? ''} ${err?.message ?? ''} ${err?.cause?.code ?? ''} ${err?.cause?.message ?? ''}`;
  return TRANSIENT_NETWORK.test(text) || err instanceof RequestTimeout ? text.trim().split('\n')[0] : undefined;
}

class RequestTimeout extends Error {}

function retryAfterMs(e: unknown): number | undefined {
  const headers = (e as { headers?: Record<string, string> })?.headers ?? {};
  const value = headers['retry-after'] ?? headers['Retry-After'];
  const seconds = value !== undefined ? Number(value) : NaN;
  return Number.isFinite(seconds) ? Math.min(seconds, 30) * 1000 : undefined;
}

export class Cluster {
  /** A client for the cluster the options name. */
  public static connect(options: ClusterOptions = {}): Cluster {
    const kc = new KubeConfig();
    if (options.kubeconfig) kc.loadFromString(options.kubeconfig);
    else if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
    return new Cluster(kc, options);
  }

  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly authz: AuthorizationV1Api;

  public constructor(kc: KubeConfig, private readonly options: ClusterOptions = {}) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
  }

  /**
   * Runs one request with a timeout, retrying transient failures with backoff (honouring Retry-After). Retrying is
   * safe for every call Wukong makes: writes are guarded by resourceVersion tests, creates by name, deletes by 404.
   */
  private async call<T>(what: string, perm: Permission, fn: (options: CallOptions) => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 4;
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      let timer: NodeJS.Timeout | undefined;
      const abort = new AbortController();
      try {
        // The abort ends the request's connection; the race makes sure the caller never waits past the limit.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new RequestTimeout(`no answer within ${timeoutMs} ms`);
            abort.abort(error);
            reject(error);
          }, timeoutMs);
        });
        return await Promise.race([fn(withSignal(abort.signal)), timeout]);
      } catch (e) {
        if (apiStatusCode(e) === 403) throw new MissingPermissionsError([describePermission(perm)], describeApiError(e).join('; ').replace(/^HTTP 403: /, ''));
        const cause = transientCause(e);
        if (!cause) throw e;
        last = cause;
        if (attempt >= attempts) throw new ClusterUnavailableError(what, attempts, last);
        await new Promise(r => setTimeout(r, retryAfterMs(e) ?? Math.min(4000, 200 * 2 ** (attempt - 1))));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The permissions of `wanted` the caller lacks (SelfSubjectAccessReview; any user may ask about itself). */
  public async missingPermissions(wanted: Permission[]): Promise<Permission[]> {
    const reviews = await Promise.all(wanted.map(p => this.call(`access review for ${describePermission(p)}`, ACCESS_REVIEW, o => this.authz.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, namespace: p.namespace } } },
    }, o))));
    return wanted.filter((_, i) => !reviews[i].status?.allowed);
  }

  /** A get or delete by name: Secrets through the core API, the rest as custom objects. */
  private byName(verb: 'get' | 'delete', ref: ObjectRef, o: CallOptions): Promise<unknown> {
    const get = verb === 'get';
    const { name } = ref;
    if (ref.kind === 'Secret') {
      const args = { name, namespace: ref.namespace! };
      return get ? this.core.readNamespacedSecret(args, o) : this.core.deleteNamespacedSecret(args, o);
    }
    const { group, version } = gv(ref.apiVersion);
    const plural = PLURALS[ref.kind];
    if (ref.namespace) {
      const args = { group, version, plural, namespace: ref.namespace, name };
      return get ? this.custom.getNamespacedCustomObject(args, o) : this.custom.deleteNamespacedCustomObject(args, o);
    }
    const args = { group, version, plural, name };
    return get ? this.custom.getClusterCustomObject(args, o) : this.custom.deleteClusterCustomObject(args, o);
  }

  /** The object, or undefined when it does not exist. */
  public async get(ref: ObjectRef): Promise<any | undefined> {
    try {
      return await this.call(`get ${refText(ref)}`, permissionFor('get', ref), o => this.byName('get', ref, o));
    } catch (e) {
      if (apiStatusCode(e) === 404) return undefined;
      throw e;
    }
  }

  public async create(obj: any): Promise<any> {
    const ref = refOf(obj);
    return this.call(`create ${refText(ref)}`, permissionFor('create', ref), o => {
      if (ref.kind === 'Secret') return this.core.createNamespacedSecret({ namespace: ref.namespace!, body: obj, fieldValidation: STRICT }, o);
      const { group, version } = gv(ref.apiVersion);
      const plural = PLURALS[ref.kind];
      return ref.namespace
        ? this.custom.createNamespacedCustomObject({ group, version, plural, namespace: ref.namespace, body: obj, fieldValidation: STRICT }, o)
        : this.custom.createClusterCustomObject({ group, version, plural, body: obj, fieldValidation: STRICT }, o);
    });
  }

  /** Applies a JSON patch (RFC 6902); callers guard it with a `test` on `/metadata/resourceVersion`. */
  public async patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any> {
    return this.call(`patch ${refText(ref)}`, permissionFor('patch', ref), o => {
      if (ref.kind === 'Secret') {
        return this.core.patchNamespacedSecret({ name: ref.name, namespace: ref.namespace!, body: ops, fieldValidation: STRICT }, jsonPatch(o));
      }
      const { group, version } = gv(ref.apiVersion);
      const plural = PLURALS[ref.kind];
      const request = { group, version, plural, name: ref.name, body: ops, fieldValidation: STRICT };
      return ref.namespace
        ? this.custom.patchNamespacedCustomObject({ ...request, namespace: ref.namespace }, jsonPatch(o))
        : this.custom.patchClusterCustomObject(request, jsonPatch(o));
    });
  }

  /** Deletes the object; true when it existed. */
  public async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.call(`delete ${refText(ref)}`, permissionFor('delete', ref), o => this.byName('delete', ref, o));
      return true;
    } catch (e) {
      if (apiStatusCode(e) === 404) return false;
      throw e;
    }
  }

  /** NADs in `namespace` that the VM owns (labelled with its name); none without Multus. */
  public async ownedNads(namespace: string, vmName: string): Promise<any[]> {
    try {
      const r = await this.call(`list network-attachment-definitions in ${namespace}`, { ...LIST_NADS, namespace }, o => this.custom.listNamespacedCustomObject({
        group: 'k8s.cni.cncf.io',
        version: 'v1',
        plural: PLURALS.NetworkAttachmentDefinition,
        namespace,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${VM_NAME_LABEL}=${vmName}`,
      }, o));
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
      const r = await this.call('list subnets.kubeovn.io', LIST_SUBNETS, o => this.custom.listClusterCustomObject({
        group: 'kubeovn.io',
        version: 'v1',
        plural: PLURALS.Subnet,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${VM_NAME_LABEL}=${vmName},${VM_NAMESPACE_LABEL}=${namespace}`,
      }, o));
      return r.items ?? [];
    } catch (e) {
      if (apiStatusCode(e) === 404) return [];
      throw e;
    }
  }

  /** False when the cluster has no NetworkAttachmentDefinition resource (Multus is not installed). */
  public async hasMultus(namespace: string): Promise<boolean> {
    try {
      await this.call(`list network-attachment-definitions in ${namespace}`, { ...LIST_NADS, namespace }, o => this.custom.listNamespacedCustomObject({
        group: 'k8s.cni.cncf.io', version: 'v1', plural: PLURALS.NetworkAttachmentDefinition, namespace, limit: 1,
      }, o));
      return true;
    } catch (e) {
      if (apiStatusCode(e) === 404) return false;
      throw e;
    }
  }

  /** The KubeVirt release the cluster runs (the KubeVirt CR's observedKubeVirtVersion), when it can be read. */
  public async kubevirtVersion(): Promise<KubeVirtVersion | undefined> {
    return (await this.kubevirt())?.version;
  }

  /**
   * The deployed KubeVirt CR: its version, and whether KubeVirt migrates a VMI that needs it by itself (virt-controller's
   * workload updater does so only when `spec.workloadUpdateStrategy.workloadUpdateMethods` has `LiveMigrate`:
   * pkg/virt-controller/watch/workload-updater/workload-updater.go). Undefined when there is none.
   */
  public async kubevirt(): Promise<{ version?: KubeVirtVersion; autoMigrate: boolean } | undefined> {
    try {
      const r = await this.call('list kubevirts.kubevirt.io', LIST_KUBEVIRTS, o => this.custom.listCustomObjectForAllNamespaces({
        group: 'kubevirt.io', version: 'v1', resourcePlural: PLURALS.KubeVirt,
      }, o));
      const kv = (r.items ?? []).find((k: any) => parseKubeVirtVersion(String(k.status?.observedKubeVirtVersion ?? ''))) ?? r.items?.[0];
      if (!kv) return undefined;
      return {
        version: parseKubeVirtVersion(String(kv.status?.observedKubeVirtVersion ?? '')),
        autoMigrate: (kv.spec?.workloadUpdateStrategy?.workloadUpdateMethods ?? []).includes('LiveMigrate'),
      };
    } catch (e) {
      if (e instanceof MissingPermissionsError) throw new MissingPermissionsError(e.missing, e.refusal, 'or pass the version (--kubevirt-version, kubevirtVersion)');
      if (apiStatusCode(e) === 404) return undefined;
      throw e;
    }
  }

}
