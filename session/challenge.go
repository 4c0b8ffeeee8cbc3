package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Challenge is a sign-in step of the Cognito API waiting for the client's answer: what its
// opaque Session string stands for. It is bound to one pool, app client, user and challenge,
// expires after the client's AuthSessionValidity and can be answered once.
type Challenge struct {
	IDHash   string // HashSecret of the Session string the client holds
	PoolID   string
	ClientID string
	// Sub is the user's; "" for the pretend challenge of an unknown user, which no answer passes.
	Sub string
	// Username is the user's USER_ID_FOR_SRP (the pool's username), and Typed what the client
	// sent as USERNAME: an answer may name the user either way.
	Username, Typed string
	Name            string // PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, ...
	// State is the challenge's server-side state, opaque here (the SRP exchange, sealed).
	State     string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ChallengeStore keeps challenges. Every call is scoped to a pool.
type ChallengeStore interface {
	// CreateChallenge stores a challenge (and drops the pool's expired ones).
	CreateChallenge(ctx context.Context, c *Challenge) error
	// TakeChallenge removes and returns the challenge with the id hash: of concurrent calls
	// exactly one gets it. ErrNotFound when there is none or it expired before now.
	TakeChallenge(ctx context.Context, poolID, idHash string, now time.Time) (*Challenge, error)
}

// DefaultChallengeTTL is Cognito's default AuthSessionValidity: 3 minutes.
const DefaultChallengeTTL = 3 * time.Minute

// ErrSessionExpired: the Session string is unknown, used, expired or of another client or
// challenge.
var ErrSessionExpired = errors.New("invalid or expired challenge session")

// Challenges starts and takes challenges. The client holds a random Session string; only its
// hash is stored.
type Challenges struct {
	Store ChallengeStore
	Now   func() time.Time // time.Now when nil
}

func (c *Challenges) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Start stores ch (its IDHash, CreatedAt and ExpiresAt are set here, from ttl; 0 means
// DefaultChallengeTTL) and returns the Session string for the client.
func (c *Challenges) Start(ctx context.Context, ch *Challenge, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultChallengeTTL
	}
	id := NewSecret(48)
	now := c.now()
	ch.IDHash, ch.CreatedAt, ch.ExpiresAt = HashSecret(id), now, now.Add(ttl)
	if err := c.Store.CreateChallenge(ctx, ch); err != nil {
		return "", fmt.Errorf("start challenge: %w", err)
	}
	return id, nil
}

// Take uses up the Session string of the pool's client for the named challenge. Anything but
// a live challenge of that client and name is ErrSessionExpired, and a taken challenge is
// gone even when it was of another client or name (a guessed or misused Session burns it).
func (c *Challenges) Take(ctx context.Context, poolID, clientID, name, session string) (*Challenge, error) {
	if session == "" {
		return nil, ErrSessionExpired
	}
	ch, err := c.Store.TakeChallenge(ctx, poolID, HashSecret(session), c.now())
	if errors.Is(err, ErrNotFound) {
		return nil, ErrSessionExpired
	}
	if err != nil {
		return nil, fmt.Errorf("take challenge: %w", err)
	}
	if ch.ClientID != clientID || ch.Name != name {
		return nil, ErrSessionExpired
	}
	return ch, nil
}

// Restore puts a taken challenge back unchanged, with the same Session string and expiry: for
// an answer the user may correct (a new password the policy refuses).
func (c *Challenges) Restore(ctx context.Context, ch *Challenge) error {
	if err := c.Store.CreateChallenge(ctx, ch); err != nil {
		return fmt.Errorf("restore challenge: %w", err)
	}
	return nil
}
