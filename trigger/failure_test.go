package trigger_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
	"github.com/userpool/userpool/webhook"
)

// Each failure of a blocking trigger aborts the action with Cognito's error and writes nothing.
func TestBlockingFailures(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		trigger string
		answer  func(ev event, raw map[string]any) reply
		code    errs.Code
		message string
	}{
		{"500", pool.TriggerPreSignUp, func(event, map[string]any) reply { return reply{500, "oops"} },
			errs.UnexpectedLambda, "PreSignUp invocation failed: HTTP 500."},
		{"malformed JSON", pool.TriggerPreSignUp, func(event, map[string]any) reply { return reply{200, `{"response": `} },
			errs.InvalidLambdaResponse, "Unrecognizable lambda output: the answer is not a JSON event."},
		{"no response object", pool.TriggerPreSignUp, func(event, map[string]any) reply { return reply{200, `{"version":"1"}`} },
			errs.InvalidLambdaResponse, `Unrecognizable lambda output: the answer has no "response" object.`},
		{"wrong response shape", pool.TriggerPreSignUp, func(_ event, raw map[string]any) reply {
			return ok(raw, map[string]any{"autoConfirmUser": "yes"})
		}, errs.InvalidLambdaResponse, ""},
		{"403 without errorMessage", pool.TriggerPreSignUp, func(event, map[string]any) reply { return reply{403, "forbidden"} },
			errs.InvalidLambdaResponse, "Unrecognizable lambda output: PreSignUp answered HTTP 403 without an errorMessage."},
		{"timeout", pool.TriggerPreSignUp, func(event, map[string]any) reply { return reply{} },
			errs.UnexpectedLambda, "PreSignUp invocation failed: no answer within 200ms."},
		{"lost code placeholder", pool.TriggerCustomMessage, func(_ event, raw map[string]any) reply {
			return ok(raw, map[string]any{"emailMessage": "Welcome! Your temporary password is ready.", "emailSubject": "Hi", "smsMessage": nil})
		}, errs.InvalidLambdaResponse, ""},
		{"SMS without code", pool.TriggerCustomMessage, func(_ event, raw map[string]any) reply {
			return ok(raw, map[string]any{"smsMessage": "Welcome {username}"})
		}, errs.InvalidLambdaResponse, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.answer)
			e := newEnvTimeout(t, storagetest.Open(t), rc, 200*time.Millisecond, tt.trigger)
			_, _, err := e.users.AdminCreateUser(ctx, e.pool.Id, user.AdminCreateUserInput{Username: "kim",
				Attributes: []user.Attribute{{Name: "email", Value: "kim@example.com"}}, DeliveryMediums: []string{"EMAIL"}})
			wantError(t, err, tt.code, tt.message)
			if e.exists(t, "kim") {
				t.Fatal("a failed trigger left a user behind")
			}
			msgs, _, err := e.st.ListMessages(ctx, message.ListQuery{PoolID: e.pool.Id})
			if err != nil || len(msgs) != 0 {
				t.Fatalf("messages written: %v %v", msgs, err)
			}
		})
	}
}

func newEnvTimeout(t *testing.T, st *storage.Store, rc *receiver, timeout time.Duration, names ...string) *env {
	e := newEnv(t, st, rc, names...)
	e.triggers = trigger.NewService(st, e.pools, trigger.Config{AllowPrivateNetworks: true, Timeout: timeout})
	e.users.SetTriggers(e.triggers)
	return e
}

// A custom message must keep the code and, for an invitation, the username; a good answer
// replaces the subject and body.
func TestCustomMessageInvitation(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, func(ev event, raw map[string]any) reply {
		return ok(raw, map[string]any{"emailSubject": "Your new account", "emailMessage": "<p>Sign in as {username} with {####}</p>"})
	})
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerCustomMessage)
	_, password, err := e.users.AdminCreateUser(ctx, e.pool.Id, user.AdminCreateUserInput{Username: "lou",
		Attributes: []user.Attribute{{Name: "email", Value: "lou@example.com"}}, DeliveryMediums: []string{"EMAIL"}})
	if err != nil {
		t.Fatal(err)
	}
	m := lastMessage(t, e.st, e.pool.Id)
	if m.Content.Subject != "Your new account" || !strings.Contains(m.Content.Text, "Sign in as lou with "+password) {
		t.Fatalf("invitation %+v", m.Content)
	}
	if got := rc.events(); got[0].TriggerSource != string(trigger.CustomMessageAdminCreateUser) {
		t.Fatalf("source %s", got[0].TriggerSource)
	}
}

