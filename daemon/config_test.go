package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsNeedNoFile(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig("", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Driver != "sqlite" || cfg.DataDir != "./data" || cfg.HTTP.Addr != "127.0.0.1:8080" {
		t.Fatalf("defaults = %+v", cfg)
	}
	if cfg.HTTP.PublicURL != "" {
		t.Fatalf("public url = %q", cfg.HTTP.PublicURL)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	secret := filepath.Join(dir, "db-url")
	os.WriteFile(path, []byte(`
http:
  addr: 0.0.0.0:9000
router:
  default_team: Sales
  presence_grace: 2m
channels:
  api:
    - name: shop
      secret: 0123456789abcdef0123
      team: Sales
`), 0o600)
	os.WriteFile(secret, []byte("postgres://sb:hunter2@db/sb\n"), 0o600)
	cfg, err := LoadConfig(path, envOf(map[string]string{
		"SWITCHBOARD_HTTP_ADDR":                  "127.0.0.1:9100",
		"SWITCHBOARD_STORAGE_DRIVER":             "postgres",
		"SWITCHBOARD_STORAGE_URL_FILE":           secret,
		"SWITCHBOARD_ROUTER_AUTO_MERGE":          "true",
		"SWITCHBOARD_OUTBOX_PARALLEL":            "2",
		"SWITCHBOARD_IDENTITY_FREE_MAIL_DOMAINS": "corp-mail.example, other.example",
	}))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.HTTP.Addr != "127.0.0.1:9100":
		t.Errorf("env did not override the file: %s", cfg.HTTP.Addr)
	case cfg.Router.DefaultTeam != "Sales" || cfg.Router.PresenceGrace != 2*time.Minute:
		t.Errorf("file values lost: %+v", cfg.Router)
	case !cfg.Router.AutoMerge || cfg.Outbox.Parallel != 2:
		t.Errorf("env scalars not applied: %+v %+v", cfg.Router, cfg.Outbox)
	case cfg.Storage.URL != "postgres://sb:hunter2@db/sb":
		t.Errorf("_FILE secret = %q", cfg.Storage.URL)
	case len(cfg.Identity.FreeMailDomains) != 2 || cfg.Identity.FreeMailDomains[1] != "other.example":
		t.Errorf("list from env = %q", cfg.Identity.FreeMailDomains)
	case len(cfg.Channels.API) != 1 || cfg.Channels.API[0].Name != "shop":
		t.Errorf("channels = %+v", cfg.Channels.API)
	}
	masked := cfg.Masked()
	if strings.Contains(masked, "hunter2") || strings.Contains(masked, "0123456789abcdef0123") {
		t.Fatalf("secrets printed:\n%s", masked)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	for name, tc := range map[string]struct {
		path string
		env  map[string]string
		want string
	}{
		"unknown key":       {write("a.yaml", "htp:\n  addr: x\n"), nil, "htp"},
		"bad driver":        {"", map[string]string{"SWITCHBOARD_STORAGE_DRIVER": "mysql"}, "storage.driver"},
		"postgres sans url": {"", map[string]string{"SWITCHBOARD_STORAGE_DRIVER": "postgres"}, "storage.url"},
		"bad duration":      {"", map[string]string{"SWITCHBOARD_ROUTER_TIMER_TICK": "soon"}, "SWITCHBOARD_ROUTER_TIMER_TICK"},
		"bad bool":          {"", map[string]string{"SWITCHBOARD_ROUTER_AUTO_MERGE": "sure"}, "SWITCHBOARD_ROUTER_AUTO_MERGE"},
		"short secret":      {write("b.yaml", "channels:\n  api:\n    - name: shop\n      secret: short\n"), nil, "shop"},
		"missing file":      {filepath.Join(dir, "nope.yaml"), nil, "nope.yaml"},
		"bad public url":    {"", map[string]string{"SWITCHBOARD_HTTP_PUBLIC_URL": "console.example"}, "public_url"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(tc.path, envOf(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}
