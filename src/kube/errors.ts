/** Wukong's own errors of talking to a cluster; the server's errors are read in api-errors.ts. */
import { Plan } from '../model';

/** A request that kept failing transiently; running the same command again is the way out. */
export class ClusterUnavailableError extends Error {
  public constructor(what: string, attempts: number, cause: string) {
    super(`${what} failed ${attempts} times (${cause}); the API server may be overloaded or unreachable. `
      + 'Every step Wukong takes is guarded and repeatable: run the same command again to finish.');
    this.name = 'ClusterUnavailableError';
  }
}

/**
 * Permissions the caller lacks: found by the preflight before anything was written, or refused by the server (403).
 * Carries `code` 403 so callers that treat a 403 specially still recognise it.
 */
export class MissingPermissionsError extends Error {
  public readonly code = 403;

  /** `refusal`: the server's message when it refused a request (else the preflight found them first). */
  public constructor(public readonly missing: string[], public readonly refusal?: string, alternative?: string) {
    super(`${refusal === undefined ? 'missing permissions, so nothing was changed' : `the API server refused (HTTP 403: ${refusal})`}:\n`
      + `${missing.map(m => `  ${m}`).join('\n')}\ngrant them (\`wukong rbac\` prints the Role and ClusterRole Wukong needs)`
      + `${alternative ? ` ${alternative}` : ''}, then run the same command again`);
    this.name = 'MissingPermissionsError';
  }
}

/** The plan has a rejected entry; nothing was applied. */
export class PlanRejectedError extends Error {
  public constructor(public readonly plan: Plan) {
    super(`nothing applied, the plan is rejected:\n${plan.entries.filter(e => e.action === 'rejected').map(e => `  ${e.subject} ${e.name}: ${e.reason}`).join('\n')}`);
    this.name = 'PlanRejectedError';
  }
}

/** A wait ran out of time; running the same apply again picks up where this one stopped. */
export class ApplyTimeoutError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ApplyTimeoutError';
  }
}
