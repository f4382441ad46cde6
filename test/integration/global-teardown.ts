import { existsSync, rmSync } from 'fs';
import { TestCluster } from './support/test-cluster';

/** Stops the servers by PID, removes their folders and the state file, and proves nothing it started is left. */
export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as any).__WUKONG_TEST_CLUSTER__ as TestCluster | undefined;
  const stateFile = (globalThis as any).__WUKONG_TEST_STATE_FILE__ as string | undefined;
  if (stateFile) rmSync(stateFile, { force: true });
  if (!cluster) return;
  const pids = cluster.startedPids();
  cluster.stop();
  const left = await TestCluster.survivors(pids);
  if (left.length) throw new Error(`test API server processes still running after teardown: PIDs ${left.join(', ')}`);
  if (existsSync(cluster.dir)) throw new Error(`test API server folder not removed: ${cluster.dir}`);
  process.stderr.write(`test API server stopped: PIDs ${pids.join(', ')} gone, ${cluster.dir} removed\n`);
}
