import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../../../../src/config/config';
import type { Database } from '../../../../src/db/database';
import { moveAlias } from '../../../../src/db/repositories/alias.repository';
import { ensureModel } from '../../../../src/db/repositories/model.repository';
import { registerVersion } from '../../../../src/db/repositories/version.repository';
import type { AllocationStrategy } from '../../../../src/db/tables/experiments.table';
import type { PredictionTarget } from '../../../../src/db/tables/registry.table';
import { exportLogisticRegressionOnnx } from '../../../../src/ml/logistic/logistic-regression-onnx';
import { artifactMetadata } from '../../../../src/ml/onnx/artifact-metadata';
import {
  encodeOnnxModel,
  floatTensor,
  int64Tensor,
  onnxNode,
  tensorValueInfo,
} from '../../../../src/ml/onnx/onnx-builder';
import {
  startRoutingService,
  type RunningRoutingService,
  type StartRoutingServiceOptions,
} from '../../../../src/routing/service';

/** Twenty feature names, the size of the model the brief benchmarks. */
export const FEATURES_20 = Array.from({ length: 20 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);

export const ENGINE_TOKEN = 'engine-token-for-tests-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** A real logistic-regression ONNX artifact: P(up) = sigmoid(Σ w·x + b). */
export function logisticOnnx(
  coefficients: readonly number[],
  intercept: number,
  names: readonly string[] = FEATURES_20,
): Uint8Array {
  return exportLogisticRegressionOnnx(
    {
      kind: 'logistic-regression',
      featureNames: [...names],
      coefficients: [...coefficients],
      intercept,
      standardization: { mean: names.map(() => 0), scale: names.map(() => 1) },
      standardizedWeights: [intercept, ...coefficients],
      training: { iterations: 0, converged: true, objective: 0, l2: 0 },
    },
    { featureSchemaVersion: 'test-v1' },
  );
}

/**
 * An artifact that loads (it passes every check of the schema) but fails at every run: a Reshape
 * of the one-row logit into two rows is an onnxruntime error, whatever the input.
 */
export function runFailingOnnx(names: readonly string[] = FEATURES_20): Uint8Array {
  return encodeOnnxModel({
    graphName: 'fails_to_run',
    usesMlDomain: false,
    inputs: [tensorValueInfo('features', 'float32', ['N', names.length])],
    outputs: [tensorValueInfo('probability', 'float32', ['N', 1])],
    initializers: [
      floatTensor(
        'W',
        [names.length, 1],
        names.map(() => 0.1),
      ),
      int64Tensor('S', [2], [2, -1]),
    ],
    nodes: [
      onnxNode('MatMul', ['features', 'W'], ['logit_raw']),
      onnxNode('Reshape', ['logit_raw', 'S'], ['logit']),
      onnxNode('Sigmoid', ['logit'], ['probability']),
    ],
    metadata: artifactMetadata({
      kind: 'logistic-regression',
      featureNames: [...names],
      featureSchemaVersion: 'test-v1',
      target: 'prob_up',
    }),
  });
}

/** σ(Σ w·x + b) in double precision (the ONNX model computes it in float32). */
export function logistic(coefficients: readonly number[], intercept: number, x: readonly number[]): number {
  const z = coefficients.reduce((sum, w, i) => sum + w * x[i]!, intercept);
  return 1 / (1 + Math.exp(-z));
}

/** Coefficients that make version `k` distinguishable: only the intercept differs. */
export const coefficientsOf = (k: number): { coefficients: number[]; intercept: number } => ({
  coefficients: FEATURES_20.map((_, i) => ((i % 5) - 2) / 10),
  intercept: (k - 2) / 4,
});

export interface SeededModel {
  name: string;
  modelId: string;
  /** version number → version id */
  versionIds: Map<number, string>;
}

/** Registers a model with `versions` logistic versions (version k has intercept (k − 2)/4) and sets the champion. */
export async function seedModel(
  db: Kysely<Database>,
  options: {
    name?: string;
    versions?: number;
    champion?: number | null;
    shadow?: number;
    target?: PredictionTarget;
    /** Versions whose artifact is not ONNX at all: they fail to load. */
    broken?: number[];
    /** Versions that load but whose every run is an onnxruntime error. */
    failsToRun?: number[];
    /** Versions that load and run but answer NaN for every input (a NaN intercept). */
    answersNaN?: number[];
  } = {},
): Promise<SeededModel> {
  const name = options.name ?? 'btc-1h';
  const schema = { version: 1, names: FEATURES_20 };
  const model = await ensureModel(db, {
    name,
    predictionTarget: options.target ?? 'prob_up',
    featureSchema: schema,
  });
  const versionIds = new Map<number, string>();
  for (let k = 1; k <= (options.versions ?? 2); k++) {
    const { coefficients, intercept } = coefficientsOf(k);
    const onnx = options.broken?.includes(k)
      ? Buffer.from('not an onnx model')
      : options.failsToRun?.includes(k)
        ? runFailingOnnx()
        : logisticOnnx(coefficients, options.answersNaN?.includes(k) ? NaN : intercept);
    const { version } = await registerVersion(db, {
      model: name,
      trainer: 'logistic-regression',
      onnx,
      featureSchema: schema,
      createdBy: 'test',
    });
    versionIds.set(version.version, version.version_id);
  }
  if (options.champion !== null) {
    await moveAlias(db, {
      model: name,
      alias: 'champion',
      version: options.champion ?? 1,
      changedBy: 'test',
    });
  }
  if (options.shadow !== undefined)
    await moveAlias(db, { model: name, alias: 'shadow', version: options.shadow, changedBy: 'test' });
  return { name, modelId: model.model_id, versionIds };
}

export interface ExperimentArmInput {
  variant: string;
  version: number;
  weight: number;
  isControl?: boolean;
}

/** Inserts a running experiment with its variants (what the experiment workflow does). */
export async function startExperiment(
  db: Kysely<Database>,
  model: SeededModel,
  options: {
    strategy?: AllocationStrategy;
    arms: ExperimentArmInput[];
    coverage?: number;
    salt?: string;
    layer?: string;
    policy?: unknown;
    primaryMetric?: 'accuracy' | 'return';
  },
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const { experiment_id } = await trx
      .insertInto('experiments')
      .values({
        model_id: model.modelId,
        name: `exp-${Math.random().toString(36).slice(2, 8)}`,
        status: 'running',
        allocation_strategy: options.strategy ?? 'hash',
        salt: options.salt ?? `salt-${Math.random().toString(36).slice(2)}`,
        coverage: options.coverage ?? 1,
        layer: options.layer ?? null,
        policy: JSON.stringify(options.policy ?? {}),
        started_at: new Date(),
      })
      .returning('experiment_id')
      .executeTakeFirstOrThrow();
    if (options.primaryMetric !== undefined) {
      await sql`UPDATE experiments SET primary_metric = ${options.primaryMetric} WHERE experiment_id = ${experiment_id}`.execute(
        trx,
      );
    }
    await trx
      .insertInto('experiment_variants')
      .values(
        options.arms.map((arm) => ({
          experiment_id,
          variant: arm.variant,
          model_id: model.modelId,
          version_id: model.versionIds.get(arm.version)!,
          weight: arm.weight,
          is_control: arm.isControl ?? false,
        })),
      )
      .execute();
    return experiment_id;
  });
}

