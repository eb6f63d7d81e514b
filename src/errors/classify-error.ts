import {
  ConfigurationError,
  ConflictError,
  InputError,
  NotFoundError,
  PermanentError,
  TransientError,
} from './error-kinds';

/**
 * What kind of failure an error is, the one question activities (retry or not), the CLI (exit
 * code), the dashboard and the router (status) ask of it. `unexpected` is anything outside the
 * taxonomy: a bug or a driver error, retried by activities and shown as a failure elsewhere.
 *
 * ### Examples
 * ```ts
 * const kind: ErrorKind = 'not-found';
 * ```
 */
export type ErrorKind = 'input' | 'not-found' | 'conflict' | 'configuration' | 'transient' | 'unexpected';

/**
 * The classification of one error: its kind, whether retrying is pointless, and for permanent
 * errors the stable failure type an activity reports it with.
 *
 * ### Examples
 * ```ts
 * const c: ErrorClass = { kind: 'input', permanent: true, failureType: 'MlInputError', message: 'x: …' };
 * ```
 */
export interface ErrorClass {
  kind: ErrorKind;
  permanent: boolean;
  failureType: string | undefined;
  message: string;
}

/**
 * Classifies an error by its class (`instanceof`, never its `name`), so subclasses keep their
 * family: FeatureSchemaError and CheckpointMismatchError are input errors, hence permanent.
 *
 * ### Examples
 * ```ts
 * import { FeatureSchemaError } from '../ml/errors';
 * classifyError(new FeatureSchemaError('v1', ['f1'], [], [])); // { kind: 'input', permanent: true, failureType: 'MlInputError', … }
 * classifyError(new Error('ECONNRESET')); // { kind: 'unexpected', permanent: false, … }
 * ```
 */
export function classifyError(error: unknown): ErrorClass {
  const message = error instanceof Error ? error.message : String(error);
  const kind: ErrorKind =
    error instanceof InputError
      ? 'input'
      : error instanceof NotFoundError
        ? 'not-found'
        : error instanceof ConflictError
          ? 'conflict'
          : error instanceof ConfigurationError
            ? 'configuration'
            : error instanceof TransientError
              ? 'transient'
              : 'unexpected';
  const permanent = error instanceof PermanentError;
  return { kind, permanent, failureType: permanent ? error.failureType : undefined, message };
}
