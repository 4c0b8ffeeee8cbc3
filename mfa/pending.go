package mfa

import (
	"context"
	"encoding/base32"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/user"
)

// The hosted pages show an enrolment over several requests (the page, then its QR code image),
// so they read the pending secret back instead of generating a new one each time.

// Pending returns the user's authenticator secret that waits for its first code; nil when there
// is none.
func (s *Service) Pending(ctx context.Context, poolID, sub string) (*Enrolment, error) {
	t, err := s.store.GetTOTP(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("pending software token: %w", err)
	}
	if t == nil || t.Pending == "" {
		return nil, nil
	}
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("pending software token: %w", err)
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("pending software token: %w", err)
	}
	return enrolmentOf(p.Name, user.DisplayName(p, u), t.Pending)
}

// PendingSetup returns the pending secret of the user of an MFA_SETUP attempt, generating one
// when there is none (SetupSecret).
func (s *Service) PendingSetup(ctx context.Context, poolID, handle string) (*Enrolment, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	if a.Step != StepSetup {
		return nil, errNotSettingUp()
	}
	e, err := s.Pending(ctx, poolID, a.Sub)
	if err != nil || e != nil {
		return e, err
	}
	return s.SetupSecret(ctx, poolID, handle)
}

// enrolmentOf is the Enrolment of an existing base32 secret, with the URI newEnrolment gives.
func enrolmentOf(issuer, account, secret string) (*Enrolment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("decode totp secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("totp uri: %w", err)
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}
