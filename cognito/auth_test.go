package cognito_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/cognito"
	keysvc "github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/srp"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// authEnv is the Cognito API with sign-in wired, next to the OIDC provider, on one store.
type authEnv struct {
	*env
	pub    *cip.Client // anonymous: the public actions
	clock  *clock
	store  *storage.Store
	keys   *keysvc.Service
	poolID string
	// pools and triggers: a test that configures a trigger sets its secret through them.
	pools    *pool.Service
	triggers *trigger.Service
}

func newAuthEnv(t *testing.T, d storagetest.Database) *authEnv {
	t.Helper()
	st := d.Open(t)
	clk := &clock{}
	sealer, err := seal.New(d.Key)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keysvc.New(st, sealer, keysvc.Config{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t)
	pools := pool.NewService(st, "local")
	users := user.NewService(st, pools, testHasher())
	users.SetClock(clk.Now)
	// Triggers are wired as in the server; they do nothing until a test configures one.
	tr := trigger.NewService(st, pools, trigger.Config{AllowPrivateNetworks: true})
	users.SetTriggers(tr)
	h := &cognito.Handler{Pools: pools, Users: users, Keys: ks, Now: clk.Now, Triggers: tr,
		Auth: &cognito.Auth{Sessions: st, Challenges: st, Users: st, Keys: ks, Sealer: sealer, PublicURL: srv.URL,
			FakeSaltKey: []byte("fake salt key for the tests"), Triggers: tr},
	}
	var key [32]byte
	copy(key[:], "test crypto key, not for use....")
	prov, err := provider.New(provider.Config{PublicURL: srv.URL, CryptoKey: key, CacheTTL: time.Nanosecond, Now: clk.Now, Triggers: tr},
		pools, st, st, ks)
	if err != nil {
		t.Fatal(err)
	}
	e := &authEnv{env: srv.serve(h, prov.Mount), clock: clk, store: st, keys: ks, pools: pools, triggers: tr}
	e.pub = e.anon()
	e.poolID = e.createPool(t, nil)
	return e
}

// app creates an app client of the pool; edit changes the request.
func (e *authEnv) app(t *testing.T, secret bool, edit func(in *cip.CreateUserPoolClientInput)) *types.UserPoolClientType {
	t.Helper()
	in := &cip.CreateUserPoolClientInput{UserPoolId: &e.poolID, ClientName: aws.String("app"), GenerateSecret: secret,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
			types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}}
	if edit != nil {
		edit(in)
	}
	return must(e.api.CreateUserPoolClient(t.Context(), in)).ok(t).UserPoolClient
}

// confirmedUser creates a CONFIRMED user with the password.
func (e *authEnv) confirmedUser(t *testing.T, username, password string, attrs ...string) *types.UserType {
	t.Helper()
	u := e.createUser(t, e.poolID, username, attrs...)
	must(e.api.AdminSetUserPassword(t.Context(), &cip.AdminSetUserPasswordInput{UserPoolId: &e.poolID, Username: &username,
		Password: &password, Permanent: true})).ok(t)
	return u
}

func (e *authEnv) passwordAuth(ctx context.Context, clientID, username, password string, extra ...string) (*cip.InitiateAuthOutput, error) {
	params := map[string]string{"USERNAME": username, "PASSWORD": password}
	for i := 0; i+1 < len(extra); i += 2 {
		params[extra[i]] = extra[i+1]
	}
	return e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &clientID, AuthParameters: params})
}

