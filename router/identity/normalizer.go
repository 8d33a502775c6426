// Package identity normalizes client identities and scores the weak signals
// the router uses for client dedup.
//
// Strong identities (phone, email, messenger ids, INN) are reduced to one
// canonical string per kind, so that the storage's unique (kind, value) index
// finds the same client however the value was typed. Weak signals (a shared
// corporate email domain, similar names) never identify a client on their
// own: they only raise a duplicate candidate for a person to review.
//
// Everything here is a pure function of its input and the Options; nothing
// touches storage or the network.
package identity

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/internal/twogen"
)

// ErrInvalid is wrapped by every rejection of a malformed identity value.
var ErrInvalid = errors.New("identity: invalid value")

// ErrUnknownKind is returned by Normalize for an identity kind it has no
// normalizer for. It is kept apart from ErrInvalid: the value may be fine,
// the caller asked for something this package does not know.
var ErrUnknownKind = errors.New("identity: unknown kind")

// Error is a rejected identity value with the reason it was rejected.
// errors.Is(err, ErrInvalid) holds for every *Error.
type Error struct {
	// Kind is the identity kind being normalized.
	Kind channels.IdentityKind
	// Reason is a short lower-case explanation fit to show a user.
	Reason string
}

// Error formats as "identity: <kind>: <reason>".
func (e *Error) Error() string {
	return "identity: " + string(e.Kind) + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

// invalid builds the *Error for a rejected value.
func invalid(kind channels.IdentityKind, reason string) error {
	return &Error{Kind: kind, Reason: reason}
}

// DefaultRegion is the phone region used when Options.DefaultRegion is empty.
const DefaultRegion = "RU"

// Options configures a Normalizer. The zero value is usable.
type Options struct {
	// DefaultRegion is the ISO 3166-1 alpha-2 region assumed for phone
	// numbers written without a country code; empty means DefaultRegion.
	DefaultRegion string
	// FoldEmail turns on provider-specific email folding (see Email). It is
	// off by default because folding merges addresses the provider may one
	// day treat as distinct; turn it on when duplicate clients hurt more.
	FoldEmail bool
	// FreeMailDomains adds domains to the built-in free-mail list.
	FreeMailDomains []string
}

// Normalizer turns raw identity values into their canonical form. Its
// settings are fixed by New and it is safe for concurrent use. The zero
// value behaves like New(Options{}), without New's cache of phone answers.
type Normalizer struct {
	region    string
	foldEmail bool
	freeMail  map[string]bool // extra domains only; the built-in list is shared
	phones    *twogen.Map[string, phoneResult]
}

// New builds a Normalizer, rejecting a DefaultRegion phonenumbers does not know.
func New(opts Options) (*Normalizer, error) {
	region := strings.ToUpper(strings.TrimSpace(opts.DefaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	if !phonenumbers.GetSupportedRegions()[region] {
		return nil, fmt.Errorf("identity: unsupported default region %q", opts.DefaultRegion)
	}
	n := &Normalizer{region: region, foldEmail: opts.FoldEmail, phones: twogen.New[string, phoneResult](phoneCacheSize)}
	for _, d := range opts.FreeMailDomains {
		d = canonicalDomain(d)
		if d == "" {
			continue
		}
		if n.freeMail == nil {
			n.freeMail = make(map[string]bool, len(opts.FreeMailDomains))
		}
		n.freeMail[d] = true
	}
	return n, nil
}

// Region reports the default phone region in use.
func (n *Normalizer) Region() string {
	if n == nil || n.region == "" {
		return DefaultRegion
	}
	return n.region
}

// Normalize returns the canonical form of raw for kind, or an error wrapping
// ErrInvalid saying why raw is not a usable identity of that kind.
func (n *Normalizer) Normalize(kind channels.IdentityKind, raw string) (string, error) {
	switch kind {
	case channels.Phone:
		return n.Phone(raw)
	case channels.Email:
		return n.Email(raw)
	case channels.INN:
		return INN(raw)
	case channels.Telegram:
		return TelegramID(raw)
	case channels.Viber:
		return ViberID(raw)
	case channels.VK:
		return VKID(raw)
	case channels.Webchat:
		return WebchatID(raw)
	case channels.Anonymous:
		return SenderID(raw)
	default:
		return "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
}