// Pre token generation: claims are added, overridden and suppressed, scopes added and
// suppressed; reserved claims cannot be touched.
func TestPreTokenGeneration(t *testing.T) {
	ctx := context.Background()
	var answer map[string]any
	rc := newReceiver(t, func(_ event, raw map[string]any) reply { return ok(raw, answer) })
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPreTokenGeneration)
	input := func() *trigger.TokenInput {
		return &trigger.TokenInput{Source: trigger.TokenGenerationAuthentication, ClientID: "client", UserName: "mo",
			UserAttributes: map[string]string{"email": "mo@example.com"}, Scopes: []string{"openid", "email", "profile"},
			ID:     map[string]any{"sub": "s", "email": "mo@example.com", "token_use": "id"},
			Access: map[string]any{"sub": "s", "scope": "openid email profile", "token_use": "access"}}
	}

	answer = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
		"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tier": "gold", "seats": 3}, "claimsToSuppress": []string{"email"}},
		"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tier": "gold"},
			"scopesToAdd": []string{"api/read"}, "scopesToSuppress": []string{"profile"}},
		"groupOverrideDetails": map[string]any{"groupsToOverride": []string{"vip"}},
	}}
	in := input()
	if err := e.triggers.PreTokenGeneration(ctx, e.pool, in); err != nil {
		t.Fatal(err)
	}
	if in.ID["tier"] != "gold" || in.ID["seats"] != float64(3) || in.ID["email"] != nil || in.Access["tier"] != "gold" {
		t.Fatalf("claims id %v access %v", in.ID, in.Access)
	}
	if in.Access["scope"] != "openid email api/read" || strings.Join(in.Scopes, " ") != "openid email api/read" {
		t.Fatalf("scope %v / %v", in.Access["scope"], in.Scopes)
	}
	if g, _ := in.ID["cognito:groups"].([]string); len(g) != 1 || g[0] != "vip" {
		t.Fatalf("groups %v", in.ID["cognito:groups"])
	}

	for _, claim := range []string{"sub", "iss", "aud", "exp", "token_use", "auth_time", "cognito:username", "scope"} {
		answer = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{claim: "x"}}}}
		in := input()
		wantError(t, e.triggers.PreTokenGeneration(ctx, e.pool, in), errs.InvalidLambdaResponse, "")
		if in.Access["sub"] != "s" || len(in.Access) != 3 {
			t.Fatalf("changed %s anyway: %v", claim, in.Access)
		}
	}
	answer = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
		"idTokenGeneration": map[string]any{"claimsToSuppress": []string{"iss"}}}}
	wantError(t, e.triggers.PreTokenGeneration(ctx, e.pool, input()), errs.InvalidLambdaResponse, "Unrecognizable lambda output: the claim iss cannot be suppressed.")
}

// Triggers may not reach private addresses unless the operator allows it.
func TestPrivateAddressRefused(t *testing.T) {
	rc := newReceiver(t, func(_ event, raw map[string]any) reply { return ok(raw, nil) })
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPreSignUp)
	e.users.SetTriggers(trigger.NewService(e.st, e.pools, trigger.Config{}))
	err := e.createUser(t, "nia")
	wantError(t, err, errs.UnexpectedLambda, "")
	if !strings.Contains(err.Error(), "private") || len(rc.events()) != 0 {
		t.Fatalf("err %v, events %d", err, len(rc.events()))
	}
}

// Redirects are not followed: a 3xx answer is an invalid answer.
func TestRedirectNotFollowed(t *testing.T) {
	target := newReceiver(t, func(_ event, raw map[string]any) reply { return ok(raw, nil) })
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	rc := &receiver{t: t, srv: redirect}
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPreSignUp)
	wantError(t, e.createUser(t, "ola"), errs.InvalidLambdaResponse, "")
	if len(target.events()) != 0 {
		t.Fatal("the redirect was followed")
	}
}