// srpSignIn runs USER_SRP_AUTH with the Go client; signAt is the TIMESTAMP's time.
func (e *authEnv) srpSignIn(ctx context.Context, clientID, secret, username, password string) (*cip.RespondToAuthChallengeOutput, error) {
	c, err := srp.NewClient(srp.PoolName(e.poolID))
	if err != nil {
		return nil, err
	}
	params := map[string]string{"USERNAME": username, "SRP_A": c.A()}
	if secret != "" {
		params["SECRET_HASH"] = cognito.SecretHash(secret, username, clientID)
	}
	out, err := e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &clientID, AuthParameters: params})
	if err != nil {
		return nil, err
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return nil, errors.New("no PASSWORD_VERIFIER challenge")
	}
	p := out.ChallengeParameters
	stamp := srp.Timestamp(e.clock.Now())
	userID := p["USER_ID_FOR_SRP"]
	sig, err := c.Sign(userID, password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], stamp)
	if err != nil {
		return nil, err
	}
	resp := map[string]string{"USERNAME": userID, "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": stamp}
	if secret != "" {
		resp["SECRET_HASH"] = cognito.SecretHash(secret, userID, clientID)
	}
	return e.pub.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypePasswordVerifier,
		Session: out.Session, ChallengeResponses: resp})
}

// verify checks a token against the pool's published keys and returns its claims.
func (e *authEnv) verify(t *testing.T, raw, use string) token.Claims {
	t.Helper()
	v := &token.Verifier{Keys: e.keys, Now: e.clock.Now}
	c, err := v.Verify(t.Context(), e.poolID, e.url+"/"+e.poolID, raw, use)
	if err != nil {
		t.Fatalf("verify %s token: %v", use, err)
	}
	return c
}

