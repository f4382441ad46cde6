import { parse } from 'yaml';
import { WUKONG_KIND, readWukong } from '../../../src/model';
import { WUKONG_API_VERSION } from '../../../src/model/spec/types';
import { errorsOf, expectIssue } from '../fixtures';

const doc = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'vm.novasphere.dev/v1alpha1',
  kind: 'Wukong',
  metadata: { name: 'web', namespace: 'prod' },
  spec: { cpu: 2, networks: [{ name: 'data', vlanId: 10 }] },
  ...extra,
});

describe('readWukong', () => {
  it('resolves a valid Wukong object, its NIC paths relative to the spec', () => {
    const { vm, issues } = readWukong(doc());
    expect(issues).toEqual([]);
    expect(vm?.name).toBe('web');
    expect(vm?.namespace).toBe('prod');
    expect(vm?.cpu).toBe(2);
    expect(vm?.nics.map(n => n.path)).toEqual(['podNetwork', 'networks[0]']);
    expect([WUKONG_API_VERSION, WUKONG_KIND]).toEqual(['vm.novasphere.dev/v1alpha1', 'Wukong']);
  });

  it('reads a YAML document', () => {
    const { vm, issues } = readWukong(parse([
      'apiVersion: vm.novasphere.dev/v1alpha1',
      'kind: Wukong',
      'metadata:',
      '  name: web',
      'spec:',
      '  memory: 2Gi',
      '  networks:',
      '    - name: data',
      '      macAddress: "02:11:22:33:44:55"',
    ].join('\n')));
    expect(issues).toEqual([]);
    expect(vm?.memory).toBe('2Gi');
    expect(vm?.nics[1].mac).toBe('02:11:22:33:44:55');
  });

  it('fails if apiVersion is wrong, showing it and the expected one', () => {
    const { vm, issues } = readWukong(doc({ apiVersion: 'vm.novasphere.dev/v1' }));
    expect(vm).toBeUndefined();
    expect(issues).toEqual([{ severity: 'error', path: 'apiVersion', message: '\'vm.novasphere.dev/v1\' is not \'vm.novasphere.dev/v1alpha1\'' }]);
  });

  it('fails if kind is wrong or missing', () => {
    expect(readWukong(doc({ kind: 'VirtualMachine' })).issues).toEqual([{ severity: 'error', path: 'kind', message: '\'VirtualMachine\' is not \'Wukong\'' }]);
    const { kind: _kind, ...noKind } = doc();
    expect(readWukong(noKind).issues).toEqual([{ severity: 'error', path: 'kind', message: 'undefined is not \'Wukong\'' }]);
  });

  it('fails if there is an unknown top-level field, listing the known ones', () => {
    const { vm, issues } = readWukong(doc({ specs: {} }));
    expect(vm).toBeUndefined();
    expect(issues).toEqual([{ severity: 'error', path: 'specs', message: 'unknown field; a Wukong object has apiVersion, kind, metadata, spec, status' }]);
  });

  it('accepts a status', () => {
    expect(readWukong(doc({ status: { phase: 'Running' } })).issues).toEqual([]);
  });

  it('fails if metadata or spec is missing', () => {
    const { metadata: _m, spec: _s, ...bare } = doc();
    const { vm, issues } = readWukong(bare);
    expect(vm).toBeUndefined();
    expect(issues).toEqual([{ severity: 'error', path: 'metadata', message: 'is required' }, { severity: 'error', path: 'spec', message: 'is required' }]);
  });

  it.each([[null], ['apiVersion: x'], [[]], [42]])('fails if the document %j is not an object', value => {
    const { vm, issues } = readWukong(value);
    expect(vm).toBeUndefined();
    expect(issues).toEqual([{ severity: 'error', path: '', message: expect.stringMatching(/^a Wukong document must be an object with apiVersion, kind, metadata and spec, got /) }]);
  });

  it('ignores metadata a server adds', () => {
    const { vm, issues } = readWukong(doc({
      metadata: {
        name: 'web',
        uid: 'u-1',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{}],
        selfLink: '/x',
        finalizers: ['f'],
        ownerReferences: [],
      },
    }));
    expect(issues).toEqual([]);
    expect(vm?.name).toBe('web');
  });

  it('returns the manifest without the server\'s metadata, namespace filled in, to apply as it was resolved', () => {
    const spec = { cpu: 2 };
    const { manifest } = readWukong(doc({ metadata: { name: 'web', labels: { a: 'b' }, uid: 'u-1', resourceVersion: '42', managedFields: [{}] }, spec }));
    expect(manifest).toEqual({ metadata: { name: 'web', namespace: 'default', labels: { a: 'b' } }, spec });
    expect(readWukong(doc({ metadata: { name: 'Web' } })).manifest).toBeUndefined();
  });

  it('fails if metadata has an unknown field, suggesting the right one', () => {
    const { issues } = readWukong(doc({ metadata: { name: 'web', lables: { a: 'b' } } }));
    expect(issues).toEqual([{ severity: 'error', path: 'metadata.lables', message: 'unknown field; did you mean \'labels\'?' }]);
  });

  it('reports spec errors with spec. and metadata. prefixes, together with envelope errors', () => {
    const { vm, issues } = readWukong(doc({
      kind: 'Wukon',
      metadata: { name: 'Web' },
      spec: { cpu: 0, networks: [{ name: 'data', vlanId: 5000, mtuu: 1500 }] },
    }));
    expect(vm).toBeUndefined();
    expect(errorsOf(issues).map(i => i.path)).toEqual([
      'kind', 'metadata.name', 'spec.networks[0].mtuu', 'spec.cpu', 'spec.networks[0].vlanId',
    ]);
    expectIssue(issues, 'error', 'kind', /'Wukon' is not 'Wukong'/);
    expectIssue(issues, 'error', 'spec.networks[0].mtuu', /did you mean 'mtu'\?/);
    expectIssue(issues, 'error', 'spec.networks[0].vlanId', /^5000 is out of range 1\.\.4094$/);
  });

  it('returns warnings with the VM', () => {
    const { vm, issues } = readWukong(doc({ spec: { networks: [{ name: 'o1', type: 'ovs' }] } }));
    expect(vm).toBeDefined();
    expect(issues).toEqual([{ severity: 'warning', path: 'spec.networks[0].vlanId', message: expect.stringMatching(/trunk/) }]);
  });

  it('fails if the spec is not an object', () => {
    const { vm, issues } = readWukong(doc({ spec: 'cpu: 2' }));
    expect(vm).toBeUndefined();
    expect(issues).toEqual([{ severity: 'error', path: 'spec', message: 'must be an object, got string \'cpu: 2\'' }]);
  });
});
