// Package stream is the live event stream: it pushes the event log to the
// managers' consoles over WebSockets, each manager receiving only what they
// may see, and lets a reconnecting client resume from the last id it saw.
//
// # Truth and push
//
// The event log in the database is the truth; the socket is a push with a
// resume cursor. One reader goroutine per process (Hub.Run) waits on the
// store's Notify channel, with a slow fallback poll in case a notification
// is lost, reads the new events once and fans them out to every connection.
// Events this process committed itself it takes from the store's recent
// commits (RecentSource) instead of reading them back, when the store holds
// all of them. On PostgreSQL, Notify is fed by LISTEN/NOTIFY, so events
// committed by one replica reach consoles connected to another with no
// extra machinery.
//
// # Mounting
//
// Hub implements http.Handler; the wiring mounts it as
//
//	mux.Handle("GET /api/v1/stream", hub)
//
// and runs hub.Run(ctx) as a service. Until Run has read the log's position
// the handler answers 503.
//
// # Protocol
//
// Every server frame is a JSON text message
//
//	{"id": 42, "type": "message.created", "at": "2025-01-02T15:04:05.000Z", "data": {...}}
//
// where id is the event's id in the log, or 0 for frames that are not stored
// (stream.hello, stream.reset, typing, pong, error). The event types are
// listed in package dialogs/event and docs/EVENTS.md.
//
// A client connects with ?since=ID, the last event id it saw, or sends
// {"type":"resume","since":ID} as its first frame (within Config.ResumeWait).
// It first receives stream.hello with the newest id at connect time, then
// every visible event with id > since from the log, in order, then live
// events, with no gap and no repeat. If since is older than the log keeps,
// it receives stream.reset instead of the replay and then live events: the
// console reloads its state over the HTTP API. Without a cursor the stream
// starts live after hello.
//
// Client frames: {"type":"ping"} is answered by {"type":"pong"};
// {"type":"typing","dialog_id":N} tells the others who may see the dialog that
// this manager is typing (rate-limited, best effort, this replica only).
// Anything else is answered by an error frame and the connection stays open.
//
// # Visibility
//
// Visible decides who receives an event, from the scope the router stores
// with it (storage.Event DialogID, TeamID, ManagerID):
//
//   - an admin receives everything;
//   - anyone receives events whose ManagerID is their own (their dialogs, and
//     dialog.unassigned when a dialog leaves them);
//   - events with ManagerID 0 and TeamID 0 are global (presence, queue
//     summary) and everyone receives them;
//   - an agent also receives events with ManagerID 0 and one of their teams
//     (that team's queue);
//   - a supervisor also receives every event of their teams, assigned or not.
//
// So the router must scope each event: an assigned dialog's events carry the
// assignee in ManagerID and the dialog's team in TeamID; a queued dialog's
// events carry ManagerID 0 and its team. A dialog event with neither is
// global, so the router should always give a dialog a team.
//
// # Close codes
//
// Beside the standard codes the stream closes with:
//
//   - 4008 "slow consumer": the connection's send queue overflowed because
//     the client did not read fast enough; reconnect with ?since=last id.
//   - 4003 "access revoked": Config.Refresh reported ErrRevoked.
//   - 1001 "going away": the daemon is shutting down; reconnect with since.
package stream