// userInfo calls the provider's userInfo endpoint with an access token.
func (e *authEnv) userInfo(t *testing.T, access string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.url+"/"+e.poolID+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func wantNotAuthorized(t *testing.T, err error, msg string) {
	t.Helper()
	e := wantErr[*types.NotAuthorizedException](t, err)
	if msg != "" && aws.ToString(e.Message) != msg {
		t.Fatalf("message %q, want %q", aws.ToString(e.Message), msg)
	}
}

func checkResult(t *testing.T, e *authEnv, r *types.AuthenticationResultType, wantRefresh bool, username string) {
	t.Helper()
	if r == nil {
		t.Fatal("no AuthenticationResult")
	}
	if aws.ToString(r.TokenType) != "Bearer" || r.ExpiresIn != 3600 || (r.RefreshToken != nil) != wantRefresh {
		t.Fatalf("result TokenType %q ExpiresIn %d refresh %v", aws.ToString(r.TokenType), r.ExpiresIn, r.RefreshToken != nil)
	}
	at := e.verify(t, aws.ToString(r.AccessToken), token.UseAccess)
	id := e.verify(t, aws.ToString(r.IdToken), token.UseID)
	if at.String("username") != username || id.String("cognito:username") != username || at.String("scope") != "aws.cognito.signin.user.admin" {
		t.Fatalf("claims access %v id %v", at, id)
	}
	if at.String("origin_jti") == "" || at.String("origin_jti") != id.String("origin_jti") {
		t.Fatalf("origin_jti access %q id %q", at.String("origin_jti"), id.String("origin_jti"))
	}
}

func TestSignInFlows(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		e := newAuthEnv(t, d)
		app := e.app(t, false, nil)
		cid := aws.ToString(app.ClientId)
		e.confirmedUser(t, "alice", "Corr3ct-Horse!", "email", "alice@example.com", "email_verified", "true")

		t.Run("USER_PASSWORD_AUTH", func(t *testing.T) {
			out := must(e.passwordAuth(t.Context(), cid, "alice", "Corr3ct-Horse!")).ok(t)
			checkResult(t, e, out.AuthenticationResult, true, "alice")
			// An access token of the App API works at the provider's userInfo.
			status, info := e.userInfo(t, aws.ToString(out.AuthenticationResult.AccessToken))
			if status != http.StatusOK || info["email"] != "alice@example.com" {
				t.Fatalf("userInfo = %d %v", status, info)
			}
		})
		t.Run("sign in with the email alias is not allowed without alias attributes", func(t *testing.T) {
			_, err := e.passwordAuth(t.Context(), cid, "alice@example.com", "Corr3ct-Horse!")
			wantNotAuthorized(t, err, "Incorrect username or password.")
		})
		t.Run("ADMIN_USER_PASSWORD_AUTH", func(t *testing.T) {
			for _, flow := range []types.AuthFlowType{types.AuthFlowTypeAdminUserPasswordAuth, types.AuthFlowTypeAdminNoSrpAuth} {
				out := must(e.api.AdminInitiateAuth(t.Context(), &cip.AdminInitiateAuthInput{UserPoolId: &e.poolID, ClientId: &cid,
					AuthFlow: flow, AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Corr3ct-Horse!"}})).ok(t)
				checkResult(t, e, out.AuthenticationResult, true, "alice")
			}
			// Unsigned, it is refused.
			_, err := newClient(e.url, aws.AnonymousCredentials{}).AdminInitiateAuth(t.Context(), &cip.AdminInitiateAuthInput{UserPoolId: &e.poolID,
				ClientId: &cid, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "x"}})
			if err == nil {
				t.Fatal("unsigned AdminInitiateAuth accepted")
			}
		})
		t.Run("USER_SRP_AUTH", func(t *testing.T) {
			out := must(e.srpSignIn(t.Context(), cid, "", "alice", "Corr3ct-Horse!")).ok(t)
			checkResult(t, e, out.AuthenticationResult, true, "alice")
			_, err := e.srpSignIn(t.Context(), cid, "", "alice", "Wrong-Horse!1")
			wantNotAuthorized(t, err, "Incorrect username or password.")
		})
		t.Run("REFRESH_TOKEN_AUTH", func(t *testing.T) {
			first := must(e.passwordAuth(t.Context(), cid, "alice", "Corr3ct-Horse!")).ok(t).AuthenticationResult
			for _, flow := range []types.AuthFlowType{types.AuthFlowTypeRefreshTokenAuth, types.AuthFlowTypeRefreshToken} {
				out := must(e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: flow, ClientId: &cid,
					AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.RefreshToken)}})).ok(t)
				checkResult(t, e, out.AuthenticationResult, false, "alice")
				a := e.verify(t, aws.ToString(out.AuthenticationResult.AccessToken), token.UseAccess)
				b := e.verify(t, aws.ToString(first.AccessToken), token.UseAccess)
				if a.String("origin_jti") != b.String("origin_jti") {
					t.Fatal("refreshed tokens are of another family")
				}
			}
			_, err := e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &cid,
				AuthParameters: map[string]string{"REFRESH_TOKEN": "not-a-token"}})
			wantNotAuthorized(t, err, "Invalid Refresh Token")
		})
		t.Run("RevokeToken then refresh fails and userInfo refuses the access token", func(t *testing.T) {
			first := must(e.passwordAuth(t.Context(), cid, "alice", "Corr3ct-Horse!")).ok(t).AuthenticationResult
			must(e.pub.RevokeToken(t.Context(), &cip.RevokeTokenInput{ClientId: &cid, Token: first.RefreshToken})).ok(t)
			_, err := e.pub.GetTokensFromRefreshToken(t.Context(), &cip.GetTokensFromRefreshTokenInput{ClientId: &cid, RefreshToken: first.RefreshToken})
			wantNotAuthorized(t, err, "Invalid Refresh Token")
			if status, _ := e.userInfo(t, aws.ToString(first.AccessToken)); status != http.StatusUnauthorized {
				t.Fatalf("userInfo after RevokeToken = %d", status)
			}
			// Revoking an unknown token is no error (RFC 7009), as in Cognito.
			must(e.pub.RevokeToken(t.Context(), &cip.RevokeTokenInput{ClientId: &cid, Token: aws.String("unknown")})).ok(t)
		})
	})
}

