'use strict';
// The servers under test of bench/router-http.bench.ts: the routing service, the same routes on
// Fastify, and a bare node:http server returning a fixed JSON body, in one process forked by the bench.
//
// Plain JavaScript over the compiled build (dist/), as `npm start` and the Docker image run it:
// loading the sources through ts-node or a transpile hook keeps the TypeScript compiler in the heap
// (about 60 MB that every garbage collection has to walk) and ts-node also loads `domain`, which
// slows every EventEmitter. Either would misstate production latency.
//
// BENCH_TRACE=1 prints, every 2.5 s, event-loop delay, event-loop stalls over 5 ms, GC pauses and
// involuntary context switches: the figures that explain a latency tail.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { PerformanceObserver, monitorEventLoopDelay, performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '../..');
const { loadConfig } = require(path.join(root, 'dist/config/config'));
const { startRoutingService } = require(path.join(root, 'dist/routing/service'));
const { startFastifyEngine } = require('./fastify-engine-server');

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const body = JSON.stringify({ model: process.env.BENCH_MODEL, version: 1 });
  const bare = http.createServer({ keepAliveTimeout: 65_000 }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const router = await startRoutingService({
    config: loadConfig({
      DATABASE_URL: databaseUrl,
      GALFRIDAY_DATA_DIR: process.env.BENCH_DATA_DIR,
      LOG_LEVEL: 'warn',
    }),
    databaseUrl,
    host: '127.0.0.1',
    port: 0,
    tokens: { engineToken: process.env.BENCH_ENGINE_TOKEN, adminToken: process.env.BENCH_ADMIN_TOKEN },
  });
  // The same route table on Fastify (same context, auth and metrics), the candidate of issue 17.
  const fastify = await startFastifyEngine(router.app);
  if (process.env.BENCH_TRACE === '1') trace();
  process.send({ bare: `http://127.0.0.1:${bare.address().port}`, router: router.url, fastify: fastify.url });
  process.on('message', (message) => {
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send({ cpuMicros: usage.user + usage.system });
    }
    if (message === 'stop') {
      bare.close();
      void fastify.close();
      void router.stop().then(() => process.exit(0));
    }
  });
}

function trace() {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const pauses = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  const stalls = [];
  setInterval(() => {
    const now = performance.now();
    if (now - last > 5) stalls.push((now - last).toFixed(1));
    last = now;
  }, 1).unref();
  const involuntary = () => {
    try {
      const text = fs.readFileSync(`/proc/${process.pid}/sched`, 'utf8');
      return Number(/nr_involuntary_switches\s*:\s*(\d+)/.exec(text)?.[1] ?? NaN);
    } catch {
      return NaN;
    }
  };
  let switches = involuntary();
  setInterval(() => {
    const now = involuntary();
    const long = pauses.filter((ms) => ms > 0.5).map((ms) => ms.toFixed(1));
    console.error(
      `[trace] loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(2)} ms, max ${(delay.max / 1e6).toFixed(2)} ms; ` +
        `stalls > 5 ms: [${stalls.join(' ')}]; GC ${pauses.length} pauses, ${pauses.reduce((a, b) => a + b, 0).toFixed(1)} ms, ` +
        `> 0.5 ms: [${long.join(' ')}]; involuntary switches ${now - switches}`,
    );
    switches = now;
    stalls.length = 0;
    pauses.length = 0;
    delay.reset();
  }, 2500).unref();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
