package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// Sign-in attempt rules.
const (
	// MaxFailures wrong codes end a sign-in attempt: the user must start again with the
	// password. Each wrong code also counts towards the account lockout (user.CountMFAFailure).
	MaxFailures = 5
	// AttemptTTL bounds a second-factor step (Cognito's longest auth session); enrolling an
	// authenticator app during MFA_SETUP needs a few minutes.
	AttemptTTL = 15 * time.Minute
)

// ErrTooManyCodes is wrapped in the NotAuthorized error that ends an attempt after MaxFailures.
var ErrTooManyCodes = errors.New("too many wrong second-factor codes")

// Pools is what package mfa needs of package pool.
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
}

// Service is the one place where MFA rules live.
type Service struct {
	store Store
	pools Pools
	users *user.Service
	now   func() time.Time
}

// NewService returns a Service.
func NewService(store Store, pools Pools, users *user.Service) *Service {
	return &Service{store: store, pools: pools, users: users, now: time.Now}
}

// SetClock replaces the Service's clock (tests); call it before the Service is used.
func (s *Service) SetClock(now func() time.Time) {
	s.now = now
}

// Challenge is the second-factor step of a sign-in as a surface shows it. Step is StepNone
// when the password was enough (no attempt is stored then).
type Challenge struct {
	// Handle identifies the attempt; the caller keeps it (in a Cognito Session or a page's
	// sign-in state) and passes it back with the answer.
	Handle  string
	Step    Step
	Options []Factor
	// Delivery says where an SMS_MFA or EMAIL_OTP code went (masked).
	Delivery  *user.CodeDelivery
	ExpiresAt time.Time
}

// Result is a completed second factor.
type Result struct {
	Sub    string
	Factor Factor
	// AMR is the amr claim for the tokens of this sign-in.
	AMR []string
}

func invalidSession() error {
	return errs.New(errs.NotAuthorized, "Invalid session for the user.")
}

func errNotSettingUp() error {
	return errs.New(errs.InvalidParameter, "The sign-in is not setting up MFA.")
}

func codeMismatch() error {
	return errs.New(errs.CodeMismatch, "Invalid code or auth state for the user.")
}

// newHandle returns a random 256-bit attempt handle.
func newHandle() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashHandle(handle string) string {
	sum := sha256.Sum256([]byte(handle))
	return hex.EncodeToString(sum[:])
}

// Begin starts the second-factor step of a sign-in whose password was right (see Decide). For
// SMS_MFA and EMAIL_OTP it sends the code. MFA ON with nothing the user could use or set up is
// InvalidUserPoolConfiguration.
func (s *Service) Begin(ctx context.Context, poolID, sub string) (*Challenge, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("begin mfa: %w", err)
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("begin mfa: %w", err)
	}
	d := Decide(p, u)
	if d.Step == StepNone {
		return &Challenge{}, nil
	}
	if d.Step == StepSetup && len(d.Options) == 0 {
		return nil, errs.New(errs.InvalidUserPoolConfig, "MFA is required, but the user has no second factor and the user pool offers none that can be set up at sign-in.")
	}
	now := s.now().UTC()
	handle := newHandle()
	a := &Attempt{PoolID: poolID, ID: hashHandle(handle), Sub: sub, Step: d.Step, Options: d.Options,
		ExpiresAt: now.Add(AttemptTTL), CreatedAt: now}
	if err := s.store.CreateAttempt(ctx, a); err != nil {
		return nil, fmt.Errorf("begin mfa: %w", err)
	}
	ch := &Challenge{Handle: handle, Step: a.Step, Options: a.Options, ExpiresAt: a.ExpiresAt}
	if ch.Delivery, err = s.sendCode(ctx, a); err != nil {
		_, _ = s.store.DeleteAttempt(ctx, poolID, a.ID)
		return nil, err
	}
	return ch, nil
}

// sendCode sends the code of an SMS_MFA or EMAIL_OTP step (nothing for other steps).
func (s *Service) sendCode(ctx context.Context, a *Attempt) (*user.CodeDelivery, error) {
	switch a.Step {
	case StepSMS:
		return s.users.SendCode(ctx, a.PoolID, a.Sub, user.PurposeMFASMS, message.SMS)
	case StepEmail:
		return s.users.SendCode(ctx, a.PoolID, a.Sub, user.PurposeMFAEmail, message.Email)
	}
	return nil, nil
}

