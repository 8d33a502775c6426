package email

import (
	"slices"
	"strings"
	"testing"
)

func TestThreadKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Re: Order 15", "order 15"},
		{"RE[2]: Re: FWD: Order  15", "order 15"},
		{"Fwd: Re(3): order 15", "order 15"},
		{"Ответ: Re: Счёт на бумагу", "счёт на бумагу"},
		{"Отв: Пересл: Счёт", "счёт"},
		{"AW: WG: Angebot", "angebot"},
		{"[sales] Re: Price list", "price list"},
		{"[Ticket#12]", "[ticket#12]"},
		{"Re:", ""},
		{"", ""},
		{strings.Repeat("Re: ", 500) + "loop", "loop"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := ThreadKey(tt.in); got != tt.want {
				t.Errorf("ThreadKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDialogFromAddress(t *testing.T) {
	t.Parallel()
	own := []string{"sales@example.com"}
	tests := []struct {
		addr string
		own  []string
		want int64
	}{
		{"sales+d-42@example.com", own, 42},
		{"Sales+d-42@EXAMPLE.com", own, 42},
		{"sales+d-42@other.example", own, 0},
		{"someone+d-42@example.com", own, 0},
		{"someone+d-42@example.com", nil, 42},
		{"sales+d-0@example.com", own, 0},
		{"sales+d-x@example.com", own, 0},
		{"sales@example.com", own, 0},
		{"sales+d-99999999999999999999@example.com", own, 0},
	}
	for _, tt := range tests {
		if got, _ := DialogFromAddress(tt.addr, tt.own); got != tt.want {
			t.Errorf("DialogFromAddress(%q, %v) = %d, want %d", tt.addr, tt.own, got, tt.want)
		}
	}
	if got := plusAddress("sales@example.com", 42); got != "sales+d-42@example.com" {
		t.Errorf("plusAddress = %q", got)
	}
}

func TestReplyChain(t *testing.T) {
	t.Parallel()
	got := replyChain([]string{"<c@x>"}, []string{"<a@x>", "b@x", "c@x", " "})
	if want := []string{"c@x", "b@x", "a@x"}; !slices.Equal(got, want) {
		t.Fatalf("replyChain = %v, want %v", got, want)
	}
	if got := looseMsgIDs("<a@x> garbage <b@y>,<c@z>"); !slices.Equal(got, []string{"a@x", "b@y", "c@z"}) {
		t.Fatalf("looseMsgIDs = %v", got)
	}
	if id := normalizeMsgID("<" + strings.Repeat("a", 300) + "@x>"); !strings.HasPrefix(id, "long:") {
		t.Fatalf("long id kept: %q", id)
	}
}

func TestFoldQuotes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		folded         bool
	}{
		{"trailing quote", "Yes.\n\n> Can you?\n> ok", "Yes.", true},
		{"english attribution", "Fine.\n\nOn Mon, 5 Feb 2024 at 10:00, Anna <a@x.com> wrote:\n> Hi", "Fine.", true},
		{"wrapped attribution", "Fine.\n\nOn Mon, 5 Feb 2024 at 10:00, Anna Very Long Name <a@x.com>\nwrote:\n> Hi", "Fine.", true},
		{"russian attribution", "Да.\n\n05.02.2024 10:00, Анна пишет:\n> Вопрос", "Да.", true},
		{"russian писал(а)", "Да.\n\nПонедельник, 5 февраля 2024, 10:00 +03:00 от Анна <a@x.ru>:\nИван Петров писал(а):\n> Вопрос", "Да.", true},
		{"gmail russian", "Да.\n\nпн, 5 февр. 2024 г. в 10:00, Анна <a@x.ru>:\n> Вопрос", "Да.", true},
		{"outlook separator", "Ok\n\n-----Original Message-----\nFrom: A\nSent: today\n\nold", "Ok", true},
		{"outlook header block", "Ok\n\nОт: Анна <a@x.ru>\nОтправлено: 5 февраля 2024 г.\nТема: Счёт\n\nстарый текст", "Ok", true},
		{"inline reply kept", "On Mon, Anna <a@x.com> wrote:\n> q1\nanswer 1\n> q2\nanswer 2", "On Mon, Anna <a@x.com> wrote:\n> q1\nanswer 1\n> q2\nanswer 2", false},
		{"all quote kept whole", "> only a quote", "> only a quote", false},
		{"no quote", "plain\ntext", "plain\ntext", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, folded := foldQuotes(tt.in)
			if got != tt.want || folded != tt.folded {
				t.Errorf("foldQuotes = %q, %v; want %q, %v", got, folded, tt.want, tt.folded)
			}
		})
	}
}

func TestSignaturePhones(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []string
	}{
		{"after dashes", "Hi\n-- \nIvan\ntel. 8 (912) 345-67-89, +7 495 123 45 67", []string{"8 (912) 345-67-89", "+7 495 123 45 67"}},
		{"bank details skipped", "Hi\n-- \nИНН 7707083893\nр/с 40702810900000000001\nБИК 044525225", nil},
		{"dates and short numbers skipped", "Meeting on 2024-02-05 at 10:00, order 12345", nil},
		{"last lines without delimiter", "Body\n\nBest,\nJohn\n+1 202 555 0143", []string{"+1 202 555 0143"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := signaturePhones(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("signaturePhones = %q, want %q", got, tt.want)
			}
		})
	}
}
