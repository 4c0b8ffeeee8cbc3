package user

import (
	"context"
	"fmt"

	"github.com/userpool/userpool/errs"
)

// SRPUser finds the user an SRP sign-in (USER_SRP_AUTH) names, by any identifier the pool
// allows. An unknown user is NotAuthorized "Incorrect username or password." wrapping
// ErrUnknownUser, as in SignIn; the caller decides whether to pretend (PreventUserExistenceErrors).
// Nothing is checked or counted yet: that happens when the proof arrives (FinishSRP).
func (s *Service) SRPUser(ctx context.Context, poolID, username string) (*User, error) {
	return s.SRPUserFor(ctx, poolID, username, Caller{})
}

// SRPUserFor is SRPUser on behalf of a caller: the pre authentication trigger may refuse the
// sign-in before the challenge is answered, as Cognito calls it at InitiateAuth. (The user
// migration trigger needs the password, which SRP never sends: as in Cognito, migrating
// clients sign in with USER_PASSWORD_AUTH.)
func (s *Service) SRPUserFor(ctx context.Context, poolID, username string, c Caller) (*User, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("srp sign in: %w", err)
	}
	u, err := s.lookup(ctx, p, username)
	if errs.Is(err, errs.UserNotFound) {
		return nil, incorrect(ErrUnknownUser)
	}
	if err != nil {
		return nil, err
	}
	if err := s.preAuthentication(ctx, p, u, c); err != nil {
		return nil, err
	}
	return u, nil
}

// FinishSRP completes an SRP sign-in of the user sub under SignIn's rules, once the caller has
// checked the client's proof (proofOK): while locked out it refuses whatever the proof; a
// wrong proof counts a failure; a right one forgets the failures, then the user's state is
// checked as in SignIn. The outcome is counted in the pool's sign-in activity.
func (s *Service) FinishSRP(ctx context.Context, poolID, sub string, proofOK bool) (*SignInResult, error) {
	res, err := s.finishSRP(ctx, poolID, sub, proofOK)
	s.countSignIn(ctx, poolID, err)
	return res, err
}

func (s *Service) finishSRP(ctx context.Context, poolID, sub string, proofOK bool) (*SignInResult, error) {
	u, err := s.store.GetUser(ctx, poolID, Lookup{Kind: BySub, Key: sub})
	if errs.Is(err, errs.UserNotFound) {
		return nil, incorrect(ErrUnknownUser)
	}
	if err != nil {
		return nil, fmt.Errorf("srp sign in: %w", err)
	}
	now := s.now()
	count, last, err := s.store.SignInFailures(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("srp sign in: %w", err)
	}
	if now.Sub(last) >= FailureWindow {
		count = 0
	}
	if now.Before(lockedUntil(count, last)) {
		return nil, incorrect(ErrLockedOut)
	}
	if !proofOK {
		if _, err := s.store.AddSignInFailure(ctx, poolID, sub, now, now.Add(-FailureWindow)); err != nil {
			return nil, fmt.Errorf("srp sign in: %w", err)
		}
		return nil, incorrect(nil)
	}
	if count > 0 {
		if err := s.store.ResetSignInFailures(ctx, poolID, sub); err != nil {
			return nil, fmt.Errorf("srp sign in: %w", err)
		}
	}
	if err := s.checkState(u); err != nil {
		return nil, err
	}
	res := &SignInResult{User: u}
	if u.Status == StatusForceChangePassword {
		res.Next = StepNewPassword
	}
	return res, nil
}
