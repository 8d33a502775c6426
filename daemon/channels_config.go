package daemon

import (
	"errors"
	"fmt"

	"github.com/switchboard-hub/switchboard/channels/api"
)

// ChannelsConfig lists the configured channel instances.
type ChannelsConfig struct {
	API []api.Config `yaml:"api"`
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
	return out
}
