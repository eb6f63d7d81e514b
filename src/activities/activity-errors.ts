import { ApplicationFailure } from '@temporalio/activity';
import { classifyError } from '../errors';

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
 * Runs an activity body and turns permanent errors (src/errors: bad input, a missing model, a lost
 * race, classified by class, so FeatureSchemaError and CheckpointMismatchError count too) into
 * non-retryable failures whose type is the error's stable `failureType`, the names PERMANENT_ERRORS
 * lists for Temporal's `nonRetryableErrorTypes`. Everything else (connection errors, timeouts)
 * stays retryable.
 */
export async function classifyErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const { permanent, failureType, message } = classifyError(error);
    if (permanent) throw permanentFailure(message, failureType);
    throw error;
  }
}
