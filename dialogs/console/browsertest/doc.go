// Package browsertest drives the managers' console in a real headless
// Chromium against a whole daemon running in the test process: log in, live
// dialogs, replies through the outbox, transfer, the supervisor page,
// reconnecting after a daemon restart and the language switch.
//
// The tests need /usr/bin/chromium (Debian's package). Without it they are
// skipped, or fail when the CI environment variable is set, so CI cannot
// pass by skipping. When a test fails, a screenshot of each of its browser
// tabs is written to the directory named by SWITCHBOARD_TEST_ARTIFACTS (a
// fresh temporary directory when unset) and its path is logged.
package browsertest
