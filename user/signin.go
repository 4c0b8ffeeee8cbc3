package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
)

// Brute-force protection, as Cognito: after LockoutThreshold failed sign-ins a user is locked
// for 1 s, doubling with each further failure up to MaxLockout. Attempts while locked are
// refused without counting; the count is forgotten after FailureWindow without failures, and
// at a successful sign-in.
const (
	LockoutThreshold = 5
	MaxLockout       = 15 * time.Minute
	FailureWindow    = 15 * time.Minute
)

// ErrLockedOut is wrapped in the NotAuthorized error of SignIn while the user is locked out.
// The message is the one of a wrong password, so the lockout reveals nothing to the caller.
var ErrLockedOut = errors.New("too many failed sign-ins: user is locked out")

// FailureStore keeps the failed sign-in counters in the database, so that every server
// process sees the same count.
type FailureStore interface {
	// SignInFailures returns the user's failure count and the time of the last failure
	// (0 and the zero time when there is none).
	SignInFailures(ctx context.Context, poolID, sub string) (int, time.Time, error)
	// AddSignInFailure atomically counts one failure at time at and returns the new count; a
	// count whose last failure is at or before staleBefore starts again from 1.
	AddSignInFailure(ctx context.Context, poolID, sub string, at, staleBefore time.Time) (int, error)
	// ResetSignInFailures forgets the user's failures.
	ResetSignInFailures(ctx context.Context, poolID, sub string) error
}

// Step is what a signed-in user must do before getting tokens.
type Step string

const (
	// StepDone: the user is signed in.
	StepDone Step = ""
	// StepNewPassword: the user signed in with a temporary password (FORCE_CHANGE_PASSWORD)
	// and must choose a new one.
	StepNewPassword Step = "NEW_PASSWORD_REQUIRED"
)

// SignInResult is a successful password check.
type SignInResult struct {
	User *User
	Next Step
}

// lockedUntil is when a user with count failures, the last at last, may try again.
func lockedUntil(count int, last time.Time) time.Time {
	if count < LockoutThreshold {
		return time.Time{}
	}
	d := MaxLockout
	if n := count - LockoutThreshold; n < 20 { // 2^20 s is far beyond the cap
		d = min(time.Duration(1<<n)*time.Second, MaxLockout)
	}
	return last.Add(d)
}

// SignIn is the one password sign-in every surface uses (hosted pages, the Cognito API). It
// finds the user by any identifier the pool allows, applies the lockout, checks the password
// and then the user's state. Every refusal that could tell whether the user exists —
// unknown user, wrong password, locked out — is NotAuthorized "Incorrect username or
// password." and costs one hash verification; the cause (ErrUnknownUser, ErrLockedOut) is
// wrapped for logs and for LEGACY existence errors. The state is checked only after a correct
// password: disabled → NotAuthorized "User is disabled.", UNCONFIRMED → UserNotConfirmed,
// RESET_REQUIRED → PasswordResetRequired, an expired temporary password → NotAuthorized.
// FORCE_CHANGE_PASSWORD gives StepNewPassword. A bcrypt hash is re-hashed to argon2id.
func (s *Service) SignIn(ctx context.Context, poolID, username, password string) (*SignInResult, error) {
	return s.SignInFor(ctx, poolID, username, password, Caller{})
}

// SignInFor is SignIn on behalf of a caller, whom the triggers see: an unknown user is
// looked up by the user migration trigger, and the pre authentication trigger may refuse
// before the password is checked. The post authentication event waits for CompleteSignIn:
// a second factor or a new password may still stand between the password and the tokens.
func (s *Service) SignInFor(ctx context.Context, poolID, username, password string, c Caller) (*SignInResult, error) {
	res, err := s.signIn(ctx, poolID, username, password, c)
	s.countSignIn(ctx, poolID, err)
	return res, err
}

func (s *Service) signIn(ctx context.Context, poolID, username, password string, c Caller) (*SignInResult, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) && s.triggers != nil && p.TriggerURL(pool.TriggerUserMigration) != "" {
		u, err = s.migrate(ctx, p, trigger.UserMigrationAuthentication, username, password, c)
		if err != nil {
			return nil, err
		}
		return s.signedIn(u)
	}
	if errs.Is(err, errs.UserNotFound) {
		s.spendVerification(password)
		return nil, incorrect(ErrUnknownUser)
	}
	if err != nil {
		return nil, err
	}
	if err := s.preAuthentication(ctx, p, u, c); err != nil {
		return nil, err
	}
	if err := s.verifyPassword(ctx, p, u, password); err != nil {
		return nil, err
	}
	return s.signedIn(u)
}

