/** A KubeVirt release as major.minor; patch releases do not change the behaviours modelled here. */
export interface KubeVirtVersion {
  readonly major: number;
  readonly minor: number;
}

/** The newest release whose behaviour is documented (kubevirt-hotplug.md: v1.9.0, 2026-07-27). */
export const NEWEST_DOCUMENTED_KUBEVIRT: KubeVirtVersion = { major: 1, minor: 9 };

/** Parses `v1.6.2`, `1.6`, `v1.7.0-rc.1`; undefined when the text is not a version. */
export function parseKubeVirtVersion(text: string): KubeVirtVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** True when `v` is at least `major.minor`. */
export function atLeast(v: KubeVirtVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** A KubeVirt version as text, `v<major>.<minor>` (e.g. `v1.6`). */
export function formatKubeVirtVersion(v: KubeVirtVersion): string {
  return `v${v.major}.${v.minor}`;
}
