package mfa

import (
	"context"
	"time"
)

// TOTP is a user's authenticator secrets, in clear in memory; the store seals them with the
// master key.
type TOTP struct {
	PoolID string
	Sub    string
	// Secret is the verified, active secret ("" = none).
	Secret string
	// Pending is a secret handed out by Associate and not yet verified ("" = none).
	Pending string
	// LastStep is the time-step of the last accepted code: codes of that step or earlier are
	// refused (replay protection).
	LastStep  int64
	UpdatedAt time.Time
}

// Attempt is the second-factor part of one sign-in, between a correct password and tokens.
type Attempt struct {
	PoolID string
	// ID is the SHA-256 of the handle the caller holds, so a dump reveals no usable handle.
	ID      string
	Sub     string
	Step    Step
	Options []Factor
	// Factor is the factor that satisfied a finished MFA_SETUP.
	Factor    Factor
	Failures  int
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Store is what package mfa needs from the database. Every call is scoped to a pool.
type Store interface {
	// GetTOTP returns the user's secrets, or nil.
	GetTOTP(ctx context.Context, poolID, sub string) (*TOTP, error)
	// SetPendingTOTP stores a new pending secret, keeping any active one.
	SetPendingTOTP(ctx context.Context, poolID, sub, secret string, at time.Time) error
	// ActivateTOTP makes secret the active one, clears the pending one and sets LastStep.
	ActivateTOTP(ctx context.Context, poolID, sub, secret string, step int64, at time.Time) error
	// AcceptTOTPStep atomically raises LastStep to step if it is lower; false means the step
	// (or a later one) was already used.
	AcceptTOTPStep(ctx context.Context, poolID, sub string, step int64) (bool, error)

	// ReplaceRecoveryCodes replaces the user's recovery codes with hashes.
	ReplaceRecoveryCodes(ctx context.Context, poolID, sub string, hashes []string, at time.Time) error
	// UseRecoveryCode deletes the code with hash; false when there is none (unknown or used).
	UseRecoveryCode(ctx context.Context, poolID, sub, hash string) (bool, error)
	CountRecoveryCodes(ctx context.Context, poolID, sub string) (int, error)

	// DeleteMFA removes the user's secrets, recovery codes and sign-in attempts.
	DeleteMFA(ctx context.Context, poolID, sub string) error

	// CreateAttempt stores a, removing the pool's expired attempts on the way.
	CreateAttempt(ctx context.Context, a *Attempt) error
	// GetAttempt returns the attempt, or nil.
	GetAttempt(ctx context.Context, poolID, id string) (*Attempt, error)
	// UpdateAttempt writes a's Step, Options and Factor.
	UpdateAttempt(ctx context.Context, a *Attempt) error
	// AddAttemptFailure atomically counts a wrong code and returns the new count.
	AddAttemptFailure(ctx context.Context, poolID, id string) (int, error)
	// DeleteAttempt removes the attempt; false when it was already gone, so that of two
	// concurrent answers only one completes the sign-in.
	DeleteAttempt(ctx context.Context, poolID, id string) (bool, error)
}
