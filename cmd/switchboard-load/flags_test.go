package main

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router/identity"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    string
		wantErr string
	}{
		{"in-process sqlite", "--inprocess sqlite", ""},
		{"in-process postgres", "--inprocess postgres://u@h/db", ""},
		{"remote", "--url http://127.0.0.1:8080 --channel shop --secret s --token a,b", ""},
		{"remote without consoles needs no token", "--url http://x --channel c --secret s --consoles 0", ""},
		{"no target", "", "give --url"},
		{"both targets", "--url http://x --inprocess sqlite", "not both"},
		{"bad store", "--inprocess mysql", "use \"sqlite\""},
		{"remote without secret", "--url http://x --channel c --token t", "--secret"},
		{"remote consoles without token", "--url http://x --channel c --secret s", "--token"},
		{"ratio out of range", "--inprocess sqlite --dup-ratio 1.5", "--dup-ratio"},
		{"negative rate", "--inprocess sqlite --rate -1", "--rate"},
		{"stray argument", "--inprocess sqlite extra", "unexpected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseFlags(strings.Fields(c.args), io.Discard)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want one mentioning %q", err, c.wantErr)
			}
		})
	}
	o, err := parseFlags([]string{"--url", "http://x", "--channel", "c", "--secret", "s", "--token", "a, b", "--token", "c"}, io.Discard)
	if err != nil || strings.Join(o.Tokens, " ") != "a b c" {
		t.Errorf("tokens = %q, %v", o.Tokens, err)
	}
}

func TestGeneratorMix(t *testing.T) {
	t.Parallel()
	g := newGenerator(1, "run", 10, 0.5, 0.2)
	ids := map[string]bool{}
	dups := 0
	const n = 2000
	for range n {
		p, dup := g.next()
		if dup {
			dups++
			if !ids[p.ID] {
				t.Fatalf("replay of %s, which was never sent", p.ID)
			}
			continue
		}
		if ids[p.ID] {
			t.Fatalf("new event reuses id %s", p.ID)
		}
		ids[p.ID] = true
		g.stored(p)
	}
	if dups < n/10 || dups > n*3/10 {
		t.Errorf("%d replays in %d events, want about 20%%", dups, n)
	}
	if created := g.newClients(); created < 600 || created > 1000 {
		t.Errorf("%d new clients in %d fresh events, want about half", created, n-dups)
	}
}

// A client new to one run must be new to the hub, even on a database
// that earlier runs with the same pool filled, and never one of the pool's.
func TestGeneratorNewClientsAreNew(t *testing.T) {
	t.Parallel()
	numbers := func(g *generator) map[int]bool {
		seen := map[int]bool{}
		for range 500 {
			p, _ := g.next()
			seen[phoneNumber(t, p.From.Phone)] = true
		}
		return seen
	}
	a := newGenerator(1, "a", 10, 1, 0)
	b := newGenerator(2, "b", 10, 1, 0)
	na, nb := numbers(a), numbers(b)
	if len(na) != 500 {
		t.Errorf("500 events from new clients came from %d numbers", len(na))
	}
	for n := range nb {
		if na[n] {
			t.Fatalf("client %d is new in two runs", n)
		}
	}
	for n := range 10 {
		if na[n] {
			t.Fatalf("known client %d drawn as new", n)
		}
	}
}

// phoneNumber recovers a client's number from a phone the generator wrote.
func phoneNumber(t *testing.T, phone string) int {
	t.Helper()
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	n, err := strconv.Atoi(digits[len(digits)-9:])
	if err != nil {
		t.Fatalf("phone %q: %v", phone, err)
	}
	return n
}

func TestPhoneFormatsAreOneNumber(t *testing.T) {
	t.Parallel()
	norm, err := identity.New(identity.Options{DefaultRegion: "RU"})
	if err != nil {
		t.Fatal(err)
	}
	for _, client := range []int{0, 7, 123456} {
		want := ""
		for v := range phoneFormats {
			raw := clientPhone(client, v)
			got, err := norm.Normalize(channels.Phone, raw)
			if err != nil {
				t.Fatalf("client %d format %d %q: %v", client, v, raw, err)
			}
			if want == "" {
				want = got
			} else if got != want {
				t.Errorf("client %d: %q is %s, but other formats are %s", client, raw, got, want)
			}
		}
	}
}
