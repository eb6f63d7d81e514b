// Temporary diagnostic: counts Temporal workers running after each test file.
const { Worker } = require('@temporalio/worker');
let running = 0; const where = new Map();
const orig = Worker.prototype.run;
Worker.prototype.run = function (...a) {
  running++; const file = (new Error().stack.split('\n').find((l) => l.includes('/test/') && !l.includes('worker-census')) || '?').trim();
  where.set(this, file);
  const p = orig.apply(this, a);
  p.finally(() => { running--; where.delete(this); }).catch(() => {});
  return p;
};
let last = 0;
exports.mochaHooks = {
  afterEach() { if (running !== last) { console.log(`[census] ${running} workers running; started at: ${[...new Set(where.values())].slice(0,8).join(' | ')}`); last = running; } },
};
