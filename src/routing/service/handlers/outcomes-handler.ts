import type { OutcomeInput } from '../../../db/repositories/routing-outcome.repository';
import type { OutcomesRequest } from '../api/request-schemas';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import { OutcomeStorageError } from '../outcomes/outcome-committer';
import type { RoutingContext } from '../routing-context';

/**
 * `POST /v1/outcomes`: one outcome or `{ outcomes: [...] }`. Answers 202 only once every row is
 * committed (or was already stored), with a status per item; an id the router never issued is
 * reported per item as `unknown` (code ROUTER_ERR_UNKNOWN_PREDICTION). When PostgreSQL cannot
 * commit, answers 503 ROUTER_ERR_STORAGE_UNAVAILABLE and nothing may be assumed stored: retrying
 * the same request is safe.
 *
 * ### Examples
 * ```ts
 * await createOutcomesHandler(context)({ outcomes: [{ predictionId, correct: true }, { predictionId: stranger, correct: false }] });
 * // { status: 202, body: { recorded: 1, duplicates: 0, unknown: 1, results: [{ predictionId, status: 'recorded' }, { predictionId: stranger, status: 'unknown', code: 'ROUTER_ERR_UNKNOWN_PREDICTION' }] } }
 * ```
 */
export function createOutcomesHandler(context: RoutingContext): (body: OutcomesRequest) => Promise<Reply> {
  return async (body) => {
    const items = 'outcomes' in body ? body.outcomes : [body];
    // UUIDs are case-insensitive and the router writes them in lower case: an id sent in upper case
    // must find its waiting log row and be reported under the status PostgreSQL gave it.
    const inputs: OutcomeInput[] = items.map((o) => ({
      predictionId: o.predictionId.toLowerCase(),
      correct: o.correct ?? null,
      tradeReturn: o.return ?? null,
      signalGenerated: o.signalGenerated ?? null,
    }));
    let statuses;
    try {
      statuses = await context.committer.submit(inputs);
    } catch (error) {
      if (error instanceof OutcomeStorageError) {
        throw new RouterError(
          'ROUTER_ERR_STORAGE_UNAVAILABLE',
          'outcomes could not be stored (PostgreSQL unavailable); nothing was recorded, retry the request',
        );
      }
      throw error;
    }
    let recorded = 0;
    let duplicates = 0;
    let unknown = 0;
    const results = items.map((item, i) => {
      const status = statuses[i]!;
      if (status === 'recorded') recorded++;
      else if (status === 'duplicate') duplicates++;
      else unknown++;
      return status === 'unknown'
        ? { predictionId: item.predictionId, status, code: 'ROUTER_ERR_UNKNOWN_PREDICTION' as const }
        : { predictionId: item.predictionId, status };
    });
    const m = context.metrics.outcomes;
    if (recorded > 0) m.labels('recorded').inc(recorded);
    if (duplicates > 0) m.labels('duplicate').inc(duplicates);
    if (unknown > 0) m.labels('unknown').inc(unknown);
    return { status: 202, body: { recorded, duplicates, unknown, results } };
  };
}
