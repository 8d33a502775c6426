package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestCommands runs the administration commands against one data dir, as
// an operator would.
func TestCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := func(k string) (string, bool) {
		switch k {
		case "SWITCHBOARD_DATA_DIR":
			return dir, true
		case "SWITCHBOARD_AUTH_ARGON2_MEMORY":
			return "64", true
		}
		return "", false
	}
	sh := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, &out, env)
		return out.String(), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := sh(args...)
		if err != nil {
			t.Fatalf("switchboard %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	if out := mustRun("version"); !strings.HasPrefix(out, "switchboard ") {
		t.Fatalf("version printed %q", out)
	}
	mustRun("migrate")
	out := mustRun("agent", "add", "maria", "--name", "Мария", "--role", "supervisor", "--capacity", "7")
	if !regexp.MustCompile(`manager maria \(id \d+, supervisor\) created; password: \S{12,}`).MatchString(out) {
		t.Fatalf("agent add printed %q", out)
	}
	if _, err := sh("agent", "add", "maria"); err == nil {
		t.Fatal("a second manager with the same login was created")
	}
	if _, err := sh("agent", "add", "ivan", "--role", "boss"); err == nil {
		t.Fatal("an unknown role was accepted")
	}
	list := mustRun("agent", "list")
	if !strings.Contains(list, "maria") || !strings.Contains(list, "Мария") || !strings.Contains(list, "0/7") {
		t.Fatalf("agent list printed:\n%s", list)
	}
	if out := mustRun("agent", "passwd", "maria"); !strings.Contains(out, "new password for maria") {
		t.Fatalf("agent passwd printed %q", out)
	}
	if out := mustRun("token", "create", "maria", "ci"); !regexp.MustCompile(`token \d+ for maria: sbt_\S+`).MatchString(out) {
		t.Fatalf("token create printed %q", out)
	}
	if _, err := sh("token", "create", "nobody"); err == nil {
		t.Fatal("a token was issued for an unknown manager")
	}
	if _, err := sh("frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}
