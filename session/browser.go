package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// BrowserStore keeps the browser (SSO) sessions. Every call is scoped to a pool.
type BrowserStore interface {
	CreateBrowserSession(ctx context.Context, s *BrowserSession) error
	// GetBrowserSession returns the session with the given id hash, or nil when there is
	// none (expired sessions may still be returned: the caller checks ExpiresAt).
	GetBrowserSession(ctx context.Context, poolID, idHash string) (*BrowserSession, error)
	// DeleteBrowserSession deletes the session (no error when there is none).
	DeleteBrowserSession(ctx context.Context, poolID, idHash string) error
	// DeleteExpiredBrowserSessions deletes the pool's sessions that expired before t.
	DeleteExpiredBrowserSessions(ctx context.Context, poolID string, t time.Time) error
}

// DefaultBrowserTTL is how long an SSO session lasts: Cognito's hosted UI session cookie is
// valid for one hour.
const DefaultBrowserTTL = time.Hour

// Browsers starts, finds and ends browser sessions. The browser holds a random id; only its
// hash is stored, so a database dump does not let anyone impersonate a browser.
type Browsers struct {
	Store BrowserStore
	TTL   time.Duration    // DefaultBrowserTTL when 0
	Now   func() time.Time // time.Now when nil
}

func (b *Browsers) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

// HashBrowserID returns the stored form of a browser session id.
func HashBrowserID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Start creates a session for sub and returns its id (for the cookie). A previous session of
// the browser (oldID, "" when none) is ended, so that the id changes at every sign-in and an
// id planted before the sign-in is worthless after it.
func (b *Browsers) Start(ctx context.Context, poolID, oldID, sub string, authTime time.Time, amr []string) (string, error) {
	if oldID != "" {
		if err := b.End(ctx, poolID, oldID); err != nil {
			return "", err
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("start browser session: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := b.now()
	ttl := b.TTL
	if ttl <= 0 {
		ttl = DefaultBrowserTTL
	}
	// Expired sessions of the pool go when a new one comes, so the table does not grow.
	if err := b.Store.DeleteExpiredBrowserSessions(ctx, poolID, now); err != nil {
		return "", fmt.Errorf("start browser session: %w", err)
	}
	s := &BrowserSession{IDHash: HashBrowserID(id), PoolID: poolID, Sub: sub, AuthTime: authTime.UTC(), AMR: amr,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := b.Store.CreateBrowserSession(ctx, s); err != nil {
		return "", fmt.Errorf("start browser session: %w", err)
	}
	return id, nil
}

// Get returns the live session with the given id in the pool, or nil when there is none.
func (b *Browsers) Get(ctx context.Context, poolID, id string) (*BrowserSession, error) {
	if id == "" {
		return nil, nil
	}
	s, err := b.Store.GetBrowserSession(ctx, poolID, HashBrowserID(id))
	if err != nil {
		return nil, fmt.Errorf("get browser session: %w", err)
	}
	if s == nil || !b.now().Before(s.ExpiresAt) {
		return nil, nil
	}
	return s, nil
}

// End deletes the session with the given id (nothing when there is none).
func (b *Browsers) End(ctx context.Context, poolID, id string) error {
	if id == "" {
		return nil
	}
	if err := b.Store.DeleteBrowserSession(ctx, poolID, HashBrowserID(id)); err != nil {
		return fmt.Errorf("end browser session: %w", err)
	}
	return nil
}