// attempt loads the live attempt of handle.
func (s *Service) attempt(ctx context.Context, poolID, handle string) (*Attempt, error) {
	if handle == "" {
		return nil, invalidSession()
	}
	a, err := s.store.GetAttempt(ctx, poolID, hashHandle(handle))
	if err != nil {
		return nil, fmt.Errorf("get mfa attempt: %w", err)
	}
	if a == nil {
		return nil, invalidSession()
	}
	if !s.now().Before(a.ExpiresAt) {
		_, _ = s.store.DeleteAttempt(ctx, poolID, a.ID)
		return nil, errs.New(errs.NotAuthorized, "Invalid session for the user, session is expired.")
	}
	return a, nil
}

// Select answers SELECT_MFA_TYPE with one of the offered factors and moves the attempt to that
// factor's code step (sending the code for SMS and email).
func (s *Service) Select(ctx context.Context, poolID, handle, answer string) (*Challenge, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	if a.Step != StepSelect {
		return nil, errs.New(errs.InvalidParameter, "The sign-in is not choosing an MFA type.")
	}
	f, err := ParseFactor(answer)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(a.Options, f) {
		return nil, errs.New(errs.InvalidParameter, "%s is not one of the MFA types this user can choose.", f)
	}
	a.Step, a.Options = stepOf(f), nil
	if err := s.store.UpdateAttempt(ctx, a); err != nil {
		return nil, fmt.Errorf("select mfa type: %w", err)
	}
	ch := &Challenge{Handle: handle, Step: a.Step, ExpiresAt: a.ExpiresAt}
	if ch.Delivery, err = s.sendCode(ctx, a); err != nil {
		return nil, err
	}
	return ch, nil
}

// Answer checks the code of a SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP step, or a recovery
// code in its place, and ends the attempt. A wrong code is CodeMismatch and counts a failure
// (MaxFailures end the attempt with NotAuthorized).
func (s *Service) Answer(ctx context.Context, poolID, handle, code string) (*Result, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	switch a.Step {
	case StepTOTP, StepSMS, StepEmail:
	default:
		return nil, errs.New(errs.InvalidParameter, "The sign-in is not waiting for an MFA code.")
	}
	f, err := s.check(ctx, a, code)
	if err != nil {
		return nil, s.fail(ctx, a, err)
	}
	return s.finish(ctx, a, f)
}

// finish consumes the attempt; of two concurrent answers only one gets a Result.
func (s *Service) finish(ctx context.Context, a *Attempt, f Factor) (*Result, error) {
	ok, err := s.store.DeleteAttempt(ctx, a.PoolID, a.ID)
	if err != nil {
		return nil, fmt.Errorf("finish mfa: %w", err)
	}
	if !ok {
		return nil, invalidSession()
	}
	return &Result{Sub: a.Sub, Factor: f, AMR: AMR(f)}, nil
}

// check verifies code for the attempt's step and returns the factor that it proved.
func (s *Service) check(ctx context.Context, a *Attempt, code string) (Factor, error) {
	if rc, ok := normalizeRecoveryCode(code); ok {
		used, err := s.store.UseRecoveryCode(ctx, a.PoolID, a.Sub, hashRecoveryCode(a.PoolID, a.Sub, rc))
		if err != nil {
			return "", fmt.Errorf("use recovery code: %w", err)
		}
		if !used {
			return "", codeMismatch()
		}
		return RecoveryCode, nil
	}
	switch a.Step {
	case StepTOTP:
		t, err := s.store.GetTOTP(ctx, a.PoolID, a.Sub)
		if err != nil {
			return "", fmt.Errorf("check totp: %w", err)
		}
		if t == nil || t.Secret == "" {
			return "", errs.New(errs.SoftwareTokenMFANotFound, "The user has no authenticator app.")
		}
		return SoftwareToken, s.checkTOTP(ctx, a.PoolID, a.Sub, t.Secret, code)
	case StepSMS:
		return SMS, s.checkCode(ctx, a, user.PurposeMFASMS, "phone_number", code)
	default:
		return Email, s.checkCode(ctx, a, user.PurposeMFAEmail, "email", code)
	}
}

