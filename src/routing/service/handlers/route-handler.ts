import type { RouteRequest } from '../api/request-schemas';
import { RouterError } from '../errors/router-error';
import type { Reply } from '../http/route-definition';
import { uuidv7 } from '../ids/uuid-v7';
import type { RoutingContext } from '../routing-context';
import type { ExperimentArm } from '../config/routing-snapshot';
import { resolveModel } from './resolve-model';

const JSON_UTF8 = 'application/json; charset=utf-8';

// Within an arm only the assignment id changes from one answer to the next, so the JSON around it
// is serialised once per arm (of each configuration snapshot) instead of on every request: the
// route answer is then one string concatenation. The id is a UUID and needs no escaping.
interface ArmReply {
  readonly before: string;
  readonly after: string;
}
const armReplies = new WeakMap<ExperimentArm, ArmReply>();

function armReply(modelName: string, experimentId: string, arm: ExperimentArm): ArmReply {
  let reply = armReplies.get(arm);
  if (reply === undefined) {
    const [before, after] = JSON.stringify({
      model: modelName,
      version: arm.version.version,
      assignmentId: '\u0000',
      experimentId,
      variant: arm.variant,
    }).split('"\\u0000"');
    reply = { before: `${before!}"`, after: `"${after!}` };
    armReplies.set(arm, reply);
  }
  return reply;
}

/**
 * `POST /v1/route`: routing only, for engines that run the models themselves. Inside an experiment
 * the assignment is logged and its id returned (report the outcome under it); outside one (no
 * running experiment, or the unit is outside coverage or the layer slice) the champion's version is
 * returned with no assignment, as there is nothing to attribute an outcome to.
 *
 * ### Examples
 * ```ts
 * declare const context: RoutingContext;
 * await createRouteHandler(context)({ model: 'btc-1h', unitId: 'acct-7' });
 * // { status: 200, body: { model: 'btc-1h', version: 4, assignmentId: '0190…', experimentId: '…', variant: 'treatment' } }
 * ```
 */
export function createRouteHandler(context: RoutingContext): (body: RouteRequest) => Reply {
  return (body) => {
    const model = resolveModel(context, body.model);
    const experiment = model.experiment;
    const arm = experiment === null ? null : experiment.choose(body.unitId, context.rng);
    if (arm !== null) {
      const now = Date.now();
      const assignmentId = uuidv7(now);
      context.assignmentLog.append(assignmentId, now, {
        assignmentId,
        experimentId: experiment!.experimentId,
        variant: arm.variant,
        unitId: body.unitId,
        assignedAtMs: now,
      });
      arm.assignments.inc();
      const { before, after } = armReply(model.name, experiment!.experimentId, arm);
      return { status: 200, text: before + assignmentId + after, contentType: JSON_UTF8 };
    }
    if (model.champion === null) {
      throw new RouterError(
        'ROUTER_ERR_NO_CHAMPION',
        `model "${model.name}" has no champion and this unit is in no experiment arm`,
        { field: 'model' },
      );
    }
    return { status: 200, body: { model: model.name, version: model.champion.version } };
  };
}
