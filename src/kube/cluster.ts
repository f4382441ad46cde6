/**
 * The cluster client over the Kubernetes API, through @kubernetes/client-node: get, create, JSON-patch, delete, list,
 * and access reviews, each with a timeout and retries of transient failures. Custom resources go through
 * CustomObjectsApi with plain JSON bodies (the typed models would drop fields they do not know); paths and RBAC
 * names come from the resource table.
 */
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { JsonPatchOp, RESOURCES, ResourceKind, resourceOf } from '../model';
import { apiStatusCode, describeApiError } from './api-errors';
import { ClusterClient, ListOptions, ObjectRef, Permission, describePermission, refOf, refText } from './client';
import { ClusterUnavailableError, MissingPermissionsError } from './errors';

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

type CallOptions = ReturnType<typeof setHeaderOptions>;

/**
 * The connections of one `Cluster`. @kubernetes/client-node 2.0 gives every request a dispatcher (undici Agent) of
 * its own when the kubeconfig has TLS material (config.js, applySecurityAuthentication), so every request opened a new
 * TLS connection: a fleet apply spent more time in handshakes than in requests (issue 14). The first dispatcher is
 * kept and every later request reuses its pool of kept-alive connections. Credentials that are headers (tokens, exec
 * plugins) are still applied per request; client certificates are those of the first request.
 */
interface ConnectionPool {
  dispatcher?: unknown;
}

interface PendingRequest {
  setSignal(s: AbortSignal): void;
  getDispatcher(): unknown;
  setDispatcher(d: unknown): void;
}

/**
 * Per-request options that tie the request to `signal`, so a timed-out request closes its connection, and to the
 * pool's dispatcher. The client runs per-call middleware (after it applied the credentials) as its internal
 * observables, of which only `toPromise` is used.
 */
function requestOptions(signal: AbortSignal, pool: ConnectionPool): CallOptions {
  const observable = <V>(value: V) => ({ toPromise: async () => value });
  const middleware = {
    pre: (request: PendingRequest) => {
      request.setSignal(signal);
      const made = request.getDispatcher();
      if (made !== undefined) {
        pool.dispatcher ??= made;
        request.setDispatcher(pool.dispatcher);
      }
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

const ACCESS_REVIEW: Permission = { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' };

function permissionFor(verb: string, ref: { kind: string; namespace?: string }): Permission {
  const r = resourceOf(ref.kind);
  return { verb, group: r.group, resource: r.plural, namespace: ref.namespace };
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

/** The `ClusterClient` over the Kubernetes API: every request with a timeout and retries of transient failures. */
export class Cluster implements ClusterClient {
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
  private readonly pool: ConnectionPool = {};

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
        return await Promise.race([fn(requestOptions(abort.signal, this.pool)), timeout]);
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
    const { group, version, plural } = resourceOf(ref.kind);
    if (ref.namespace) {
      const args = { group, version, plural, namespace: ref.namespace, name };
      return get ? this.custom.getNamespacedCustomObject(args, o) : this.custom.deleteNamespacedCustomObject(args, o);
    }
    const args = { group, version, plural, name };
    return get ? this.custom.getClusterCustomObject(args, o) : this.custom.deleteClusterCustomObject(args, o);
  }

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
      const { group, version, plural } = resourceOf(ref.kind);
      return ref.namespace
        ? this.custom.createNamespacedCustomObject({ group, version, plural, namespace: ref.namespace, body: obj, fieldValidation: STRICT }, o)
        : this.custom.createClusterCustomObject({ group, version, plural, body: obj, fieldValidation: STRICT }, o);
    });
  }

  public async patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any> {
    return this.call(`patch ${refText(ref)}`, permissionFor('patch', ref), o => {
      if (ref.kind === 'Secret') {
        return this.core.patchNamespacedSecret({ name: ref.name, namespace: ref.namespace!, body: ops, fieldValidation: STRICT }, jsonPatch(o));
      }
      const { group, version, plural } = resourceOf(ref.kind);
      const request = { group, version, plural, name: ref.name, body: ops, fieldValidation: STRICT };
      return ref.namespace
        ? this.custom.patchNamespacedCustomObject({ ...request, namespace: ref.namespace }, jsonPatch(o))
        : this.custom.patchClusterCustomObject(request, jsonPatch(o));
    });
  }

  public async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.call(`delete ${refText(ref)}`, permissionFor('delete', ref), o => this.byName('delete', ref, o));
      return true;
    } catch (e) {
      if (apiStatusCode(e) === 404) return false;
      throw e;
    }
  }

  public async list(kind: ResourceKind, options: ListOptions = {}): Promise<any[] | undefined> {
    const { group, version, plural, namespaced } = RESOURCES[kind];
    if (kind === 'Secret') throw new Error('Wukong never lists Secrets: listing them would need the right to read them all');
    const { namespace, labelSelector, limit } = options;
    const where = namespace ? ` in ${namespace}` : namespaced ? ' in all namespaces' : '';
    try {
      const r = await this.call(`list ${plural}.${group}${where}`, permissionFor('list', { kind, namespace }), o => {
        if (!namespaced) return this.custom.listClusterCustomObject({ group, version, plural, labelSelector, limit }, o);
        if (namespace) return this.custom.listNamespacedCustomObject({ group, version, plural, namespace, labelSelector, limit }, o);
        return this.custom.listCustomObjectForAllNamespaces({ group, version, resourcePlural: plural, labelSelector, limit }, o);
      });
      return (r as { items?: any[] }).items ?? [];
    } catch (e) {
      // The cluster does not serve the kind: its CRD (Multus', Kube-OVN's, KubeVirt's) is not installed.
      if (apiStatusCode(e) === 404) return undefined;
      throw e;
    }
  }
}