// checkCode verifies a texted or emailed code; the right code proves that the user receives
// messages at attr, which is then verified (user.ProveContact). The code is spent by then, so
// a failure to record that is logged and does not fail the sign-in.
func (s *Service) checkCode(ctx context.Context, a *Attempt, purpose user.Purpose, attr, code string) error {
	used, err := s.users.VerifyCode(ctx, a.PoolID, a.Sub, purpose, code)
	if err != nil {
		return err
	}
	if err := s.users.ProveContact(ctx, a.PoolID, a.Sub, attr, used.Destination); err != nil {
		slog.WarnContext(ctx, "mfa code did not verify the contact attribute", "pool", a.PoolID, "sub", a.Sub, "attr", attr, "err", err)
	}
	return nil
}

// checkTOTP accepts a code of the active secret once: its time-step must be later than the
// last accepted one.
func (s *Service) checkTOTP(ctx context.Context, poolID, sub, secret, code string) error {
	matched, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return codeMismatch()
	}
	fresh, err := s.store.AcceptTOTPStep(ctx, poolID, sub, matched)
	if err != nil {
		return fmt.Errorf("check totp: %w", err)
	}
	if !fresh {
		return errs.New(errs.CodeMismatch, "This code was already used. Wait for the next one.")
	}
	return nil
}

// fail counts a wrong code against the attempt and the account; other errors pass unchanged.
func (s *Service) fail(ctx context.Context, a *Attempt, err error) error {
	if c := errs.CodeOf(err); c != errs.CodeMismatch && c != errs.EnableSoftwareTokenMFA {
		return err
	}
	n, ferr := s.store.AddAttemptFailure(ctx, a.PoolID, a.ID)
	if ferr != nil {
		return fmt.Errorf("count mfa failure: %w", ferr)
	}
	if ferr := s.users.CountMFAFailure(ctx, a.PoolID, a.Sub); ferr != nil {
		return ferr
	}
	if n >= MaxFailures {
		if _, ferr := s.store.DeleteAttempt(ctx, a.PoolID, a.ID); ferr != nil {
			return fmt.Errorf("end mfa attempt: %w", ferr)
		}
		return errs.Wrap(errs.NotAuthorized, ErrTooManyCodes, "Too many invalid codes. Sign in again.")
	}
	return err
}

// SetupSecret gives an MFA_SETUP attempt a new authenticator secret (AssociateSoftwareToken
// with a Session).
func (s *Service) SetupSecret(ctx context.Context, poolID, handle string) (*Enrolment, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	if a.Step != StepSetup {
		return nil, errNotSettingUp()
	}
	return s.Associate(ctx, poolID, a.Sub)
}

// SetupVerify verifies the first code of the authenticator of an MFA_SETUP attempt
// (VerifySoftwareToken with a Session); the attempt then waits for Finish. It returns the
// recovery codes when these are the user's first.
func (s *Service) SetupVerify(ctx context.Context, poolID, handle, code string) (*Enrolled, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	if a.Step != StepSetup {
		return nil, errNotSettingUp()
	}
	enrolled, err := s.VerifyEnrolment(ctx, poolID, a.Sub, code)
	if err != nil {
		return nil, s.fail(ctx, a, err)
	}
	a.Step, a.Options, a.Factor = stepDone, nil, SoftwareToken
	if err := s.store.UpdateAttempt(ctx, a); err != nil {
		return nil, fmt.Errorf("verify mfa setup: %w", err)
	}
	return enrolled, nil
}

// Finish ends an MFA_SETUP attempt whose authenticator was verified (RespondToAuthChallenge
// MFA_SETUP).
func (s *Service) Finish(ctx context.Context, poolID, handle string) (*Result, error) {
	a, err := s.attempt(ctx, poolID, handle)
	if err != nil {
		return nil, err
	}
	if a.Step != stepDone {
		return nil, errs.New(errs.InvalidParameter, "The authenticator app is not verified yet: call VerifySoftwareToken first.")
	}
	return s.finish(ctx, a, a.Factor)
}

// Associate generates a pending authenticator secret for the user (AssociateSoftwareToken);
// an active one stays in use until the new one is verified.
func (s *Service) Associate(ctx context.Context, poolID, sub string) (*Enrolment, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("associate software token: %w", err)
	}
	if !p.MfaFactors.SoftwareToken || p.MfaConfiguration == pool.MfaOff {
		return nil, errs.New(errs.InvalidParameter, "The user pool does not offer authenticator apps (SoftwareTokenMfaConfiguration).")
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("associate software token: %w", err)
	}
	e, err := newEnrolment(p.Name, user.DisplayName(p, u))
	if err != nil {
		return nil, err
	}
	if err := s.store.SetPendingTOTP(ctx, poolID, sub, e.Secret, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("associate software token: %w", err)
	}
	return e, nil
}

