import { parse } from 'yaml';
import { IssueCollector } from '../../../src/model';
// shape.ts and wukong-schema.ts are internal: src/model/spec/index.ts does not export them.
import { S, Shape, checkShape } from '../../../src/model/spec/shape';
import { METADATA_SHAPE, NETWORK_SHAPE, SPEC_SHAPE } from '../../../src/model/spec/wukong-schema';
import { expectError, expectIssue, resolve, resolveOk } from '../fixtures';

function check(value: unknown, shape: Shape, path = 'x') {
  const issues = new IssueCollector();
  const out = checkShape(value, shape, path, issues);
  return { out, issues: issues.issues };
}

function onlyError(value: unknown, shape: Shape, path: string, message: RegExp) {
  const { out, issues } = check(value, shape);
  expect(issues).toEqual([{ severity: 'error', path, message: expect.stringMatching(message) }]);
  return out;
}

describe('checkShape scalars', () => {
  it('passes well-typed values through', () => {
    expect(check('a', S.string)).toEqual({ out: 'a', issues: [] });
    expect(check(0, S.number)).toEqual({ out: 0, issues: [] });
    expect(check(false, S.bool)).toEqual({ out: false, issues: [] });
    expect(check('b', S.enum(['a', 'b']))).toEqual({ out: 'b', issues: [] });
  });

  it('fails if a string field gets a number', () => {
    expect(onlyError(5, S.string, 'x', /^must be a string, got number 5$/)).toBeUndefined();
  });

  it('fails if a number field gets a string, NaN or Infinity', () => {
    onlyError('100', S.number, 'x', /^must be a number, got string '100'$/);
    onlyError(NaN, S.number, 'x', /^must be a number, got number null$/);
    onlyError(Infinity, S.number, 'x', /must be a number/);
  });

  it('fails if a bool field gets yes', () => {
    onlyError('yes', S.bool, 'x', /^must be true or false, got string 'yes'$/);
  });

  it('fails if an enum field gets an unknown value, listing the allowed ones', () => {
    onlyError('linux-bridge', S.enum(['bridge', 'ovs']), 'x', /^'linux-bridge' is not one of 'bridge', 'ovs'$/);
  });

  it('describes lists, objects and null in type errors', () => {
    onlyError([1], S.string, 'x', /got a list$/);
    onlyError({}, S.number, 'x', /got an object$/);
    onlyError(null, S.bool, 'x', /got null$/);
  });
});

describe('checkShape collections', () => {
  it('fails if a list field gets a scalar', () => {
    onlyError('10.0.0.1', S.list(S.string), 'x', /^must be a list, got string '10\.0\.0\.1'$/);
  });

  it('checks list items with their index in the path', () => {
    const out = onlyError(['a', 2, 'c'], S.list(S.string), 'x[1]', /must be a string, got number 2/);
    expect(out).toEqual(['a', undefined, 'c']);
  });

  it('fails if a string map holds a non-string, telling to quote it in YAML', () => {
    const out = onlyError({ a: 'b', version: 1.5 }, S.stringMap, 'x.version', /^must be a string, got number 1\.5; quote it in YAML$/);
    expect(out).toEqual({ a: 'b' });
  });

  it('fails if a string map is a list', () => {
    onlyError(['a'], S.stringMap, 'x', /must be a map of strings, got a list/);
  });

  it('fails if an object field gets a list', () => {
    onlyError([], S.object({}), 'x', /^must be an object, got a list$/);
  });

  it('fails if a required field is missing or null', () => {
    onlyError({}, S.object({ name: S.string }, ['name']), 'x.name', /^is required$/);
    onlyError({ name: null }, S.object({ name: S.string }, ['name']), 'x.name', /^is required$/);
  });

  it('skips null optional fields and drops fields that failed', () => {
    const { out, issues } = check({ a: null, b: 'x', c: 'not a number' }, S.object({ a: S.string, b: S.string, c: S.number }));
    expect(out).toEqual({ b: 'x' });
    expect(issues.map(i => i.path)).toEqual(['x.c']);
  });

  it('fails if a field is unknown, suggesting the closest known one', () => {
    onlyError({ vlanid: 5, name: 'a' }, NETWORK_SHAPE, 'x.vlanid', /^unknown field; did you mean 'vlanId'\?$/);
    onlyError({ name: 'a', ipconfg: {} }, NETWORK_SHAPE, 'x.ipconfg', /did you mean 'ipConfig'\?/);
  });

  it('fails if a field is unknown and nothing is close, listing the known fields', () => {
    onlyError({ zzzzzz: 1 }, S.object({ cpu: S.number, memory: S.string }), 'x.zzzzzz', /^unknown field; known fields: cpu, memory$/);
  });

  it('uses a top-level path without a leading dot', () => {
    const { issues } = check({ cpus: 2 }, SPEC_SHAPE, '');
    expect(issues).toEqual([{ severity: 'error', path: 'cpus', message: 'unknown field; did you mean \'cpu\'?' }]);
  });

  it('requires a metadata name', () => {
    const { issues } = check({ namespace: 'x' }, METADATA_SHAPE, 'metadata');
    expect(issues).toEqual([{ severity: 'error', path: 'metadata.name', message: 'is required' }]);
  });
});

