package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/channels"
)

// mustNew builds a Normalizer or fails the test.
func mustNew(t testing.TB, opts Options) *Normalizer {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return n
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       Options
		wantRegion string
		wantErr    bool
	}{
		{name: "default region", opts: Options{}, wantRegion: "RU"},
		{name: "explicit lower-case region", opts: Options{DefaultRegion: " kz "}, wantRegion: "KZ"},
		{name: "unknown region", opts: Options{DefaultRegion: "XX"}, wantErr: true},
		{name: "not a region", opts: Options{DefaultRegion: "Russia"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := New(tt.opts)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%+v) = nil error, want one", tt.opts)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%+v): %v", tt.opts, err)
			}
			if got := n.Region(); got != tt.wantRegion {
				t.Errorf("Region() = %q, want %q", got, tt.wantRegion)
			}
		})
	}
}

func TestZeroNormalizer(t *testing.T) {
	t.Parallel()
	var n Normalizer
	got, err := n.Phone("8 912 345-67-89")
	if err != nil || got != "+79123456789" {
		t.Errorf("zero Normalizer Phone = %q, %v; want +79123456789", got, err)
	}
	var nilN *Normalizer
	if !nilN.FreeMail("gmail.com") {
		t.Error("nil Normalizer FreeMail(gmail.com) = false")
	}
}

func TestNormalizeDispatch(t *testing.T) {
	t.Parallel()
	n := mustNew(t, Options{})
	tests := []struct {
		name string
		kind channels.IdentityKind
		raw  string
		want string
	}{
		{name: "phone", kind: channels.Phone, raw: "8 (912) 345-67-89", want: "+79123456789"},
		{name: "email", kind: channels.Email, raw: "Ivan <Ivan@X.ru>", want: "ivan@x.ru"},
		{name: "inn", kind: channels.INN, raw: "7707 083 893", want: "7707083893"},
		{name: "telegram", kind: channels.Telegram, raw: "@Ivan_Petrov", want: "@ivan_petrov"},
		{name: "viber", kind: channels.Viber, raw: " 01234567890A= ", want: "01234567890A="},
		{name: "vk", kind: channels.VK, raw: "id123", want: "123"},
		{name: "webchat", kind: channels.Webchat, raw: "v_1-a", want: "v_1-a"},
		{name: "sender", kind: channels.Anonymous, raw: " sms:+7912 ", want: "sms:+7912"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := n.Normalize(tt.kind, tt.raw)
			if err != nil {
				t.Fatalf("Normalize(%s, %q): %v", tt.kind, tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("Normalize(%s, %q) = %q, want %q", tt.kind, tt.raw, got, tt.want)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	t.Parallel()
	n := mustNew(t, Options{})
	tests := []struct {
		name       string
		kind       channels.IdentityKind
		raw        string
		wantIs     error
		wantPrefix string
	}{
		{name: "unknown kind", kind: "fax", raw: "123", wantIs: ErrUnknownKind, wantPrefix: "identity: unknown kind"},
		{name: "bad phone", kind: channels.Phone, raw: "123", wantIs: ErrInvalid, wantPrefix: "identity: phone: "},
		{name: "empty email", kind: channels.Email, raw: "", wantIs: ErrInvalid, wantPrefix: "identity: email: empty"},
		{name: "bad inn", kind: channels.INN, raw: "7707083894", wantIs: ErrInvalid, wantPrefix: "identity: inn: wrong check digit"},
		{name: "empty sender", kind: channels.Anonymous, raw: " ", wantIs: ErrInvalid, wantPrefix: "identity: sender: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := n.Normalize(tt.kind, tt.raw)
			if err == nil {
				t.Fatalf("Normalize(%s, %q) = %q, want error", tt.kind, tt.raw, got)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("error %q, want prefix %q", err, tt.wantPrefix)
			}
			var ie *Error
			if errors.Is(tt.wantIs, ErrInvalid) && (!errors.As(err, &ie) || ie.Kind != tt.kind || ie.Reason == "") {
				t.Errorf("error %v is not an *Error for kind %s with a reason", err, tt.kind)
			}
		})
	}
}