// During a rotation the request carries a signature for each valid secret; afterwards only
// the new one.
func TestSecretRotation(t *testing.T) {
	ctx := context.Background()
	st := storagetest.Open(t)
	rc := newReceiver(t, func(_ event, raw map[string]any) reply { return ok(raw, nil) })
	e := newEnv(t, st, rc, pool.TriggerPreSignUp)
	old := rc.secret
	fresh := webhook.NewSecret()
	if _, err := e.triggers.ConfigureSecrets(ctx, e.pool, []trigger.SecretInput{{Name: pool.TriggerPreSignUp, Value: fresh}}); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{old, fresh} { // a receiver with either secret accepts
		rc.mu.Lock()
		rc.secret = secret
		rc.mu.Unlock()
		if err := e.createUser(t, "pat"+secret[6:10]); err != nil {
			t.Fatal(err)
		}
	}
	// After the grace period only the new secret signs.
	later := trigger.NewService(st, e.pools, trigger.Config{AllowPrivateNetworks: true, Now: func() time.Time { return time.Now().Add(25 * time.Hour) }})
	e.users.SetTriggers(later)
	probe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := len(strings.Fields(r.Header.Get(webhook.SignatureHeader))); n != 1 {
			t.Errorf("%d signatures after the grace period", n)
		}
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"response":{}}`))
	}))
	t.Cleanup(probe.Close)
	p := *e.pool
	p.LambdaConfig = &pool.LambdaConfig{PreSignUp: probe.URL}
	if err := later.PreSignUp(ctx, &p, &trigger.PreSignUpEvent{}); err != nil {
		t.Fatal(err)
	}
	// Bad secrets change nothing.
	for _, bad := range []trigger.SecretInput{{Name: pool.TriggerPreSignUp, Value: "whsec_short"}, {Name: "PreSignup", Value: ""},
		{Name: pool.TriggerUserMigration, Value: ""}} {
		if _, err := e.triggers.ConfigureSecrets(ctx, e.pool, []trigger.SecretInput{bad}); !errs.Is(err, errs.InvalidParameter) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}

// Non-blocking events are retried on 5xx and network errors, given up on other answers, and
// never undo the action.
func TestPostEventRetries(t *testing.T) {
	ctx := context.Background()
	status := 503
	rc := newReceiver(t, func(_ event, raw map[string]any) reply { return reply{status, "{}"} })
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPostAuthentication)
	e.confirmedUser(t, "quinn", "Passw0rd!Passw0rd")
	res, err := e.users.SignIn(ctx, e.pool.Id, "quinn", "Passw0rd!Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	e.users.CompleteSignIn(ctx, e.pool.Id, res.User.Sub, user.Caller{})
	e.deliver(t)
	m := lastMessage(t, e.st, e.pool.Id)
	if m.Status != message.Pending || m.Attempts != 1 || m.Channel != message.Trigger {
		t.Fatalf("after a 503: %+v", m)
	}
	status = 400
	e.users.CompleteSignIn(ctx, e.pool.Id, res.User.Sub, user.Caller{})
	e.deliver(t)
	m = lastMessage(t, e.st, e.pool.Id)
	if m.Status != message.Failed {
		t.Fatalf("after a 400: %+v", m)
	}
}

// The operator's test event reaches the trigger and is logged.
func TestTestEvent(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, func(_ event, raw map[string]any) reply { return refuse("nope") })
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPreAuthentication)
	inv, err := e.triggers.Test(ctx, e.pool.Id, pool.TriggerPreAuthentication)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != trigger.Refused || inv.Error != "nope" || inv.HTTPStatus != 400 {
		t.Fatalf("invocation %+v", inv)
	}
	if _, err := e.triggers.Test(ctx, e.pool.Id, pool.TriggerPreSignUp); !errs.Is(err, errs.InvalidParameter) {
		t.Fatalf("unconfigured trigger: %v", err)
	}
	invs, err := e.triggers.Invocations(ctx, e.pool.Id, 0)
	if err != nil || len(invs) != 1 || invs[0].ID != inv.ID {
		t.Fatalf("log %v %v", invs, err)
	}
}

// The shared minting function runs the trigger: the signed tokens carry its changes.
func TestMintRunsPreTokenGeneration(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, func(ev event, raw map[string]any) reply {
		return ok(raw, map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration":     map[string]any{"claimsToAddOrOverride": map[string]any{"plan": "pro"}},
			"accessTokenGeneration": map[string]any{"scopesToSuppress": []string{"email"}},
		}})
	})
	st := storagetest.Open(t)
	e := newEnv(t, st, rc, pool.TriggerPreTokenGeneration)
	sealer, err := seal.New(seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keys.New(st, sealer, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := e.pools.CreateClient(ctx, &pool.Client{UserPoolId: e.pool.Id, ClientName: "app"}, false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	m, err := (&token.Minter{Keys: ks, Triggers: e.triggers}).Mint(ctx, token.MintInput{Pool: e.pool, Issuer: "https://id.example.com/" + e.pool.Id,
		Client: cl, User: token.User{Sub: "9d1f0b7e-7c3b-4a8e-8a55-3f2b1c0d9e8f", Username: "sam"},
		Scopes: []string{"openid", "email"}, AuthTime: now, IssuedAt: now, OriginJTI: "family"})
	if err != nil {
		t.Fatal(err)
	}
	payload := func(jwt string) map[string]any {
		parts := strings.Split(jwt, ".")
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if id := payload(m.IDToken); id["plan"] != "pro" {
		t.Fatalf("ID token %v", id)
	}
	if access := payload(m.AccessToken); access["scope"] != "openid" {
		t.Fatalf("access token %v", access)
	}
	if got := rc.events(); len(got) != 1 || got[0].TriggerSource != string(trigger.TokenGenerationAuthentication) {
		t.Fatalf("events %+v", got)
	}
}
