/**
 * The NoCloud seed and firmware UUID of a KubeVirt VM, made the way KubeVirt makes them, for a guest that the test
 * bed boots itself (machine.ts).
 *
 * Loaded by ts-jest (commonjs) and by `node --experimental-strip-types` (ESM): Node's stdlib only, erasable
 * TypeScript only, no `__dirname`/`import.meta`, and no import of another file of this folder.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** virt-controller's namespace for firmware UUIDs (kubevirt pkg/virt-controller/watch/vm/firmware.go, `magicUUID`). */
export const FIRMWARE_UUID_NAMESPACE = '6a1a24a1-4061-4607-8bf4-a3963d0c5895';

/**
 * The firmware UUID virt-controller gives a VM without one: `uuid.NewSHA1(firmwareUUIDns, []byte(vm.Name))`
 * (firmware.go `CalculateLegacyUUID`), i.e. an RFC 4122 version-5 UUID. KubeVirt's NoCloud meta-data takes it as
 * `instance-id` (pkg/cloud-init/cloud-init.go `cloudInitUUIDFromVMI`) and libvirt as the SMBIOS system UUID
 * (pkg/virt-launcher/virtwrap/converter/compute/sysinfo.go). Node's crypto has no UUIDv5, hence the SHA-1 here.
 */
export function firmwareUuid(vmName: string, namespace: string = FIRMWARE_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`firmwareUuid: namespace ${namespace} is not a UUID`);
  const h = createHash('sha1').update(ns).update(vmName, 'utf8').digest().subarray(0, 16);
  // The project's lint bans bitwise operators; the same bits by arithmetic.
  h[6] = (h[6] % 0x10) + 0x50; // version 5 in the high nibble
  h[8] = (h[8] % 0x40) + 0x80; // RFC 4122 variant: high bits 10
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export interface SeedData {
  /** The user-data file as written (e.g. starting with `#cloud-config`). */
  readonly userData: string;
  /** The meta-data file; KubeVirt writes `json.Marshal(NoCloudMetadata)`: see `noCloudMetaData`. */
  readonly metaData: string;
  /** The network-config file; like KubeVirt, left out of the ISO when absent. */
  readonly networkConfig?: string;
}

/** KubeVirt's NoCloud meta-data: `{"instance-id":…,"local-hostname":…}` (cloud-init.go `NoCloudMetadata`). */
export function noCloudMetaData(instanceId: string, hostname?: string): string {
  return JSON.stringify(hostname === undefined ? { 'instance-id': instanceId } : { 'instance-id': instanceId, 'local-hostname': hostname });
}

function run(file: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}${stderr ? `\n${stderr}` : ''}`));
      else resolve();
    });
  });
}

/**
 * Writes the seed files into `<dir>/data` and packs them into `<dir>/noCloud.iso`, as virt-launcher does
 * (cloud-init.go `GenerateLocalData` and `defaultIsoFunc`): files `user-data`, `meta-data` and, only when given,
 * `network-config`, each mode 0600; then `xorrisofs -output <iso> -volid cidata -joliet -rock -partition_cyl_align on
 * <dir>`, killed after 10 s. KubeVirt removes the files once the ISO exists; so does this. Returns the ISO's path.
 */
export async function buildSeedIso(dir: string, seed: SeedData): Promise<string> {
  const data = join(dir, 'data');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  const files: Array<[string, string]> = [['user-data', seed.userData], ['meta-data', seed.metaData]];
  if (seed.networkConfig !== undefined && seed.networkConfig !== '') files.push(['network-config', seed.networkConfig]);
  for (const [name, content] of files) writeFileSync(join(data, name), content, { mode: 0o600 });
  const iso = join(dir, 'noCloud.iso');
  rmSync(iso, { force: true });
  try {
    await run('xorrisofs', ['-output', iso, '-volid', 'cidata', '-joliet', '-rock', '-partition_cyl_align', 'on', data], 10_000);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  return iso;
}
