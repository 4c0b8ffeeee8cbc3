package cognito_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gorilla/mux"
	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/cognito"
	keysvc "github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/message/messagetest"
	"github.com/userpool/userpool/message/smtptest"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/srp"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// mfaClock is the settable clock of the MFA journeys: TOTP steps and lockouts move with it.
type mfaClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mfaClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mfaClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mfaJourney is the Cognito API with sign-in, MFA and messaging wired: mail goes to an
// in-process SMTP server, texts to an httptest gateway.
type mfaJourney struct {
	*env
	pub   *cip.Client
	clk   *mfaClock
	mail  *smtptest.Server
	mails int
	sms   <-chan string
	pool  string
	app   string
}

func newMFAJourney(t *testing.T, d storagetest.Database, policy types.UserPoolMfaType, sms, software, email bool) *mfaJourney {
	t.Helper()
	st := d.Open(t)
	j := &mfaJourney{mail: smtptest.Start(t, smtptest.Options{})}
	gateway, texts := messagetest.SMSGateway(t)
	j.sms = texts
	senders, err := message.NewSenders(message.Config{SMTPURL: "smtp://" + j.mail.Addr, MailFrom: "no-reply@example.com",
		SMSWebhookURL: gateway, SMSWebhookSecret: "gateway secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	worker := messagetest.RunWorker(t, st, senders)
	// In the past (so that messages are due for the worker at once), 5 s into a TOTP step.
	j.clk = &mfaClock{t: time.Now().UTC().Add(-10 * time.Minute).Truncate(mfa.TOTPPeriod).Add(5 * time.Second)}

	sealer, err := seal.New(d.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keysvc.New(st, sealer, keysvc.Config{Now: j.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	pools := pool.NewService(st, "local")
	users := user.NewService(st, pools, testHasher())
	users.SetClock(j.clk.Now)
	users.SetMessaging(user.Messaging{CodeKey: []byte("test code key"), Wake: worker.Wake})
	m := mfa.NewService(st, pools, users)
	m.SetClock(j.clk.Now)
	h := &cognito.Handler{Pools: pools, Users: users, Credentials: keys{testKeyID: testSecret}, Keys: ks, MFA: m,
		Logger: slog.New(slog.DiscardHandler), Now: j.clk.Now,
		Auth: &cognito.Auth{Sessions: st, Challenges: st, Users: st, Keys: ks, Sealer: sealer, PublicURL: srv.URL}}
	r := mux.NewRouter()
	h.Mount(r)
	srv.Config.Handler = r
	j.env = &env{url: srv.URL, api: newClient(srv.URL, credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""))}
	j.pub = newClient(srv.URL, aws.AnonymousCredentials{})

	j.pool = j.createPool(t, &cip.CreateUserPoolInput{})
	j.setPolicy(t, policy, sms, software, email)
	app := must(j.api.CreateUserPoolClient(t.Context(), &cip.CreateUserPoolClientInput{UserPoolId: &j.pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth}})).ok(t).UserPoolClient
	j.app = *app.ClientId
	return j
}

func (j *mfaJourney) setPolicy(t *testing.T, policy types.UserPoolMfaType, sms, software, email bool) {
	t.Helper()
	in := &cip.SetUserPoolMfaConfigInput{UserPoolId: &j.pool, MfaConfiguration: policy,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: software}}
	if sms {
		in.SmsMfaConfiguration = &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your sign-in code is {####}")}
	}
	if email {
		in.EmailMfaConfiguration = &types.EmailMfaConfigType{Message: aws.String("<p>Your sign-in code is {####}</p>"), Subject: aws.String("Sign-in code")}
	}
	must(j.api.SetUserPoolMfaConfig(t.Context(), in)).ok(t)
}

// user creates a confirmed user with the test password and verified email and phone.
func (j *mfaJourney) user(t *testing.T, name string) {
	t.Helper()
	j.createUser(t, j.pool, name, "email", name+"@example.com", "email_verified", "true",
		"phone_number", "+15555550100", "phone_number_verified", "true")
	must(j.api.AdminSetUserPassword(t.Context(), &cip.AdminSetUserPasswordInput{UserPoolId: &j.pool, Username: &name,
		Password: aws.String(mfaPassword), Permanent: true})).ok(t)
}

func (j *mfaJourney) signIn(t *testing.T, name string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	return j.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &j.app,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": mfaPassword}})
}

// challenge signs name in and checks that the answer is the challenge want.
func (j *mfaJourney) challenge(t *testing.T, name string, want types.ChallengeNameType) *cip.InitiateAuthOutput {
	t.Helper()
	out := must(j.signIn(t, name)).ok(t)
	if out.ChallengeName != want || out.AuthenticationResult != nil || aws.ToString(out.Session) == "" {
		t.Fatalf("sign-in of %s: challenge %q (tokens %v), want %q", name, out.ChallengeName, out.AuthenticationResult != nil, want)
	}
	if out.ChallengeParameters["USER_ID_FOR_SRP"] != name {
		t.Fatalf("USER_ID_FOR_SRP %q", out.ChallengeParameters["USER_ID_FOR_SRP"])
	}
	return out
}

func (j *mfaJourney) respond(t *testing.T, name string, ch types.ChallengeNameType, session *string, kv ...string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	r := map[string]string{"USERNAME": name}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return j.pub.RespondToAuthChallenge(t.Context(), &cip.RespondToAuthChallengeInput{ClientId: &j.app, ChallengeName: ch,
		Session: session, ChallengeResponses: r})
}

// idClaims decodes the ID token of a result (its signature is the token package's concern).
func idClaims(t *testing.T, r *types.AuthenticationResultType) map[string]any {
	t.Helper()
	if r == nil || r.IdToken == nil {
		t.Fatal("no tokens")
	}
	parts := strings.Split(*r.IdToken, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantAMR(t *testing.T, r *types.AuthenticationResultType, want ...string) {
	t.Helper()
	c := idClaims(t, r)
	var got []string
	raw, _ := c["amr"].([]any)
	for _, v := range raw {
		s, _ := v.(string)
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("amr %v, want %v", got, want)
	}
	if _, ok := c["auth_time"].(float64); !ok {
		t.Fatalf("no auth_time in %v", c)
	}
}

func (j *mfaJourney) totp(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, j.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var sixDigitCode = regexp.MustCompile(`\b[0-9]{6}\b`)

func (j *mfaJourney) smsCode(t *testing.T) string {
	t.Helper()
	select {
	case body := <-j.sms:
		return sixDigitCode.FindString(body)
	case <-time.After(time.Minute): // a bound on a hang, not a timing check
		t.Fatal("no text message arrived")
		return ""
	}
}

func (j *mfaJourney) mailCode(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound on a hang
	defer cancel()
	j.mails++
	got := j.mail.Wait(ctx, j.mails)
	if len(got) < j.mails {
		t.Fatalf("received %d mails, want %d", len(got), j.mails)
	}
	return sixDigitCode.FindString(smtptest.Parse(t, got[j.mails-1].Data).Text)
}

// setup answers MFA_SETUP with the Session alone, as Cognito's clients do, and returns the
// authenticator's secret and the tokens.
func (j *mfaJourney) setup(t *testing.T, name string, out *cip.InitiateAuthOutput) (string, *types.AuthenticationResultType) {
	t.Helper()
	ctx := t.Context()
	if out.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("MFAS_CAN_SETUP %q", out.ChallengeParameters["MFAS_CAN_SETUP"])
	}
	// Before the authenticator is verified, MFA_SETUP cannot complete; the Session survives.
	_, err := j.respond(t, name, types.ChallengeNameTypeMfaSetup, out.Session)
	wantErr[*types.InvalidParameterException](t, err)
	assoc := must(j.pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})).ok(t)
	if aws.ToString(assoc.SecretCode) == "" || aws.ToString(assoc.Session) == "" || aws.ToString(assoc.Session) == aws.ToString(out.Session) {
		t.Fatalf("AssociateSoftwareToken %+v", assoc)
	}
	// The first Session is used up.
	_, err = j.pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
	wantErr[*types.NotAuthorizedException](t, err)
	_, err = j.pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String("000000")})
	wantErr[*types.EnableSoftwareTokenMFAException](t, err)
	ver := must(j.pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session,
		UserCode: aws.String(j.totp(t, *assoc.SecretCode))})).ok(t)
	if ver.Status != types.VerifySoftwareTokenResponseTypeSuccess || aws.ToString(ver.Session) == "" {
		t.Fatalf("VerifySoftwareToken %+v", ver)
	}
	done := must(j.respond(t, name, types.ChallengeNameTypeMfaSetup, ver.Session)).ok(t)
	return *assoc.SecretCode, done.AuthenticationResult
}

