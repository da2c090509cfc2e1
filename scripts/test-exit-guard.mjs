// Loaded into every test file's process by scripts/run-tests.mjs (--import). A test file that
// calls process.exit() ends before node's test runner has reported the tests still queued, and
// the runner would count the file as passed with those tests silently missing. node:test never
// needs process.exit, so any call is turned into a failure of the file.
const exit = process.exit.bind(process);
process.exit = (code) => {
  process.stderr.write(`run-tests: a test file called process.exit(${code ?? ''}) before its tests finished; failing it\n`);
  exit(70);
};
