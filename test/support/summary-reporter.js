'use strict';
// Mocha's spec output plus two closing lines that CI reads:
//
//   behaviour: X passed, Y failed · golden vectors: Z passed, W failed
//   N passed, N failed, N skipped
//
// The last line stays the total, so a run that executed no test still prints `0 passed, 0 failed`
// instead of looking green. The line before it splits the total, because about nine in ten tests
// are generated golden cases (one `it` per reference vector) and would otherwise hide how many
// tests check behaviour.
//
// A test is a golden vector when the file that defines it is named for it: its basename contains
// `golden` (`*.golden.test.ts`, `golden.test.ts`, `golden-vectors.test.ts`). The file name, unlike a
// describe title, is one convention per suite that a rename of a title cannot break; a new golden
// suite must follow it (README, Tests).
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/** The file a test (or hook) was defined in: its own, else its nearest suite's. */
function fileOf(runnable) {
  for (let node = runnable; node; node = node.parent) if (node.file) return node.file;
  return undefined;
}

function isGolden(runnable) {
  const file = fileOf(runnable);
  return file !== undefined && path.basename(file).includes('golden');
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = {
      behaviour: { passed: 0, failed: 0 },
      golden: { passed: 0, failed: 0 },
    };
    let skipped = 0;
    const kind = (test) => (isGolden(test) ? counts.golden : counts.behaviour);
    runner.on(EVENT_TEST_PASS, (test) => kind(test).passed++);
    // Hook failures are reported as test failures by mocha, so they count here too.
    runner.on(EVENT_TEST_FAIL, (test) => kind(test).failed++);
    runner.on(EVENT_TEST_PENDING, () => skipped++);
    this.summaryLines = () => {
      const { behaviour, golden } = counts;
      const tail = skipped > 0 ? `, ${skipped} skipped` : '';
      return [
        `behaviour: ${behaviour.passed} passed, ${behaviour.failed} failed · ` +
          `golden vectors: ${golden.passed} passed, ${golden.failed} failed`,
        `${behaviour.passed + golden.passed} passed, ${behaviour.failed + golden.failed} failed${tail}`,
      ];
    };
  }

  // The spec reporter prints its epilogue on run end; ours follows it so that the total is the last
  // line even under `--exit`, which ends the process right after this call.
  epilogue() {
    super.epilogue();
    process.stdout.write(`\n${this.summaryLines().join('\n')}\n`);
  }
}

SummaryReporter.isGolden = isGolden;
module.exports = SummaryReporter;
