package cognito

import (
	"context"
	"errors"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
)

// The MFA actions: the pool's MFA configuration, a user's MFA preference (by the admin or by the
// user's AccessToken), authenticator enrolment, and the extensions AdminResetUserMFA and
// RegenerateRecoveryCodes. The rules are package mfa's.

func (h *Handler) mfa() (*mfa.Service, error) {
	if h.MFA == nil {
		return nil, errors.New("cognito: MFA is not configured (Handler.MFA is nil)")
	}
	return h.MFA, nil
}

type smsMfaConfiguration struct {
	// Enabled (beyond Cognito, input only): false turns SMS off though the object is present,
	// so that the CLI's --sms=false means what it says.
	Enabled                  *bool                  `json:"Enabled,omitempty"`
	SmsAuthenticationMessage string                 `json:"SmsAuthenticationMessage,omitempty"`
	SmsConfiguration         *pool.SmsConfiguration `json:"SmsConfiguration,omitempty"`
}

type softwareTokenMfaConfiguration struct {
	Enabled bool `json:"Enabled"`
}

type emailMfaConfiguration struct {
	Enabled *bool  `json:"Enabled,omitempty"` // as smsMfaConfiguration's
	Message string `json:"Message,omitempty"`
	Subject string `json:"Subject,omitempty"`
}

type setUserPoolMfaConfigIn struct {
	UserPoolId                    string `required:"true"`
	MfaConfiguration              string
	SmsMfaConfiguration           *smsMfaConfiguration
	SoftwareTokenMfaConfiguration *softwareTokenMfaConfiguration
	EmailMfaConfiguration         *emailMfaConfiguration
}

type userPoolMfaConfigOut struct {
	MfaConfiguration              string                         `json:"MfaConfiguration"`
	SmsMfaConfiguration           *smsMfaConfiguration           `json:"SmsMfaConfiguration,omitempty"`
	SoftwareTokenMfaConfiguration *softwareTokenMfaConfiguration `json:"SoftwareTokenMfaConfiguration,omitempty"`
	EmailMfaConfiguration         *emailMfaConfiguration         `json:"EmailMfaConfiguration,omitempty"`
}

// mfaConfigOf is a pool's MFA configuration in Cognito's shapes: a factor's configuration is
// present when the pool offers it.
func mfaConfigOf(p *pool.Pool) *userPoolMfaConfigOut {
	out := &userPoolMfaConfigOut{MfaConfiguration: p.MfaConfiguration,
		SoftwareTokenMfaConfiguration: &softwareTokenMfaConfiguration{Enabled: p.MfaFactors.SoftwareToken}}
	t := p.Templates().MFA
	if p.MfaFactors.SMS {
		out.SmsMfaConfiguration = &smsMfaConfiguration{SmsAuthenticationMessage: t.SMS, SmsConfiguration: p.SmsConfiguration}
	}
	if p.MfaFactors.Email {
		out.EmailMfaConfiguration = &emailMfaConfiguration{Message: t.EmailHTML, Subject: t.EmailSubject}
	}
	return out
}

// setUserPoolMfaConfig is SetUserPoolMfaConfig: SMS and email are offered when their
// configuration is present, the authenticator app when SoftwareTokenMfaConfiguration.Enabled.
func (h *Handler) setUserPoolMfaConfig(ctx context.Context, in *setUserPoolMfaConfigIn) (*userPoolMfaConfigOut, error) {
	cfg := pool.MfaConfig{MfaConfiguration: in.MfaConfiguration}
	if s := in.SmsMfaConfiguration; s != nil && (s.Enabled == nil || *s.Enabled) {
		cfg.Factors.SMS = true
		cfg.SmsAuthenticationMessage, cfg.SmsConfiguration = s.SmsAuthenticationMessage, s.SmsConfiguration
	}
	if s := in.SoftwareTokenMfaConfiguration; s != nil {
		cfg.Factors.SoftwareToken = s.Enabled
	}
	if e := in.EmailMfaConfiguration; e != nil && (e.Enabled == nil || *e.Enabled) {
		cfg.Factors.Email = true
		cfg.EmailMessage, cfg.EmailSubject = e.Message, e.Subject
	}
	p, err := h.Pools.SetMfaConfig(ctx, in.UserPoolId, cfg)
	if err != nil {
		return nil, err
	}
	return mfaConfigOf(p), nil
}

func (h *Handler) getUserPoolMfaConfig(ctx context.Context, in *poolIDIn) (*userPoolMfaConfigOut, error) {
	p, err := h.Pools.GetPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return mfaConfigOf(p), nil
}

