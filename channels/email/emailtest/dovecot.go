// Package emailtest holds test helpers for the email channel that tests
// outside channels/email need too (the daemon's end-to-end tests).
//
// StartDovecot starts a throwaway Dovecot IMAP server: a temp directory
// with a generated config, plain-text passwords, maildir storage, and a
// free loopback port. Tests that need a real IMAP server call StartDovecot;
// when Dovecot is not installed they are skipped, or failed when the CI
// environment variable is set, so CI can never pass by skipping.
package emailtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Binary is where Debian's dovecot-imapd installs the server.
var Binary = "/usr/sbin/dovecot"

// User is one mailbox account.
type User struct {
	Name     string
	Password string
}

// Dovecot is a running Dovecot server.
type Dovecot struct {
	// Addr is the IMAP listen address, 127.0.0.1:<port>. With TLS it
	// offers STARTTLS.
	Addr string
	// TLSAddr is the implicit-TLS (imaps) listen address; empty without
	// TLS.
	TLSAddr string
	Dir     string
	users   map[string]string
}

// DovecotOptions configure StartDovecotWith.
type DovecotOptions struct {
	// Users are the accounts; default one, sales/secret.
	Users []User
	// TLS, when set, enables TLS with TLS.CertFile and TLS.KeyFile: STARTTLS
	// on Addr (plaintext login stays allowed there, for the harness's own
	// Dial) and implicit TLS on TLSAddr.
	TLS *PKI
	// NoIdle makes the server not advertise IDLE (RFC 2177), so clients
	// fall back to polling. Dovecot still understands the command; only
	// the capability list changes.
	NoIdle bool
}

// capsWithoutIdle replaces Dovecot's post-login capability list: the
// common extensions of a plain IMAP4rev1 server, without IDLE (and without
// IMAP4rev2, which implies it). The email adapter relies on nothing here
// beyond IMAP4rev1: SELECT, UID SEARCH, FETCH, STORE, APPEND, CREATE.
const capsWithoutIdle = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE NAMESPACE UNSELECT CHILDREN SPECIAL-USE"

// StartDovecot runs Dovecot with the given accounts, without TLS, and stops
// it when the test ends.
func StartDovecot(t testing.TB, users ...User) *Dovecot {
	t.Helper()
	return StartDovecotWith(t, DovecotOptions{Users: users})
}

// StartDovecotWith runs Dovecot as o says and stops it when the test ends.
func StartDovecotWith(t testing.TB, o DovecotOptions) *Dovecot {
	t.Helper()
	users := o.Users
	bin := Binary
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath("dovecot"); lerr == nil {
			bin = p
		} else {
			if os.Getenv("CI") != "" {
				t.Fatalf("dovecot: not installed (%s); CI must run the IMAP tests: apt-get install dovecot-imapd", Binary)
			}
			t.Skipf("dovecot: not installed (%s); install dovecot-imapd to run the IMAP tests", Binary)
		}
	}
	if len(users) == 0 {
		users = []User{{Name: "sales", Password: "secret"}}
	}
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatalf("dovecot: current user: %v", err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatalf("dovecot: current group: %v", err)
	}
	// Dovecot refuses mail access as root; under root the mail processes
	// run as the packaged unprivileged account, owning the mail store.
	mailUID, mailGID := u.Uid, u.Gid
	if u.Uid == "0" {
		mu := unprivileged()
		mailUID, mailGID = mu.Uid, mu.Gid
	}
	s := &Dovecot{Dir: dir, users: map[string]string{}}
	sslConf := "ssl = no"
	if o.TLS != nil {
		// Copies inside dir, which is made traversable below, readable by
		// whichever account Dovecot's processes read them as.
		certPath, keyPath := filepath.Join(dir, "ssl-cert.pem"), filepath.Join(dir, "ssl-key.pem")
		copyFile(t, o.TLS.CertFile, certPath)
		copyFile(t, o.TLS.KeyFile, keyPath)
		sslConf = fmt.Sprintf("ssl = yes\nssl_cert = <%s\nssl_key = <%s\nssl_min_protocol = TLSv1.2", certPath, keyPath)
	}

	capsConf := ""
	if o.NoIdle {
		capsConf = "imap_capability = " + capsWithoutIdle
	}

	var passwd bytes.Buffer
	for _, usr := range users {
		s.users[usr.Name] = usr.Password
		// uid and gid stay empty: passwd-file rejects uid 0, and the global
		// mail_uid/mail_gid below already name the current user.
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:::::%s/home/%s\n", usr.Name, usr.Password, dir, usr.Name)
	}
	writeFile(t, filepath.Join(dir, "passwd"), passwd.String())
	confFor := func(port int, imaps string) string {
		return fmt.Sprintf(`
protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
%[8]s
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = %[2]s
default_internal_group = %[3]s
default_login_user = %[7]s
mail_location = maildir:%[1]s/mail/%%u
mail_uid = %[4]s
mail_gid = %[5]s
%[10]s
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    %[9]s
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = %[1]s/passwd
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
  }
}
`, dir, u.Username, g.Name, mailUID, mailGID, port, loginUser(u.Username), sslConf, imaps, capsConf)
	}
	confPath := filepath.Join(dir, "dovecot.conf")
	for _, d := range []string{"run", "state", "mail", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if mailUID != u.Uid {
		uid, gid := atoi(mailUID), atoi(mailGID)
		for _, d := range []string{"mail", "home"} {
			if err := os.Chown(filepath.Join(dir, d), uid, gid); err != nil {
				t.Fatalf("dovecot: chown: %v", err)
			}
		}
	}
	// The unprivileged login process must reach the sockets in run/.
	for d := dir; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	// A port found free may be taken by another test's server before
	// Dovecot binds it; that start is retried on other ports.
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, 2)
		s.Addr = fmt.Sprintf("127.0.0.1:%d", ports[0])
		imaps := "port = 0"
		if o.TLS != nil {
			s.TLSAddr = fmt.Sprintf("127.0.0.1:%d", ports[1])
			imaps = fmt.Sprintf("address = 127.0.0.1\n    port = %d\n    ssl = yes", ports[1])
		}
		writeFile(t, confPath, confFor(ports[0], imaps))
		err := s.start(t, bin, confPath)
		if err == nil {
			return s
		}
		if attempt == 3 || !strings.Contains(err.Error(), "Address already in use") {
			t.Fatal(err)
		}
		t.Logf("dovecot: retrying on other ports: %v", err)
	}
}

