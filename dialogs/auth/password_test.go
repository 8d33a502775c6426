package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not PHC argon2id", h)
	}
	for _, tc := range []struct {
		name, pw string
		want     bool
	}{
		{"right", "correct horse", true},
		{"wrong", "correct horsE", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := CheckPassword(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Fatalf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
			}
		})
	}
	h2, _ := HashPassword("correct horse", TestParams)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestCheckPasswordRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=1$!!$AAAA"} {
		if _, err := CheckPassword(h, "pw"); err == nil {
			t.Errorf("CheckPassword(%q) accepted a malformed hash", h)
		}
	}
}

func TestThrottlePerAccountAndAddress(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	th := NewThrottle(3, time.Minute, 5, time.Minute)
	for i := 0; i < 3; i++ {
		if !th.Allow("alice", "10.0.0.1", now) {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if th.Allow("alice", "10.0.0.2", now) {
		t.Fatal("fourth attempt on one account allowed from another address")
	}
	if !th.Allow("bob", "10.0.0.1", now) || !th.Allow("carol", "10.0.0.1", now) {
		t.Fatal("other accounts refused before the address limit")
	}
	if th.Allow("dave", "10.0.0.1", now) {
		t.Fatal("sixth attempt from one address allowed")
	}
	if !th.Allow("alice", "10.0.0.3", now.Add(time.Minute)) {
		t.Fatal("account not refilled after a minute")
	}
}