// mfaSettings is Cognito's SMSMfaSettingsType (and its software-token and email twins).
type mfaSettings struct {
	Enabled      bool
	PreferredMfa bool
}

func (s *mfaSettings) setting() *mfa.Setting {
	if s == nil {
		return nil
	}
	return &mfa.Setting{Enabled: s.Enabled, Preferred: s.PreferredMfa}
}

type mfaPreferenceIn struct {
	SMSMfaSettings           *mfaSettings
	SoftwareTokenMfaSettings *mfaSettings
	EmailMfaSettings         *mfaSettings
}

func (in *mfaPreferenceIn) preference() mfa.Preference {
	return mfa.Preference{SMS: in.SMSMfaSettings.setting(), SoftwareToken: in.SoftwareTokenMfaSettings.setting(),
		Email: in.EmailMfaSettings.setting()}
}

type adminSetUserMFAPreferenceIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
	mfaPreferenceIn
}

func (h *Handler) adminSetUserMFAPreference(ctx context.Context, in *adminSetUserMFAPreferenceIn) (*empty, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	u, err := h.Users.Get(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &empty{}, m.SetPreference(ctx, in.UserPoolId, u.Sub, in.preference())
}

// adminResetUserMFA (beyond Cognito) removes all of a user's MFA: factors, preference,
// authenticator secret and recovery codes. Cognito's AdminSetUserMFAPreference with everything
// disabled keeps the secret; this is the reset for a lost phone.
func (h *Handler) adminResetUserMFA(ctx context.Context, in *usernameIn) (*empty, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	u, err := h.Users.Get(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &empty{}, m.Reset(ctx, in.UserPoolId, u.Sub)
}

type setUserMFAPreferenceIn struct {
	AccessToken string `required:"true"`
	mfaPreferenceIn
}

func (h *Handler) setUserMFAPreference(ctx context.Context, in *setUserMFAPreferenceIn) (*empty, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, m.SetPreference(ctx, si.pool.Id, si.user.Sub, in.preference())
}

type associateSoftwareTokenIn struct {
	AccessToken string
	Session     string
}

type associateSoftwareTokenOut struct {
	SecretCode string `json:"SecretCode"`
	Session    string `json:"Session,omitempty"`
	// SecretURI (beyond Cognito) is the otpauth:// URI for a QR code.
	SecretURI string `json:"SecretURI,omitempty"`
}

func (h *Handler) associateSoftwareToken(ctx context.Context, in *associateSoftwareTokenIn) (*associateSoftwareTokenOut, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	if in.AccessToken == "" {
		if in.Session != "" {
			return h.associateWithSession(ctx, m, in.Session)
		}
		return nil, errs.New(errs.InvalidParameter, "AccessToken or Session is required.")
	}
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	en, err := m.Associate(ctx, si.pool.Id, si.user.Sub)
	if err != nil {
		return nil, err
	}
	return &associateSoftwareTokenOut{SecretCode: en.Secret, SecretURI: en.URI}, nil
}

type verifySoftwareTokenIn struct {
	AccessToken        string
	Session            string
	UserCode           string `required:"true"`
	FriendlyDeviceName string
}

type verifySoftwareTokenOut struct {
	Status  string `json:"Status"`
	Session string `json:"Session,omitempty"`
	// RecoveryCodes (beyond Cognito) are the user's first recovery codes, shown once.
	RecoveryCodes []string `json:"RecoveryCodes,omitempty"`
}

func (h *Handler) verifySoftwareToken(ctx context.Context, in *verifySoftwareTokenIn) (*verifySoftwareTokenOut, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	if in.AccessToken == "" {
		if in.Session != "" {
			return h.verifyWithSession(ctx, m, in.Session, in.UserCode)
		}
		return nil, errs.New(errs.InvalidParameter, "AccessToken or Session is required.")
	}
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	enrolled, err := m.VerifyEnrolment(ctx, si.pool.Id, si.user.Sub, in.UserCode)
	if err != nil {
		return nil, err
	}
	return &verifySoftwareTokenOut{Status: "SUCCESS", RecoveryCodes: enrolled.RecoveryCodes}, nil
}

type recoveryCodesOut struct {
	RecoveryCodes []string `json:"RecoveryCodes"`
}

// regenerateRecoveryCodes (beyond Cognito) replaces the signed-in user's recovery codes.
func (h *Handler) regenerateRecoveryCodes(ctx context.Context, in *accessTokenIn) (*recoveryCodesOut, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	codes, err := m.RegenerateRecoveryCodes(ctx, si.pool.Id, si.user.Sub)
	if err != nil {
		return nil, err
	}
	return &recoveryCodesOut{RecoveryCodes: codes}, nil
}
