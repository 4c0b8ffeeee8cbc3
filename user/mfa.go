package user

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// MFA codes sent by SMS or email during sign-in (package mfa decides when). Each channel has its
// own purpose, so that a code sent by one cannot answer a challenge of the other.
const (
	PurposeMFASMS   Purpose = "mfa_sms"
	PurposeMFAEmail Purpose = "mfa_email"
	// MFACodeTTL is how long an MFA code stays valid (Cognito: 3 minutes).
	MFACodeTTL = 3 * time.Minute
)

// CountMFAFailure counts a wrong second-factor code as a failed sign-in, so that guessing codes
// leads to the same lockout as guessing passwords.
func (s *Service) CountMFAFailure(ctx context.Context, poolID, sub string) error {
	now := s.now()
	if _, err := s.store.AddSignInFailure(ctx, poolID, sub, now, now.Add(-FailureWindow)); err != nil {
		return fmt.Errorf("count mfa failure: %w", err)
	}
	return nil
}

// ProveContact records that a second-factor code sent to value (the user's email or
// phone_number) was entered: the attribute is then verified, as Cognito marks
// phone_number_verified after a successful SMS MFA sign-in (we do the same for an emailed code,
// which proves the address as much). Nothing changes when the attribute has changed since the
// code was sent, is verified already, or would become a sign-in alias another user holds (the
// user keeps signing in; verifying the attribute stays possible with VerifyAttribute).
func (s *Service) ProveContact(ctx context.Context, poolID, sub, attr, value string) error {
	if attr != "email" && attr != "phone_number" {
		return errs.New(errs.InvalidParameter, "Only email and phone_number can be proved, not %q.", attr)
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return fmt.Errorf("prove contact: %w", err)
	}
	u, err := s.GetBySub(ctx, poolID, sub)
	if err != nil {
		return fmt.Errorf("prove contact: %w", err)
	}
	if value == "" || u.Attributes[attr] != value || u.Attributes[attr+"_verified"] == "true" {
		return nil
	}
	next := maps.Clone(u.Attributes)
	next[attr+"_verified"] = "true"
	probe := *u
	probe.AliasKeys = aliasKeys(p, next)
	if err := s.claimAliases(ctx, p, &probe, false); errs.Is(err, errs.AliasExists) || errs.Is(err, errs.UsernameExists) {
		return nil
	} else if err != nil {
		return fmt.Errorf("prove contact: %w", err)
	}
	applyAttributes(p, u, next)
	return s.update(ctx, u, "prove contact")
}

// GetBySub returns the user poolID/sub (errs.UserNotFound when there is none).
func (s *Service) GetBySub(ctx context.Context, poolID, sub string) (*User, error) {
	u, err := s.store.GetUser(ctx, poolID, Lookup{Kind: BySub, Key: sub})
	if err != nil && !errs.Is(err, errs.UserNotFound) {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return u, err
}

// SetMFASettings stores the user's MFA settings; package mfa checks them first.
func (s *Service) SetMFASettings(ctx context.Context, poolID, sub string, m MFASettings) error {
	u, err := s.GetBySub(ctx, poolID, sub)
	if err != nil {
		return err
	}
	u.MFA = m
	return s.update(ctx, u, "set mfa settings")
}

// DisplayName is the name the user signs in with: the username, or in pools with
// UsernameAttributes (where the username is the sub) the email or phone number.
func DisplayName(p *pool.Pool, u *User) string {
	return displayName(p, u)
}
