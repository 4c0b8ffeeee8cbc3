package pool

import (
	"context"

	"github.com/userpool/userpool/errs"
)

// MfaFactors are the second factors a pool offers: Cognito's SmsMfaConfiguration,
// SoftwareTokenMfaConfiguration{Enabled} and EmailMfaConfiguration of SetUserPoolMfaConfig,
// reduced to what they switch on.
type MfaFactors struct {
	SMS           bool `json:"SMS"`
	SoftwareToken bool `json:"SoftwareToken"`
	Email         bool `json:"Email"`
}

// Any reports whether at least one factor is offered.
func (f MfaFactors) Any() bool { return f.SMS || f.SoftwareToken || f.Email }

// normalizeMfaFactors gives a pool whose MFA is ON or OPTIONAL but that names no factor (which
// CreateUserPool and UpdateUserPool cannot say) the authenticator app: it needs no delivery setup.
func normalizeMfaFactors(p *Pool) {
	if p.MfaConfiguration != MfaOff && !p.MfaFactors.Any() {
		p.MfaFactors.SoftwareToken = true
	}
}

// MfaConfig is what SetUserPoolMfaConfig changes. Empty strings keep the pool's current value.
type MfaConfig struct {
	MfaConfiguration string
	Factors          MfaFactors
	// SmsAuthenticationMessage is the SMS template of MFA codes (with {####}).
	SmsAuthenticationMessage string
	// SmsConfiguration, when set, replaces the pool's.
	SmsConfiguration *SmsConfiguration
	// EmailMessage and EmailSubject are the email template of MFA codes (EmailMfaConfiguration).
	EmailMessage string
	EmailSubject string
}

// SetMfaConfig changes a pool's MFA policy and factors (SetUserPoolMfaConfig). MFA ON or
// OPTIONAL needs at least one factor.
func (s *Service) SetMfaConfig(ctx context.Context, poolID string, in MfaConfig) (*Pool, error) {
	p, err := s.GetPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if in.MfaConfiguration != "" {
		p.MfaConfiguration = in.MfaConfiguration
	}
	switch p.MfaConfiguration {
	case MfaOff, MfaOn, MfaOptional:
	default:
		return nil, errs.New(errs.InvalidParameter, "MfaConfiguration must be OFF, ON or OPTIONAL, not %q.", p.MfaConfiguration)
	}
	if p.MfaConfiguration != MfaOff && !in.Factors.Any() {
		return nil, errs.New(errs.InvalidParameter, "MfaConfiguration %s needs at least one of SmsMfaConfiguration, SoftwareTokenMfaConfiguration and EmailMfaConfiguration enabled.", p.MfaConfiguration)
	}
	p.MfaFactors = in.Factors
	if in.SmsAuthenticationMessage != "" {
		p.MessageTemplates.MFA.SMS = in.SmsAuthenticationMessage
	}
	if in.SmsConfiguration != nil {
		p.SmsConfiguration = in.SmsConfiguration
	}
	if in.EmailMessage != "" {
		p.MessageTemplates.MFA.EmailHTML = in.EmailMessage
	}
	if in.EmailSubject != "" {
		p.MessageTemplates.MFA.EmailSubject = in.EmailSubject
	}
	p.SchemaAttributes = nil // unchanged
	return s.UpdatePool(ctx, p)
}