func TestGetTokensFromRefreshTokenRotation(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	e.confirmedUser(t, "bob", "Corr3ct-Horse!")
	plain := aws.ToString(e.app(t, false, nil).ClientId)
	rotating := e.app(t, true, func(in *cip.CreateUserPoolClientInput) {
		in.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(10)}
	})
	rid, rsecret := aws.ToString(rotating.ClientId), aws.ToString(rotating.ClientSecret)

	t.Run("without rotation no refresh token comes back", func(t *testing.T) {
		first := must(e.passwordAuth(t.Context(), plain, "bob", "Corr3ct-Horse!")).ok(t).AuthenticationResult
		for range 2 {
			out := must(e.pub.GetTokensFromRefreshToken(t.Context(), &cip.GetTokensFromRefreshTokenInput{ClientId: &plain, RefreshToken: first.RefreshToken})).ok(t)
			checkResult(t, e, out.AuthenticationResult, false, "bob")
		}
	})
	t.Run("with rotation, and reuse detection", func(t *testing.T) {
		first := must(e.passwordAuth(t.Context(), rid, "bob", "Corr3ct-Horse!", "SECRET_HASH", cognito.SecretHash(rsecret, "bob", rid))).ok(t).AuthenticationResult
		in := &cip.GetTokensFromRefreshTokenInput{ClientId: &rid, ClientSecret: &rsecret, RefreshToken: first.RefreshToken}
		second := must(e.pub.GetTokensFromRefreshToken(t.Context(), in)).ok(t).AuthenticationResult
		checkResult(t, e, second, true, "bob")
		if aws.ToString(second.RefreshToken) == aws.ToString(first.RefreshToken) {
			t.Fatal("rotation returned the same refresh token")
		}
		// A retry within the grace period still works.
		must(e.pub.GetTokensFromRefreshToken(t.Context(), in)).ok(t)
		e.clock.Advance(11 * time.Second)
		_, err := e.pub.GetTokensFromRefreshToken(t.Context(), in)
		wantErr[*types.RefreshTokenReuseException](t, err)
		// The reuse revoked the family: the newer token fails too.
		_, err = e.pub.GetTokensFromRefreshToken(t.Context(), &cip.GetTokensFromRefreshTokenInput{ClientId: &rid, ClientSecret: &rsecret, RefreshToken: second.RefreshToken})
		wantNotAuthorized(t, err, "Invalid Refresh Token")
	})
	t.Run("client secret", func(t *testing.T) {
		first := must(e.passwordAuth(t.Context(), rid, "bob", "Corr3ct-Horse!", "SECRET_HASH", cognito.SecretHash(rsecret, "bob", rid))).ok(t).AuthenticationResult
		for _, secret := range []*string{nil, aws.String("wrong")} {
			_, err := e.pub.GetTokensFromRefreshToken(t.Context(), &cip.GetTokensFromRefreshTokenInput{ClientId: &rid, ClientSecret: secret, RefreshToken: first.RefreshToken})
			wantNotAuthorized(t, err, "")
			_, err = e.pub.RevokeToken(t.Context(), &cip.RevokeTokenInput{ClientId: &rid, ClientSecret: secret, Token: first.RefreshToken})
			wantErr[*types.UnauthorizedException](t, err)
		}
	})
	t.Run("another client's refresh token", func(t *testing.T) {
		first := must(e.passwordAuth(t.Context(), plain, "bob", "Corr3ct-Horse!")).ok(t).AuthenticationResult
		_, err := e.pub.GetTokensFromRefreshToken(t.Context(), &cip.GetTokensFromRefreshTokenInput{ClientId: &rid, ClientSecret: &rsecret, RefreshToken: first.RefreshToken})
		wantNotAuthorized(t, err, "Invalid Refresh Token")
	})
}