// start runs Dovecot on the configuration at confPath, stopping it when
// the test ends, and waits for its ports. It returns an error when Dovecot
// exits first, with its output.
func (s *Dovecot) start(t testing.TB, bin, confPath string) error {
	t.Helper()
	cmd := exec.Command(bin, "-F", "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("dovecot: start: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
			t.Logf("dovecot log:\n%s%s", out.String(), log)
		}
	})
	for _, addr := range []string{s.Addr, s.TLSAddr} {
		if addr == "" {
			continue
		}
		if err := s.waitPort(t, addr, done, &out); err != nil {
			return err
		}
	}
	return nil
}

// waitPort waits until addr accepts connections. Dovecot exiting first is
// an error carrying its output and log; 15 seconds passing fails the test.
func (s *Dovecot) waitPort(t testing.TB, addr string, done <-chan struct{}, out *bytes.Buffer) error {
	t.Helper()
	dir := s.Dir
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			return fmt.Errorf("dovecot: exited early: %s\n%s", out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot: port %s not open after 15s: %s\n%s", addr, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Password returns a configured user's password.
func (s *Dovecot) Password(name string) string { return s.users[name] }

// Dial logs in as name and closes the connection when the test ends.
func (s *Dovecot) Dial(t testing.TB, name string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("dovecot: dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(name, s.users[name]).Wait(); err != nil {
		t.Fatalf("dovecot: login %s: %v", name, err)
	}
	return c
}

// Deliver appends raw letters to folder of user name, creating the folder
// if needed, as a mail delivery agent would. CRLF line endings are ensured.
func (s *Dovecot) Deliver(t testing.TB, name, folder string, raws ...[]byte) {
	t.Helper()
	c := s.Dial(t, name)
	defer c.Close()
	if folder != "INBOX" {
		_ = c.Create(folder, nil).Wait() // exists already is fine
	}
	for _, raw := range raws {
		raw = CRLF(raw)
		cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: time.Now()})
		if _, err := cmd.Write(raw); err != nil {
			t.Fatalf("dovecot: append: %v", err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("dovecot: append: %v", err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("dovecot: append: %v", err)
		}
	}
}

// Recreate deletes and re-creates folder, so Dovecot gives it a new
// UIDVALIDITY, then delivers raws into it.
func (s *Dovecot) Recreate(t testing.TB, name, folder string, raws ...[]byte) {
	t.Helper()
	c := s.Dial(t, name)
	if err := c.Delete(folder).Wait(); err != nil {
		t.Fatalf("dovecot: delete %s: %v", folder, err)
	}
	if err := c.Create(folder, nil).Wait(); err != nil {
		t.Fatalf("dovecot: create %s: %v", folder, err)
	}
	c.Close()
	s.Deliver(t, name, folder, raws...)
}

// Fetch returns every letter in folder, in UID order, with its flags.
func (s *Dovecot) Fetch(t testing.TB, name, folder string) []Letter {
	t.Helper()
	c := s.Dial(t, name)
	defer c.Close()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("dovecot: select %s: %v", folder, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages)
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("dovecot: fetch %s: %v", folder, err)
	}
	out := make([]Letter, 0, len(bufs))
	for _, b := range bufs {
		out = append(out, Letter{UID: uint32(b.UID), Flags: b.Flags, Raw: b.FindBodySection(section)})
	}
	return out
}

// Letter is one stored letter.
type Letter struct {
	UID   uint32
	Flags []imap.Flag
	Raw   []byte
}

// HasFlag reports whether the letter carries f.
func (l Letter) HasFlag(f imap.Flag) bool {
	for _, x := range l.Flags {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

// CRLF converts bare LF line endings to CRLF, as IMAP stores letters.
func CRLF(raw []byte) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
}

// unprivileged returns the account mail processes run as under root.
func unprivileged() *user.User {
	for _, name := range []string{"dovecot", "nobody"} {
		if u, err := user.Lookup(name); err == nil {
			return u
		}
	}
	return &user.User{Uid: "65534", Gid: "65534", Username: "nobody"}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// loginUser picks the account imap-login runs as: Dovecot refuses to run
// it as root, so under root (containers, CI) the packaged unprivileged
// login user is used.
func loginUser(current string) string {
	if current != "root" {
		return current
	}
	for _, name := range []string{"dovenull", "nobody"} {
		if _, err := user.Lookup(name); err == nil {
			return name
		}
	}
	return "nobody"
}

// freePorts returns n distinct loopback ports free at the moment: each is
// held until all are picked, so the kernel cannot hand out one twice.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dovecot: free port: %v", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
