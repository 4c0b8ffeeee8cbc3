package mfa_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// clock is a settable clock shared by the user and mfa services.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is the mfa service on a real store, with messages delivered by a running outbox worker to
// an in-process SMTP server and an httptest SMS gateway.
type env struct {
	st    *storage.Store
	pools *pool.Service
	users *user.Service
	mfa   *mfa.Service
	clk   *clock
	mail  *smtptest.Server
	sms   <-chan string // texts the gateway received
}

const password = "Corr3ct-Horse!"

func newEnv(t *testing.T, st *storage.Store) *env {
	t.Helper()
	e := &env{st: st, mail: smtptest.Start(t, smtptest.Options{})}
	gateway, texts := messagetest.SMSGateway(t)
	e.sms = texts
	senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + e.mail.Addr, MailFrom: "no-reply@example.com",
		SMSWebhookURL: gateway, SMSWebhookSecret: "gateway secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	worker := messagetest.RunWorker(t, st, senders)

	// Ten minutes in the past (so that messages are due for the worker at once), 10 s into a
	// TOTP step, so that the tests' steps are exact.
	start := time.Now().UTC().Add(-10 * time.Minute).Truncate(mfa.TOTPPeriod).Add(10 * time.Second)
	e.clk = &clock{t: start}
	e.pools = pool.NewService(st, "local")
	e.users = user.NewService(st, e.pools, user.DefaultHasher())
	e.users.SetClock(e.clk.Now)
	e.users.SetMessaging(user.Messaging{CodeKey: []byte("test code key"), Wake: worker.Wake})
	e.mfa = mfa.NewService(st, e.pools, e.users)
	e.mfa.SetClock(e.clk.Now)
	return e
}