func TestMFAChallengeTOTP(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		j := newMFAJourney(t, d, types.UserPoolMfaTypeOptional, true, true, true)
		ctx := t.Context()
		j.user(t, "ann")
		// OPTIONAL with nothing enrolled: the password is enough; amr says so.
		first := must(j.signIn(t, "ann")).ok(t)
		wantAMR(t, first.AuthenticationResult, "pwd")
		access := first.AuthenticationResult.AccessToken
		assoc := must(j.pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).ok(t)
		secret := *assoc.SecretCode
		must(j.pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(j.totp(t, secret))})).ok(t)
		j.clk.advance(mfa.TOTPPeriod)

		out := j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
		// A wrong code keeps the Session usable.
		_, err := j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", "000000")
		wantErr[*types.CodeMismatchException](t, err)
		// A missing code too.
		_, err = j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session)
		wantErr[*types.InvalidParameterException](t, err)
		// Another challenge's name burns nothing of this one's.
		_, err = j.respond(t, "ann", types.ChallengeNameTypeSmsMfa, out.Session, "SMS_MFA_CODE", "123456")
		wantErr[*types.NotAuthorizedException](t, err)
		out = j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
		code := j.totp(t, secret)
		done := must(j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", code)).ok(t)
		wantAMR(t, done.AuthenticationResult, "pwd", "otp", "mfa")
		// The Session is used up.
		_, err = j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", code)
		wantErr[*types.NotAuthorizedException](t, err)
		// The refreshed ID token keeps the amr of the sign-in.
		ref := must(j.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &j.app,
			AuthParameters: map[string]string{"REFRESH_TOKEN": *done.AuthenticationResult.RefreshToken}})).ok(t)
		wantAMR(t, ref.AuthenticationResult, "pwd", "otp", "mfa")

		// The same code cannot sign in twice (replay), not even within its window.
		out = j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
		_, err = j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", code)
		wantErr[*types.CodeMismatchException](t, err)
		j.clk.advance(mfa.TOTPPeriod)
		must(j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", j.totp(t, secret))).ok(t)

		// The admin flow asks for the same challenge.
		aout := must(j.api.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: &j.pool, ClientId: &j.app,
			AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": mfaPassword}})).ok(t)
		if aout.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || aout.AuthenticationResult != nil {
			t.Fatalf("admin sign-in: %+v", aout)
		}
		j.clk.advance(mfa.TOTPPeriod)
		adone := must(j.api.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: &j.pool, ClientId: &j.app,
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: aout.Session,
			ChallengeResponses: map[string]string{"USERNAME": "ann", "SOFTWARE_TOKEN_MFA_CODE": j.totp(t, secret)}})).ok(t)
		wantAMR(t, adone.AuthenticationResult, "pwd", "otp", "mfa")

		// At most mfa.MaxFailures wrong codes: the last one ends the sign-in, and the right
		// code then is too late. The failures count towards the account lockout.
		out = j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
		for i := 1; i <= mfa.MaxFailures; i++ {
			_, err = j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", "000000")
			if i < mfa.MaxFailures {
				wantErr[*types.CodeMismatchException](t, err)
			} else {
				wantErr[*types.NotAuthorizedException](t, err)
			}
		}
		j.clk.advance(mfa.TOTPPeriod)
		_, err = j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", j.totp(t, secret))
		wantErr[*types.NotAuthorizedException](t, err)
		j.clk.advance(-mfa.TOTPPeriod)
		_, err = j.signIn(t, "ann")
		wantErr[*types.NotAuthorizedException](t, err) // locked out for a moment
		j.clk.advance(mfa.TOTPPeriod)
		j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
	})
}

