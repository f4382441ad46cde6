import { FieldPaths, Issue, ResolvedNic, ResolvedVm, ResolveResult, resolveVm } from '../../src/model';

/** Metadata of the VM most tests use. */
export const META = { name: 'vm1' };

/** Resolves a spec (untyped on purpose, like YAML input) with the default metadata. */
export function resolve(spec: unknown, meta: unknown = META, paths?: FieldPaths): ResolveResult {
  return resolveVm(meta, spec, paths);
}

export function errorsOf(issues: Issue[]): Issue[] {
  return issues.filter(i => i.severity === 'error');
}

export function warningsOf(issues: Issue[]): Issue[] {
  return issues.filter(i => i.severity === 'warning');
}

/** Resolves a spec that must be valid and returns the VM. */
export function resolveOk(spec: unknown, meta: unknown = META): ResolvedVm {
  const result = resolve(spec, meta);
  expect(errorsOf(result.issues)).toEqual([]);
  expect(result.vm).toBeDefined();
  return result.vm!;
}

/** Asserts that `issues` holds an issue of this severity at `path` whose message matches `message`. */
export function expectIssue(issues: Issue[], severity: Issue['severity'], path: string, message: RegExp): void {
  expect(issues.map(({ scope: _scope, cites: _cites, ...i }) => i)).toContainEqual({ severity, path, message: expect.stringMatching(message) });
}

/**
 * Resolves `spec`, asserts it fails with an error at `path` matching `message`, and (unless `only` is false) that this
 * is the only error path. Returns all issues.
 */
export function expectError(spec: unknown, path: string, message: RegExp, opts: { meta?: unknown; only?: boolean } = {}): Issue[] {
  const result = resolve(spec, opts.meta ?? META);
  expect(result.vm).toBeUndefined();
  expectIssue(result.issues, 'error', path, message);
  if (opts.only ?? true) expect([...new Set(errorsOf(result.issues).map(i => i.path))]).toEqual([path]);
  return result.issues;
}

/** Resolves `spec`, asserts it is valid but warns at `path` with a message matching `message`. */
export function expectWarning(spec: unknown, path: string, message: RegExp, meta: unknown = META): Issue[] {
  const result = resolve(spec, meta);
  expect(errorsOf(result.issues)).toEqual([]);
  expectIssue(result.issues, 'warning', path, message);
  return result.issues;
}

/** Spec with the given NICs. */
export function withNets(...networks: unknown[]): { networks: unknown[] } {
  return { networks };
}

export function nicOf(vm: ResolvedVm, name: string): ResolvedNic {
  const nic = vm.nics.find(n => n.name === name);
  if (!nic) throw new Error(`no NIC '${name}' in ${vm.nics.map(n => n.name).join(', ')}`);
  return nic;
}

/**
 * The spec of a VirtualMachine defined elsewhere (`spec.virtualMachine`): a pod NIC without a MAC, a CPU topology and
 * firmware Wukong does not model, a PVC root disk and no cloud-init; `edit` changes the copy.
 */
export function baseVmSpec(edit?: (spec: Record<string, any>) => void): Record<string, any> {
  const spec: Record<string, any> = {
    runStrategy: 'Always',
    template: {
      metadata: { labels: { app: 'legacy' } },
      spec: {
        domain: {
          cpu: { sockets: 2, cores: 1, threads: 1 },
          memory: { guest: '2Gi' },
          firmware: { bootloader: { efi: { secureBoot: false } } },
          devices: {
            disks: [{ name: 'root', disk: { bus: 'virtio' } }],
            interfaces: [{ name: 'default', masquerade: {} }],
          },
        },
        networks: [{ name: 'default', pod: {} }],
        volumes: [{ name: 'root', persistentVolumeClaim: { claimName: 'legacy-root' } }],
      },
    },
  };
  edit?.(spec);
  return spec;
}
