import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { classifyErrors } from '../../../src/activities/activity-errors';
import { ExitCode, exitCodeOf, CliError } from '../../../src/cli/exit-codes';
import { ConfigError } from '../../../src/config/config';
import { DatabaseDeadlineError } from '../../../src/db/connection';
import {
  AliasConflictError,
  ModelNotFoundError,
  RegistryConflictError,
  VersionNotFoundError,
} from '../../../src/db/errors';
import { classifyError, type ErrorKind } from '../../../src/errors';
import { CheckpointMismatchError, FeatureSchemaError, MlInputError } from '../../../src/ml/errors';
import { StatsInputError } from '../../../src/stats/errors';
import { PERMANENT_ERRORS } from '../../../src/workflows/activity-options';

const featureSchema = new FeatureSchemaError('v1', ['f01'], [], []);
const checkpoint = new CheckpointMismatchError('checkpoint', 'was made for 20 features, the data has 19');

/** One of each domain error an activity can throw, with the kind and failure type it must get. */
const PERMANENT: Array<[Error, ErrorKind, string]> = [
  [featureSchema, 'input', 'MlInputError'],
  [checkpoint, 'input', 'MlInputError'],
  [new MlInputError('bars', 'empty'), 'input', 'MlInputError'],
  [new StatsInputError('alpha', 'expected (0, 1)'), 'input', 'StatsInputError'],
  [new ModelNotFoundError('btc-1h'), 'not-found', 'ModelNotFoundError'],
  [new VersionNotFoundError('btc-1h', 3), 'not-found', 'VersionNotFoundError'],
  [new AliasConflictError('btc-1h', 'champion', 'a', 'b'), 'conflict', 'AliasConflictError'],
  [new RegistryConflictError('version 3 exists'), 'conflict', 'RegistryConflictError'],
];

describe('error taxonomy (src/errors)', () => {
  it('classifies FeatureSchemaError and CheckpointMismatchError as permanent input errors, by class not name', () => {
    for (const error of [featureSchema, checkpoint]) {
      assert.notEqual(error.name, 'MlInputError', 'the subclass overrides name');
      assert.deepEqual(classifyError(error), {
        kind: 'input',
        permanent: true,
        failureType: 'MlInputError',
        message: error.message,
      });
    }
  });

  it('gives every permanent domain error its kind and a failure type Temporal is told not to retry', () => {
    for (const [error, kind, failureType] of PERMANENT) {
      const c = classifyError(error);
      assert.equal(c.kind, kind, error.name);
      assert.equal(c.permanent, true, error.name);
      assert.equal(c.failureType, failureType, error.name);
      assert.ok(
        (PERMANENT_ERRORS as readonly string[]).includes(failureType),
        `${failureType} is in PERMANENT_ERRORS`,
      );
    }
  });

  it('leaves errors outside the taxonomy, and look-alikes by name, retryable', () => {
    const lookalike = Object.assign(new Error('bars: empty'), { name: 'MlInputError' });
    for (const error of [new Error('ECONNRESET'), lookalike, 'a string']) {
      const c = classifyError(error);
      assert.equal(c.kind, 'unexpected');
      assert.equal(c.permanent, false);
      assert.equal(c.failureType, undefined);
    }
    const deadline = classifyError(new DatabaseDeadlineError('no answer within 1000 ms', true));
    assert.deepEqual([deadline.kind, deadline.permanent], ['transient', false]);
    const config = classifyError(new ConfigError('ROUTER_PORT', 'a port number', 'abc'));
    assert.deepEqual([config.kind, config.permanent], ['configuration', true]);
  });

  it('makes the activity adapter fail permanent errors as non-retryable ApplicationFailures of that type', async () => {
    for (const [error, , failureType] of PERMANENT) {
      await assert.rejects(
        classifyErrors(async () => {
          throw error;
        }),
        (failure: unknown) => {
          assert.ok(failure instanceof ApplicationFailure, error.name);
          assert.equal(failure.nonRetryable, true, error.name);
          assert.equal(failure.type, failureType, error.name);
          assert.equal(failure.message, error.message);
          return true;
        },
      );
    }
    const transient = new Error('connection refused');
    await assert.rejects(
      classifyErrors(async () => {
        throw transient;
      }),
      (failure: unknown) => failure === transient,
    );
    assert.equal(await classifyErrors(async () => 42), 42);
  });

  it('gives the CLI one exit code per kind, and a CliError its own', () => {
    assert.equal(exitCodeOf(featureSchema), ExitCode.REJECTED);
    assert.equal(exitCodeOf(new StatsInputError('x', 'NaN')), ExitCode.REJECTED);
    assert.equal(exitCodeOf(new AliasConflictError('m', 'champion', null, 'v')), ExitCode.REJECTED);
    assert.equal(exitCodeOf(new ModelNotFoundError('m')), ExitCode.NOT_FOUND);
    assert.equal(exitCodeOf(new ConfigError('DATABASE_URL', 'a URL', undefined)), ExitCode.USAGE);
    assert.equal(exitCodeOf(new DatabaseDeadlineError('late', false)), ExitCode.UNAVAILABLE);
    assert.equal(exitCodeOf(new Error('bug')), ExitCode.FAILURE);
    assert.equal(exitCodeOf(new CliError('no such file', ExitCode.NOT_FOUND)), ExitCode.NOT_FOUND);
  });
});
