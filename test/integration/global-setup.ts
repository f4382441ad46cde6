/**
 * Starts the test API server once for all integration suites. Provisioning (a cached build) is done by
 * scripts/test-env.sh; without it on this machine, the suites skip with one loud line, except under CI=true.
 */
import { execFileSync } from 'child_process';
import { writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CNI_PLUGINS_VERSION, KUBEVIRT_VERSION, TestCluster } from './support/test-cluster';

const ROOT = join(__dirname, '..', '..');
export const STATE_ENV = 'WUKONG_TEST_CLUSTER_STATE';

export default async function globalSetup(): Promise<void> {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'test-env.sh'), '--tolerate-unavailable'], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env = JSON.parse(out.trim().split('\n').pop()!);
  const stateFile = join(tmpdir(), `wukong-test-cluster-${process.pid}.json`);
  if (env.unavailable) {
    // Only reached when CI is not true: test-env.sh fails the run under CI.
    process.stderr.write(`\n*** INTEGRATION SUITES SKIPPED: ${env.unavailable} ***\n\n`);
    writeFileSync(stateFile, JSON.stringify({ unavailable: env.unavailable }));
  } else {
    const cluster = await TestCluster.startBed(env);
    process.stderr.write(`\ntest cluster: ${await cluster.version()}, KubeVirt ${KUBEVIRT_VERSION} (virt-controller, admission webhooks, CRDs), ` +
      `kube-controller-manager, node stand-in; CNI plugins ${CNI_PLUGINS_VERSION}\n`);
    (globalThis as any).__WUKONG_TEST_CLUSTER__ = cluster;
    writeFileSync(stateFile, JSON.stringify(cluster.state));
  }
  (globalThis as any).__WUKONG_TEST_STATE_FILE__ = stateFile;
  process.env[STATE_ENV] = stateFile;
}