func TestSecretHash(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	e.confirmedUser(t, "carol", "Corr3ct-Horse!")
	app := e.app(t, true, nil)
	cid, secret := aws.ToString(app.ClientId), aws.ToString(app.ClientSecret)
	tests := []struct {
		name, hash, msg string
	}{
		{"missing", "", "Client " + cid + " is configured with secret but SECRET_HASH was not received"},
		{"wrong", cognito.SecretHash("other secret", "carol", cid), "Unable to verify secret hash for client " + cid},
		{"of another username", cognito.SecretHash(secret, "dave", cid), "Unable to verify secret hash for client " + cid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.hash != "" {
				extra = []string{"SECRET_HASH", tt.hash}
			}
			_, err := e.passwordAuth(t.Context(), cid, "carol", "Corr3ct-Horse!", extra...)
			wantNotAuthorized(t, err, tt.msg)
		})
	}
	t.Run("right", func(t *testing.T) {
		out := must(e.passwordAuth(t.Context(), cid, "carol", "Corr3ct-Horse!", "SECRET_HASH", cognito.SecretHash(secret, "carol", cid))).ok(t)
		checkResult(t, e, out.AuthenticationResult, true, "carol")
		// REFRESH_TOKEN_AUTH of a secret client needs it too.
		_, err := e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &cid,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(out.AuthenticationResult.RefreshToken)}})
		wantNotAuthorized(t, err, "")
		must(e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &cid,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(out.AuthenticationResult.RefreshToken),
				"SECRET_HASH": cognito.SecretHash(secret, "carol", cid)}})).ok(t)
	})
	t.Run("SRP", func(t *testing.T) {
		out := must(e.srpSignIn(t.Context(), cid, secret, "carol", "Corr3ct-Horse!")).ok(t)
		checkResult(t, e, out.AuthenticationResult, true, "carol")
		_, err := e.srpSignIn(t.Context(), cid, "wrong secret", "carol", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, "Unable to verify secret hash for client "+cid)
	})
}

func TestFlowNotEnabled(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	e.confirmedUser(t, "dan", "Corr3ct-Horse!")
	srpOnly := aws.ToString(e.app(t, false, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth}
	}).ClientId)
	passwordOnly := aws.ToString(e.app(t, false, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}).ClientId)
	wantInvalid := func(t *testing.T, err error, msg string) {
		t.Helper()
		e := wantErr[*types.InvalidParameterException](t, err)
		if msg != "" && aws.ToString(e.Message) != msg {
			t.Fatalf("message %q, want %q", aws.ToString(e.Message), msg)
		}
	}
	_, err := e.passwordAuth(t.Context(), srpOnly, "dan", "Corr3ct-Horse!")
	wantInvalid(t, err, "USER_PASSWORD_AUTH flow not enabled for this client")
	_, err = e.srpSignIn(t.Context(), passwordOnly, "", "dan", "Corr3ct-Horse!")
	wantInvalid(t, err, "USER_SRP_AUTH flow not enabled for this client")
	_, err = e.api.AdminInitiateAuth(t.Context(), &cip.AdminInitiateAuthInput{UserPoolId: &e.poolID, ClientId: &passwordOnly,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "dan", "PASSWORD": "Corr3ct-Horse!"}})
	wantInvalid(t, err, "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client")
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &srpOnly,
		AuthParameters: map[string]string{"REFRESH_TOKEN": "x"}})
	wantInvalid(t, err, "REFRESH_TOKEN_AUTH flow not enabled for this client")
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, ClientId: &passwordOnly,
		AuthParameters: map[string]string{"USERNAME": "dan", "PASSWORD": "Corr3ct-Horse!"}})
	wantInvalid(t, err, "Initiate Auth method not supported.")
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: "NO_SUCH_FLOW", ClientId: &passwordOnly})
	wantInvalid(t, err, "")
	_, err = e.passwordAuth(t.Context(), "nosuchclient", "dan", "Corr3ct-Horse!")
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &passwordOnly,
		AuthParameters: map[string]string{"USERNAME": "dan"}})
	wantInvalid(t, err, "Missing required parameter PASSWORD")
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &srpOnly,
		AuthParameters: map[string]string{"USERNAME": "dan", "SRP_A": "0"}})
	wantInvalid(t, err, "SRP_A is not a valid SRP value.")
	_, err = e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &srpOnly,
		AuthParameters: map[string]string{"USERNAME": "dan", "SRP_A": srp.N.Text(16)}})
	wantInvalid(t, err, "SRP_A is not a valid SRP value.")
}

