// Package router is the one writer of clients, dialogs and assignments.
//
// Every inbound event passes through Router.Ingest, which in one transaction
// resolves the sender to a client (creating it or attaching new identities,
// and recording duplicate candidates), threads the event into a dialog,
// stores the message, hands a new dialog to a manager and appends the events
// that describe what happened. Agent actions that change a dialog (take,
// transfer, close, reopen, reply) go through the router too, so capacity and
// assignment rules hold in one place.
//
// Capacity is enforced by a conditional increment of the manager's load
// (storage ReserveCapacity) and a dialog changes hands only by a conditional
// update on its current assignee, so concurrent events, replicas and agents
// can never assign a dialog twice or push a manager over capacity.
package router
