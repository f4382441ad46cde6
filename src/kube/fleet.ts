/**
 * Applying many VMs: a bounded number at once, every VM's apply sharing what the run learnt about the cluster
 * (ClusterFacts). One VM's failure does not stop the others; each outcome is reported.
 */
import { vmKey } from '../model';
import { ApplyOptions, ApplyResult, ResolvedInput, applyVm } from './apply';
import { ClusterClient } from './client';
import { ClusterFacts } from './facts';

/** VMs applied at once unless told otherwise: enough to hide request latency, few enough to be gentle on the API server. */
export const DEFAULT_CONCURRENCY = 8;

/** Options of `applyFleet`: those of `applyVm` for every VM, how many to apply at once, and progress callbacks. */
export interface FleetOptions extends Omit<ApplyOptions, 'facts' | 'log'> {
  /** VMs applied at once. @default 8 */
  readonly concurrency?: number;
  /** Each VM's progress lines, with its key (`namespace/name`). */
  readonly log?: (key: string, line: string) => void;
  /** Called when a VM's apply ends, in the order they end. */
  readonly onDone?: (outcome: FleetOutcome, done: number, total: number) => void;
}

/** How one VM's apply ended: its result, or the error that stopped it. */
export interface FleetOutcome {
  readonly key: string;
  readonly input: ResolvedInput;
  readonly result?: ApplyResult;
  readonly error?: unknown;
}

/** Applies every input; outcomes come back in the inputs' order. */
export async function applyFleet(client: ClusterClient, inputs: ResolvedInput[], opts: FleetOptions = {}): Promise<FleetOutcome[]> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency: ${concurrency} is not a whole number of VMs of at least 1`);
  const facts = new ClusterFacts(client);
  const outcomes: FleetOutcome[] = new Array(inputs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      const input = inputs[i];
      const key = vmKey(input.vm);
      const log = opts.log ? (line: string) => opts.log!(key, line) : undefined;
      let outcome: FleetOutcome;
      try {
        outcome = { key, input, result: await applyVm(client, input, { ...opts, facts, log }) };
      } catch (error) {
        outcome = { key, input, error };
      }
      outcomes[i] = outcome;
      opts.onDone?.(outcome, ++done, inputs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  return outcomes;
}