func TestNewPasswordRequired(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	cid := aws.ToString(e.app(t, false, nil).ClientId)
	e.createUser(t, e.poolID, "erin", "email", "erin@example.com")
	start := func(t *testing.T) *cip.InitiateAuthOutput {
		out := must(e.passwordAuth(t.Context(), cid, "erin", "Temp-Passw0rd!")).ok(t)
		if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || aws.ToString(out.Session) == "" || out.AuthenticationResult != nil {
			t.Fatalf("challenge %q session %q", out.ChallengeName, aws.ToString(out.Session))
		}
		var attrs map[string]string
		var required []string
		if err := json.Unmarshal([]byte(out.ChallengeParameters["userAttributes"]), &attrs); err != nil || attrs["email"] != "erin@example.com" {
			t.Fatalf("userAttributes %q", out.ChallengeParameters["userAttributes"])
		}
		if err := json.Unmarshal([]byte(out.ChallengeParameters["requiredAttributes"]), &required); err != nil || required == nil {
			t.Fatalf("requiredAttributes %q", out.ChallengeParameters["requiredAttributes"])
		}
		return out
	}
	respond := func(session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.pub.RespondToAuthChallenge(t.Context(), &cip.RespondToAuthChallengeInput{ClientId: &cid,
			ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: session, ChallengeResponses: resp})
	}
	out := start(t)
	// A password the policy refuses can be corrected with the same Session.
	_, err := respond(out.Session, map[string]string{"USERNAME": "erin", "NEW_PASSWORD": "short"})
	wantErr[*types.InvalidPasswordException](t, err)
	// Another challenge name or user does not use the Session.
	_, err = respond(out.Session, map[string]string{"USERNAME": "someone-else", "NEW_PASSWORD": "N3w-Passw0rd!"})
	wantNotAuthorized(t, err, "Invalid session for the user, session is expired.")

	out = start(t)
	done := must(respond(out.Session, map[string]string{"USERNAME": "erin", "NEW_PASSWORD": "N3w-Passw0rd!", "userAttributes.name": "Erin"})).ok(t)
	checkResult(t, e, done.AuthenticationResult, true, "erin")
	if id := e.verify(t, aws.ToString(done.AuthenticationResult.IdToken), token.UseID); id.String("name") != "Erin" {
		t.Fatalf("name claim %v", id["name"])
	}
	// Replayed Session.
	_, err = respond(out.Session, map[string]string{"USERNAME": "erin", "NEW_PASSWORD": "N3w-Passw0rd!2"})
	wantNotAuthorized(t, err, "Invalid session for the user, session is expired.")
	u := must(e.api.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: &e.poolID, Username: aws.String("erin")})).ok(t)
	if u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("status %s", u.UserStatus)
	}
	must(e.passwordAuth(t.Context(), cid, "erin", "N3w-Passw0rd!")).ok(t)
}

