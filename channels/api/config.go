// Package api is the generic API channel: other systems (a shop, a CRM, a
// custom form) post messages to POST /hooks/api/{channel}, signed with a
// shared secret, and receive the managers' replies as signed POSTs to the
// channel's callback URL.
package api

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
)

// ChannelPrefix is prepended to a configured name to form the channel name
// used in events, messages and the outbox ("api:shop").
const ChannelPrefix = "api:"

// Config is one configured API channel.
type Config struct {
	// Name is the path segment in /hooks/api/{name}.
	Name string `yaml:"name"`
	// Secret is the HMAC-SHA256 key for both directions; the wiring may
	// read it from a file.
	Secret string `yaml:"secret"`
	// CallbackURL receives outbound replies; empty means the channel is
	// inbound only and replies on it fail permanently.
	CallbackURL string `yaml:"callback_url"`
	// Team is the routing hint for events on this channel.
	Team string `yaml:"team"`
}

// nameRe keeps names usable as a URL path segment and a metric label.
var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Channel returns the channel name used in events and the outbox.
func (c Config) Channel() string { return ChannelPrefix + c.Name }

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if !nameRe.MatchString(c.Name) {
		return fmt.Errorf("api: channel name %q: want 1-64 of a-z, 0-9, '_', '-'", c.Name)
	}
	// A short secret is guessable offline from one signed request.
	if len(c.Secret) < 16 {
		return fmt.Errorf("api: channel %q: secret must be at least 16 bytes", c.Name)
	}
	if c.CallbackURL != "" {
		u, err := url.Parse(c.CallbackURL)
		if err != nil {
			return fmt.Errorf("api: channel %q: callback url: %w", c.Name, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("api: channel %q: callback url must be an absolute http(s) url", c.Name)
		}
	}
	return nil
}

// String masks the secret so a logged or printed config does not leak it.
func (c Config) String() string {
	secret := ""
	if c.Secret != "" {
		secret = "***"
	}
	return fmt.Sprintf("{Name:%s Secret:%s CallbackURL:%s Team:%s}", c.Name, secret, c.CallbackURL, c.Team)
}

// errDuplicateName is returned when two channels share a name.
var errDuplicateName = errors.New("api: duplicate channel name")

// index validates cfgs and indexes them by name.
func index(cfgs []Config) (map[string]Config, error) {
	m := make(map[string]Config, len(cfgs))
	for _, c := range cfgs {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if _, dup := m[c.Name]; dup {
			return nil, fmt.Errorf("%w: %q", errDuplicateName, c.Name)
		}
		m[c.Name] = c
	}
	return m, nil
}
