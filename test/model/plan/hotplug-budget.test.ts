import { KubeVirtVersion } from '../../../src/model';
import { canonicalQuantity, hotplugPortBudget, quantityToBytes } from '../../../src/model/plan/hotplug-budget';

const GI = 1024 ** 3;
const V1_5: KubeVirtVersion = { major: 1, minor: 5 };
const V1_6: KubeVirtVersion = { major: 1, minor: 6 };
const V1_7: KubeVirtVersion = { major: 1, minor: 7 };
const V1_8: KubeVirtVersion = { major: 1, minor: 8 };

function budget(version: KubeVirtVersion, interfaces: number, otherDevices: number, guestMemoryBytes: number): number {
  return hotplugPortBudget({ version, interfaces, otherDevices, guestMemoryBytes });
}

describe('hotplugPortBudget', () => {
  describe('v1.0-v1.5: max(0, 4 - interfaces) placeholders', () => {
    it.each([[0, 4], [1, 3], [3, 1], [4, 0], [6, 0]])('%i interfaces leave %i ports', (interfaces, expected) => {
      expect(budget(V1_5, interfaces, 2, 8 * GI)).toBe(expected);
      expect(budget({ major: 1, minor: 0 }, interfaces, 10, GI)).toBe(expected);
    });
  });

  describe('v1.6/v1.7: max(8 - inUse, 3), or max(16 - inUse, 6) above 2 GiB', () => {
    it('uses the small budget up to 2 GiB', () => {
      expect(budget(V1_6, 2, 2, GI)).toBe(4);
      expect(budget(V1_6, 2, 2, 2 * GI)).toBe(4);
      expect(budget(V1_7, 1, 2, GI)).toBe(5);
    });

    it('never goes below 3 ports up to 2 GiB', () => {
      expect(budget(V1_6, 6, 2, GI)).toBe(3);
      expect(budget(V1_6, 10, 5, GI)).toBe(3);
    });

    it('uses the large budget above 2 GiB', () => {
      expect(budget(V1_6, 2, 2, 2 * GI + 1)).toBe(12);
      expect(budget(V1_6, 4, 2, 4 * GI)).toBe(10);
    });

    it('never goes below 6 ports above 2 GiB', () => {
      expect(budget(V1_6, 10, 2, 4 * GI)).toBe(6);
      expect(budget(V1_7, 20, 2, 4 * GI)).toBe(6);
    });

    it('counts every device, not only interfaces', () => {
      expect(budget(V1_6, 1, 1, GI)).toBe(6);
      expect(budget(V1_6, 1, 3, GI)).toBe(4);
    });
  });

  describe('v1.8+: the larger of the v1 placeholders and the v2 ports', () => {
    it('keeps the v1 placeholders when they are more', () => {
      expect(budget(V1_8, 0, 10, GI)).toBe(4);
      expect(budget(V1_6, 0, 10, GI)).toBe(3);
    });

    it('keeps the v2 ports when they are more', () => {
      expect(budget(V1_8, 2, 2, GI)).toBe(4);
      expect(budget(V1_8, 2, 2, 4 * GI)).toBe(12);
      expect(budget(V1_8, 6, 2, GI)).toBe(3);
      expect(budget({ major: 1, minor: 9 }, 8, 2, 4 * GI)).toBe(6);
    });

    it('never offers fewer than v1.5 or v1.6 for the same VM', () => {
      for (const interfaces of [0, 1, 2, 3, 4, 5, 8]) {
        for (const memory of [GI, 4 * GI]) {
          const v3 = budget(V1_8, interfaces, 2, memory);
          expect(v3).toBeGreaterThanOrEqual(budget(V1_5, interfaces, 2, memory));
          expect(v3).toBeGreaterThanOrEqual(budget(V1_6, interfaces, 2, memory));
        }
      }
    });
  });
});

describe('quantityToBytes', () => {
  it.each([
    ['1Gi', GI], ['512Mi', 512 * 1024 ** 2], ['1.5Gi', 1.5 * GI], ['64Ki', 65536], ['2G', 2e9], ['100M', 1e8], ['1k', 1000], ['1024', 1024],
    ['1Ti', 1024 ** 4], ['1E', 1e18],
  ])('reads %j', (q, bytes) => {
    expect(quantityToBytes(q)).toBe(bytes);
  });

  it.each([['1GB'], ['1gi'], ['Gi'], ['-1Gi'], ['1 Gi'], [''], ['1e3'], ['100m']])('rejects %j', q => {
    expect(quantityToBytes(q)).toBeUndefined();
  });
});

describe('canonicalQuantity', () => {
  it.each([
    ['2048Mi', '2Gi'], ['1Gi', '1Gi'], ['1536Mi', '1536Mi'], ['1024Ki', '1Mi'], ['0.5Gi', '512Mi'], ['1.5Gi', '1536Mi'],
    ['2000M', '2G'], ['1500M', '1500M'], ['1.5G', '1500M'], ['1073741824', '1073741824'], ['4294967296', '4294967296'],
    ['1000Ki', '1000Ki'], ['0.5Ki', '512'], ['1000', '1k'], ['64Mi', '64Mi'], ['1048576Ki', '1Gi'], ['3Ei', '3Ei'], ['2048Ei', '2048Ei'],
  ])('writes %s as Kubernetes stores it: %s', (q, want) => {
    expect(canonicalQuantity(q)).toBe(want);
    expect(quantityToBytes(canonicalQuantity(q)!)).toBe(quantityToBytes(q));
  });

  it('fails if the input is not a quantity: undefined', () => {
    expect(canonicalQuantity('2 Gi')).toBeUndefined();
    expect(canonicalQuantity('1e3')).toBeUndefined();
  });
});