// Recovery codes answer any code challenge once (beyond Cognito: returned by
// VerifySoftwareToken in RecoveryCodes).
func TestMFARecoveryCode(t *testing.T) {
	j := newMFAJourney(t, storagetest.SQLite(t), types.UserPoolMfaTypeOn, false, true, false)
	j.user(t, "ann")
	out := j.challenge(t, "ann", types.ChallengeNameTypeMfaSetup)
	assoc := must(j.pub.AssociateSoftwareToken(t.Context(), &cip.AssociateSoftwareTokenInput{Session: out.Session})).ok(t)
	// The raw call shows the extension fields the SDK does not model.
	r := j.post(t, "VerifySoftwareToken", "application/x-amz-json-1.1",
		mustJSON(t, map[string]string{"Session": *assoc.Session, "UserCode": j.totp(t, *assoc.SecretCode)}), nil)
	codes, _ := r.body["RecoveryCodes"].([]any)
	if r.status != http.StatusOK || len(codes) != 10 || r.body["Session"] == nil {
		t.Fatalf("VerifySoftwareToken: %d %v", r.status, r.body)
	}
	sess, _ := r.body["Session"].(string)
	must(j.respond(t, "ann", types.ChallengeNameTypeMfaSetup, &sess)).ok(t)

	rc, _ := codes[0].(string)
	out = j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
	done := must(j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", rc)).ok(t)
	wantAMR(t, done.AuthenticationResult, "pwd", "mfa")
	out = j.challenge(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa)
	_, err := j.respond(t, "ann", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", rc)
	wantErr[*types.CodeMismatchException](t, err)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMFAChallengeSMSAndEmail(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		t.Run("sms", func(t *testing.T) {
			j := newMFAJourney(t, d, types.UserPoolMfaTypeOn, true, false, false)
			j.user(t, "bob")
			out := j.challenge(t, "bob", types.ChallengeNameTypeSmsMfa)
			p := out.ChallengeParameters
			if p["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" || !strings.HasSuffix(p["CODE_DELIVERY_DESTINATION"], "0100") ||
				strings.Contains(p["CODE_DELIVERY_DESTINATION"], "555555") {
				t.Fatalf("SMS_MFA parameters %v", p)
			}
			code := j.smsCode(t)
			_, err := j.respond(t, "bob", types.ChallengeNameTypeSmsMfa, out.Session, "SMS_MFA_CODE", wrong(code))
			wantErr[*types.CodeMismatchException](t, err)
			done := must(j.respond(t, "bob", types.ChallengeNameTypeSmsMfa, out.Session, "SMS_MFA_CODE", code)).ok(t)
			wantAMR(t, done.AuthenticationResult, "pwd", "sms", "mfa")
			// A code is single use.
			out = j.challenge(t, "bob", types.ChallengeNameTypeSmsMfa)
			_, err = j.respond(t, "bob", types.ChallengeNameTypeSmsMfa, out.Session, "SMS_MFA_CODE", code)
			wantErr[*types.CodeMismatchException](t, err)
		})
		t.Run("email", func(t *testing.T) {
			j := newMFAJourney(t, d, types.UserPoolMfaTypeOn, false, false, true)
			j.user(t, "cat")
			out := j.challenge(t, "cat", types.ChallengeNameTypeEmailOtp)
			if p := out.ChallengeParameters; p["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" || !strings.HasPrefix(p["CODE_DELIVERY_DESTINATION"], "c***@") {
				t.Fatalf("EMAIL_OTP parameters %v", p)
			}
			done := must(j.respond(t, "cat", types.ChallengeNameTypeEmailOtp, out.Session, "EMAIL_OTP_CODE", j.mailCode(t))).ok(t)
			wantAMR(t, done.AuthenticationResult, "pwd", "otp", "mfa")
		})
	})
}

// wrong returns another 6-digit code than code.
func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestMFASelectType(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		j := newMFAJourney(t, d, types.UserPoolMfaTypeOptional, true, true, true)
		ctx := t.Context()
		j.user(t, "dan")
		access := must(j.signIn(t, "dan")).ok(t).AuthenticationResult.AccessToken
		assoc := must(j.pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).ok(t)
		must(j.pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(j.totp(t, *assoc.SecretCode))})).ok(t)
		// Two factors, none preferred.
		must(j.pub.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SMSMfaSettings:           &types.SMSMfaSettingsType{Enabled: true},
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}})).ok(t)

		out := j.challenge(t, "dan", types.ChallengeNameTypeSelectMfaType)
		if got := out.ChallengeParameters["MFAS_CAN_CHOOSE"]; got != `["SMS_MFA","SOFTWARE_TOKEN_MFA"]` {
			t.Fatalf("MFAS_CAN_CHOOSE %q", got)
		}
		// A factor the user cannot choose is refused and the Session stays.
		_, err := j.respond(t, "dan", types.ChallengeNameTypeSelectMfaType, out.Session, "ANSWER", "EMAIL_OTP")
		wantErr[*types.InvalidParameterException](t, err)
		next := must(j.respond(t, "dan", types.ChallengeNameTypeSelectMfaType, out.Session, "ANSWER", "SMS_MFA")).ok(t)
		if next.ChallengeName != types.ChallengeNameTypeSmsMfa || next.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" {
			t.Fatalf("after choosing SMS: %+v", next)
		}
		done := must(j.respond(t, "dan", types.ChallengeNameTypeSmsMfa, next.Session, "SMS_MFA_CODE", j.smsCode(t))).ok(t)
		wantAMR(t, done.AuthenticationResult, "pwd", "sms", "mfa")

		// A preference skips the choice.
		must(j.pub.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}})).ok(t)
		j.challenge(t, "dan", types.ChallengeNameTypeSoftwareTokenMfa)
	})
}

