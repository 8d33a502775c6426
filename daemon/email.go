package daemon

import (
	"fmt"
	"log/slog"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/channels/email"
	"github.com/switchboard-hub/switchboard/storage"
)

// addEmailSenders registers a Sender under "email:<name>" for every mailbox
// with a submission server, so the outbox can deliver replies in dialogs
// that came in through that mailbox. It runs before the outbox worker is
// built, which takes the senders map as it is then.
func addEmailSenders(cfg email.Config, senders map[string]channels.Sender, metrics *email.Metrics, log *slog.Logger) error {
	for _, m := range cfg.Mailboxes {
		if m.SMTP.Addr == "" {
			continue
		}
		s, err := email.NewSender(m, email.WithLogger(log), email.WithMetrics(metrics))
		if err != nil {
			return fmt.Errorf("channels.email %q: %w", m.Name, err)
		}
		senders[m.Channel()] = s
	}
	return nil
}

// emailServices builds the long-running parts of the email channel: an
// IMAP importer per mailbox and an SMTP server per listener, all feeding
// ing (the router). The importers keep their folder cursors in the store,
// next to what they import, and take the store's lock when it has one so
// that of several replicas on one PostgreSQL database only one polls each
// mailbox. metrics is shared with the senders: it is registered once.
func emailServices(cfg email.Config, ing channels.Ingester, st storage.Store, metrics *email.Metrics, log *slog.Logger) ([]service, error) {
	var out []service
	opts := []email.Option{email.WithLogger(log), email.WithMetrics(metrics)}
	if l, ok := st.(storage.Locker); ok {
		opts = append(opts, email.WithLocker(l, 0))
	}
	for _, m := range cfg.Mailboxes {
		if m.IMAP.Addr == "" {
			continue // send-only: replies go out, nothing is imported
		}
		mb, err := email.NewMailbox(m, ing, st, opts...)
		if err != nil {
			return nil, fmt.Errorf("channels.email %q: %w", m.Name, err)
		}
		out = append(out, mb)
	}
	for _, l := range cfg.Listeners {
		ln, err := email.NewListener(l, ing, email.WithLogger(log), email.WithMetrics(metrics))
		if err != nil {
			return nil, fmt.Errorf("channels.email listener %q: %w", l.Name, err)
		}
		out = append(out, ln)
	}
	return out, nil
}
