package identity

import (
	"errors"
	"testing"
)

func TestINN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, want string
	}{
		{name: "sberbank 10 digits", raw: "7707083893", want: "7707083893"},
		{name: "yandex 10 digits", raw: "7736207543", want: "7736207543"},
		{name: "vtb 10 digits", raw: "7702070139", want: "7702070139"},
		{name: "individual 12 digits", raw: "500100732259", want: "500100732259"},
		{name: "computed 12 digits", raw: "771234567859", want: "771234567859"},
		{name: "spaces", raw: " 7707 083 893 ", want: "7707083893"},
		{name: "no-break spaces", raw: "5001\u00a000732259", want: "500100732259"},
		{name: "full-width digits", raw: "７７０７０８３８９３", want: "7707083893"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := INN(tt.raw)
			if err != nil {
				t.Fatalf("INN(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("INN(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestINNRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, wantReason string
	}{
		{name: "empty", raw: "", wantReason: "empty"},
		{name: "blank", raw: "   ", wantReason: "empty"},
		{name: "wrong check 10", raw: "7707083894", wantReason: "wrong check digit"},
		{name: "wrong first check 12", raw: "500100732269", wantReason: "wrong check digit"},
		{name: "wrong second check 12", raw: "500100732258", wantReason: "wrong check digit"},
		{name: "11 digits", raw: "77070838930", wantReason: "must have 10 or 12 digits"},
		{name: "9 digits", raw: "770708389", wantReason: "must have 10 or 12 digits"},
		{name: "hyphen", raw: "7707-083893", wantReason: "not digits"},
		{name: "letters", raw: "ИНН7707083893", wantReason: "not digits"},
		{name: "all zeros", raw: "0000000000", wantReason: "no tax office code 00"},
		{name: "too long", raw: "77070838937707083893770708389377070838937707083893770708389377070", wantReason: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := INN(tt.raw)
			if err == nil {
				t.Fatalf("INN(%q) = %q, want error", tt.raw, got)
			}
			var ie *Error
			if !errors.As(err, &ie) || ie.Reason != tt.wantReason {
				t.Errorf("INN(%q) error = %v, want reason %q", tt.raw, err, tt.wantReason)
			}
		})
	}
}
