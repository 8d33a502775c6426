package identity

import (
	"testing"

	"github.com/switchboard-hub/switchboard/channels"
)

// BenchmarkNormalizePhoneFormats runs the phone normalizer over the
// messy ways one number arrives (the load tool sends all of them), plus an
// extension and a foreign number.
func BenchmarkNormalizePhoneFormats(b *testing.B) {
	n := mustNew(b, Options{DefaultRegion: "RU"})
	inputs := []string{"+7 (912) 345-67-89", "8 912 345 67 89", "79123456789", "+7912-345-6789", " 8(912)3456789 ",
		"+7 912 345-67-89 доб. 123", "+44 20 7946 0958"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := n.Normalize(channels.Phone, inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNormalizeINN checks a 10- and a 12-digit taxpayer number.
func BenchmarkNormalizeINN(b *testing.B) {
	n := mustNew(b, Options{})
	inputs := []string{"7707083893", " 500100732259 "}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := n.Normalize(channels.INN, inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNormalizeMessenger normalizes the messenger ids of the chat
// channels, one of each per op.
func BenchmarkNormalizeMessenger(b *testing.B) {
	n := mustNew(b, Options{})
	inputs := []struct {
		kind channels.IdentityKind
		raw  string
	}{
		{channels.Telegram, "123456789"},
		{channels.Viber, "01234567890A="},
		{channels.VK, "id12345"},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := n.Normalize(in.kind, in.raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}
