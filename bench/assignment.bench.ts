// Hot-path cost of one experiment assignment (hash + range lookup), against two baselines measured
// in the same process: a bare Math.random() weighted pick (what a non-sticky router pays) and
// node:crypto MD5 bucketing (Eppo's hash). Run: npx ts-node bench/assignment.bench.ts
//
// Each sample times a batch of 10,000 distinct ids with process.hrtime.bigint() (timing single calls
// would mostly measure the clock), so "median ns" is the median over samples of the mean per call.

import { createHash } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { compileAssigner, createLayer, unitBucket } from '../src/routing/allocation';

const BATCH = 10_000;
const SAMPLES = 201;
const WARMUP_ROUNDS = 50;

interface Result {
  label: string;
  medianNs: number;
  p99Ns: number;
}

// A result sink the optimiser cannot see through, so no call is dead code.
let sink = 0;

function measure(label: string, ids: readonly string[], fn: (id: string) => string | null): Result {
  for (let r = 0; r < WARMUP_ROUNDS; r++) for (const id of ids) sink += fn(id) === null ? 1 : 0;
  const perCall: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ids.length; i++) sink += fn(ids[i]!) === null ? 1 : 0;
    perCall.push(Number(process.hrtime.bigint() - t0) / ids.length);
  }
  perCall.sort((a, b) => a - b);
  return {
    label,
    medianNs: perCall[Math.floor(perCall.length / 2)]!,
    p99Ns: perCall[Math.floor(perCall.length * 0.99)]!,
  };
}

// Garbage collections while calling `fn` `rounds` × ids.length times: 0 means the calls allocate
// nothing (any per-call allocation, even a boxed number, fills the young generation within a few
// hundred thousand calls and triggers a scavenge).
async function gcRunsDuring(
  ids: readonly string[],
  rounds: number,
  fn: (id: string) => string | null,
): Promise<number> {
  let runs = 0;
  const observer = new PerformanceObserver((list) => {
    runs += list.getEntries().length;
  });
  await new Promise((resolve) => setImmediate(resolve));
  observer.observe({ entryTypes: ['gc'] });
  for (let r = 0; r < rounds; r++) for (let i = 0; i < ids.length; i++) sink += fn(ids[i]!) === null ? 1 : 0;
  // GC entries are delivered asynchronously: let them arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return runs;
}

function idsOf(kind: 'ascii' | 'non-ascii'): string[] {
  return Array.from(
    { length: BATCH },
    (_, i) =>
      kind === 'ascii'
        ? `acct-${(i * 2654435761) >>> 0}-book-${i % 97}` // ~25 ASCII chars, like an account/book id
        : `トレーダー-${i}-€-${i % 2 ? '😀' : 'ü'}`, // 2-, 3- and 4-byte UTF-8
  );
}

async function main(): Promise<void> {
  const variants = ['control', 't1', 't2'] as const;
  const weights = [0.5, 0.25, 0.25];
  const salt = 'exp-bench-2026';
  const assigner = compileAssigner({ salt, variants, weights, coverage: 0.8 });
  const layer = createLayer({ salt: 'layer-bench', slices: [{ experiment: salt, start: 0, end: 6000 }] });
  const layered = compileAssigner({ salt, variants, weights, coverage: 0.8, layer: layer.sliceFor(salt) });

  // Baseline 1: per-request Math.random() pick over the same weights (no hashing, not sticky).
  const cumulative = [0.5, 0.75, 1];
  const randomPick = (): string => {
    const u = Math.random();
    let i = 0;
    while (u >= cumulative[i]! && i < cumulative.length - 1) i++;
    return variants[i]!;
  };
  // Baseline 2: MD5 of the same key (Eppo-style), first 4 bytes → bucket → the same ranges.
  const ranges = assigner.ranges;
  const md5Assign = (id: string): string | null => {
    const bucket = createHash('md5').update(`${salt}:${id}`).digest().readUInt32BE(0) % 10_000;
    for (let i = 0; i < ranges.length; i++)
      if (bucket >= ranges[i]!.start && bucket < ranges[i]!.end) return variants[i]!;
    return null;
  };
  // For reference: Murmur3 without the precomputed prefix (concatenates the key per call).
  const concatAssign = (id: string): string | null => (unitBucket(salt, id) < 0 ? null : 'x');

  const results: Result[] = [];
  for (const kind of ['ascii', 'non-ascii'] as const) {
    const ids = idsOf(kind);
    results.push(measure(`assign (murmur3 + table), ${kind}`, ids, assigner.assign));
    results.push(measure(`assign with layer, ${kind}`, ids, layered.assign));
    results.push(measure(`unitBucket (concat + murmur3), ${kind}`, ids, concatAssign));
    results.push(measure(`baseline md5 (node:crypto), ${kind}`, ids, md5Assign));
  }
  results.push(measure('baseline Math.random() pick', idsOf('ascii'), randomPick));

  const byLabel = new Map(results.map((r) => [r.label, r]));
  const pad = Math.max(...results.map((r) => r.label.length));
  console.log(`node ${process.version}, ${SAMPLES} samples × ${BATCH} ids, median (p99) of ns per call\n`);
  for (const r of results) {
    const ops = (1e9 / r.medianNs).toLocaleString('en-US', { maximumFractionDigits: 0 });
    console.log(
      `${r.label.padEnd(pad)}  ${r.medianNs.toFixed(1).padStart(8)} ns (${r.p99Ns.toFixed(1).padStart(7)})  ${ops.padStart(12)} ops/s`,
    );
  }
  const random = byLabel.get('baseline Math.random() pick')!;
  console.log('');
  for (const kind of ['ascii', 'non-ascii'] as const) {
    const ours = byLabel.get(`assign (murmur3 + table), ${kind}`)!;
    const md5 = byLabel.get(`baseline md5 (node:crypto), ${kind}`)!;
    console.log(
      `${kind}: assign costs ${(ours.medianNs / random.medianNs).toFixed(1)}× a Math.random() pick; ` +
        `md5 costs ${(md5.medianNs / ours.medianNs).toFixed(1)}× assign; target < 1000 ns: ${ours.medianNs < 1000 ? 'met' : 'MISSED'}`,
    );
  }
  const mixed = [...idsOf('ascii'), ...idsOf('non-ascii')];
  const calls = (500 * mixed.length).toLocaleString('en-US');
  console.log(
    `\nGC runs during ${calls} calls: assign ${await gcRunsDuring(mixed, 500, assigner.assign)}, ` +
      `assign with layer ${await gcRunsDuring(mixed, 500, layered.assign)}, md5 baseline ${await gcRunsDuring(mixed, 25, md5Assign)} (in ${(25 * mixed.length).toLocaleString('en-US')} calls)`,
  );
  if (sink === -1) console.log(''); // keeps `sink` observable
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
