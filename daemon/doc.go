// Package daemon wires the hub together: it reads the configuration,
// opens the store, builds every component in dependency order, serves HTTP
// and runs the long-running services until its context ends, then stops
// them in reverse. The switchboard command and the load tool both run it.
package daemon