// signedIn checks the state of a user whose password was right.
func (s *Service) signedIn(u *User) (*SignInResult, error) {
	if err := s.checkState(u); err != nil {
		return nil, err
	}
	res := &SignInResult{User: u}
	if u.Status == StatusForceChangePassword {
		res.Next = StepNewPassword
	}
	return res, nil
}

// CompleteSignIn records that sub's sign-in passed every step (password, new password, second
// factor) and is about to get tokens or an SSO session: it sends the post authentication
// event. Every surface calls it once per completed sign-in, and only then. The user is signed
// in whatever happens here: a lost event is logged, not returned.
func (s *Service) CompleteSignIn(ctx context.Context, poolID, sub string, c Caller) {
	if s.triggers == nil {
		return
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err == nil {
		if p.TriggerURL(pool.TriggerPostAuthentication) == "" {
			return // no event to send: the user need not be loaded
		}
		var u *User
		if u, err = s.GetBySub(ctx, poolID, sub); err == nil {
			err = s.postAuthentication(ctx, p, u, c)
		}
	}
	if err != nil {
		slog.ErrorContext(ctx, "post authentication event not written", "pool", poolID, "sub", sub, "err", err)
	}
}

// verifyPassword checks a known user's password under the lockout rules of SignIn: while
// locked out it refuses without looking; a wrong password counts a failure; a right one
// forgets the failures, re-hashes a bcrypt hash to argon2id and derives the SRP verifier of a
// user who has none yet (users created before SRP support). Refusals are NotAuthorized
// "Incorrect username or password.".
func (s *Service) verifyPassword(ctx context.Context, p *pool.Pool, u *User, password string) error {
	now := s.now()
	count, last, err := s.store.SignInFailures(ctx, p.Id, u.Sub)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if now.Sub(last) >= FailureWindow {
		count = 0
	}
	if now.Before(lockedUntil(count, last)) {
		s.spendVerification(password)
		return incorrect(ErrLockedOut)
	}
	ok, rehash, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil {
		slog.WarnContext(ctx, "unverifiable password hash", "pool", p.Id, "sub", u.Sub, "err", err)
	}
	if err != nil || !ok {
		if _, ferr := s.store.AddSignInFailure(ctx, p.Id, u.Sub, now, now.Add(-FailureWindow)); ferr != nil {
			return fmt.Errorf("check password: %w", ferr)
		}
		return incorrect(err)
	}
	if count > 0 {
		if err := s.store.ResetSignInFailures(ctx, p.Id, u.Sub); err != nil {
			return fmt.Errorf("check password: %w", err)
		}
	}
	changed := false
	if rehash {
		if hash, err := s.hasher.Hash(password); err == nil {
			u.PasswordHash, changed = hash, true
		}
	}
	if len(u.SRPVerifier) == 0 {
		if err := s.setVerifier(p, u, password); err == nil {
			changed = true
		} else {
			slog.WarnContext(ctx, "srp verifier not derived", "pool", p.Id, "sub", u.Sub, "err", err)
		}
	}
	if changed {
		if err := s.update(ctx, u, "upgrade password data"); err != nil {
			// The sign-in is still valid; the next one retries.
			slog.WarnContext(ctx, "password rehash or srp verifier not saved", "pool", p.Id, "sub", u.Sub, "err", err)
		}
	}
	return nil
}

// checkState refuses a user who may not sign in.
func (s *Service) checkState(u *User) error {
	switch {
	case !u.Enabled:
		return errs.New(errs.NotAuthorized, "User is disabled.")
	case u.Status == StatusUnconfirmed:
		return errs.New(errs.UserNotConfirmed, "User is not confirmed.")
	case u.Status == StatusResetRequired:
		return errs.New(errs.PasswordResetRequired, "Password reset required for the user")
	case u.Status == StatusForceChangePassword && u.TemporaryPasswordExpiresAt != nil && s.now().After(*u.TemporaryPasswordExpiresAt):
		return errs.New(errs.NotAuthorized, "Temporary password has expired and must be reset by an administrator.")
	}
	return nil
}

// Resume returns the user of an existing sign-in (an SSO session) if they may still be
// signed in without a password: the user exists, is enabled and needs no other step.
// Otherwise it returns NotAuthorized, and the caller asks for the password again.
func (s *Service) Resume(ctx context.Context, poolID, sub string) (*User, error) {
	u, err := s.store.GetUser(ctx, poolID, Lookup{Kind: BySub, Key: sub})
	if errs.Is(err, errs.UserNotFound) {
		return nil, errs.Wrap(errs.NotAuthorized, ErrUnknownUser, "The session's user no longer exists.")
	}
	if err != nil {
		return nil, fmt.Errorf("resume session: %w", err)
	}
	if err := s.checkState(u); err != nil {
		return nil, err
	}
	if u.Status == StatusForceChangePassword {
		return nil, errs.New(errs.NotAuthorized, "A new password is required.")
	}
	return u, nil
}
