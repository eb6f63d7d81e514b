import { ApplicationFailure } from '@temporalio/activity';
import {
  AliasConflictError,
  ModelNotFoundError,
  RegistryConflictError,
  VersionNotFoundError,
} from '../db/errors';
import { StatsInputError } from '../stats/errors';

/** A fault retrying cannot fix (bad data, failed validation): ends the activity at once. */
export function permanentFailure(
  message: string,
  type = 'DataValidationError',
  details?: unknown,
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: true,
    ...(details !== undefined ? { details: [details] } : {}),
  });
}

/**
 * Runs an activity body and turns the domain errors that mean "this will never work" into
 * non-retryable failures carrying the error's name as type, so retry policies and workflows can
 * match on it. Everything else (connection errors, timeouts) stays retryable.
 */
export async function classifyErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (
      error instanceof ModelNotFoundError ||
      error instanceof VersionNotFoundError ||
      error instanceof RegistryConflictError ||
      error instanceof AliasConflictError ||
      error instanceof StatsInputError ||
      (error instanceof Error && error.name === 'MlInputError')
    ) {
      throw permanentFailure(error.message, error.name);
    }
    throw error;
  }
}
