package session

import (
	"context"
	"time"
)

// OperatorSession is an admin console session of an operator (a user of the system pool),
// referenced by a cookie. The cookie holds a random id; only its hash (IDHash) is stored. The
// session ends after an idle time without requests (LastSeenAt) or at ExpiresAt, whichever
// comes first.
type OperatorSession struct {
	IDHash     string
	PoolID     string // the system pool
	Sub        string
	Username   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// OperatorStore keeps the console sessions. Every call is scoped to a pool (the system pool).
type OperatorStore interface {
	CreateOperatorSession(ctx context.Context, s *OperatorSession) error
	// GetOperatorSession returns the session with the id hash, or nil when there is none
	// (the caller checks the times).
	GetOperatorSession(ctx context.Context, poolID, idHash string) (*OperatorSession, error)
	// TouchOperatorSession sets the session's LastSeenAt.
	TouchOperatorSession(ctx context.Context, poolID, idHash string, at time.Time) error
	// DeleteOperatorSession deletes the session (no error when there is none).
	DeleteOperatorSession(ctx context.Context, poolID, idHash string) error
	// DeleteOperatorSessions deletes every session of the operator sub (a disabled or
	// deleted operator is signed out of the console).
	DeleteOperatorSessions(ctx context.Context, poolID, sub string) error
	// DeleteExpiredOperatorSessions deletes the pool's sessions that expired before t or were
	// last seen before idleBefore.
	DeleteExpiredOperatorSessions(ctx context.Context, poolID string, t, idleBefore time.Time) error
}