func (e *env) pool(t *testing.T, policy string, factors pool.MfaFactors) *pool.Pool {
	t.Helper()
	p, err := e.pools.CreatePool(context.Background(), &pool.Pool{Name: "Example App"})
	if err != nil {
		t.Fatal(err)
	}
	if policy != pool.MfaOff {
		if p, err = e.pools.SetMfaConfig(context.Background(), p.Id, pool.MfaConfig{MfaConfiguration: policy, Factors: factors}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// user creates a confirmed user with password and attributes given as name, value pairs.
func (e *env) user(t *testing.T, poolID, username string, attrs ...string) *user.User {
	t.Helper()
	ctx := context.Background()
	var as []user.Attribute
	for i := 0; i < len(attrs); i += 2 {
		as = append(as, user.Attribute{Name: attrs[i], Value: attrs[i+1]})
	}
	u, _, err := e.users.AdminCreateUser(ctx, poolID, user.AdminCreateUserInput{Username: username, Attributes: as, MessageAction: "SUPPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.users.AdminSetPassword(ctx, poolID, username, password, true); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) totpCode(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, e.clk.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// waitSMS returns the code of the next text the gateway receives.
func (e *env) waitSMS(t *testing.T) string {
	t.Helper()
	select {
	case body := <-e.sms:
		return sixDigits.FindString(body)
	case <-time.After(time.Minute): // a bound on a hang, not a timing check
		t.Fatal("no text message arrived")
		return ""
	}
}

// waitMail returns the code of the n-th mail the SMTP server receives.
func (e *env) waitMail(t *testing.T, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound on a hang
	defer cancel()
	got := e.mail.Wait(ctx, n)
	if len(got) < n {
		t.Fatalf("received %d mails, want %d", len(got), n)
	}
	return sixDigits.FindString(smtptest.Parse(t, got[n-1].Data).Text)
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func begin(t *testing.T, e *env, poolID, sub string, want mfa.Step) *mfa.Challenge {
	t.Helper()
	ch, err := e.mfa.Begin(context.Background(), poolID, sub)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Step != want {
		t.Fatalf("step %q, want %q", ch.Step, want)
	}
	return ch
}

// enrol sets up an authenticator for u through an MFA_SETUP sign-in and returns its secret and
// recovery codes.
func enrol(t *testing.T, e *env, poolID string, u *user.User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	ch := begin(t, e, poolID, u.Sub, mfa.StepSetup)
	if !slices.Equal(ch.Options, []mfa.Factor{mfa.SoftwareToken}) {
		t.Fatalf("MFAS_CAN_SETUP %v", ch.Options)
	}
	en, err := e.mfa.SetupSecret(ctx, poolID, ch.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.mfa.Finish(ctx, poolID, ch.Handle); !errs.Is(err, errs.InvalidParameter) {
		t.Fatalf("finish before verifying: %v", err)
	}
	enrolled, err := e.mfa.SetupVerify(ctx, poolID, ch.Handle, e.totpCode(t, en.Secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.mfa.Finish(ctx, poolID, ch.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sub != u.Sub || !slices.Equal(res.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("result %+v", res)
	}
	if _, err := e.mfa.Finish(ctx, poolID, ch.Handle); !errs.Is(err, errs.NotAuthorized) {
		t.Fatalf("second finish: %v", err)
	}
	return en.Secret, enrolled.RecoveryCodes
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		u := e.user(t, p.Id, "ann")

		// The enrolment's URI names the pool as issuer and the user as account; the QR code is a PNG.
		ch := begin(t, e, p.Id, u.Sub, mfa.StepSetup)
		en, err := e.mfa.SetupSecret(ctx, p.Id, ch.Handle)
		if err != nil {
			t.Fatal(err)
		}
		uri, err := url.Parse(en.URI)
		if err != nil || uri.Scheme != "otpauth" || uri.Host != "totp" || uri.Path != "/Example App:ann" ||
			uri.Query().Get("issuer") != "Example App" || uri.Query().Get("secret") != en.Secret ||
			uri.Query().Get("digits") != "6" || uri.Query().Get("period") != "30" {
			t.Fatalf("uri %q", en.URI)
		}
		img, err := mfa.QRCode(en.URI)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != 256 {
			t.Fatalf("qr code: %v %+v", err, cfg)
		}
		// A wrong first code is refused as Cognito does, and counts.
		_, err = e.mfa.SetupVerify(ctx, p.Id, ch.Handle, "000000")
		wantCode(t, err, errs.EnableSoftwareTokenMFA)

		secret, recovery := enrol(t, e, p.Id, u)
		if len(recovery) != mfa.RecoveryCodeCount {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		got, _ := e.users.GetBySub(ctx, p.Id, u.Sub)
		if !slices.Equal(got.MFA.Enabled, []string{"SOFTWARE_TOKEN_MFA"}) || got.MFA.PreferredMfa != "SOFTWARE_TOKEN_MFA" {
			t.Fatalf("settings %+v", got.MFA)
		}

		// The enrolment's code cannot sign in again (same step).
		ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, 0))
		wantCode(t, err, errs.CodeMismatch)

		// ±1 step is accepted, ±2 is not; each accepted step closes itself and earlier ones.
		e.clk.Advance(5 * mfa.TOTPPeriod)
		for _, off := range []time.Duration{2 * mfa.TOTPPeriod, -2 * mfa.TOTPPeriod} {
			_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, off))
			wantCode(t, err, errs.CodeMismatch)
		}
		res, err := e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, -mfa.TOTPPeriod))
		if err != nil {
			t.Fatalf("code of the previous step: %v", err)
		}
		if res.Factor != mfa.SoftwareToken || !slices.Equal(res.AMR, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("result %+v", res)
		}
		for _, off := range []time.Duration{0, mfa.TOTPPeriod} {
			ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
			if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, off)); err != nil {
				t.Fatalf("code at %v: %v", off, err)
			}
		}
		// Replays: the current step's code and the next one's were both used.
		ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		for _, off := range []time.Duration{0, mfa.TOTPPeriod} {
			_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, off))
			wantCode(t, err, errs.CodeMismatch)
		}
		// A finished attempt cannot be answered again.
		_, err = e.mfa.Answer(ctx, p.Id, "no-such-handle", "123456")
		wantCode(t, err, errs.NotAuthorized)
	})
}