// The pool's policy through the API: OFF never asks, OPTIONAL asks users with a factor, ON asks
// everyone and makes users without a factor enrol (MFA_SETUP) — then after an admin reset again.
func TestMFAPolicyMatrix(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		j := newMFAJourney(t, d, types.UserPoolMfaTypeOn, false, true, false)
		j.user(t, "eve")  // will enrol
		j.user(t, "fred") // never enrols
		secret, res := j.setup(t, "eve", j.challenge(t, "eve", types.ChallengeNameTypeMfaSetup))
		wantAMR(t, res, "pwd", "otp", "mfa")

		for _, tt := range []struct {
			policy    types.UserPoolMfaType
			eve, fred types.ChallengeNameType // "" = tokens
		}{
			{types.UserPoolMfaTypeOff, "", ""},
			{types.UserPoolMfaTypeOptional, types.ChallengeNameTypeSoftwareTokenMfa, ""},
			{types.UserPoolMfaTypeOn, types.ChallengeNameTypeSoftwareTokenMfa, types.ChallengeNameTypeMfaSetup},
		} {
			j.setPolicy(t, tt.policy, false, tt.policy != types.UserPoolMfaTypeOff, false)
			for name, want := range map[string]types.ChallengeNameType{"eve": tt.eve, "fred": tt.fred} {
				out := must(j.signIn(t, name)).ok(t)
				if out.ChallengeName != want || (want == "") != (out.AuthenticationResult != nil) {
					t.Fatalf("%s with MFA %s: challenge %q, want %q", name, tt.policy, out.ChallengeName, want)
				}
				if want == "" {
					wantAMR(t, out.AuthenticationResult, "pwd")
				}
			}
		}

		// The admin reset removes eve's authenticator: she enrols again at the next sign-in, and
		// the old secret's codes no longer count.
		if r := j.signedJSON(t, "AdminResetUserMFA", map[string]any{"UserPoolId": j.pool, "Username": "eve"}); r.status != 200 {
			t.Fatalf("AdminResetUserMFA: %d %v", r.status, r.body)
		}
		j.clk.advance(mfa.TOTPPeriod)
		secret2, _ := j.setup(t, "eve", j.challenge(t, "eve", types.ChallengeNameTypeMfaSetup))
		if secret2 == secret {
			t.Fatal("the same secret after a reset")
		}
		j.clk.advance(mfa.TOTPPeriod)
		out := j.challenge(t, "eve", types.ChallengeNameTypeSoftwareTokenMfa)
		_, err := j.respond(t, "eve", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", j.totp(t, secret))
		wantErr[*types.CodeMismatchException](t, err)
		must(j.respond(t, "eve", types.ChallengeNameTypeSoftwareTokenMfa, out.Session, "SOFTWARE_TOKEN_MFA_CODE", j.totp(t, secret2))).ok(t)
	})
}

