// Package faults holds fault-injection tests for the whole daemon: the
// process killed with SIGKILL under load, PostgreSQL stopped and started,
// a channel's far side failing, the SQLite file read-only or its disk
// full, and hostile input on every public endpoint.
//
// The tests build the switchboard binary and run it as a child process on
// throwaway data (a temporary SQLite directory, a PostgreSQL cluster of
// their own on a spare loopback port), or run daemon.Serve in-process
// where the fault needs no separate process. Every wait polls a condition
// under a deadline, so the tests are bounded in time and do not depend on
// the machine's speed. The package has no code outside its tests.
package faults
