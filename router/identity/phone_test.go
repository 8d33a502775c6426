package identity

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		region string
		raw    string
		want   string
	}{
		{name: "trunk 8 with spaces", raw: "8 912 345-67-89", want: "+79123456789"},
		{name: "plus seven brackets", raw: "+7 (912) 345 67 89", want: "+79123456789"},
		{name: "seven without plus", raw: "79123456789", want: "+79123456789"},
		{name: "eight compact", raw: "89123456789", want: "+79123456789"},
		{name: "ten digits national", raw: "9123456789", want: "+79123456789"},
		{name: "surrounding space", raw: "\t +79123456789 \n", want: "+79123456789"},
		{name: "tel uri", raw: "tel:+7-495-123-45-67", want: "+74951234567"},
		{name: "tel uri upper", raw: "TEL:+74951234567", want: "+74951234567"},
		{name: "full-width digits", raw: "８９１２３４５６７８９", want: "+79123456789"},
		{name: "extension доб", raw: "+7 495 123-45-67 доб. 123", want: "+74951234567;ext=123"},
		{name: "extension ext", raw: "8 (495) 123-45-67 ext 123", want: "+74951234567;ext=123"},
		{name: "extension x", raw: "+74951234567 x123", want: "+74951234567;ext=123"},
		{name: "extension rfc3966", raw: "tel:+74951234567;ext=123", want: "+74951234567;ext=123"},
		{name: "normalized with extension", raw: "+74951234567;ext=123", want: "+74951234567;ext=123"},
		{name: "foreign with plus", raw: "+1 650 253 0000", want: "+16502530000"},
		{name: "uk", raw: "+44 20 7946 0958", want: "+442079460958"},
		{name: "kz region", region: "KZ", raw: "8 701 123 4567", want: "+77011234567"},
		{name: "us region national", region: "US", raw: "(650) 253-0000", want: "+16502530000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := mustNew(t, Options{DefaultRegion: tt.region})
			got, err := n.Phone(tt.raw)
			if err != nil {
				t.Fatalf("Phone(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("Phone(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			again, err := n.Phone(got)
			if err != nil || again != got {
				t.Errorf("Phone(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestPhoneExtensionIsDistinct(t *testing.T) {
	t.Parallel()
	n := mustNew(t, Options{})
	a, _ := n.Phone("+7 495 123-45-67")
	b, _ := n.Phone("+7 495 123-45-67 доб. 123")
	if a == b {
		t.Errorf("number with and without extension both normalize to %q", a)
	}
}

func TestPhoneRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		raw        string
		wantReason string
	}{
		{name: "empty", raw: "", wantReason: "empty"},
		{name: "blank", raw: "   ", wantReason: "empty"},
		{name: "letters only", raw: "ivan", wantReason: "not a number"},
		{name: "too short", raw: "123", wantReason: "not a valid number"},
		{name: "two digits", raw: "12", wantReason: "not a number"},
		{name: "vanity letters", raw: "8 800 FLOWERS", wantReason: "letters in number"},
		{name: "invalid range", raw: "+7 000 123-45-67", wantReason: "not a valid number"},
		{name: "too many digits", raw: "8912345678901234", wantReason: "not a valid number"},
		{name: "unknown country code", raw: "+999 123 456 789", wantReason: "unknown country code"},
		{name: "too long input", raw: "+7 912 345 67 89" + strings.Repeat(" ", 60), wantReason: ""},
		{name: "long garbage", raw: strings.Repeat("9", 65), wantReason: "too long"},
		{name: "tel prefix only", raw: "tel:", wantReason: "not a number"},
	}
	n := mustNew(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := n.Phone(tt.raw)
			if tt.wantReason == "" {
				// trailing space is trimmed before the length check
				if err != nil {
					t.Fatalf("Phone(%q): %v", tt.raw, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Phone(%q) = %q, want error", tt.raw, got)
			}
			var ie *Error
			if !errors.As(err, &ie) || ie.Reason != tt.wantReason {
				t.Errorf("Phone(%q) error = %v, want reason %q", tt.raw, err, tt.wantReason)
			}
		})
	}
}

// TestPhoneCache: a cached answer is the answer, for valid and invalid
// input alike, and the cache stays within two generations however many
// distinct inputs it sees.
func TestPhoneCache(t *testing.T) {
	t.Parallel()
	n, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var bare Normalizer
	for _, raw := range []string{"8 (912) 345-67-89", "+7 912 345 67 89 доб. 12", "not a phone", "", "8 800 FLOWERS"} {
		for range 2 {
			got, gotErr := n.Phone(raw)
			want, wantErr := bare.Phone(raw)
			if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("Phone(%q) = %q, %v; uncached %q, %v", raw, got, gotErr, want, wantErr)
			}
		}
	}
	for i := range 3 * phoneCacheSize {
		if _, err := n.Phone(fmt.Sprintf("+7912%07d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if size := n.phones.Len(); size > 2*phoneCacheSize {
		t.Errorf("cache holds %d entries, want at most %d", n.phones.Len(), 2*phoneCacheSize)
	}
}
