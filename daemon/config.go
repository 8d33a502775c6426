package daemon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchboard-hub/switchboard/channels/outbox"
)

// Config is the whole configuration: the YAML file (--config or
// SWITCHBOARD_CONFIG), then environment overrides, then Validate. Every
// scalar key has an environment variable named after its path:
// http.addr → SWITCHBOARD_HTTP_ADDR; a string key also reads
// SWITCHBOARD_…_FILE (for secrets kept in files). List-valued keys
// (channels) come from the file.
type Config struct {
	// DataDir holds the embedded database, attachments and state.
	DataDir  string         `yaml:"data_dir"`
	HTTP     HTTPConfig     `yaml:"http"`
	Storage  StorageConfig  `yaml:"storage"`
	Log      LogConfig      `yaml:"log"`
	Identity IdentityConfig `yaml:"identity"`
	Router   RouterConfig   `yaml:"router"`
	Outbox   outbox.Config  `yaml:"outbox"`
	Auth     AuthConfig     `yaml:"auth"`
	Events   EventsConfig   `yaml:"events"`
	Channels ChannelsConfig `yaml:"channels"`
}

// HTTPConfig is the listener.
type HTTPConfig struct {
	Addr string `yaml:"addr"`
	// PublicURL is where browsers reach the console; WebSocket origins
	// are checked against it and cookies are Secure when it is https.
	// Empty accepts a browser on the same host and port it asked for, so
	// both http://localhost:8080 and http://127.0.0.1:8080 work out of the
	// box.
	PublicURL string `yaml:"public_url"`
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxUploadBytes caps one file a manager uploads to attach to a reply
	// or a canned response; 0 is the API's default (25 MiB).
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
}

// StorageConfig picks the database.
type StorageConfig struct {
	// Driver is "sqlite" (embedded, the default) or "postgres".
	Driver string `yaml:"driver"`
	// URL is the PostgreSQL connection URL.
	URL string `yaml:"url" secret:"true"`
}

// LogConfig sets logging.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// IdentityConfig sets normalization.
type IdentityConfig struct {
	DefaultRegion   string   `yaml:"default_region"`
	FoldEmail       bool     `yaml:"fold_email"`
	FreeMailDomains []string `yaml:"free_mail_domains"`
}

// RouterConfig sets distribution.
type RouterConfig struct {
	DefaultTeam   string        `yaml:"default_team"`
	AutoMerge     bool          `yaml:"auto_merge"`
	AwayOnSLA     bool          `yaml:"away_on_sla"`
	PresenceGrace time.Duration `yaml:"presence_grace"`
	TimerTick     time.Duration `yaml:"timer_tick"`
	// MaxBatch is how many concurrent inbound events may share one
	// transaction (group commit); 0 means 32. A batch writes its returning
	// clients' messages in one statement and shares one commit.
	MaxBatch int `yaml:"max_batch"`
	// BatchRunners is how many batches may commit at once. 0 picks per
	// engine: 1 on SQLite, which has one writer; 2 on PostgreSQL, so that
	// one batch's round trips overlap another's (docs/PERFORMANCE.md).
	BatchRunners int `yaml:"batch_runners"`
}

// EventsConfig sets the event log's retention.
type EventsConfig struct {
	// Retention is how long events are kept: how long a disconnected
	// console or webhook consumer can stay away and still resume. 0 keeps
	// them forever.
	Retention time.Duration `yaml:"retention"`
}

// AuthConfig sets authentication.
type AuthConfig struct {
	SessionTTL time.Duration `yaml:"session_ttl"`
	// Argon2Memory is the argon2id memory cost in KiB.
	Argon2Memory uint32 `yaml:"argon2_memory"`
	Argon2Time   uint32 `yaml:"argon2_time"`
}

// DefaultConfig is what runs with no file at all: the embedded store in
// ./data on 127.0.0.1:8080.
func DefaultConfig() Config {
	return Config{
		DataDir:  "./data",
		HTTP:     HTTPConfig{Addr: "127.0.0.1:8080", ShutdownTimeout: 15 * time.Second},
		Storage:  StorageConfig{Driver: "sqlite"},
		Log:      LogConfig{Level: "info", Format: "text"},
		Identity: IdentityConfig{DefaultRegion: "RU"},
		Router:   RouterConfig{PresenceGrace: 60 * time.Second, TimerTick: time.Second},
		Auth:     AuthConfig{SessionTTL: 12 * time.Hour, Argon2Memory: 64 * 1024, Argon2Time: 1},
		Events:   EventsConfig{Retention: 30 * 24 * time.Hour},
	}
}

// LoadConfig reads path (if any) over the defaults and applies the
// environment.
func LoadConfig(path string, env func(string) (string, bool)) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "SWITCHBOARD", env); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// applyEnv walks the struct and sets each scalar field from its variable.
func applyEnv(v reflect.Value, prefix string, env func(string) (string, bool)) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			if err := applyEnv(fv, name, env); err != nil {
				return err
			}
			continue
		}
		raw, ok := env(name)
		if !ok && f.Type.Kind() == reflect.String {
			if file, fok := env(name + "_FILE"); fok {
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("config: %s_FILE: %w", name, err)
				}
				raw, ok = strings.TrimSpace(string(b)), true
			}
		}
		if !ok {
			continue
		}
		if err := setScalar(fv, raw); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	return nil
}

func setScalar(fv reflect.Value, raw string) error {
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(raw)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case fv.Kind() >= reflect.Int && fv.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case fv.Kind() >= reflect.Uint && fv.Kind() <= reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return err
		}
		fv.SetUint(n)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("cannot be set from the environment; use the config file")
	}
	return nil
}

// Validate checks the configuration before anything starts.
func (c Config) Validate() error {
	var errs []error
	switch c.Storage.Driver {
	case "sqlite":
		if c.DataDir == "" {
			errs = append(errs, errors.New("data_dir is required for the sqlite store"))
		}
	case "postgres":
		if c.Storage.URL == "" {
			errs = append(errs, errors.New("storage.url is required for the postgres store"))
		}
	default:
		errs = append(errs, fmt.Errorf("storage.driver %q: use sqlite or postgres", c.Storage.Driver))
	}
	if c.HTTP.Addr == "" {
		errs = append(errs, errors.New("http.addr is required"))
	}
	if c.HTTP.MaxUploadBytes < 0 {
		errs = append(errs, errors.New("http.max_upload_bytes must not be negative"))
	}
	if c.HTTP.PublicURL != "" && !strings.HasPrefix(c.HTTP.PublicURL, "http://") && !strings.HasPrefix(c.HTTP.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("http.public_url %q must start with http:// or https://", c.HTTP.PublicURL))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: use text or json", c.Log.Format))
	}
	if c.Outbox.SendTimeout > 0 && c.Outbox.Lease > 0 && c.Outbox.Lease <= c.Outbox.SendTimeout {
		errs = append(errs, errors.New("outbox.lease must be longer than outbox.send_timeout"))
	}
	if err := c.Channels.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// Masked returns the configuration as YAML with secrets replaced.
func (c Config) Masked() string {
	m := c
	if m.Storage.URL != "" {
		m.Storage.URL = maskURL(m.Storage.URL)
	}
	m.Channels = m.Channels.masked()
	b, _ := yaml.Marshal(m)
	return string(b)
}

// maskURL hides a password in a connection URL.
func maskURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	creds := u[scheme+3 : at]
	if user, _, ok := strings.Cut(creds, ":"); ok {
		return u[:scheme+3] + user + ":****" + u[at:]
	}
	return u
}
