import { formatKubeVirtVersion, parseKubeVirtVersion } from '../../../src/model';
import { NEWEST_DOCUMENTED_KUBEVIRT, atLeast } from '../../../src/model/plan/kubevirt-version';

describe('parseKubeVirtVersion', () => {
  it.each([
    ['v1.6.2', { major: 1, minor: 6 }],
    ['1.6', { major: 1, minor: 6 }],
    ['v1.7.0-rc.1', { major: 1, minor: 7 }],
    ['v1.10.0+build', { major: 1, minor: 10 }],
    [' v2.0 ', { major: 2, minor: 0 }],
  ])('parses %j', (text, expected) => {
    expect(parseKubeVirtVersion(text)).toEqual(expected);
  });

  it.each([['1'], ['v1'], ['latest'], ['1.x'], [''], ['vv1.6']])('rejects %j', text => {
    expect(parseKubeVirtVersion(text)).toBeUndefined();
  });
});

describe('atLeast', () => {
  it('compares major, then minor', () => {
    expect(atLeast({ major: 1, minor: 6 }, 1, 6)).toBe(true);
    expect(atLeast({ major: 1, minor: 5 }, 1, 6)).toBe(false);
    expect(atLeast({ major: 1, minor: 10 }, 1, 8)).toBe(true);
    expect(atLeast({ major: 2, minor: 0 }, 1, 8)).toBe(true);
    expect(atLeast({ major: 0, minor: 99 }, 1, 0)).toBe(false);
  });
});

describe('formatKubeVirtVersion', () => {
  it('writes vMAJOR.MINOR', () => {
    expect(formatKubeVirtVersion({ major: 1, minor: 6 })).toBe('v1.6');
    expect(formatKubeVirtVersion(NEWEST_DOCUMENTED_KUBEVIRT)).toBe('v1.9');
  });
});
