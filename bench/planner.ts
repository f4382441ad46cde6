/**
 * Planner latency, in this process: `planVm` for a running VM with 1, 8 and 64 NICs to which one NIC is added (the
 * day-2 case), live objects rendered from the applied spec as test/model/plan-fixtures.ts builds them; and
 * `vmPatch` for the same plan. Warm-up first, then one timed call per iteration.
 */
import { performance } from 'perf_hooks';
import { median, percentile } from './stats';
import {
  JsonPatchOp, NetworkConfig, Plan, PlanInput, encodeLastApplied, parseLiveVm, planVm, recordDigest, renderResolvedVm, vmPatch,
} from '../src/model';
import { META, scenario } from '../test/model/plan-fixtures';

export interface LatencyFigures {
  readonly iterations: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface PlannerSize {
  readonly liveNics: number;
  readonly desiredNics: number;
  /** `action name` of every entry that is not unchanged. */
  readonly changes: string[];
  readonly patchOps: number;
  readonly planVm: LatencyFigures;
  /** `renderResolvedVm(desired)` alone, which planVm does once: how much of planVm is rendering. */
  readonly renderDesired: LatencyFigures;
  readonly vmPatch: LatencyFigures;
}

/** `count` NICs: a primary bridge with a gateway, then bridge and ovs NICs on VLANs with static addresses. */
export function plannerNics(count: number): NetworkConfig[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i}`,
    type: i % 2 === 0 ? 'bridge' : 'ovs',
    vlanId: 10 + i,
    ipConfig: i === 0 ? { address: '10.0.0.5/24', gateway: '10.0.0.1' } : { address: `10.${i}.0.5/24` },
  }));
}

const ADDED: NetworkConfig = { name: 'added', type: 'bridge', vlanId: 999, ipConfig: { address: '10.250.0.5/24' } };

function time(fn: () => void, warmup: number, iterations: number): LatencyFigures {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    fn();
    samples[i] = performance.now() - t;
  }
  return { iterations, medianMs: median(samples), p99Ms: percentile(samples, 99), maxMs: Math.max(...samples) };
}

export function benchPlannerSize(liveNics: number, iterations: number): PlannerSize {
  const before = { memory: '4Gi', networks: plannerNics(liveNics) };
  const after = { ...before, networks: [...before.networks, ADDED] };
  const input: PlanInput = scenario(before, after);
  const plan: Plan = planVm(input);
  const patchInput = {
    plan,
    live: parseLiveVm(input.live!.vm)!,
    desired: renderResolvedVm(input.desired),
    lastApplied: renderResolvedVm(input.applied!),
    appliedDigest: recordDigest(encodeLastApplied({ metadata: META, spec: after })),
  };
  let ops: JsonPatchOp[] = [];
  const warmup = Math.max(100, Math.floor(iterations / 5));
  const planFigures = time(() => planVm(input), warmup, iterations);
  const renderFigures = time(() => renderResolvedVm(input.desired), warmup, iterations);
  const patchFigures = time(() => { ops = vmPatch(patchInput); }, warmup, iterations);
  return {
    liveNics,
    desiredNics: liveNics + 1,
    changes: plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`),
    patchOps: ops.length,
    planVm: planFigures,
    renderDesired: renderFigures,
    vmPatch: patchFigures,
  };
}

export function benchPlanner(plan: Array<{ nics: number; iterations: number }>, log: (line: string) => void): PlannerSize[] {
  return plan.map(({ nics, iterations }) => {
    const r = benchPlannerSize(nics, iterations);
    log(`planVm ${nics} NICs (+1): median ${(r.planVm.medianMs * 1000).toFixed(0)} µs, p99 ${(r.planVm.p99Ms * 1000).toFixed(0)} µs over ${iterations}`);
    return r;
  });
}
