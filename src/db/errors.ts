import { ConflictError, NotFoundError } from '../errors';

/** Thrown when a named model does not exist in the registry. */
export class ModelNotFoundError extends NotFoundError {
  override readonly name = 'ModelNotFoundError';
  readonly failureType = 'ModelNotFoundError';
  constructor(readonly model: string) {
    super(`model "${model}" is not registered (see \`galfriday models list\`)`);
  }
}

/** Thrown when a model has no such version (or alias). */
export class VersionNotFoundError extends NotFoundError {
  override readonly name = 'VersionNotFoundError';
  readonly failureType = 'VersionNotFoundError';
  constructor(
    readonly model: string,
    readonly version: number | string,
  ) {
    super(`model "${model}" has no version ${version}`);
  }
}

/** Thrown when an alias moved under us: the caller's expected version is not the current one. */
export class AliasConflictError extends ConflictError {
  override readonly name = 'AliasConflictError';
  readonly failureType = 'AliasConflictError';
  constructor(
    readonly model: string,
    readonly alias: string,
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(
      `alias ${alias} of "${model}" points at version id ${actual ?? 'nothing'}, not ${expected ?? 'nothing'} as expected; ` +
        'someone else moved it — re-read and retry',
    );
  }
}

/** Thrown when a registration conflicts with what the registry already holds. */
export class RegistryConflictError extends ConflictError {
  override readonly name = 'RegistryConflictError';
  readonly failureType = 'RegistryConflictError';
}
