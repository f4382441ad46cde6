// Synthesizes every example into one output folder (`npx cdk8s synth`, see cdk8s.yaml). Each example is an app of
// its own, as it would be in a user's repository, so examples may reuse VM names.
import { readdirSync } from 'fs';
import { basename, join } from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { attachExistingVm } from './attach-existing-vm';
import { kubeOvnHotplug } from './kube-ovn-hotplug';
import { productionVm } from './production-vm';
import { seedBasic } from './seed-basic';
import { seedMultiNic } from './seed-multi-nic';
import { seedMultiVlan } from './seed-multi-vlan';
import { seedRoutes } from './seed-routes';
import { sharedFabric } from './shared-fabric';
import { PRINT_WARNINGS_CONTEXT, WukongVm } from '../src';
import { loadDocuments } from '../src/cli/documents';

/** The TypeScript examples, by chart name. */
export const TS_EXAMPLES: Record<string, (scope: Construct) => Chart> = {
  'seed-multi-nic': seedMultiNic,
  'seed-basic': seedBasic,
  'seed-routes': seedRoutes,
  'seed-multi-vlan': seedMultiVlan,
  'kube-ovn-hotplug': kubeOvnHotplug,
  'shared-fabric': sharedFabric,
  'production-vm': productionVm,
  'attach-existing-vm': attachExistingVm,
};

export const WUKONG_DIR = join(__dirname, 'wukong');

/** The Wukong YAML examples (the seeds' own examples), as paths. */
export function wukongExamples(): string[] {
  return readdirSync(WUKONG_DIR).filter(f => f.endsWith('.yaml')).sort().map(f => join(WUKONG_DIR, f));
}

/** Builds the app of a Wukong YAML example: one chart named `wukong-<file>` holding its VMs. */
export function wukongExampleApp(file: string, outdir?: string, printWarnings = true): App {
  const app = new App({ outdir });
  if (!printWarnings) app.node.setContext(PRINT_WARNINGS_CONTEXT, false);
  const chart = new Chart(app, `wukong-${basename(file, '.yaml')}`);
  const { documents, errors } = loadDocuments([file]);
  if (errors.length) throw new Error(errors.join('\n'));
  for (const doc of documents) WukongVm.fromWukong(chart, (doc.value as { metadata: { name: string } }).metadata.name, doc.value);
  return app;
}

export function synthAllExamples(outdir?: string): void {
  for (const build of Object.values(TS_EXAMPLES)) {
    const app = new App({ outdir });
    build(app);
    app.synth();
  }
  for (const file of wukongExamples()) wukongExampleApp(file, outdir).synth();
}

if (require.main === module) synthAllExamples();