// Enrolled is a verified authenticator. RecoveryCodes are the user's new recovery codes, shown
// once; nil when the user already had some.
type Enrolled struct {
	RecoveryCodes []string
}

// VerifyEnrolment checks a code of the pending secret (VerifySoftwareToken) and makes it the
// active one. The authenticator app is then enabled (and preferred if nothing else is). A
// wrong code is EnableSoftwareTokenMFA, as Cognito answers.
func (s *Service) VerifyEnrolment(ctx context.Context, poolID, sub, code string) (*Enrolled, error) {
	t, err := s.store.GetTOTP(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("verify software token: %w", err)
	}
	if t == nil || t.Pending == "" {
		return nil, errs.New(errs.SoftwareTokenMFANotFound, "There is no authenticator secret to verify: call AssociateSoftwareToken first.")
	}
	matched, ok := matchTOTP(t.Pending, code, s.now())
	if !ok {
		return nil, errs.New(errs.EnableSoftwareTokenMFA, "Code mismatch")
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("verify software token: %w", err)
	}
	now := s.now().UTC()
	if err := s.store.ActivateTOTP(ctx, poolID, sub, t.Pending, matched, now); err != nil {
		return nil, fmt.Errorf("verify software token: %w", err)
	}
	m := u.MFA
	if !slices.Contains(m.Enabled, string(SoftwareToken)) {
		m.Enabled = ordered(append(slices.Clone(m.Enabled), string(SoftwareToken)))
	}
	if m.PreferredMfa == "" {
		m.PreferredMfa = string(SoftwareToken)
	}
	if err := s.users.SetMFASettings(ctx, poolID, sub, m); err != nil {
		return nil, err
	}
	n, err := s.store.CountRecoveryCodes(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("verify software token: %w", err)
	}
	if n > 0 {
		return &Enrolled{}, nil
	}
	codes, err := s.RegenerateRecoveryCodes(ctx, poolID, sub)
	if err != nil {
		return nil, err
	}
	return &Enrolled{RecoveryCodes: codes}, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with RecoveryCodeCount new ones
// and returns them (they are stored hashed and cannot be shown again).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, poolID, sub string) ([]string, error) {
	if _, err := s.users.GetBySub(ctx, poolID, sub); err != nil {
		return nil, fmt.Errorf("regenerate recovery codes: %w", err)
	}
	codes := newRecoveryCodes()
	hashes := make([]string, len(codes))
	for i, c := range codes {
		n, _ := normalizeRecoveryCode(c)
		hashes[i] = hashRecoveryCode(poolID, sub, n)
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, poolID, sub, hashes, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("regenerate recovery codes: %w", err)
	}
	return codes, nil
}

// Setting is one factor's part of a preference (Cognito's *MfaSettings).
type Setting struct {
	Enabled   bool
	Preferred bool
}

// Preference changes a user's factors (SetUserMFAPreference); nil settings stay as they are.
type Preference struct {
	SMS           *Setting
	SoftwareToken *Setting
	Email         *Setting
}

// PreferenceFor is the preference that changes factor f alone to s (f as ParseFactor gives it).
func PreferenceFor(f Factor, s Setting) Preference {
	var pref Preference
	switch f {
	case SMS:
		pref.SMS = &s
	case SoftwareToken:
		pref.SoftwareToken = &s
	case Email:
		pref.Email = &s
	}
	return pref
}

