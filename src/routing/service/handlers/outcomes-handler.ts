import type { OutcomeInput } from '../../../db/repositories/routing-outcome.repository';
import type { OutcomesRequest } from '../api/request-schemas';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import { OutcomeRefusedError, OutcomeStorageError } from '../outcomes/outcome-committer';
import type { RoutingContext } from '../routing-context';

/**
 * `POST /v1/outcomes`: one outcome or `{ outcomes: [...] }`. Answers 202 only once every row is
 * committed (or was already stored), with a status per item; an id with no prediction or
 * assignment is reported per item as `unknown` (code ROUTER_ERR_UNKNOWN_PREDICTION) and kept in
 * `unmatched_outcomes`, to be stored when that prediction is logged. When PostgreSQL cannot
 * commit in time, answers 503 ROUTER_ERR_STORAGE_UNAVAILABLE saying whether anything may have
 * been stored: retrying the same request is safe either way. A request PostgreSQL refuses as data
 * gets 422 ROUTER_ERR_OUTCOME_REFUSED without affecting the requests committed with it.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * declare const predictionId: string;
 * declare const stranger: string;
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
    let outcomes;
    try {
      outcomes = await context.committer.submit(inputs);
    } catch (error) {
      if (error instanceof OutcomeStorageError) {
        throw new RouterError(
          'ROUTER_ERR_STORAGE_UNAVAILABLE',
          error.mayHaveBeenStored
            ? 'outcomes not confirmed: PostgreSQL did not answer in time, so they may or may not be stored; retrying the same request is safe (items already stored come back "duplicate")'
            : 'outcomes could not be stored (PostgreSQL unavailable); nothing was recorded, retrying the same request is safe',
          { details: { mayHaveBeenStored: error.mayHaveBeenStored } },
        );
      }
      if (error instanceof OutcomeRefusedError) {
        throw new RouterError(
          'ROUTER_ERR_OUTCOME_REFUSED',
          `PostgreSQL refused an outcome of this request, so none of it was stored: ${error.message}`,
        );
      }
      throw error;
    }
    let recorded = 0;
    let duplicates = 0;
    let unknown = 0;
    const results = items.map((item, i) => {
      const { status, unmatchedReason } = outcomes[i]!;
      if (status === 'recorded') recorded++;
      else if (status === 'duplicate') duplicates++;
      else unknown++;
      return status === 'unknown'
        ? {
            predictionId: item.predictionId,
            status,
            code: 'ROUTER_ERR_UNKNOWN_PREDICTION' as const,
            kept: unmatchedReason ?? 'no_prediction',
          }
        : { predictionId: item.predictionId, status };
    });
    const m = context.metrics.outcomes;
    if (recorded > 0) m.labels('recorded').inc(recorded);
    if (duplicates > 0) m.labels('duplicate').inc(duplicates);
    if (unknown > 0) m.labels('unknown').inc(unknown);
    return { status: 202, body: { recorded, duplicates, unknown, results } };
  };
}
