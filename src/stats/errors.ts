import { InputError } from '../errors';

/**
 * Thrown when a statistics function receives input it cannot give a meaningful answer for:
 * NaN or infinite values, empty samples, negative or fractional counts, weights that do not sum
 * to 1, probabilities outside [0, 1]. The message names the argument and what it expects.
 */
export class StatsInputError extends InputError {
  override readonly name = 'StatsInputError';
  readonly failureType = 'StatsInputError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}
