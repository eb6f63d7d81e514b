// The error taxonomy shared by activities, the CLI, the dashboard and the router: every domain
// error extends one of these, and `classifyError` (classify-error.ts) tells them apart with
// `instanceof`, so a subclass that sets its own `name` (FeatureSchemaError) keeps its family.

/**
 * A fault retrying cannot fix (bad data, a missing model, a lost race). `failureType` is the stable
 * type an activity fails with, one of PERMANENT_ERRORS in src/workflows/activity-options.ts:
 * workflows and retry policies match on it, so subclasses inherit their family's.
 *
 * ### Examples
 * ```ts
 * class BadBarsError extends InputError { readonly failureType = 'DataValidationError'; }
 * new BadBarsError('bars: empty') instanceof PermanentError; // true
 * ```
 */
export abstract class PermanentError extends Error {
  abstract readonly failureType: string;
}

/**
 * The input was understood and refused: bad data, failed validation (CLI exit 4, HTTP 400).
 *
 * ### Examples
 * ```ts
 * import { StatsInputError } from '../stats/errors';
 * throw new StatsInputError('alpha', 'expected a number in (0, 1), got 2'); // an InputError
 * ```
 */
export abstract class InputError extends PermanentError {}

/**
 * A named thing (model, version) does not exist (CLI exit 3, HTTP 404).
 *
 * ### Examples
 * ```ts
 * import { ModelNotFoundError } from '../db/errors';
 * throw new ModelNotFoundError('btc-1h'); // a NotFoundError
 * ```
 */
export abstract class NotFoundError extends PermanentError {}

/**
 * Someone else changed the same thing first, or the change contradicts what is stored (CLI exit 4).
 *
 * ### Examples
 * ```ts
 * import { AliasConflictError } from '../db/errors';
 * throw new AliasConflictError('btc-1h', 'champion', 'v1', 'v2'); // a ConflictError
 * ```
 */
export abstract class ConflictError extends PermanentError {}

/**
 * The configuration (environment, command line) is wrong (CLI exit 2).
 *
 * ### Examples
 * ```ts
 * import { ConfigError } from '../config/config';
 * throw new ConfigError('ROUTER_PORT', 'a port number', 'abc'); // a ConfigurationError
 * ```
 */
export abstract class ConfigurationError extends PermanentError {}

/**
 * A fault that may pass if the operation is retried: a server did not answer in time or at all
 * (CLI exit 5; activities let Temporal retry it).
 *
 * ### Examples
 * ```ts
 * import { DatabaseDeadlineError } from '../db/connection';
 * throw new DatabaseDeadlineError('PostgreSQL did not answer within 1000 ms', true); // transient
 * ```
 */
export abstract class TransientError extends Error {}