// A temporary password first, then the second factor.
func TestMFAAfterNewPassword(t *testing.T) {
	j := newMFAJourney(t, storagetest.SQLite(t), types.UserPoolMfaTypeOn, true, false, false)
	j.createUser(t, j.pool, "gus", "phone_number", "+15555550100", "phone_number_verified", "true")
	out, err := j.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &j.app,
		AuthParameters: map[string]string{"USERNAME": "gus", "PASSWORD": "Temp-Passw0rd!"}})
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("temporary password: %v %+v", err, out)
	}
	next := must(j.respond(t, "gus", types.ChallengeNameTypeNewPasswordRequired, out.Session, "NEW_PASSWORD", mfaPassword)).ok(t)
	if next.ChallengeName != types.ChallengeNameTypeSmsMfa || next.AuthenticationResult != nil {
		t.Fatalf("after the new password: %+v", next)
	}
	done := must(j.respond(t, "gus", types.ChallengeNameTypeSmsMfa, next.Session, "SMS_MFA_CODE", j.smsCode(t))).ok(t)
	wantAMR(t, done.AuthenticationResult, "pwd", "sms", "mfa")
}

// Sessions of MFA_SETUP are bound to their pool and client: edited ones enrol nothing.
func TestMFASetupSessionBinding(t *testing.T) {
	j := newMFAJourney(t, storagetest.SQLite(t), types.UserPoolMfaTypeOn, false, true, false)
	j.user(t, "hal")
	out := j.challenge(t, "hal", types.ChallengeNameTypeMfaSetup)
	s := *out.Session
	pool, rest, _ := strings.Cut(s, ".")
	client, secret, _ := strings.Cut(rest, ".")
	for _, bad := range []string{"", secret, pool + "." + secret, pool + ".otherclient." + secret, "local_other." + client + "." + secret} {
		_, err := j.pub.AssociateSoftwareToken(t.Context(), &cip.AssociateSoftwareTokenInput{Session: aws.String(bad)})
		if bad == "" {
			wantErr[*types.InvalidParameterException](t, err)
			continue
		}
		wantErr[*types.NotAuthorizedException](t, err)
	}
	// None of them reached the challenge: the real Session still works.
	must(j.pub.AssociateSoftwareToken(t.Context(), &cip.AssociateSoftwareTokenInput{Session: out.Session})).ok(t)
}