func TestRecoveryCodes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		u := e.user(t, p.Id, "ann")
		_, codes := enrol(t, e, p.Id, u)

		// A recovery code answers the step, typed in any case; it works once.
		ch := begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		res, err := e.mfa.Answer(ctx, p.Id, ch.Handle, " "+codes[0]+" ")
		if err != nil {
			t.Fatal(err)
		}
		if res.Factor != mfa.RecoveryCode || !slices.Equal(res.AMR, []string{"pwd", "mfa"}) {
			t.Fatalf("result %+v", res)
		}
		ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, codes[0])
		wantCode(t, err, errs.CodeMismatch)
		if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, toUpper(codes[1])); err != nil {
			t.Fatalf("upper-case code: %v", err)
		}
		st2, err := e.mfa.GetStatus(ctx, p.Id, u.Sub)
		if err != nil || st2.RecoveryCodesLeft != 8 || !st2.AuthenticatorEnrolled {
			t.Fatalf("status %+v %v", st2, err)
		}

		// Regenerating voids the old codes.
		fresh, err := e.mfa.RegenerateRecoveryCodes(ctx, p.Id, u.Sub)
		if err != nil || len(fresh) != mfa.RecoveryCodeCount || slices.Contains(fresh, codes[2]) {
			t.Fatalf("regenerate: %v %v", fresh, err)
		}
		ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, codes[2])
		wantCode(t, err, errs.CodeMismatch)
		if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, fresh[9]); err != nil {
			t.Fatalf("new code: %v", err)
		}
	})
}

func toUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestSMSAndEmailCodes(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOptional, pool.MfaFactors{SMS: true, Email: true})
		u := e.user(t, p.Id, "ann", "email", "ann@example.com", "phone_number", "+12065550100")

		// OPTIONAL and nothing enabled: the password is enough.
		begin(t, e, p.Id, u.Sub, mfa.StepNone)

		on := &mfa.Setting{Enabled: true}
		if err := e.mfa.SetPreference(ctx, p.Id, u.Sub, mfa.Preference{SMS: on, Email: on}); err != nil {
			t.Fatal(err)
		}
		// Two factors, none preferred: the user chooses; the choice must be one of them.
		ch := begin(t, e, p.Id, u.Sub, mfa.StepSelect)
		if !slices.Equal(ch.Options, []mfa.Factor{mfa.SMS, mfa.Email}) {
			t.Fatalf("MFAS_CAN_CHOOSE %v", ch.Options)
		}
		_, err := e.mfa.Select(ctx, p.Id, ch.Handle, "SOFTWARE_TOKEN_MFA")
		wantCode(t, err, errs.InvalidParameter)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, "123456")
		wantCode(t, err, errs.InvalidParameter) // not at a code step yet
		sel, err := e.mfa.Select(ctx, p.Id, ch.Handle, "SMS_MFA")
		if err != nil {
			t.Fatal(err)
		}
		if sel.Step != mfa.StepSMS || *sel.Delivery != (user.CodeDelivery{Destination: "+*******0100", DeliveryMedium: "SMS", AttributeName: "phone_number"}) {
			t.Fatalf("challenge %+v %+v", sel, sel.Delivery)
		}
		code := e.waitSMS(t)
		res, err := e.mfa.Answer(ctx, p.Id, ch.Handle, code)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.AMR, []string{"pwd", "sms", "mfa"}) {
			t.Fatalf("amr %v", res.AMR)
		}

		// Preferring email sends the code by email (the pool's MFA template).
		if err := e.mfa.SetPreference(ctx, p.Id, u.Sub, mfa.Preference{Email: &mfa.Setting{Enabled: true, Preferred: true}}); err != nil {
			t.Fatal(err)
		}
		ch = begin(t, e, p.Id, u.Sub, mfa.StepEmail)
		if ch.Delivery.DeliveryMedium != "EMAIL" {
			t.Fatalf("delivery %+v", ch.Delivery)
		}
		code = e.waitMail(t, 1)
		// The texted-code purpose cannot answer an email step, and a used code is gone.
		res, err = e.mfa.Answer(ctx, p.Id, ch.Handle, code)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.AMR, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("amr %v", res.AMR)
		}
		ch = begin(t, e, p.Id, u.Sub, mfa.StepEmail)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, code)
		if c := errs.CodeOf(err); c != errs.CodeMismatch && c != errs.ExpiredCode {
			t.Fatalf("reused email code: %v", err)
		}
		// A code is valid for 3 minutes.
		code = e.waitMail(t, 2)
		e.clk.Advance(user.MFACodeTTL)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, code)
		wantCode(t, err, errs.ExpiredCode)
	})
}

func TestWrongCodeLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		u := e.user(t, p.Id, "ann")
		secret, _ := enrol(t, e, p.Id, u)
		e.clk.Advance(2 * mfa.TOTPPeriod)

		ch := begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		for i := 1; i < mfa.MaxFailures; i++ {
			_, err := e.mfa.Answer(ctx, p.Id, ch.Handle, "000000")
			wantCode(t, err, errs.CodeMismatch)
		}
		_, err := e.mfa.Answer(ctx, p.Id, ch.Handle, "000000")
		wantCode(t, err, errs.NotAuthorized)
		if !errors.Is(err, mfa.ErrTooManyCodes) {
			t.Fatalf("fifth wrong code: %v", err)
		}
		// The attempt is over: even the right code needs a new sign-in.
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, 0))
		wantCode(t, err, errs.NotAuthorized)
		// The failures count towards the lockout: the right password is refused for now.
		_, err = e.users.SignIn(ctx, p.Id, "ann", password)
		if !errors.Is(err, user.ErrLockedOut) {
			t.Fatalf("sign-in after 5 wrong codes: %v", err)
		}
		e.clk.Advance(user.MaxLockout)
		if _, err := e.users.SignIn(ctx, p.Id, "ann", password); err != nil {
			t.Fatalf("sign-in after the lockout: %v", err)
		}
		// An attempt expires.
		ch = begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		e.clk.Advance(mfa.AttemptTTL)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, 0))
		wantCode(t, err, errs.NotAuthorized)
	})
}

