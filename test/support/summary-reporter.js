'use strict';
// Mocha's spec output plus one closing line, `N passed, N failed, N skipped`, that CI reads:
// a run that executed no test still prints `0 passed, 0 failed` instead of looking green.
const Mocha = require('mocha');

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on(EVENT_TEST_PASS, () => passed++);
    // Hook failures are reported as test failures by mocha, so they count here too.
    runner.on(EVENT_TEST_FAIL, () => failed++);
    runner.on(EVENT_TEST_PENDING, () => skipped++);
    this.summaryLine = () => {
      const tail = skipped > 0 ? `, ${skipped} skipped` : '';
      return `${passed} passed, ${failed} failed${tail}`;
    };
  }

  // The spec reporter prints its epilogue on run end; ours follows it so that it is the last line
  // even under `--exit`, which ends the process right after this call.
  epilogue() {
    super.epilogue();
    process.stdout.write(`\n${this.summaryLine()}\n`);
  }
}

module.exports = SummaryReporter;
