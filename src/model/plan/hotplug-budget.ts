/**
 * PCIe root ports left for hot-plugging, by KubeVirt version (kubevirt-hotplug.md §7). Root ports cannot be added to a
 * running domain, so KubeVirt reserves them when the VM starts; hot-plugged NICs and disks share them, and a restart
 * recalculates the reservation.
 */
import { KubeVirtVersion, atLeast } from './kubevirt-version';

const TWO_GIB = 2 * 1024 ** 3;

/** PCIe devices besides NICs every VM here has: the container disk and the cloud-init disk. */
export const OTHER_PCI_DEVICES = 2;

/** What the hot-plug port budget of a VM depends on: the KubeVirt version, and the devices and memory the VM started with. */
export interface PortBudgetInput {
  readonly version: KubeVirtVersion;
  /** Interfaces the VM had when it started. */
  readonly interfaces: number;
  /** PCIe devices in use besides interfaces (disks, controllers). */
  readonly otherDevices: number;
  /** Guest memory in bytes. */
  readonly guestMemoryBytes: number;
}

/** v1 scheme (v1.0–v1.5): max(0, 4 − interfaces) placeholders (KV@v1.5.0 virtwrap/nichotplug.go `ReservedInterfaces = 4`). */
function v1Ports(interfaces: number): number {
  return Math.max(0, 4 - interfaces);
}

/** v2 scheme (v1.6+, PR #14754): max(8 − inUse, 3), or max(16 − inUse, 6) above 2 GiB (KV@v1.9.0 virtwrap/manager.go). */
function v2Ports(inUse: number, guestMemoryBytes: number): number {
  return guestMemoryBytes > TWO_GIB ? Math.max(16 - inUse, 6) : Math.max(8 - inUse, 3);
}

/**
 * Free hot-plug ports for a VM as it started. v1.8+ ("v3", PR #17029/#17058) keeps the v1 placeholders and adds root
 * ports up to the v2 totals, so it never offers fewer than either scheme.
 */
export function hotplugPortBudget(input: PortBudgetInput): number {
  const inUse = input.interfaces + input.otherDevices;
  if (atLeast(input.version, 1, 8)) return Math.max(v1Ports(input.interfaces), v2Ports(inUse, input.guestMemoryBytes));
  if (atLeast(input.version, 1, 6)) return v2Ports(inUse, input.guestMemoryBytes);
  return v1Ports(input.interfaces);
}

/** Parses a Kubernetes memory quantity to bytes; undefined when it is not one. */
export function quantityToBytes(q: string): number | undefined {
  return /m$/.test(q) ? undefined : quantityValue(q);
}

/** The value of any Kubernetes quantity (`2`, `500m`, `1.5Gi`), undefined when it is not one. */
export function quantityValue(q: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(q);
  if (!m) return undefined;
  const units: Record<string, number> = {
    '': 1,
    'm': 1e-3,
    'k': 1e3,
    'M': 1e6,
    'G': 1e9,
    'T': 1e12,
    'P': 1e15,
    'E': 1e18,
    'Ki': 1024,
    'Mi': 1024 ** 2,
    'Gi': 1024 ** 3,
    'Ti': 1024 ** 4,
    'Pi': 1024 ** 5,
    'Ei': 1024 ** 6,
  };
  return Number(m[1]) * units[m[2] ?? ''];
}

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/** `n × 10^e` in Kubernetes' canonical DecimalSI form (apimachinery resource/quantity.go, CanonicalizeBytes). */
function decimalSi(n: bigint, e: number): string {
  if (n === 0n) return '0';
  while (n % 10n === 0n) {
    n /= 10n;
    e++;
  }
  while (((e % 3) + 3) % 3 !== 0) {
    n *= 10n;
    e--;
  }
  for (; e > 18; e -= 3) n *= 1000n;
  // Below nano, Kubernetes rounds up.
  for (; e < -9; e += 3) n = (n + 999n) / 1000n;
  return `${n}${DECIMAL[e]}`;
}

/**
 * A memory quantity as Kubernetes writes it back (apimachinery resource/quantity.go, CanonicalizeBytes): KubeVirt's
 * VM mutator re-encodes the template, so `2048Mi` is stored as `2Gi` (found by the test bed). Rendering the canonical
 * form keeps a re-apply from seeing a change that is none. Undefined when `q` is not a quantity quantityToBytes reads.
 */
export function canonicalQuantity(q: string): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  const digits = BigInt(`${m[1]}${frac}`);
  const suffix = m[3] ?? '';
  const binary = BINARY.indexOf(suffix);
  if (binary <= 0) return decimalSi(digits, 3 * ['', 'k', 'M', 'G', 'T', 'P', 'E'].indexOf(suffix) - frac.length);
  const scaled = digits * 1024n ** BigInt(binary);
  const denominator = 10n ** BigInt(frac.length);
  // A fraction of a byte, or less than 1Ki, is written in DecimalSI, as Kubernetes does.
  if (scaled % denominator !== 0n || scaled / denominator < 1024n) return decimalSi(scaled, -frac.length);
  let bytes = scaled / denominator;
  let exp = 0;
  while (exp < 6 && bytes % 1024n === 0n) {
    bytes /= 1024n;
    exp++;
  }
  return `${bytes}${BINARY[exp]}`;
}
