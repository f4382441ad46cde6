import { missingPulumiMessage, missingPulumiPeers } from '../../src/pulumi/require-pulumi';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PEERS: Record<string, string> = require('../../package.json').peerDependencies;

describe('the Pulumi peer check of wukong-iac/pulumi', () => {
  it('finds both Pulumi packages installed here', () => {
    expect(missingPulumiPeers()).toEqual([]);
  });

  it('fails if a Pulumi package cannot be resolved, naming it and the command that installs the tested range', () => {
    const missing = missingPulumiPeers(name => {
      if (name === '@pulumi/kubernetes') throw new Error(`Cannot find module '${name}'`);
      return name;
    });
    expect(missing).toEqual(['@pulumi/kubernetes']);
    expect(missingPulumiMessage(missing)).toBe('wukong-iac/pulumi needs @pulumi/kubernetes, not installed here (optional peer dependencies of wukong-iac). ' +
      `Install: npm install '@pulumi/kubernetes@${PEERS['@pulumi/kubernetes']}'`);
  });

  it('keeps the Pulumi packages optional peers, so a cdk8s-only install never pulls them', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../package.json');
    expect(pkg.peerDependenciesMeta).toEqual({ '@pulumi/pulumi': { optional: true }, '@pulumi/kubernetes': { optional: true } });
    expect(pkg.dependencies).not.toHaveProperty('@pulumi/pulumi');
    expect(pkg.dependencies).not.toHaveProperty('@pulumi/kubernetes');
  });
});
