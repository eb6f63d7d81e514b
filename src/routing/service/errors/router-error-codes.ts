// The one registry of error codes the routing service answers with. docs/routing.md lists the same
// codes with the same statuses, and a test fails when the two disagree, so a client author can rely
// on the table in the docs (the fastify `FST_ERR_*` pattern).

/**
 * Every error code of the routing service, with its HTTP status and a one-line meaning.
 *
 * `ROUTER_ERR_UNKNOWN_PREDICTION` is never an HTTP status of a whole response: it is the code of
 * one item of an outcome batch whose prediction id the router has never seen.
 */
export const ROUTER_ERROR_CODES = {
  ROUTER_ERR_BAD_REQUEST: {
    status: 400,
    meaning: 'the request is not well-formed HTTP (answered by the connection handler, before any route)',
  },
  ROUTER_ERR_MALFORMED_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  ROUTER_ERR_VALIDATION: {
    status: 400,
    meaning: 'the body or a parameter does not match the schema; `field` names it',
  },
  ROUTER_ERR_UNAUTHORIZED: { status: 401, meaning: 'no bearer token, or a token the router does not know' },
  ROUTER_ERR_FORBIDDEN: {
    status: 403,
    meaning: 'a valid token without the scope this endpoint needs (engine vs admin)',
  },
  ROUTER_ERR_NOT_FOUND: { status: 404, meaning: 'no such endpoint' },
  ROUTER_ERR_UNKNOWN_MODEL: {
    status: 404,
    meaning: 'the model is not registered (or not yet loaded by this router)',
  },
  ROUTER_ERR_UNKNOWN_STRATEGY: {
    status: 404,
    meaning: 'no strategy with this id in the strategies configuration',
  },
  ROUTER_ERR_UNKNOWN_PREDICTION: {
    status: 404,
    meaning: 'per outcome item: no prediction or assignment has this id',
  },
  ROUTER_ERR_METHOD_NOT_ALLOWED: { status: 405, meaning: 'the endpoint exists but not with this method' },
  ROUTER_ERR_REQUEST_TIMEOUT: {
    status: 408,
    meaning: 'the request headers or body did not arrive within the time limit',
  },
  ROUTER_ERR_NO_CHAMPION: {
    status: 409,
    meaning: 'the model has no champion and no running experiment to route to',
  },
  ROUTER_ERR_PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the body exceeds the size limit of the endpoint' },
  ROUTER_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the body is not application/json' },
  ROUTER_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    meaning: 'the request headers exceed 16 KiB',
  },
  ROUTER_ERR_FEATURE_SCHEMA: {
    status: 422,
    meaning: "the features do not match the model's feature schema (missing, extra or non-finite)",
  },
  ROUTER_ERR_FEATURE_RANGE: {
    status: 422,
    meaning: 'a feature is outside the float32 range the models compute in (|x| > 3.4028234663852886e38)',
  },
  ROUTER_ERR_NON_FINITE_OUTPUT: {
    status: 422,
    meaning: "the model's output for these features is not a finite number; nothing was logged",
  },
  ROUTER_ERR_OUTCOME_REFUSED: {
    status: 422,
    meaning:
      'PostgreSQL refused an outcome of this request (a data error); nothing of the request was stored',
  },
  ROUTER_ERR_STRATEGY_MISMATCH: {
    status: 422,
    meaning: "the strategy interprets another prediction target than the model's",
  },
  ROUTER_ERR_INVALID_PREDICTION: {
    status: 422,
    meaning: 'the prediction value is outside the range of its interpretation',
  },
  ROUTER_ERR_INTERNAL: {
    status: 500,
    meaning: 'an unexpected error; details are in the router log, never in the response',
  },
  ROUTER_ERR_NOT_READY: {
    status: 503,
    meaning: 'the router has not loaded its configuration yet, or is shutting down',
  },
  ROUTER_ERR_MODEL_UNAVAILABLE: {
    status: 503,
    meaning: 'neither the routed version nor the champion can be loaded or run',
  },
  ROUTER_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    meaning:
      'PostgreSQL is unreachable or did not answer in time; retrying the same request is safe (an item stored meanwhile comes back `duplicate`)',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

/**
 * One of the codes of {@link ROUTER_ERROR_CODES}.
 */
export type RouterErrorCode = keyof typeof ROUTER_ERROR_CODES;