func TestChallengeSession(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	cid := aws.ToString(e.app(t, false, nil).ClientId)
	other := aws.ToString(e.app(t, false, nil).ClientId)
	e.createUser(t, e.poolID, "fay")
	start := func() *string {
		return must(e.passwordAuth(t.Context(), cid, "fay", "Temp-Passw0rd!")).ok(t).Session
	}
	answer := map[string]string{"USERNAME": "fay", "NEW_PASSWORD": "N3w-Passw0rd!"}
	respond := func(client string, session *string) error {
		_, err := e.pub.RespondToAuthChallenge(t.Context(), &cip.RespondToAuthChallengeInput{ClientId: &client,
			ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: session, ChallengeResponses: answer})
		return err
	}
	const expired = "Invalid session for the user, session is expired."
	t.Run("expired", func(t *testing.T) {
		s := start()
		e.clock.Advance(3*time.Minute + time.Second)
		wantNotAuthorized(t, respond(cid, s), expired)
	})
	t.Run("of another client", func(t *testing.T) {
		wantNotAuthorized(t, respond(other, start()), expired)
	})
	t.Run("made up or missing", func(t *testing.T) {
		wantNotAuthorized(t, respond(cid, aws.String("made-up")), expired)
		wantNotAuthorized(t, respond(cid, nil), expired)
	})
	t.Run("for another challenge", func(t *testing.T) {
		_, err := e.pub.RespondToAuthChallenge(t.Context(), &cip.RespondToAuthChallengeInput{ClientId: &cid,
			ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: start(), ChallengeResponses: map[string]string{"USERNAME": "fay",
				"PASSWORD_CLAIM_SIGNATURE": "x", "PASSWORD_CLAIM_SECRET_BLOCK": "x", "TIMESTAMP": srp.Timestamp(time.Now())}})
		wantNotAuthorized(t, err, expired)
	})
	t.Run("replayed", func(t *testing.T) {
		s := start()
		if err := respond(cid, s); err != nil {
			t.Fatal(err)
		}
		wantNotAuthorized(t, respond(cid, s), expired)
	})
}

func TestSignInRefusals(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	enabled := aws.ToString(e.app(t, false, nil).ClientId)
	legacy := aws.ToString(e.app(t, false, func(in *cip.CreateUserPoolClientInput) {
		in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesLegacy
	}).ClientId)
	e.confirmedUser(t, "gus", "Corr3ct-Horse!")
	const incorrect = "Incorrect username or password."

	t.Run("enumeration with ENABLED", func(t *testing.T) {
		_, err := e.passwordAuth(t.Context(), enabled, "nobody", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, incorrect)
		// SRP: an unknown user gets a plausible challenge, the same salt every time, and
		// fails at the proof like a wrong password.
		var salts []string
		for range 2 {
			c, _ := srp.NewClient(srp.PoolName(e.poolID))
			out := must(e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &enabled,
				AuthParameters: map[string]string{"USERNAME": "nobody", "SRP_A": c.A()}})).ok(t)
			p := out.ChallengeParameters
			if out.ChallengeName != types.ChallengeNameTypePasswordVerifier || p["SRP_B"] == "" || p["SECRET_BLOCK"] == "" || p["USER_ID_FOR_SRP"] != "nobody" {
				t.Fatalf("pretend challenge %v", p)
			}
			salts = append(salts, p["SALT"])
		}
		if salts[0] != salts[1] || len(salts[0]) != 32 {
			t.Fatalf("pretend salts %q", salts)
		}
		_, err = e.srpSignIn(t.Context(), enabled, "", "nobody", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, incorrect)
		_, err = e.srpSignIn(t.Context(), enabled, "", "gus", "Wrong-Horse!1")
		wantNotAuthorized(t, err, incorrect)
	})
	t.Run("enumeration with LEGACY", func(t *testing.T) {
		_, err := e.passwordAuth(t.Context(), legacy, "nobody", "Corr3ct-Horse!")
		wantErr[*types.UserNotFoundException](t, err)
		_, err = e.srpSignIn(t.Context(), legacy, "", "nobody", "Corr3ct-Horse!")
		wantErr[*types.UserNotFoundException](t, err)
		_, err = e.passwordAuth(t.Context(), legacy, "gus", "Wrong-Horse!1")
		wantNotAuthorized(t, err, incorrect)
	})
	t.Run("disabled and unconfirmed", func(t *testing.T) {
		e.confirmedUser(t, "hal", "Corr3ct-Horse!")
		must(e.api.AdminDisableUser(t.Context(), &cip.AdminDisableUserInput{UserPoolId: &e.poolID, Username: aws.String("hal")})).ok(t)
		_, err := e.passwordAuth(t.Context(), enabled, "hal", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, "User is disabled.")
		_, err = e.srpSignIn(t.Context(), enabled, "", "hal", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, "User is disabled.")
	})
	t.Run("lockout", func(t *testing.T) {
		e.confirmedUser(t, "ida", "Corr3ct-Horse!")
		for range user.LockoutThreshold {
			_, err := e.srpSignIn(t.Context(), enabled, "", "ida", "Wrong-Horse!1")
			wantNotAuthorized(t, err, incorrect)
		}
		// Locked: even the right password fails, by either flow.
		_, err := e.passwordAuth(t.Context(), enabled, "ida", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, incorrect)
		_, err = e.srpSignIn(t.Context(), enabled, "", "ida", "Corr3ct-Horse!")
		wantNotAuthorized(t, err, incorrect)
		e.clock.Advance(user.MaxLockout)
		must(e.srpSignIn(t.Context(), enabled, "", "ida", "Corr3ct-Horse!")).ok(t)
	})
	t.Run("SRP TIMESTAMP far from now", func(t *testing.T) {
		c, _ := srp.NewClient(srp.PoolName(e.poolID))
		out := must(e.pub.InitiateAuth(t.Context(), &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: &enabled,
			AuthParameters: map[string]string{"USERNAME": "gus", "SRP_A": c.A()}})).ok(t)
		p := out.ChallengeParameters
		stamp := srp.Timestamp(e.clock.Now().Add(-time.Hour))
		sig, _ := c.Sign(p["USER_ID_FOR_SRP"], "Corr3ct-Horse!", p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], stamp)
		_, err := e.pub.RespondToAuthChallenge(t.Context(), &cip.RespondToAuthChallengeInput{ClientId: &enabled, ChallengeName: types.ChallengeNameTypePasswordVerifier,
			Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
				"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": stamp}})
		wantNotAuthorized(t, err, incorrect)
	})
}

