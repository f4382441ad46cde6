import { LAST_APPLIED_ANNOTATION, LastApplied, decodeLastApplied, encodeLastApplied, userDataDigest } from '../../../src/model';
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
