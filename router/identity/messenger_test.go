package identity

import (
	"errors"
	"strings"
	"testing"
)

// idCase is one accepted or rejected messenger id.
type idCase struct {
	name, raw, want string
	wantErr         bool
}

// runIDCases runs cases against one messenger normalizer.
func runIDCases(t *testing.T, fn func(string) (string, error), tests []idCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := fn(tt.raw)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("(%q) = %q, want error", tt.raw, got)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("(%q) error %v is not ErrInvalid", tt.raw, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if again, err := fn(got); err != nil || again != got {
				t.Errorf("(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestTelegramID(t *testing.T) {
	t.Parallel()
	runIDCases(t, TelegramID, []idCase{
		{name: "user id", raw: "123456789", want: "123456789"},
		{name: "spaces", raw: " 123456789 ", want: "123456789"},
		{name: "leading zeros", raw: "00042", want: "42"},
		{name: "supergroup id", raw: "-1001234567890", want: "-1001234567890"},
		{name: "username", raw: "@Ivan_Petrov", want: "@ivan_petrov"},
		{name: "t.me link", raw: "https://t.me/Ivan_Petrov/", want: "@ivan_petrov"},
		{name: "bare t.me", raw: "t.me/ivan_petrov", want: "@ivan_petrov"},
		{name: "four letter username", raw: "@abcd", want: "@abcd"},
		{name: "empty", raw: "", wantErr: true},
		{name: "zero", raw: "0", wantErr: true},
		{name: "plus sign", raw: "+123", wantErr: true},
		{name: "bare word", raw: "ivan_petrov", wantErr: true},
		{name: "short username", raw: "@abc", wantErr: true},
		{name: "username starts with digit", raw: "@1ivan", wantErr: true},
		{name: "username bad char", raw: "@ivan.petrov", wantErr: true},
		{name: "username too long", raw: "@" + strings.Repeat("a", 33), wantErr: true},
		{name: "overflow", raw: "99999999999999999999", wantErr: true},
		{name: "phone not id", raw: "+7 912 345 67 89", wantErr: true},
	})
}

func TestViberID(t *testing.T) {
	t.Parallel()
	runIDCases(t, ViberID, []idCase{
		{name: "base64", raw: "01234567890A=", want: "01234567890A="},
		{name: "real looking", raw: " 4vIzvhTB3G7Ql8X9vT4uMw== ", want: "4vIzvhTB3G7Ql8X9vT4uMw=="},
		{name: "case kept", raw: "AbC+/xyz", want: "AbC+/xyz"},
		{name: "url-safe", raw: "ab-cd_ef", want: "ab-cd_ef"},
		{name: "empty", raw: " ", wantErr: true},
		{name: "space inside", raw: "ab cd", wantErr: true},
		{name: "non ascii", raw: "абв", wantErr: true},
		{name: "too long", raw: strings.Repeat("a", 65), wantErr: true},
	})
}

func TestVKID(t *testing.T) {
	t.Parallel()
	runIDCases(t, VKID, []idCase{
		{name: "number", raw: "123", want: "123"},
		{name: "id prefix", raw: "id123", want: "123"},
		{name: "upper id prefix", raw: "ID123", want: "123"},
		{name: "profile url", raw: "https://vk.com/id123", want: "123"},
		{name: "mobile url", raw: "https://m.vk.com/id123/", want: "123"},
		{name: "vk.ru", raw: "vk.ru/id7", want: "7"},
		{name: "leading zeros", raw: "0042", want: "42"},
		{name: "empty", raw: "", wantErr: true},
		{name: "zero", raw: "0", wantErr: true},
		{name: "community", raw: "-123", wantErr: true},
		{name: "screen name", raw: "vk.com/durov", wantErr: true},
		{name: "id only", raw: "id", wantErr: true},
		{name: "plus", raw: "+5", wantErr: true},
		{name: "overflow", raw: "99999999999999999999", wantErr: true},
	})
}

func TestWebchatID(t *testing.T) {
	t.Parallel()
	runIDCases(t, WebchatID, []idCase{
		{name: "uuid", raw: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", want: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"},
		{name: "trimmed", raw: " v_1 ", want: "v_1"},
		{name: "max length", raw: strings.Repeat("a", 128), want: strings.Repeat("a", 128)},
		{name: "empty", raw: "", wantErr: true},
		{name: "too long", raw: strings.Repeat("a", 129), wantErr: true},
		{name: "dot", raw: "a.b", wantErr: true},
		{name: "space", raw: "a b", wantErr: true},
	})
}

func TestSenderID(t *testing.T) {
	t.Parallel()
	runIDCases(t, SenderID, []idCase{
		{name: "channel id", raw: "telegram:123", want: "telegram:123"},
		{name: "trimmed", raw: "  email:ivan@x.ru\n", want: "email:ivan@x.ru"},
		{name: "unicode kept", raw: "sms:Иван", want: "sms:Иван"},
		{name: "inner space kept", raw: "api:a b", want: "api:a b"},
		{name: "empty", raw: "\t", wantErr: true},
		{name: "nul", raw: "a\x00b", wantErr: true},
		{name: "invalid utf-8", raw: "a\xffb", wantErr: true},
		{name: "too long", raw: strings.Repeat("a", 257), wantErr: true},
	})
}
