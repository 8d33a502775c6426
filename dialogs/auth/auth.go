package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
)

// Cookie names. The CSRF cookie is readable by the console's script, which
// echoes it in the X-CSRF-Token header (double submit, bound to the
// session server-side too).
const (
	SessionCookie = "sb_session"
	CSRFCookie    = "sb_csrf"
	CSRFHeader    = "X-CSRF-Token"
	tokenPrefix   = "sbt_"
)

// Errors of authentication.
var (
	ErrUnauthenticated = errors.New("auth: not authenticated")
	ErrBadCredentials  = errors.New("auth: wrong login or password")
	ErrThrottled       = errors.New("auth: too many login attempts")
	ErrCSRF            = errors.New("auth: missing or wrong CSRF token")
)

// Store is what authentication needs of the database.
type Store interface {
	GetManager(ctx context.Context, id int64) (storage.Manager, error)
	GetManagerByLogin(ctx context.Context, login string) (storage.Manager, error)
	ManagerTeams(ctx context.Context, managerID int64) ([]int64, error)
	CreateSession(ctx context.Context, s storage.Session) error
	GetSessionOwner(ctx context.Context, tokenHash string, now time.Time) (storage.Session, storage.Manager, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	CreateAPIToken(ctx context.Context, t *storage.APIToken) error
	GetAPITokenOwner(ctx context.Context, tokenHash string) (storage.APIToken, storage.Manager, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// Principal is an authenticated manager making a request.
type Principal struct {
	Manager storage.Manager
	TeamIDs []int64
	// Session is set for cookie-authenticated requests, which need a CSRF
	// token on writes; bearer-token requests carry no ambient credentials
	// and need none.
	Session *storage.Session
}

// InTeam reports whether the principal belongs to team id.
func (p Principal) InTeam(id int64) bool {
	for _, t := range p.TeamIDs {
		if t == id {
			return true
		}
	}
	return false
}

// Service issues and checks credentials.
type Service struct {
	store      Store
	throttle   *Throttle
	sessionTTL time.Duration
	secure     bool
	now        func() time.Time
	// dummyHash is checked for unknown logins so that a wrong login costs
	// as much time as a wrong password and does not reveal which exists.
	// It is made at the first login rather than at start: one argon2id
	// hash holds its whole memory cost (64 MiB by default) and a few
	// hundred milliseconds of CPU, which a daemon nobody logs into yet
	// should not pay in start-up time and resident memory.
	dummyOnce sync.Once
	dummyHash string
	params    Params
}

// Config holds authentication settings.
type Config struct {
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure (serve over HTTPS).
	SecureCookies bool
	Params        Params
	Throttle      *Throttle
}

// NewService builds the service.
func NewService(store Store, cfg Config) *Service {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Throttle == nil {
		cfg.Throttle = NewThrottle(10, 30*time.Second, 50, 2*time.Second)
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams
	}
	return &Service{store: store, throttle: cfg.Throttle, sessionTTL: cfg.SessionTTL, secure: cfg.SecureCookies,
		now: func() time.Time { return time.Now().UTC() }, params: cfg.Params}
}

// dummy returns the hash checked for unknown logins, making it on first
// use.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() { s.dummyHash, _ = HashPassword(RandomToken(16), s.params) })
	return s.dummyHash
}

// Hash returns the SHA-256 hex of a token; only hashes are stored, so a
// leaked database holds no usable credentials.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Login checks credentials and opens a session, returning the session
// token and its CSRF token.
func (s *Service) Login(ctx context.Context, login, password, ip string) (storage.Manager, string, string, error) {
	now := s.now()
	login = strings.TrimSpace(login)
	if !s.throttle.Allow(strings.ToLower(login), ip, now) {
		return storage.Manager{}, "", "", ErrThrottled
	}
	// Made before the lookup, so the first login costs the same whether
	// or not its account exists.
	dummy := s.dummy()
	m, err := s.store.GetManagerByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) {
		_, _ = CheckPassword(dummy, password)
		return storage.Manager{}, "", "", ErrBadCredentials
	}
	if err != nil {
		return storage.Manager{}, "", "", err
	}
	ok, err := CheckPassword(m.PasswordHash, password)
	if err != nil || !ok || m.Disabled {
		return storage.Manager{}, "", "", ErrBadCredentials
	}
	token, csrf := RandomToken(32), RandomToken(24)
	err = s.store.CreateSession(ctx, storage.Session{
		TokenHash: Hash(token), ManagerID: m.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL),
	})
	if err != nil {
		return storage.Manager{}, "", "", fmt.Errorf("auth: create session: %w", err)
	}
	return m, token, csrf, nil
}

// SetCookies writes the session and CSRF cookies.
func (s *Service) SetCookies(w http.ResponseWriter, token, csrf string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(s.sessionTTL.Seconds())})
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/",
		Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(s.sessionTTL.Seconds())})
}

// Logout ends the request's session and clears the cookies.
func (s *Service) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.store.DeleteSession(ctx, Hash(c.Value)); err != nil {
			return err
		}
	}
	for _, name := range []string{SessionCookie, CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: s.secure})
	}
	return nil
}

// Authenticate finds the principal behind a request: a bearer API token
// ("Authorization: Bearer sbt_…") or the session cookie.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	var m storage.Manager
	var sess *storage.Session
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return Principal{}, ErrUnauthenticated
		}
		var t storage.APIToken
		var err error
		if t, m, err = s.store.GetAPITokenOwner(ctx, Hash(strings.TrimSpace(tok))); err != nil {
			return Principal{}, notFoundAsUnauth(err)
		}
		now := s.now()
		// Coarse last-use time: one write a minute per token at most.
		if now.Sub(t.LastUsedAt) > time.Minute {
			_ = s.store.TouchAPIToken(ctx, t.ID, now)
		}
	} else {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			return Principal{}, ErrUnauthenticated
		}
		var se storage.Session
		if se, m, err = s.store.GetSessionOwner(ctx, Hash(c.Value), s.now()); err != nil {
			return Principal{}, notFoundAsUnauth(err)
		}
		sess = &se
	}
	if m.Disabled {
		return Principal{}, ErrUnauthenticated
	}
	teams, err := s.store.ManagerTeams(ctx, m.ID)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Manager: m, TeamIDs: teams, Session: sess}, nil
}

// CheckCSRF verifies the CSRF header of a cookie-authenticated write.
func CheckCSRF(p Principal, r *http.Request) error {
	if p.Session == nil {
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRFToken)) != 1 {
		return ErrCSRF
	}
	return nil
}

// CreateToken issues a bearer API token for a manager; the plain token is
// shown once and only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, managerID int64, name string) (string, storage.APIToken, error) {
	plain := tokenPrefix + RandomToken(32)
	t := storage.APIToken{ManagerID: managerID, Name: name, TokenHash: Hash(plain), CreatedAt: s.now()}
	if err := s.store.CreateAPIToken(ctx, &t); err != nil {
		return "", storage.APIToken{}, err
	}
	return plain, t, nil
}

func notFoundAsUnauth(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return ErrUnauthenticated
	}
	return err
}