// SRP's PASSWORD_VERIFIER leads to the second factor like the password flows.
func TestMFAAfterSRP(t *testing.T) {
	j := newMFAJourney(t, storagetest.SQLite(t), types.UserPoolMfaTypeOn, true, false, false)
	j.user(t, "ivy")
	ctx := t.Context()
	c, err := srp.NewClient(srp.PoolName(j.pool))
	if err != nil {
		t.Fatal(err)
	}
	out := must(j.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &j.app,
		AuthParameters: map[string]string{"USERNAME": "ivy", "SRP_A": c.A()}})).ok(t)
	p := out.ChallengeParameters
	stamp := srp.Timestamp(j.clk.Now())
	sig, err := c.Sign(p["USER_ID_FOR_SRP"], mfaPassword, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], stamp)
	if err != nil {
		t.Fatal(err)
	}
	next := must(j.respond(t, "ivy", types.ChallengeNameTypePasswordVerifier, out.Session,
		"PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE", sig, "TIMESTAMP", stamp)).ok(t)
	if next.ChallengeName != types.ChallengeNameTypeSmsMfa || next.AuthenticationResult != nil {
		t.Fatalf("after the SRP proof: %+v", next)
	}
	done := must(j.respond(t, "ivy", types.ChallengeNameTypeSmsMfa, next.Session, "SMS_MFA_CODE", j.smsCode(t))).ok(t)
	wantAMR(t, done.AuthenticationResult, "pwd", "sms", "mfa")
}
