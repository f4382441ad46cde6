/** What an integration suite sees of the test API server started by the global setup. */
import { readFileSync } from 'fs';
import { KubeConfig } from '@kubernetes/client-node';
import { ADMIN_CONTEXT, ClusterState } from './test-cluster';

type State = ClusterState | { unavailable: string };

function readState(): State {
  const file = process.env.WUKONG_TEST_CLUSTER_STATE;
  if (!file) throw new Error('WUKONG_TEST_CLUSTER_STATE is not set: run the integration suites with test/integration/jest.config.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The cluster, or undefined when this machine cannot have one (the global setup already said so, loudly). */
export function testCluster(): ClusterState | undefined {
  const state = readState();
  return 'unavailable' in state ? undefined : state;
}

/** `describe` when the test API server runs, else a skipped suite (never under CI, where the setup fails instead). */
export const describeWithCluster: jest.Describe = testCluster() ? describe : describe.skip;

/**
 * `describe` when the test bed boots real guests (testbed/guest/build.sh needs root and Debian's mirror), else a
 * skipped suite; scripts/test-env.sh said why, and under CI=true it fails the run instead.
 */
export const describeWithGuest: jest.Describe = testCluster()?.guestImages ? describe : describe.skip;

export function kubeConfigFor(state: ClusterState, context = ADMIN_CONTEXT): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  kc.setCurrentContext(context);
  return kc;
}
