import { existsSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { ApiObject, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { GITOPS_TOOLS, GitOpsRole, GitOpsTool, RenderedVm, SynthesizedVm, WukongValidationError, gitOpsAnnotations, readSynthesized } from '../model';

/** Context key: the directory of the previous synthesized output; NICs in it but gone from the code become tombstones. */
export const PREVIOUS_CONTEXT = 'wukong:previous';
/** Context key: tombstones to finish, `namespace/vm/nic`, comma-separated (or a list). */
export const FINISH_CONTEXT = 'wukong:finish';
/** Context key: `argocd`, `flux` or `none` (the default): the GitOps tool the manifests are written for. */
export const GITOPS_CONTEXT = 'wukong:gitops';

/** The GitOps settings of an app, read once from its context. */
export class GitOpsContext {
  /** The settings of the app `scope` is in. */
  public static of(scope: IConstruct): GitOpsContext {
    const root = scope.node.root;
    let found = CONTEXTS.get(root);
    if (!found) {
      found = new GitOpsContext(scope);
      CONTEXTS.set(root, found);
    }
    return found;
  }

  public readonly tool: GitOpsTool;
  private readonly previous?: Map<string, SynthesizedVm>;
  private readonly finish: Set<string>;

  private constructor(scope: IConstruct) {
    const tool = scope.node.tryGetContext(GITOPS_CONTEXT) ?? 'none';
    if (!GITOPS_TOOLS.includes(tool)) fail(GITOPS_CONTEXT, tool, `use one of ${GITOPS_TOOLS.join(', ')}`);
    this.tool = tool;
    const dir = scope.node.tryGetContext(PREVIOUS_CONTEXT);
    if (dir !== undefined) {
      const read = readSynthesized(loadDirectory(dir));
      if (read.errors.length) fail(PREVIOUS_CONTEXT, dir, read.errors.join('; '));
      this.previous = read.vms;
    }
    const finish = scope.node.tryGetContext(FINISH_CONTEXT) ?? [];
    const list: unknown[] = typeof finish === 'string' ? finish.split(',').map(s => s.trim()).filter(Boolean) : Array.isArray(finish) ? finish : [finish];
    for (const f of list) {
      if (typeof f !== 'string' || f.split('/').length !== 3) fail(FINISH_CONTEXT, f, 'name each tombstone as namespace/vm/nic');
    }
    if (list.length && !this.previous) fail(FINISH_CONTEXT, list.join(','), `finishing a tombstone needs the previous output: set ${PREVIOUS_CONTEXT} (wukong synth: --previous) too`);
    this.finish = new Set(list as string[]);
  }

  /** The previous output of VM `namespace/name`; undefined without a previous output or when it had no such VM. */
  public previousOf(vmKey: string): RenderedVm | undefined {
    return this.previous?.get(vmKey)?.rendered;
  }

  /** The NIC names of VM `namespace/name` to finish. */
  public finishOf(vmKey: string): Set<string> {
    return new Set([...this.finish].filter(f => f.startsWith(`${vmKey}/`)).map(f => f.slice(vmKey.length + 1)));
  }

  /** Annotates `object` for the app's GitOps tool. */
  public annotate(object: ApiObject, role: GitOpsRole): void {
    for (const [k, v] of Object.entries(gitOpsAnnotations(this.tool, role))) object.metadata.addAnnotation(k, v);
  }
}

const CONTEXTS = new WeakMap<IConstruct, GitOpsContext>();

function fail(key: string, value: unknown, fix: string): never {
  throw new WukongValidationError(`context ${key}`, [{ severity: 'error', path: key, message: `${JSON.stringify(value)} is not valid here; ${fix}` }]);
}

/** Every document of the YAML and JSON files directly in `dir`. */
function loadDirectory(dir: unknown): unknown[] {
  if (typeof dir !== 'string' || !existsSync(dir) || !statSync(dir).isDirectory()) {
    fail(PREVIOUS_CONTEXT, dir, 'name the directory that holds the previous synthesized output (for a first synth, leave it unset)');
  }
  const files = readdirSync(dir).filter(f => /\.(ya?ml|json)$/.test(f)).sort();
  return files.flatMap(f => Yaml.load(join(dir, f)));
}
