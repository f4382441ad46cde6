import { IssueCollector, WukongValidationError, formatIssue, show, throwIfErrors } from '../../../src/model';
import { MANIFEST_PATHS, fieldPath, withFieldPaths } from '../../../src/model/spec/issues';

describe('fieldPath', () => {
  it('joins paths with dots, and indexes without', () => {
    expect(fieldPath('networks[0]', 'mtu')).toBe('networks[0].mtu');
    expect(fieldPath('', 'mtu')).toBe('mtu');
    expect(fieldPath('spec', '')).toBe('spec');
    expect(fieldPath('spec.networks', '[2]')).toBe('spec.networks[2]');
  });
});

describe('withFieldPaths', () => {
  it('prefixes the path by scope, and each cited path once, longest first', () => {
    const c = new IssueCollector();
    c.error('networks[1]', 'like networks[0] and networks[0].name', ['networks[0]', 'networks[0].name']);
    const m = new IssueCollector('', 'metadata');
    m.warn('labels.a', 'plain');
    expect(withFieldPaths([...c.issues, ...m.issues], MANIFEST_PATHS)).toEqual([
      { severity: 'error', path: 'spec.networks[1]', message: 'like spec.networks[0] and spec.networks[0].name' },
      { severity: 'warning', path: 'metadata.labels.a', message: 'plain' },
    ]);
  });
});

describe('show', () => {
  it('quotes strings and writes other values as JSON', () => {
    expect(show('a')).toBe('\'a\'');
    expect(show(5000)).toBe('5000');
    expect(show(true)).toBe('true');
    expect(show(null)).toBe('null');
    expect(show(undefined)).toBe('undefined');
    expect(show({ a: [1] })).toBe('{"a":[1]}');
  });

  it('shortens long JSON to 80 characters', () => {
    const text = show(Array.from({ length: 50 }, (_, i) => i));
    expect(text).toHaveLength(80);
    expect(text.endsWith('...')).toBe(true);
  });

  it('falls back to String() for values JSON cannot write', () => {
    expect(show(10n)).toBe('10');
  });
});

describe('IssueCollector', () => {
  it('collects errors and warnings under a prefix', () => {
    const c = new IssueCollector('spec');
    expect(c.hasErrors).toBe(false);
    c.warn('networks[0].type', 'w');
    c.error('cpu', 'e');
    expect(c.hasErrors).toBe(true);
    expect(c.issues).toEqual([
      { severity: 'warning', path: 'spec.networks[0].type', message: 'w' },
      { severity: 'error', path: 'spec.cpu', message: 'e' },
    ]);
    expect(c.errors.map(i => i.message)).toEqual(['e']);
    expect(c.warnings.map(i => i.message)).toEqual(['w']);
  });

  it('hands out copies', () => {
    const c = new IssueCollector();
    c.error('x', 'e');
    c.issues.pop();
    expect(c.issues).toHaveLength(1);
  });
});

describe('formatIssue, WukongValidationError and throwIfErrors', () => {
  it('formats <path>: <message>, or the message alone', () => {
    expect(formatIssue({ severity: 'error', path: 'cpu', message: 'bad' })).toBe('cpu: bad');
    expect(formatIssue({ severity: 'error', path: '', message: 'bad' })).toBe('bad');
  });

  it('keeps only the errors and lists them in the message', () => {
    const e = new WukongValidationError('VM \'a\'', [
      { severity: 'warning', path: 'w', message: 'warn' },
      { severity: 'error', path: 'cpu', message: 'bad' },
    ]);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('WukongValidationError');
    expect(e.message).toBe('VM \'a\' is invalid (1 error):\n  cpu: bad');
    expect(e.issues).toEqual([{ severity: 'error', path: 'cpu', message: 'bad' }]);
  });

  it('throws only when there is an error', () => {
    expect(() => throwIfErrors('X', [{ severity: 'warning', path: 'a', message: 'w' }])).not.toThrow();
    expect(() => throwIfErrors('X', [{ severity: 'error', path: 'a', message: 'e' }, { severity: 'error', path: 'b', message: 'f' }]))
      .toThrow('X is invalid (2 errors):\n  a: e\n  b: f');
  });
});
