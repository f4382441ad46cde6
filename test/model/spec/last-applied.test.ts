import {
  APPLIED_ANNOTATION, LAST_APPLIED_ANNOTATION, LastApplied, STARTED_INTERFACES_ANNOTATION, STARTED_INTERFACES_KEY, decodeLastApplied,
  encodeLastApplied, readAppliedRecord, recordChanges, recordDigest, userDataDigest,
} from '../../../src/model';
import { sameUserData } from '../../../src/model/spec/last-applied';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const USER_DATA = '#cloud-config\npassword: hunter2\n';

describe('userDataDigest', () => {
  it('is sha256: and the hex SHA-256 of the text', () => {
    expect(userDataDigest('')).toBe(`sha256:${EMPTY_SHA256}`);
    expect(userDataDigest(USER_DATA)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(userDataDigest(USER_DATA)).not.toBe(userDataDigest(`${USER_DATA} `));
  });
});

describe('encodeLastApplied', () => {
  const applied: LastApplied = {
    metadata: { name: 'web', namespace: 'ns', labels: { team: 'blue' }, annotations: { [LAST_APPLIED_ANNOTATION]: 'old', 'example.com/note': 'x' } },
    spec: { cpu: 2, userData: USER_DATA, networks: [{ name: 'data', vlanId: 10 }] },
  };

  it('stores user data as a digest only', () => {
    const text = encodeLastApplied(applied);
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({
      metadata: { name: 'web', namespace: 'ns', labels: { team: 'blue' }, annotations: { 'example.com/note': 'x' } },
      spec: { cpu: 2, userData: userDataDigest(USER_DATA), networks: [{ name: 'data', vlanId: 10 }] },
    });
  });

  it('leaves a spec without user data as it is and drops an annotations map holding only the last-applied annotation', () => {
    const metadata = { name: 'web', namespace: 'ns', annotations: { [LAST_APPLIED_ANNOTATION]: 'old' } };
    const text = encodeLastApplied({ metadata, spec: { cpu: 1 } });
    expect(text).toBe('{"metadata":{"name":"web","namespace":"ns"},"spec":{"cpu":1}}');
  });

  it('decodes what it encodes', () => {
    expect(decodeLastApplied(encodeLastApplied(applied))).toEqual({
      metadata: { name: 'web', namespace: 'ns', labels: { team: 'blue' }, annotations: { 'example.com/note': 'x' } },
      spec: { ...applied.spec, userData: userDataDigest(USER_DATA) },
    });
  });
});

describe('decodeLastApplied', () => {
  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['not JSON', '{metadata:'],
    ['a number', '42'],
    ['null', 'null'],
    ['an empty object', '{}'],
    ['a name that is not a string', '{"metadata":{"name":1},"spec":{}}'],
    ['no spec', '{"metadata":{"name":"web"}}'],
    ['a string spec', '{"metadata":{"name":"web"},"spec":"x"}'],
    ['kubectl\'s annotation', '{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","spec":{}}'],
  ])('returns undefined for %s', (_what, value) => {
    expect(decodeLastApplied(value)).toBeUndefined();
  });

  it('returns the parsed value', () => {
    expect(decodeLastApplied('{"metadata":{"name":"web","namespace":"ns"},"spec":{"networks":[]}}'))
      .toEqual({ metadata: { name: 'web', namespace: 'ns' }, spec: { networks: [] } });
  });
});

describe('sameUserData', () => {
  it.each([
    ['both missing', undefined, undefined, true],
    ['stored missing', undefined, USER_DATA, false],
    ['wanted missing', USER_DATA, undefined, false],
    ['the digest of it', userDataDigest(USER_DATA), USER_DATA, true],
    ['the digest of other text', userDataDigest('#cloud-config\n'), USER_DATA, false],
    ['the same text', USER_DATA, USER_DATA, true],
    ['other text', '#cloud-config\n', USER_DATA, false],
    ['text that only looks like a digest', 'sha256:abc', 'sha256:abc', true],
  ])('%s', (_what, stored, wanted, same) => {
    expect(sameUserData(stored, wanted)).toBe(same);
  });
});

describe('the applied record (record Secret + the VM\'s pointer)', () => {
  const a = encodeLastApplied({ metadata: { name: 'web', namespace: 'ns' }, spec: { networks: [{ name: 'a' }] } });
  const b = encodeLastApplied({ metadata: { name: 'web', namespace: 'ns' }, spec: { networks: [{ name: 'a' }, { name: 'b' }] } });
  const now = new Date('2026-12-05T04:00:00Z');
  const entry = (encoded: string, at: Date) => JSON.stringify({ writtenAt: at.toISOString(), ...JSON.parse(encoded) });

  it('reads the entry the VM points at, not a newer one whose VM patch never landed', () => {
    const data = { [`applied.${recordDigest(a)}`]: entry(a, now), [`applied.${recordDigest(b)}`]: entry(b, now) };
    const record = readAppliedRecord({ [APPLIED_ANNOTATION]: recordDigest(a) }, data);
    expect(record.applied?.spec.networks?.map(n => n.name)).toEqual(['a']);
    expect(record.legacy).toBe(false);
  });

  it('falls back to an earlier release\'s annotations, and says so', () => {
    const record = readAppliedRecord({ [LAST_APPLIED_ANNOTATION]: b, [STARTED_INTERFACES_ANNOTATION]: 'vmi-1:2' }, undefined);
    expect(record).toEqual({ applied: JSON.parse(b), startedInterfaces: 'vmi-1:2', legacy: true });
  });

  it('has no applied spec when the VM points at an entry the Secret lacks', () => {
    expect(readAppliedRecord({ [APPLIED_ANNOTATION]: recordDigest(a) }, {}).applied).toBeUndefined();
  });

  it('adds the new entry beside the current one and records the VMI start', () => {
    const data = { [`applied.${recordDigest(a)}`]: entry(a, new Date('2026-01-01T00:00:00Z')) };
    const changes = recordChanges(data, recordDigest(a), b, 'vmi-1:3', now);
    expect(Object.keys(changes).sort()).toEqual([`applied.${recordDigest(b)}`, STARTED_INTERFACES_KEY]);
    expect(decodeLastApplied(changes[`applied.${recordDigest(b)}`])?.spec.networks).toHaveLength(2);
    expect(changes[STARTED_INTERFACES_KEY]).toBe('vmi-1:3');
  });

  it('drops entries neither current nor recent, and keeps a concurrent applier\'s recent one', () => {
    const c = encodeLastApplied({ metadata: { name: 'web', namespace: 'ns' }, spec: {} });
    const data = {
      [`applied.${recordDigest(a)}`]: entry(a, new Date('2026-01-01T00:00:00Z')),
      [`applied.${recordDigest(c)}`]: entry(c, new Date(now.getTime() - 60_000)),
      'applied.0000000000000000': 'not json',
    };
    const changes = recordChanges(data, undefined, b, undefined, now);
    expect(changes).toHaveProperty([`applied.${recordDigest(a)}`], undefined);
    expect(changes).toHaveProperty(['applied.0000000000000000'], undefined);
    expect(changes).not.toHaveProperty([`applied.${recordDigest(c)}`]);
  });

  it('asks for no write when the Secret already holds everything', () => {
    const data = { [`applied.${recordDigest(b)}`]: entry(b, now), [STARTED_INTERFACES_KEY]: 'vmi-1:3' };
    expect(recordChanges(data, recordDigest(b), b, 'vmi-1:3', now)).toEqual({});
  });
});