// SetPreference applies pref to the user's MFA settings. A factor can be enabled only when the
// pool has MFA and offers it, and the user can receive it (a phone number for SMS, an email for
// email, a verified authenticator app); at most one is preferred, and it must be enabled.
// Disabling is always allowed.
func (s *Service) SetPreference(ctx context.Context, poolID, sub string, pref Preference) error {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return fmt.Errorf("set mfa preference: %w", err)
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return fmt.Errorf("set mfa preference: %w", err)
	}
	settings := map[Factor]*Setting{SMS: pref.SMS, SoftwareToken: pref.SoftwareToken, Email: pref.Email}
	preferred := 0
	for _, f := range Factors {
		st := settings[f]
		if st == nil {
			continue
		}
		if st.Preferred {
			preferred++
			if !st.Enabled {
				return errs.New(errs.InvalidParameter, "%s cannot be preferred without being enabled.", f)
			}
		}
		if st.Enabled {
			if err := s.canEnable(ctx, p, u, f); err != nil {
				return err
			}
		}
	}
	if preferred > 1 {
		return errs.New(errs.InvalidParameter, "Only one MFA type can be preferred.")
	}
	m := u.MFA
	enabled := slices.Clone(m.Enabled)
	for _, f := range Factors {
		st := settings[f]
		if st == nil {
			continue
		}
		enabled = slices.DeleteFunc(enabled, func(e string) bool { return e == string(f) })
		if st.Enabled {
			enabled = append(enabled, string(f))
		}
		switch {
		case st.Preferred:
			m.PreferredMfa = string(f)
		case m.PreferredMfa == string(f):
			m.PreferredMfa = ""
		}
	}
	m.Enabled = ordered(enabled)
	if !slices.Contains(m.Enabled, m.PreferredMfa) {
		m.PreferredMfa = ""
	}
	return s.users.SetMFASettings(ctx, poolID, sub, m)
}

// canEnable says why f cannot be enabled for u, if it cannot.
func (s *Service) canEnable(ctx context.Context, p *pool.Pool, u *user.User, f Factor) error {
	if p.MfaConfiguration == pool.MfaOff {
		return errs.New(errs.InvalidParameter, "MFA is turned off in this user pool.")
	}
	if !offered(p, f) {
		return errs.New(errs.InvalidParameter, "%s is not enabled in this user pool.", f)
	}
	switch f {
	case SoftwareToken:
		t, err := s.store.GetTOTP(ctx, p.Id, u.Sub)
		if err != nil {
			return fmt.Errorf("set mfa preference: %w", err)
		}
		if t == nil || t.Secret == "" {
			// InvalidParameter, as Cognito answers: SDKs know no other type for this action.
			return errs.New(errs.InvalidParameter, "User has not verified software token mfa: set up an authenticator app first (AssociateSoftwareToken, then VerifySoftwareToken).")
		}
	case SMS, Email:
		if !reachable(u, f) {
			attr := map[Factor]string{SMS: "phone_number", Email: "email"}[f]
			return errs.New(errs.InvalidParameter, "The user has no %s for %s.", attr, f)
		}
	}
	return nil
}

// ordered returns the enabled factor names in the order of Factors, without duplicates.
func ordered(enabled []string) []string {
	var out []string
	for _, f := range Factors {
		if slices.Contains(enabled, string(f)) {
			out = append(out, string(f))
		}
	}
	return out
}

// Reset removes all of a user's MFA: factors, preference, authenticator secrets, recovery codes
// and pending sign-in attempts (the admin reset). With MFA ON the user enrols again at the next
// sign-in.
func (s *Service) Reset(ctx context.Context, poolID, sub string) error {
	if _, err := s.users.GetBySub(ctx, poolID, sub); err != nil {
		return fmt.Errorf("reset mfa: %w", err)
	}
	if err := s.store.DeleteMFA(ctx, poolID, sub); err != nil {
		return fmt.Errorf("reset mfa: %w", err)
	}
	return s.users.SetMFASettings(ctx, poolID, sub, user.MFASettings{})
}

// Status is a user's MFA as the manage-factors page shows it.
type Status struct {
	Policy    string
	Offered   []Factor
	Enabled   []Factor
	Preferred Factor
	// AuthenticatorEnrolled: the user has a verified authenticator app.
	AuthenticatorEnrolled bool
	RecoveryCodesLeft     int
}

// GetStatus returns the user's MFA status.
func (s *Service) GetStatus(ctx context.Context, poolID, sub string) (*Status, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("mfa status: %w", err)
	}
	u, err := s.users.GetBySub(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("mfa status: %w", err)
	}
	t, err := s.store.GetTOTP(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("mfa status: %w", err)
	}
	n, err := s.store.CountRecoveryCodes(ctx, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("mfa status: %w", err)
	}
	st := &Status{Policy: p.MfaConfiguration, Preferred: Factor(u.MFA.PreferredMfa),
		AuthenticatorEnrolled: t != nil && t.Secret != "", RecoveryCodesLeft: n}
	for _, f := range Factors {
		if offered(p, f) && p.MfaConfiguration != pool.MfaOff {
			st.Offered = append(st.Offered, f)
		}
		if slices.Contains(u.MFA.Enabled, string(f)) {
			st.Enabled = append(st.Enabled, f)
		}
	}
	return st, nil
}
