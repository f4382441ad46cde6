/**
 * `@pulumi/pulumi`'s real dynamic-provider host, started as the Pulumi engine starts it (a child process printing its
 * gRPC port), and a gRPC client speaking the engine's ResourceProvider protocol to it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as grpc from '@grpc/grpc-js';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';

/* eslint-disable @typescript-eslint/no-require-imports */ // generated gRPC stubs without type declarations
const { ResourceProviderClient } = require('@pulumi/pulumi/proto/provider_grpc_pb');
export const providerPb = require('@pulumi/pulumi/proto/provider_pb');
export const { Empty } = require('google-protobuf/google/protobuf/empty_pb');
/* eslint-enable @typescript-eslint/no-require-imports */

export const struct = (o: object) => Struct.fromJavaScript(o as any);

export interface HostOptions {
  /** The program directory: where the host resolves `wukong-iac` (and where its own package is installed). */
  readonly cwd: string;
  /** The host's entry point; by default this repository's `@pulumi/pulumi`. */
  readonly hostScript?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class PulumiHost {
  /** Starts the host and configures the provider (as the engine does before any resource call). */
  public static async start(opts: HostOptions): Promise<PulumiHost> {
    const script = opts.hostScript ?? require.resolve('@pulumi/pulumi/cmd/dynamic-provider');
    // The engine address is not used by the calls made here.
    const child = spawn(process.execPath, [script, '127.0.0.1:1'], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const host = new PulumiHost(child);
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0].trim()));
      child.once('exit', code => reject(new Error(`dynamic-provider host exited (${code}):\n${host.output}`)));
    });
    host.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const configure = new providerPb.ConfigureRequest();
    configure.setArgs(struct({}));
    await host.call('configure', configure);
    return host;
  }

  /** Everything the host wrote to stderr. */
  public output = '';
  private client: any;

  private constructor(private readonly child: ChildProcess) {
    child.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
  }

  public call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, resp: T) => (err ? reject(err) : resolve(resp)));
    });
  }

  public async check(urn: string, inputs: object): Promise<{ inputs: any; failures: Array<{ property: string; reason: string }> }> {
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct({}));
    req.setNews(struct(inputs));
    const resp: any = await this.call('check', req);
    const failures = resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() }));
    return { inputs: resp.getInputs()?.toJavaScript(), failures };
  }

  public async create(urn: string, inputs: object): Promise<{ id: string; outputs: any }> {
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(inputs));
    const resp: any = await this.call('create', req);
    return { id: resp.getId(), outputs: resp.getProperties().toJavaScript() };
  }

  public async diff(id: string, urn: string, olds: object, inputs: object): Promise<{ changes: number; replaces: string[] }> {
    const req = new providerPb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(inputs));
    const resp: any = await this.call('diff', req);
    return { changes: resp.getChanges(), replaces: resp.getReplacesList() };
  }

  public async update(id: string, urn: string, olds: object, inputs: object): Promise<any> {
    const req = new providerPb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(inputs));
    return (await this.call<any>('update', req)).getProperties().toJavaScript();
  }

  public async read(id: string, urn: string, properties: object): Promise<{ outputs: any; inputs: any }> {
    const req = new providerPb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    const resp: any = await this.call('read', req);
    return { outputs: resp.getProperties().toJavaScript(), inputs: resp.getInputs().toJavaScript() };
  }

  public async delete(id: string, urn: string, properties: object): Promise<void> {
    const req = new providerPb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(struct(properties));
    await this.call('delete', req);
  }

  public stop(): void {
    this.client?.close();
    this.child.kill('SIGKILL');
  }
}
