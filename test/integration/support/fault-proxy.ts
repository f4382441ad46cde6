/**
 * A loopback HTTP proxy in front of the test API server: clients speak plain HTTP to it, it forwards over HTTPS. It
 * records every request (method, path, body size) and can answer chosen requests itself, or break them, to show what
 * the client does when the API misbehaves. Each fault is a rule matched against requests in order; a rule fires once,
 * on its `nth` matching request.
 */
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { KubeConfig } from '@kubernetes/client-node';

export type Fault =
  /** Answers with this status (a Kubernetes Status body) instead of forwarding. */
  | { readonly kind: 'status'; readonly code: number; readonly retryAfterSeconds?: number }
  /** Forwards, then answers with this status instead of the server's answer (the write happened, the client does not know). */
  | { readonly kind: 'status-after'; readonly code: number }
  /** Destroys the connection before forwarding. */
  | { readonly kind: 'reset' }
  /** Forwards, then destroys the connection instead of answering (the write happened, the client does not know). */
  | { readonly kind: 'reset-after' }
  /** Never answers (the client's timeout has to notice). */
  | { readonly kind: 'stall' };

export interface FaultRule {
  readonly method?: string;
  /** Matched against the path (query included). */
  readonly path?: RegExp;
  /** 1 = the first matching request. */
  readonly nth: number;
  /** How many matching requests in a row get the fault, from the nth on. @default 1 */
  readonly times?: number;
  readonly fault: Fault;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly bytes: number;
  readonly body: string;
  readonly status: number | 'reset' | 'stalled';
  /** The fault injected, if any. */
  readonly fault?: Fault['kind'];
}

const REASONS: Record<number, string> = {
  409: 'Conflict', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

function statusBody(code: number): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason: REASONS[code] ?? 'Unknown',
    message: `injected by the test proxy: HTTP ${code}`,
  });
}

export class FaultProxy {
  /** Starts a proxy for the cluster of `kc` (its current context's credentials are what clients send through it). */
  public static async start(kc: KubeConfig): Promise<FaultProxy> {
    const proxy = new FaultProxy(kc);
    await new Promise<void>(resolve => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  public readonly requests: RecordedRequest[] = [];
  private rules: Array<FaultRule & { seen: number; fired: number }> = [];
  private readonly server: http.Server;
  private readonly stalled = new Set<http.ServerResponse>();
  private readonly target: URL;

  private constructor(private readonly kc: KubeConfig) {
    this.target = new URL(kc.getCurrentCluster()!.server);
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  /** A client configuration for the same user that goes through the proxy. */
  public kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    const user = this.kc.getCurrentUser()!;
    kc.loadFromOptions({
      clusters: [{ name: 'proxy', server: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [user],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: user.name }],
      currentContext: 'proxy',
    });
    return kc;
  }

  /** Replaces the fault rules and clears the record. */
  public inject(rules: FaultRule[]): void {
    this.rules = rules.map(r => ({ ...r, seen: 0, fired: 0 }));
    this.requests.length = 0;
  }

  /** Rules that did not fire as often as asked (their requests never came). */
  public get unfired(): FaultRule[] {
    return this.rules.filter(r => r.fired < (r.times ?? 1));
  }

  public async stop(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private faultFor(method: string, path: string): Fault | undefined {
    // Every rule counts the requests it matches, so `nth` means the same whatever the other rules do.
    let hit: Fault | undefined;
    for (const rule of this.rules) {
      if ((rule.method && rule.method !== method) || (rule.path && !rule.path.test(path))) continue;
      rule.seen++;
      if (!hit && rule.seen >= rule.nth && rule.fired < (rule.times ?? 1)) {
        rule.fired++;
        hit = rule.fault;
      }
    }
    return hit;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = this.faultFor(method, path);
    const record = (status: RecordedRequest['status']) =>
      this.requests.push({ method, path, bytes: body.length, body: body.toString('utf8'), status, fault: fault?.kind });
    if (fault?.kind === 'reset') {
      record('reset');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'stall') {
      record('stalled');
      this.stalled.add(res);
      return;
    }
    if (fault?.kind === 'status') {
      record(fault.code);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
      res.writeHead(fault.code, headers).end(statusBody(fault.code));
      return;
    }
    const upstream = await this.forward(method, path, req.headers, body);
    if (fault?.kind === 'reset-after') {
      record('reset');
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status-after') {
      record(fault.code);
      res.writeHead(fault.code, { 'Content-Type': 'application/json' }).end(statusBody(fault.code));
      return;
    }
    record(upstream.status);
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  }

  private async forward(method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer)
    : Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
    const opts: https.RequestOptions = {
      method,
      hostname: this.target.hostname,
      port: this.target.port,
      path,
      headers: { ...headers, host: this.target.host },
    };
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const up = https.request({ ...opts, rejectUnauthorized: false }, r => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          const { connection: _c, 'transfer-encoding': _t, ...rest } = r.headers;
          resolve({ status: r.statusCode ?? 502, headers: rest, body: Buffer.concat(out) });
        });
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}
