package identity

import (
	"testing"

	"github.com/switchboard-hub/switchboard/channels"
)

func BenchmarkNormalizePhone(b *testing.B) {
	n := mustNew(b, Options{})
	for b.Loop() {
		if _, err := n.Normalize(channels.Phone, "8 (912) 345-67-89"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	n := mustNew(b, Options{FoldEmail: true})
	for b.Loop() {
		if _, err := n.Normalize(channels.Email, "Иван Петров <Ivan.Petrov+shop@GoogleMail.com>"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNameKey(b *testing.B) {
	for b.Loop() {
		NameKey("ООО «Ромашка», Иванов Пётр Сергеевич")
	}
}

func BenchmarkNameSimilarity(b *testing.B) {
	for b.Loop() {
		NameSimilarity("Иванов Пётр Сергеевич", "Petr Ivanov")
	}
}