describe('untyped (YAML) input to resolveVm', () => {
  it('fails if a NIC field name is misspelt, suggesting the right one', () => {
    expectError({ networks: [{ name: 'eth1', vlanid: 100 }] }, 'networks[0].vlanid', /unknown field; did you mean 'vlanId'\?/);
  });

  it('fails if a nested ipConfig field is misspelt', () => {
    expectError({ networks: [{ name: 'eth1', ipConfig: { adress: '10.0.0.5/24' } }] }, 'networks[0].ipConfig.adress', /did you mean 'address'\?/);
  });

  it('fails if a route field is unknown, listing the route fields', () => {
    const issues = expectError({ networks: [{ name: 'eth1', ipConfig: { address: '10.0.0.5/24' }, routes: [{ destination: '10.1.0.0/16', gw: '10.0.0.1' }] }] },
      'networks[0].routes[0].gw', /^unknown field; known fields: destination, gateway, metric$/, { only: false });
    // the route without its (misspelt) gateway is then rejected as well
    expectIssue(issues, 'error', 'networks[0].routes[0].gateway', /is required: give the next hop/);
  });

  it('fails with wrong types read from YAML and reports them all', () => {
    const doc = parse([
      'cpu: "2"',
      'networks:',
      '  - name: eth1',
      '    vlanId: "100"',
      '    primary: yes',
      '    type: linux-bridge',
    ].join('\n'));
    const { vm, issues } = resolve(doc);
    expect(vm).toBeUndefined();
    expectIssue(issues, 'error', 'cpu', /must be a number, got string '2'/);
    expectIssue(issues, 'error', 'networks[0].vlanId', /must be a number, got string '100'/);
    expectIssue(issues, 'error', 'networks[0].primary', /must be true or false, got string 'yes'/);
    expectIssue(issues, 'error', 'networks[0].type', /'linux-bridge' is not one of 'bridge', 'macvlan', 'sriov', 'ovs', 'kube-ovn'/);
  });

  it('fails if a label value is a YAML number', () => {
    expectError({}, 'labels.version', /must be a string, got number 1\.2; quote it in YAML/, { meta: parse('name: vm1\nlabels:\n  version: 1.2\n') });
  });

  it('fails if networks is not a list', () => {
    expectError({ networks: { name: 'eth1' } }, 'networks', /must be a list, got an object/);
  });

  it('fails if the metadata name is missing', () => {
    expect(resolve({ podNetwork: {} }, {}).issues).toContainEqual({ severity: 'error', path: 'name', message: 'is required', scope: 'metadata' });
  });

  it('ignores null fields like YAML `key:` with no value', () => {
    const vm = resolveOk(parse('cpu:\nnetworks:\n  - name: eth1\n    vlanId:\n'));
    expect(vm.cpu).toBe(1);
    expect(vm.nics.map(n => n.name)).toEqual(['default', 'eth1']);
  });
});
