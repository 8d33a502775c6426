package daemon

import (
	"errors"
	"fmt"

	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/channels/email"
)

// ChannelsConfig lists the configured channel instances.
type ChannelsConfig struct {
	API []api.Config `yaml:"api"`
	// Email holds the IMAP/SMTP mailboxes and the SMTP listeners.
	Email email.Config `yaml:"email"`
}

// Validate checks every channel and that names are unique.
func (c ChannelsConfig) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, a := range c.API {
		if err := a.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("channels.api %q: %w", a.Name, err))
		}
		if seen[a.Channel()] {
			errs = append(errs, fmt.Errorf("channels.api %q: duplicate name", a.Name))
		}
		seen[a.Channel()] = true
	}
	// email.Config checks its own names; its channels ("email:…") cannot
	// collide with the API channels ("api:…").
	if err := c.Email.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("channels.email: %w", err))
	}
	return errors.Join(errs...)
}

func (c ChannelsConfig) masked() ChannelsConfig {
	out := c
	out.API = append([]api.Config(nil), c.API...)
	for i := range out.API {
		if out.API[i].Secret != "" {
			out.API[i].Secret = "****"
		}
	}
	out.Email.Mailboxes = append([]email.MailboxConfig(nil), c.Email.Mailboxes...)
	for i := range out.Email.Mailboxes {
		m := &out.Email.Mailboxes[i]
		m.IMAP.Password = mask(m.IMAP.Password)
		m.SMTP.Password = mask(m.SMTP.Password)
	}
	out.Email.Listeners = append([]email.ListenerConfig(nil), c.Email.Listeners...)
	for i := range out.Email.Listeners {
		out.Email.Listeners[i].Password = mask(out.Email.Listeners[i].Password)
	}
	return out
}

// mask hides a set secret and leaves an unset one empty, so the masked
// configuration still shows which secrets are configured.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}