func TestAdminResetThenReEnrol(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		u := e.user(t, p.Id, "ann")
		old, _ := enrol(t, e, p.Id, u)
		if err := e.mfa.Reset(ctx, p.Id, u.Sub); err != nil {
			t.Fatal(err)
		}
		s, err := e.mfa.GetStatus(ctx, p.Id, u.Sub)
		if err != nil || s.AuthenticatorEnrolled || s.RecoveryCodesLeft != 0 || len(s.Enabled) != 0 || s.Preferred != "" {
			t.Fatalf("status after reset %+v %v", s, err)
		}
		wantCode(t, e.mfa.Reset(ctx, p.Id, "00000000-0000-0000-0000-000000000000"), errs.UserNotFound)

		// With MFA ON the user enrols again at the next sign-in, with a new secret.
		e.clk.Advance(2 * mfa.TOTPPeriod)
		secret, codes := enrol(t, e, p.Id, u)
		if secret == old || len(codes) != mfa.RecoveryCodeCount {
			t.Fatalf("re-enrolment: same secret %v, %d codes", secret == old, len(codes))
		}
		e.clk.Advance(2 * mfa.TOTPPeriod)
		ch := begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		_, err = e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, old, 0))
		wantCode(t, err, errs.CodeMismatch)
		if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, e.totpCode(t, secret, 0)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPreferenceRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOptional, pool.MfaFactors{SMS: true, SoftwareToken: true})
		off := e.pool(t, pool.MfaOff, pool.MfaFactors{})
		u := e.user(t, p.Id, "ann", "email", "ann@example.com")
		v := e.user(t, off.Id, "bob", "phone_number", "+12065550100")
		on, pref := &mfa.Setting{Enabled: true}, &mfa.Setting{Enabled: true, Preferred: true}
		tests := []struct {
			name   string
			poolID string
			sub    string
			pref   mfa.Preference
			want   errs.Code
		}{
			{"authenticator not set up", p.Id, u.Sub, mfa.Preference{SoftwareToken: on}, errs.InvalidParameter},
			{"no phone number", p.Id, u.Sub, mfa.Preference{SMS: on}, errs.InvalidParameter},
			{"email not offered", p.Id, u.Sub, mfa.Preference{Email: on}, errs.InvalidParameter},
			{"preferred but disabled", p.Id, u.Sub, mfa.Preference{SMS: &mfa.Setting{Preferred: true}}, errs.InvalidParameter},
			{"two preferred", p.Id, u.Sub, mfa.Preference{SMS: pref, SoftwareToken: pref}, errs.InvalidParameter},
			{"pool MFA off", off.Id, v.Sub, mfa.Preference{SMS: on}, errs.InvalidParameter},
			{"unknown user", p.Id, "00000000-0000-0000-0000-000000000000", mfa.Preference{SMS: on}, errs.UserNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, e.mfa.SetPreference(ctx, tt.poolID, tt.sub, tt.pref), tt.want)
			})
		}
		for _, sub := range []string{u.Sub, v.Sub} {
			got, _ := e.users.GetBySub(ctx, map[string]string{u.Sub: p.Id, v.Sub: off.Id}[sub], sub)
			if len(got.MFA.Enabled) != 0 || got.MFA.PreferredMfa != "" {
				t.Errorf("a refused preference changed %s: %+v", got.Username, got.MFA)
			}
		}
		// Disabling is always allowed, and clears the preference.
		// Enrolment outside a sign-in (an access token's AssociateSoftwareToken) enables and
		// prefers the app, and hands out the first recovery codes.
		en, err := e.mfa.Associate(ctx, p.Id, u.Sub)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.mfa.VerifyEnrolment(ctx, p.Id, u.Sub, "12345")
		wantCode(t, err, errs.EnableSoftwareTokenMFA)
		enrolled, err := e.mfa.VerifyEnrolment(ctx, p.Id, u.Sub, e.totpCode(t, en.Secret, 0))
		if err != nil || len(enrolled.RecoveryCodes) != mfa.RecoveryCodeCount {
			t.Fatalf("verify: %v", err)
		}
		begin(t, e, p.Id, u.Sub, mfa.StepTOTP)
		if err := e.mfa.SetPreference(ctx, p.Id, u.Sub, mfa.Preference{SoftwareToken: &mfa.Setting{}}); err != nil {
			t.Fatal(err)
		}
		got, _ := e.users.GetBySub(ctx, p.Id, u.Sub)
		if len(got.MFA.Enabled) != 0 || got.MFA.PreferredMfa != "" {
			t.Fatalf("after disabling: %+v", got.MFA)
		}
		begin(t, e, p.Id, u.Sub, mfa.StepNone)
		// Associate is refused where the pool offers no authenticator app.
		_, err = e.mfa.Associate(ctx, off.Id, v.Sub)
		wantCode(t, err, errs.InvalidParameter)
		_, err = e.mfa.VerifyEnrolment(ctx, off.Id, v.Sub, "123456")
		wantCode(t, err, errs.SoftwareTokenMFANotFound)
	})
}

