// Starts a test cluster in its own process and waits; the cleanup test kills this process and checks what is left.
import { join } from 'path';
import { TestCluster } from './test-cluster';

const [assets, cloudInit] = process.argv.slice(2);
TestCluster.start(assets, [join(__dirname, '..', '..', '..', 'crds')], cloudInit).then(cluster => {
  process.stdout.write(`${JSON.stringify({ pids: cluster.startedPids(), dir: cluster.dir })}\n`);
  setInterval(() => undefined, 60_000);
}, e => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