func TestSignInBadBodies(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	tests := []struct {
		name, target, body, want string
	}{
		{"malformed JSON", "InitiateAuth", `{"AuthFlow":`, "SerializationException"},
		{"wrong type", "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"x","AuthParameters":["a"]}`, "SerializationException"},
		{"missing ClientId", "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH"}`, "InvalidParameterException"},
		{"missing ChallengeName", "RespondToAuthChallenge", `{"ClientId":"x"}`, "InvalidParameterException"},
		{"oversize", "InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + strings.Repeat("x", 2<<20) + `"}`, "SerializationException"},
		{"missing token", "RevokeToken", `{"ClientId":"x"}`, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.post(t, tt.target, "application/x-amz-json-1.1", []byte(tt.body), nil).wantType(t, tt.want)
		})
	}
}

// A store the tests share with session.Challenges directly: the Session string is stored
// hashed only.
func TestChallengeStoredHashed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		cs := &session.Challenges{Store: st}
		id, err := cs.Start(t.Context(), &session.Challenge{PoolID: "p", ClientID: "c", Sub: "s", Name: "X", AuthTime: time.Now()}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.TakeChallenge(t.Context(), "p", id, time.Now()); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("found by the plain Session string: %v", err)
		}
		if _, err := cs.Take(t.Context(), "other-pool", "c", "X", id); !errors.Is(err, session.ErrSessionExpired) {
			t.Fatalf("taken from another pool: %v", err)
		}
		ch, err := cs.Take(t.Context(), "p", "c", "X", id)
		if err != nil || ch.Sub != "s" {
			t.Fatalf("Take = %v, %v", ch, err)
		}
		if _, err := cs.Take(t.Context(), "p", "c", "X", id); !errors.Is(err, session.ErrSessionExpired) {
			t.Fatalf("taken twice: %v", err)
		}
	})
}