/** A parsed JSON response body: tests reach into it freely and assert on what they find. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface TestRouter extends RunningRoutingService {
  post(
    pathname: string,
    body: unknown,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  get(
    pathname: string,
    token?: string | null,
  ): Promise<{ status: number; body: Json; text: string; headers: Headers }>;
  /** Log lines the router wrote. */
  readonly lines: string[];
  close(): Promise<void>;
}

/** Starts a real routing service on 127.0.0.1 (free port) against `databaseUrl`. */
export async function startTestRouter(
  databaseUrl: string,
  overrides: Partial<StartRoutingServiceOptions> & { env?: NodeJS.ProcessEnv } = {},
): Promise<TestRouter> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'galfriday-router-'));
  const lines: string[] = [];
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    GALFRIDAY_DATA_DIR: dataDir,
    GALFRIDAY_FLUSH_INTERVAL: '50ms',
    LOG_LEVEL: 'warn',
    ...overrides.env,
  });
  let service: RunningRoutingService;
  try {
    service = await startRoutingService({
      config,
      databaseUrl,
      host: '127.0.0.1',
      port: 0,
      tokens: { engineToken: ENGINE_TOKEN, adminToken: ADMIN_TOKEN },
      log: (line) => lines.push(line),
      ...overrides,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const request = async (
    method: string,
    pathname: string,
    body: unknown,
    token: string | null,
    headers: Record<string, string>,
  ) => {
    const response = await fetch(`${service.url}${pathname}`, {
      method,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // metrics are text
    }
    return { status: response.status, body: parsed as Json, text, headers: response.headers };
  };
  return Object.assign(service, {
    lines,
    post: (
      pathname: string,
      body: unknown,
      token: string | null = ENGINE_TOKEN,
      headers: Record<string, string> = {},
    ) => request('POST', pathname, body, token, headers),
    get: (pathname: string, token: string | null = ADMIN_TOKEN) =>
      request('GET', pathname, undefined, token, {}),
    async close() {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** A feature record for the 20-feature model with deterministic values derived from `seed`. */
export function featuresFor(seed: number): Record<string, number> {
  return Object.fromEntries(FEATURES_20.map((name, i) => [name, Math.sin(seed * 31 + i) / 2]));
}

/** Polls `check` every 20 ms until it returns a non-undefined value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Row count of a table, for batch flush assertions. */
export async function countRows(
  db: Kysely<Database>,
  table: 'predictions' | 'experiment_assignments' | 'experiment_outcomes' | 'alerts',
): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]!.n);
}
