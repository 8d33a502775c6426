package router

import (
	"testing"
	"time"
)

func TestHours(t *testing.T) {
	t.Parallel()
	h, err := ParseHours([]byte(`{"tz": "Europe/Moscow", "mon": "09:00-18:00", "fri": "09:00-13:00, 14:00-17:00", "sat": "22:00-02:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	msk := time.FixedZone("MSK", 3*3600)
	for _, tc := range []struct {
		name string
		at   time.Time
		open bool
	}{
		{"monday morning", time.Date(2026, 3, 2, 9, 0, 0, 0, msk), true},
		{"monday before opening", time.Date(2026, 3, 2, 8, 59, 0, 0, msk), false},
		{"monday closing minute", time.Date(2026, 3, 2, 18, 0, 0, 0, msk), false},
		{"tuesday is a day off", time.Date(2026, 3, 3, 12, 0, 0, 0, msk), false},
		{"friday lunch", time.Date(2026, 3, 6, 13, 30, 0, 0, msk), false},
		{"friday afternoon", time.Date(2026, 3, 6, 14, 30, 0, 0, msk), true},
		{"saturday night", time.Date(2026, 3, 7, 23, 0, 0, 0, msk), true},
		{"sunday small hours", time.Date(2026, 3, 8, 1, 30, 0, 0, msk), true},
		{"sunday morning", time.Date(2026, 3, 8, 2, 30, 0, 0, msk), false},
		{"utc instant inside msk hours", time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Open(tc.at); got != tc.open {
				t.Fatalf("Open(%s) = %v, want %v", tc.at, got, tc.open)
			}
		})
	}
	var always *Hours
	if !always.Open(time.Now()) {
		t.Fatal("a nil schedule is closed")
	}
}

func TestParseHoursRejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"bad json":     `{`,
		"unknown day":  `{"monday": "09:00-18:00"}`,
		"bad zone":     `{"tz": "Mars/Olympus"}`,
		"bad span":     `{"mon": "9-18"}`,
		"empty span":   `{"mon": "09:00-09:00"}`,
		"not a string": `{"mon": 9}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseHours([]byte(in)); err == nil {
				t.Fatalf("ParseHours(%s) accepted", in)
			}
		})
	}
	for _, empty := range []string{"", "null", "{}"} {
		if h, err := ParseHours([]byte(empty)); err != nil || h != nil {
			t.Fatalf("ParseHours(%q) = %v, %v; want always open", empty, h, err)
		}
	}
}
