// wrk as the load generator of the HTTP benchmarks: C, a few microseconds per request, so on a
// small machine it leaves the CPU to the server under test (a Node.js client pacing 5,000 req/s
// spends more time per request than the server it measures, and its own stalls show up as
// server latency). Its latency histogram has microsecond resolution.
//
// Fixed-rate runs are open-loop: many connections, each waiting an exponentially distributed time
// between requests (Poisson arrivals at the target rate, the usual model of independent clients).
// A connection waits tens of milliseconds between requests while responses take a fraction of a
// millisecond, so a request is sent on schedule even while the server stalls, and the stall shows
// up in the latency (no coordinated omission as long as no response outlasts the gap).

import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One wrk run's figures; latencies in milliseconds.
 *
 * ### Examples
 * ```ts
 * const r: WrkResult = { requests: 10_000, seconds: 5.0, rps: 2_000, p50: 0.21, p99: 0.9, p999: 1.6, max: 3.1, non2xx: 0, errors: 0 };
 * ```
 */
export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  non2xx: number;
  errors: number;
}

/**
 * Options of one wrk run.
 *
 * ### Examples
 * ```ts
 * const run: WrkRun = { url: 'http://127.0.0.1:8080', path: '/v1/route', token, bodiesFile, seconds: 5, connections: 64, rate: 5_000 };
 * ```
 */
export interface WrkRun {
  readonly url: string;
  readonly path: string;
  readonly token: string;
  /** One JSON body per line; requests cycle through them. */
  readonly bodiesFile: string;
  readonly seconds: number;
  readonly connections: number;
  /** Requests per second over all connections; omitted: as fast as the server answers. */
  readonly rate?: number;
}

const SCRIPT = `
local requests, n, i, mean_ms = {}, 0, 0, 0
function init(args)
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[3] }
  for line in io.lines(args[1]) do
    n = n + 1
    requests[n] = wrk.format("POST", args[2], headers, line)
  end
  local rate, connections = tonumber(args[4]), tonumber(args[5])
  if rate > 0 then
    -- wrk measures a connection's gap from its last response; the response time is small next to the gap.
    mean_ms = 1000 * connections / rate
    math.randomseed(os.time())
    delay = function()
      local d = -mean_ms * math.log(1 - math.random())
      local whole = math.floor(d)
      -- wrk's timers take whole milliseconds: round at random so that the mean stays exact.
      if math.random() < d - whole then whole = whole + 1 end
      return whole
    end
  end
end
function request()
  i = i % n + 1
  return requests[i]
end
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50":%d,"p99":%d,"p999":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;

/**
 * True when a `wrk` binary is on PATH.
 *
 * ### Examples
 * ```ts
 * if (!wrkAvailable()) console.log('apt-get install wrk');
 * ```
 */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * Writes the Lua script wrk runs into `dir` and returns a runner for it.
 *
 * ### Examples
 * ```ts
 * const wrk = await prepareWrk(workDir);
 * const result = await wrk({ url, path: '/v1/predict', token, bodiesFile, seconds: 5, connections: 64, rate: 2_000 });
 * ```
 */
export async function prepareWrk(dir: string): Promise<(run: WrkRun) => Promise<WrkResult>> {
  const script = path.join(dir, 'bench.lua');
  await writeFile(script, SCRIPT);
  return (run) =>
    new Promise((resolve, reject) => {
      const child = spawn(
        'wrk',
        [
          '-t1',
          `-c${run.connections}`,
          `-d${run.seconds}s`,
          '--timeout',
          '10s',
          '-s',
          script,
          run.url,
          '--',
          run.bodiesFile,
          run.path,
          run.token,
          String(run.rate ?? 0),
          String(run.connections),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => {
        const line = out
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('{'));
        if (code !== 0 || line === undefined) {
          reject(new Error(`wrk exited with ${code}: ${out}`));
          return;
        }
        const r = JSON.parse(line) as Record<string, number>;
        const seconds = r.duration_us! / 1e6;
        resolve({
          requests: r.requests!,
          seconds,
          rps: r.requests! / seconds,
          p50: r.p50! / 1000,
          p99: r.p99! / 1000,
          p999: r.p999! / 1000,
          max: r.max! / 1000,
          non2xx: r.non2xx!,
          errors: r.errors!,
        });
      });
    });
}
