/**
 * The Pulumi packages are optional peer dependencies of wukong-iac (a cdk8s-only install has none of them), so
 * `wukong-iac/pulumi` checks for them before anything loads them: the error names what to install, with the versions
 * the package was tested with, instead of a bare "Cannot find module".
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';

const PULUMI_PEERS = ['@pulumi/pulumi', '@pulumi/kubernetes'];

/** The peer ranges from wukong-iac's own package.json (lib/src/pulumi when built, src/pulumi under ts-jest). */
function peerRanges(): Record<string, string> {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.name === 'wukong-iac') return pkg.peerDependencies ?? {};
  }
  return {};
}

/** The Pulumi peers that cannot be resolved from here (empty when all are installed). */
export function missingPulumiPeers(resolve: (name: string) => string = require.resolve): string[] {
  return PULUMI_PEERS.filter(name => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** The error for missing peers: what is missing and the npm command that installs the tested versions. */
export function missingPulumiMessage(missing: readonly string[]): string {
  const ranges = peerRanges();
  const specs = missing.map(name => (ranges[name] ? `'${name}@${ranges[name]}'` : name));
  return `wukong-iac/pulumi needs ${missing.join(' and ')}, not installed here (optional peer dependencies of wukong-iac). ` +
    `Install: npm install ${specs.join(' ')}`;
}

const missing = missingPulumiPeers();
if (missing.length > 0) throw new Error(missingPulumiMessage(missing));