// TestDecide is the OFF / OPTIONAL / ON matrix.
func TestDecide(t *testing.T) {
	all := pool.MfaFactors{SMS: true, SoftwareToken: true, Email: true}
	mk := func(policy string, f pool.MfaFactors) *pool.Pool {
		return &pool.Pool{MfaConfiguration: policy, MfaFactors: f}
	}
	usr := func(preferred string, enabled []string, attrs ...string) *user.User {
		u := &user.User{Attributes: map[string]string{}, MFA: user.MFASettings{PreferredMfa: preferred, Enabled: enabled}}
		for i := 0; i < len(attrs); i += 2 {
			u.Attributes[attrs[i]] = attrs[i+1]
		}
		return u
	}
	phone := []string{"phone_number", "+12065550100", "phone_number_verified", "true"}
	email := []string{"email", "a@example.com", "email_verified", "true"}
	both := append(slices.Clone(phone), email...)
	tests := []struct {
		name string
		p    *pool.Pool
		u    *user.User
		want mfa.Decision
	}{
		{"off ignores factors", mk(pool.MfaOff, all), usr("SOFTWARE_TOKEN_MFA", []string{"SOFTWARE_TOKEN_MFA"}), mfa.Decision{}},
		{"optional, none enabled", mk(pool.MfaOptional, all), usr("", nil, both...), mfa.Decision{}},
		{"optional, totp", mk(pool.MfaOptional, all), usr("", []string{"SOFTWARE_TOKEN_MFA"}), mfa.Decision{Step: mfa.StepTOTP}},
		{"optional, sms", mk(pool.MfaOptional, all), usr("", []string{"SMS_MFA"}, phone...), mfa.Decision{Step: mfa.StepSMS}},
		{"optional, sms without a phone", mk(pool.MfaOptional, all), usr("", []string{"SMS_MFA"}), mfa.Decision{}},
		{"optional, two, none preferred", mk(pool.MfaOptional, all), usr("", []string{"SMS_MFA", "EMAIL_OTP"}, both...),
			mfa.Decision{Step: mfa.StepSelect, Options: []mfa.Factor{mfa.SMS, mfa.Email}}},
		{"optional, two, email preferred", mk(pool.MfaOptional, all), usr("EMAIL_OTP", []string{"SMS_MFA", "EMAIL_OTP"}, both...),
			mfa.Decision{Step: mfa.StepEmail}},
		{"optional, factor no longer offered", mk(pool.MfaOptional, pool.MfaFactors{SoftwareToken: true}), usr("SMS_MFA", []string{"SMS_MFA"}, phone...), mfa.Decision{}},
		{"on, totp", mk(pool.MfaOn, all), usr("", []string{"SOFTWARE_TOKEN_MFA"}), mfa.Decision{Step: mfa.StepTOTP}},
		{"on, nothing, verified phone", mk(pool.MfaOn, all), usr("", nil, both...), mfa.Decision{Step: mfa.StepSMS}},
		{"on, nothing, verified email", mk(pool.MfaOn, all), usr("", nil, email...), mfa.Decision{Step: mfa.StepEmail}},
		{"on, nothing, unverified email", mk(pool.MfaOn, all), usr("", nil, "email", "a@example.com"),
			mfa.Decision{Step: mfa.StepSetup, Options: []mfa.Factor{mfa.SoftwareToken}}},
		{"on, nothing", mk(pool.MfaOn, pool.MfaFactors{SoftwareToken: true}), usr("", nil, both...),
			mfa.Decision{Step: mfa.StepSetup, Options: []mfa.Factor{mfa.SoftwareToken}}},
		{"on, nothing settable", mk(pool.MfaOn, pool.MfaFactors{SMS: true}), usr("", nil), mfa.Decision{Step: mfa.StepSetup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mfa.Decide(tt.p, tt.u)
			if got.Step != tt.want.Step || !slices.Equal(got.Options, tt.want.Options) {
				t.Fatalf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBeginRefusesAnImpossibleSetup(t *testing.T) {
	e := newEnv(t, storagetest.Open(t))
	p := e.pool(t, pool.MfaOn, pool.MfaFactors{SMS: true})
	u := e.user(t, p.Id, "ann")
	_, err := e.mfa.Begin(context.Background(), p.Id, u.Sub)
	wantCode(t, err, errs.InvalidUserPoolConfig)
}

func TestAMR(t *testing.T) {
	tests := map[mfa.Factor][]string{
		"":                {"pwd"},
		mfa.SoftwareToken: {"pwd", "otp", "mfa"},
		mfa.SMS:           {"pwd", "sms", "mfa"},
		mfa.Email:         {"pwd", "otp", "mfa"},
		mfa.RecoveryCode:  {"pwd", "mfa"},
	}
	for f, want := range tests {
		if got := mfa.AMR(f); !slices.Equal(got, want) {
			t.Errorf("AMR(%q) = %v, want %v", f, got, want)
		}
	}
}

// A sign-in without a second factor changes MFA only while the user has none and needs none.
func TestChangeNeedsProof(t *testing.T) {
	optional := &pool.Pool{MfaConfiguration: pool.MfaOptional, MfaFactors: pool.MfaFactors{SoftwareToken: true, Email: true}}
	on := &pool.Pool{MfaConfiguration: pool.MfaOn, MfaFactors: pool.MfaFactors{SoftwareToken: true, Email: true}}
	off := &pool.Pool{MfaConfiguration: pool.MfaOff}
	none := &user.User{Attributes: map[string]string{"email": "a@example.com", "email_verified": "true"}}
	totp := &user.User{Attributes: map[string]string{}, MFA: user.MFASettings{Enabled: []string{"SOFTWARE_TOKEN_MFA"}}}
	pwd, proven := []string{"pwd"}, []string{"pwd", "otp", "mfa"}
	tests := []struct {
		name string
		p    *pool.Pool
		u    *user.User
		amr  []string
		want bool
	}{
		{"password, no factor, optional", optional, none, pwd, false},
		{"password, factor", optional, totp, pwd, true},
		{"password, factor, pool off", off, totp, pwd, true},
		{"password, no factor, MFA on", on, none, pwd, true},
		{"no amr, factor", optional, totp, nil, true},
		{"second factor, factor", optional, totp, proven, false},
		{"recovery code, factor", optional, totp, []string{"pwd", "mfa"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mfa.ChangeNeedsProof(tt.p, tt.u, tt.amr); got != tt.want {
				t.Fatalf("ChangeNeedsProof = %v, want %v", got, tt.want)
			}
		})
	}
}

// A right texted code proves the phone number and a right emailed code the email (Cognito
// documents the first); a wrong code proves nothing, nor does a code sent to a number the
// user has changed since.
func TestCodesVerifyTheContact(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		p := e.pool(t, pool.MfaOptional, pool.MfaFactors{SMS: true, Email: true})
		u := e.user(t, p.Id, "ann", "email", "ann@example.com", "phone_number", "+12065550100")
		verified := func(attr string) string {
			t.Helper()
			got, err := e.users.GetBySub(ctx, p.Id, u.Sub)
			if err != nil {
				t.Fatal(err)
			}
			return got.Attributes[attr+"_verified"]
		}
		if err := e.mfa.SetPreference(ctx, p.Id, u.Sub, mfa.Preference{SMS: &mfa.Setting{Enabled: true, Preferred: true}}); err != nil {
			t.Fatal(err)
		}

		ch := begin(t, e, p.Id, u.Sub, mfa.StepSMS)
		code := e.waitSMS(t)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		_, err := e.mfa.Answer(ctx, p.Id, ch.Handle, wrong)
		wantCode(t, err, errs.CodeMismatch)
		if v := verified("phone_number"); v == "true" {
			t.Fatal("a wrong code verified the phone number")
		}
		if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, code); err != nil {
			t.Fatal(err)
		}
		if verified("phone_number") != "true" || verified("email") == "true" {
			t.Fatalf("after SMS MFA: phone_number_verified=%q email_verified=%q", verified("phone_number"), verified("email"))
		}

		// A code sent before the number changed does not verify the new number.
		if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", []user.Attribute{{Name: "phone_number", Value: "+12065550199"}}); err != nil {
			t.Fatal(err)
		}
		if err := e.users.ProveContact(ctx, p.Id, u.Sub, "phone_number", "+12065550100"); err != nil {
			t.Fatal(err)
		}
		if v := verified("phone_number"); v == "true" {
			t.Fatal("a code sent to the old number verified the new one")
		}
		wantCode(t, e.users.ProveContact(ctx, p.Id, u.Sub, "name", "x"), errs.InvalidParameter)

		if err := e.mfa.SetPreference(ctx, p.Id, u.Sub, mfa.Preference{Email: &mfa.Setting{Enabled: true, Preferred: true}}); err != nil {
			t.Fatal(err)
		}
		ch = begin(t, e, p.Id, u.Sub, mfa.StepEmail)
		if _, err := e.mfa.Answer(ctx, p.Id, ch.Handle, e.waitMail(t, 1)); err != nil {
			t.Fatal(err)
		}
		if v := verified("email"); v != "true" {
			t.Fatalf("after email MFA: email_verified=%q", v)
		}
	})
}
