/** The test servers never outlive their owner: interrupted (SIGINT, SIGTERM) or killed outright (SIGKILL). */
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { describeWithCluster, testCluster } from './support/cluster';
import { TestCluster } from './support/test-cluster';

const ROOT = join(__dirname, '..', '..');

function startChild(): Promise<{ child: ReturnType<typeof spawn>; pids: number[]; dir: string }> {
  const env = testCluster()!;
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(__dirname, 'support', 'cluster-child.ts'),
    env.assets, env.cloudInit], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, ...JSON.parse(out.split('\n')[0]) });
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', code => reject(new Error(`cluster child exited (${code}) before it was ready: ${err}`)));
  });
}

describeWithCluster('test cluster cleanup', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)('stops etcd and kube-apiserver by PID and removes their folder on %s', async signal => {
    const { child, pids, dir } = await startChild();
    expect(pids).toHaveLength(3);
    expect(await TestCluster.survivors(pids, 0)).toEqual(pids);
    child.kill(signal);
    expect(await TestCluster.survivors(pids, 10_000)).toEqual([]);
    for (let i = 0; i < 50 && existsSync(dir); i++) await new Promise(r => setTimeout(r, 100));
    expect(existsSync(dir)).toBe(false);
  });
});
