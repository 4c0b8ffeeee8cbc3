package cognito_test

import (
	"log/slog"
	"net/http/httptest"
	"slices"
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
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

const mfaPassword = "Corr3ct-Horse!"

// newMFAEnv is the Cognito API with sign-in and MFA wired on a fresh database.
func newMFAEnv(t *testing.T, d storagetest.Database) (*env, *cip.Client) {
	t.Helper()
	st := d.Open(t)
	sealer, err := seal.New(d.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keysvc.New(st, sealer, keysvc.Config{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	pools := pool.NewService(st, "local")
	users := user.NewService(st, pools, testHasher())
	h := &cognito.Handler{
		Pools: pools, Users: users, Credentials: keys{testKeyID: testSecret}, Keys: ks,
		MFA:    mfa.NewService(st, pools, users),
		Logger: slog.New(slog.DiscardHandler), Now: time.Now,
		Auth: &cognito.Auth{Sessions: st, Challenges: st, Users: st, Keys: ks, Sealer: sealer, PublicURL: srv.URL},
	}
	r := mux.NewRouter()
	h.Mount(r)
	srv.Config.Handler = r
	return &env{url: srv.URL, api: newClient(srv.URL, credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""))},
		newClient(srv.URL, aws.AnonymousCredentials{})
}

func TestMFAActions(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		e, pub := newMFAEnv(t, d)
		ctx := t.Context()
		id := e.createPool(t, nil)

		cfg := must(e.api.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: &id})).ok(t)
		if cfg.MfaConfiguration != types.UserPoolMfaTypeOff || cfg.SoftwareTokenMfaConfiguration.Enabled || cfg.SmsMfaConfiguration != nil {
			t.Fatalf("new pool's MFA config %+v", cfg)
		}
		// Bad configurations are refused and change nothing.
		_, err := e.api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOn})
		wantErr[*types.InvalidParameterException](t, err)
		_, err = e.api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOptional,
			SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("no code here")}})
		wantErr[*types.InvalidParameterException](t, err)
		_, err = e.api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String("local_nosuchpoo"), MfaConfiguration: types.UserPoolMfaTypeOff})
		wantErr[*types.ResourceNotFoundException](t, err)

		set := must(e.api.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOptional,
			SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
			SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code: {####}")}})).ok(t)
		cfg = must(e.api.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: &id})).ok(t)
		for _, c := range []struct {
			mfa  types.UserPoolMfaType
			totp bool
			sms  *types.SmsMfaConfigType
		}{{set.MfaConfiguration, set.SoftwareTokenMfaConfiguration.Enabled, set.SmsMfaConfiguration},
			{cfg.MfaConfiguration, cfg.SoftwareTokenMfaConfiguration.Enabled, cfg.SmsMfaConfiguration}} {
			if c.mfa != types.UserPoolMfaTypeOptional || !c.totp || c.sms == nil || aws.ToString(c.sms.SmsAuthenticationMessage) != "Your code: {####}" {
				t.Fatalf("MFA config %+v", c)
			}
		}

		app := must(e.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String("app"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth}})).ok(t).UserPoolClient
		e.createUser(t, id, "ann", "email", "ann@example.com")
		must(e.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("ann"),
			Password: aws.String(mfaPassword), Permanent: true})).ok(t)
		signIn := func() (*cip.InitiateAuthOutput, error) {
			return pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: app.ClientId,
				AuthParameters: map[string]string{"USERNAME": "ann", "PASSWORD": mfaPassword}})
		}
		// OPTIONAL and nothing enrolled: the password is enough.
		access := must(signIn()).ok(t).AuthenticationResult.AccessToken

		// Enrolment with the access token; the code is computed from the secret.
		assoc := must(pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).ok(t)
		_, err = pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("000000")})
		wantErr[*types.EnableSoftwareTokenMFAException](t, err)
		code, err := totp.GenerateCode(aws.ToString(assoc.SecretCode), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ver := must(pub.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: &code})).ok(t)
		if ver.Status != types.VerifySoftwareTokenResponseTypeSuccess {
			t.Fatalf("status %v", ver.Status)
		}
		me := must(pub.GetUser(ctx, &cip.GetUserInput{AccessToken: access})).ok(t)
		if aws.ToString(me.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" || !slices.Equal(me.UserMFASettingList, []string{"SOFTWARE_TOKEN_MFA"}) {
			t.Fatalf("GetUser MFA %v %v", aws.ToString(me.PreferredMfaSetting), me.UserMFASettingList)
		}
		// A user with a second factor gets its challenge, not tokens.
		if out := must(signIn()).ok(t); out.AuthenticationResult != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
			t.Fatalf("sign-in with an authenticator: %+v", out)
		}

		// Preference rules apply through the API.
		_, err = pub.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}})
		wantErr[*types.InvalidParameterException](t, err) // no phone number
		_, err = e.api.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &id, Username: aws.String("nobody"),
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{}})
		wantErr[*types.UserNotFoundException](t, err)
		must(e.api.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &id, Username: aws.String("ann"),
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false}})).ok(t)
		got := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("ann")})).ok(t)
		if got.PreferredMfaSetting != nil || len(got.UserMFASettingList) != 0 {
			t.Fatalf("after disabling %v %v", aws.ToString(got.PreferredMfaSetting), got.UserMFASettingList)
		}
		must(signIn()).ok(t)
		// Disabling keeps the authenticator: it can be enabled again without enrolling.
		must(pub.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}})).ok(t)

		// The admin reset removes the authenticator too (beyond Cognito).
		if r := e.signedJSON(t, "AdminResetUserMFA", map[string]any{"UserPoolId": id, "Username": "ann"}); r.status != 200 {
			t.Fatalf("AdminResetUserMFA: %d %v", r.status, r.body)
		}
		if r := e.signedJSON(t, "AdminResetUserMFA", map[string]any{"UserPoolId": id, "Username": "nobody"}); r.body["__type"] != "UserNotFoundException" {
			t.Fatalf("AdminResetUserMFA of nobody: %v", r.body)
		}
		_, err = pub.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}})
		wantErr[*types.InvalidParameterException](t, err)
		must(signIn()).ok(t)
		// A Session that is no MFA_SETUP challenge's enrols nothing.
		_, err = pub.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String("x")})
		wantErr[*types.NotAuthorizedException](t, err)
	})
}
