package faults

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLiteDiskFull runs the daemon with its data directory on a tiny
// tmpfs and fills it with events. Once the disk is full the hooks answer
// 503 with Retry-After and nothing else; after the disk grows the daemon
// takes events again, every acknowledged event is stored once and the
// file is intact.
func TestSQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	data := mountTmpfs(t, filepath.Join(dir, "data"), "3m")
	cfgPath := writeConfig(t, dir, baseConfig(data, ""))
	tok := addAgent(t, cfgPath, "alice", 50)
	d := startProc(t, cfgPath, procOptions{})
	agent{d.URL, tok}.online(t)

	l := startLoader(d.URL, "full", 2, 16<<10)
	defer l.Stop()
	if err := poll(40*time.Second, func() bool { return l.Status(http.StatusServiceUnavailable) >= 10 }); err != nil {
		t.Fatalf("the disk never filled up (%d acknowledged): %v", l.Acked(), err)
	}
	full := l.Acked()
	run(t, "mount", "-o", "remount,size=64m", data)
	if err := poll(20*time.Second, func() bool { return l.Acked() >= full+10 }); err != nil {
		t.Fatalf("the daemon did not take events again after the disk grew: %v", err)
	}
	l.Stop()
	for _, b := range l.Bad() {
		t.Errorf("answer breaking the contract: %s", b)
	}
	dups := l.RetryUnacked(t, d.URL, 20*time.Second)
	t.Logf("%d acknowledged before the disk was full, %d answered 503, %d of the refused were stored already",
		full, l.Status(http.StatusServiceUnavailable), dups)
	d.Stop()

	db := openSQLite(t, data)
	checkAcknowledged(t, db, l.AckedIDs(), l.Sent())
	checkAssignments(t, db)
	checkIntegrity(t, db)
}

// TestSQLiteReadOnly makes the database file and its write-ahead log
// immutable under a running daemon (chattr +i: even root cannot write
// them), then writable again. While the file is read-only the hooks answer
// 503 with Retry-After; afterwards every acknowledged event is stored once
// and nothing is half-written. A daemon started on a read-only file
// answers the same 503 and stores nothing.
func TestSQLiteReadOnly(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgPath := writeConfig(t, dir, baseConfig(data, ""))
	tok := addAgent(t, cfgPath, "alice", 50)
	d := startProc(t, cfgPath, procOptions{})
	agent{d.URL, tok}.online(t)

	l := startLoader(d.URL, "ro", 2, 0)
	defer l.Stop()
	if err := poll(20*time.Second, func() bool { return l.Acked() >= 20 }); err != nil {
		t.Fatalf("no load: %v", err)
	}
	files := []string{filepath.Join(data, "switchboard.db"), filepath.Join(data, "switchboard.db-wal")}
	immutable(t, true, files...)
	if err := poll(20*time.Second, func() bool { return l.Status(http.StatusServiceUnavailable) >= 10 }); err != nil {
		t.Fatalf("hooks did not answer 503 with the file read-only: %v", err)
	}
	ro := l.Acked()
	immutable(t, false, files...)
	if err := poll(20*time.Second, func() bool { return l.Acked() >= ro+10 }); err != nil {
		t.Fatalf("the daemon did not take events again: %v", err)
	}
	l.Stop()
	for _, b := range l.Bad() {
		t.Errorf("answer breaking the contract: %s", b)
	}
	dups := l.RetryUnacked(t, d.URL, 20*time.Second)
	t.Logf("%d answered 503 while read-only, %d of the refused were stored already", l.Status(http.StatusServiceUnavailable), dups)
	d.Stop()

	// Started on a file it cannot write, the daemon serves but refuses
	// every event with 503 and stores none of them.
	immutable(t, true, files[0])
	d = startProc(t, cfgPath, procOptions{})
	for i := range 5 {
		a, err := postEvent(d.URL, event{ID: "ro-start-" + itoa(i), From: eventFrom{Phone: phone(7100000+i, i)}, Text: "x"})
		if err != nil || a.Status != http.StatusServiceUnavailable || a.RetryAfter == "" {
			t.Errorf("event on a read-only file: %v %d (Retry-After %q) %s", err, a.Status, a.RetryAfter, a.Body)
		}
	}
	d.Stop()
	immutable(t, false, files[0])

	db := openSQLite(t, data)
	checkAcknowledged(t, db, l.AckedIDs(), l.Sent())
	checkAssignments(t, db)
	checkIntegrity(t, db)
}

// mountTmpfs mounts a tmpfs of size at dir, unmounted when the test ends.
// Where mounting is not allowed (not root, or a container without the
// capability) the test is skipped with the reason.
func mountTmpfs(t *testing.T, dir, size string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("disk-full case skipped: cannot mount a small tmpfs to fill (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	// Registered first, so it runs after the daemon using it is gone.
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// immutable sets or clears the immutable attribute. Where the file system
// or the process cannot (chattr missing, no CAP_LINUX_IMMUTABLE, tmpfs),
// the test is skipped with the reason.
func immutable(t *testing.T, on bool, files ...string) {
	t.Helper()
	flag := "-i"
	if on {
		flag = "+i"
		// Cleared again even when the test fails, or its temporary
		// directory could not be removed.
		t.Cleanup(func() { _ = exec.Command("chattr", append([]string{"-i"}, files...)...).Run() })
	}
	out, err := exec.Command("chattr", append([]string{flag}, files...)...).CombinedOutput()
	if err != nil {
		t.Skipf("read-only case skipped: cannot make the database immutable (%v: %s)", err, strings.TrimSpace(string(out)))
	}
}

// run runs a command that must succeed.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
