package cognito_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/webhook"
)

// seenEvent is what the sign-in receiver keeps of an event.
type seenEvent struct {
	Source         string            `json:"triggerSource"`
	UserName       string            `json:"userName"`
	CallerContext  map[string]string `json:"callerContext"`
	Request        map[string]any    `json:"request"`
	ValidationData map[string]string `json:"-"`
	ClientMetadata map[string]string `json:"-"`
}

// signInReceiver answers the sign-in triggers: pre authentication refuses "blocked", user
// migration knows "legacy" (password "Legacy-Passw0rd!"), pre token generation adds a claim.
type signInReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	seen   []seenEvent
}

func (rc *signInReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(rc.secret, r.Header, body, time.Now(), time.Minute); err != nil {
		rc.t.Errorf("signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev seenEvent
	var raw map[string]any
	if json.Unmarshal(body, &ev) != nil || json.Unmarshal(body, &raw) != nil {
		rc.t.Errorf("not an event: %s", body)
	}
	strs := func(v any) map[string]string {
		out := map[string]string{}
		m, _ := v.(map[string]any)
		for k, x := range m {
			out[k], _ = x.(string)
		}
		return out
	}
	ev.ValidationData, ev.ClientMetadata = strs(ev.Request["validationData"]), strs(ev.Request["clientMetadata"])
	rc.mu.Lock()
	rc.seen = append(rc.seen, ev)
	rc.mu.Unlock()
	refuse := func(msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"errorMessage": msg})
	}
	switch ev.Source {
	case "PreAuthentication_Authentication":
		if ev.UserName == "blocked" {
			refuse("Sign-in is closed for maintenance")
			return
		}
		raw["response"] = map[string]any{}
	case "UserMigration_Authentication":
		if ev.UserName != "legacy" || ev.Request["password"] != "Legacy-Passw0rd!" {
			refuse("Bad password")
			return
		}
		raw["response"] = map[string]any{"userAttributes": map[string]string{"email": "legacy@example.com", "email_verified": "true"},
			"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}
	default: // pre token generation
		raw["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"source": ev.Source}}}}
	}
	_ = json.NewEncoder(w).Encode(raw)
}

func (rc *signInReceiver) take() []seenEvent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.seen
	rc.seen = nil
	return out
}

// The App API passes its caller to the sign-in triggers: the client id, and ClientMetadata as
// validationData (pre authentication, user migration) and clientMetadata (pre token
// generation); each issue of tokens names its source.
func TestSignInTriggersThroughAPI(t *testing.T) {
	e := newAuthEnv(t, storagetest.SQLite(t))
	ctx := t.Context()
	rc := &signInReceiver{t: t, secret: webhook.NewSecret()}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	must(e.api.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: &e.poolID, LambdaConfig: &types.LambdaConfigType{
		PreAuthentication: aws.String(srv.URL), UserMigration: aws.String(srv.URL),
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(srv.URL)},
	}})).ok(t)
	p := must(e.pools.GetPool(ctx, e.poolID)).ok(t)
	var set []trigger.SecretInput
	for _, n := range []string{pool.TriggerPreAuthentication, pool.TriggerUserMigration, pool.TriggerPreTokenGeneration} {
		set = append(set, trigger.SecretInput{Name: n, Value: rc.secret})
	}
	if _, err := e.triggers.ConfigureSecrets(ctx, p, set); err != nil {
		t.Fatal(err)
	}
	cid := aws.ToString(e.app(t, false, nil).ClientId)
	meta := map[string]string{"device": "kiosk-7"}
	e.confirmedUser(t, "ann", "Ann-Passw0rd!", "email", "ann@example.com")

	initiate := func(username, password string) (*cip.InitiateAuthOutput, error) {
		return e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: &cid,
			AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}, ClientMetadata: meta})
	}
	idSource := func(r *types.AuthenticationResultType) string {
		return e.verify(t, aws.ToString(r.IdToken), token.UseID).String("source")
	}

	t.Run("password sign-in and refresh", func(t *testing.T) {
		out := must(initiate("ann", "Ann-Passw0rd!")).ok(t)
		if got := idSource(out.AuthenticationResult); got != "TokenGeneration_Authentication" {
			t.Errorf("ID token source claim %q", got)
		}
		evs := rc.take()
		if len(evs) != 2 || evs[0].Source != "PreAuthentication_Authentication" || evs[1].Source != "TokenGeneration_Authentication" {
			t.Fatalf("events %+v", evs)
		}
		for _, ev := range evs {
			if ev.CallerContext["clientId"] != cid {
				t.Errorf("%s clientId %q", ev.Source, ev.CallerContext["clientId"])
			}
		}
		if evs[0].ValidationData["device"] != "kiosk-7" || evs[1].ClientMetadata["device"] != "kiosk-7" {
			t.Errorf("validationData %v, clientMetadata %v", evs[0].ValidationData, evs[1].ClientMetadata)
		}
		ref := must(e.pub.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth, ClientId: &cid,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(out.AuthenticationResult.RefreshToken)}})).ok(t)
		if got := idSource(ref.AuthenticationResult); got != "TokenGeneration_RefreshTokens" {
			t.Errorf("refreshed ID token source claim %q", got)
		}
		rc.take()
	})

	t.Run("pre authentication refuses before the password is checked", func(t *testing.T) {
		e.confirmedUser(t, "blocked", "Blocked-Passw0rd!")
		for _, pw := range []string{"Blocked-Passw0rd!", "wrong"} {
			_, err := initiate("blocked", pw)
			if ex := wantErr[*types.UserLambdaValidationException](t, err); aws.ToString(ex.Message) != "PreAuthentication failed with error Sign-in is closed for maintenance." {
				t.Fatalf("message %q", aws.ToString(ex.Message))
			}
		}
		// SRP too, at InitiateAuth.
		_, err := e.srpSignIn(ctx, cid, "", "blocked", "Blocked-Passw0rd!")
		wantErr[*types.UserLambdaValidationException](t, err)
		rc.take()
	})

	t.Run("new password challenge", func(t *testing.T) {
		e.createUser(t, e.poolID, "nina", "email", "nina@example.com")
		out := must(initiate("nina", "Temp-Passw0rd!")).ok(t)
		done := must(e.pub.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &cid, Session: out.Session,
			ChallengeName: types.ChallengeNameTypeNewPasswordRequired, ClientMetadata: meta,
			ChallengeResponses: map[string]string{"USERNAME": "nina", "NEW_PASSWORD": "N3w-Passw0rd!"}})).ok(t)
		if got := idSource(done.AuthenticationResult); got != "TokenGeneration_NewPasswordChallenge" {
			t.Errorf("ID token source claim %q", got)
		}
		rc.take()
	})

	t.Run("user migration on first sign-in", func(t *testing.T) {
		_, err := initiate("legacy", "not-the-password")
		wantErr[*types.UserLambdaValidationException](t, err)
		_, err = e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &e.poolID, Username: aws.String("legacy")})
		wantErr[*types.UserNotFoundException](t, err)
		out := must(initiate("legacy", "Legacy-Passw0rd!")).ok(t)
		if out.AuthenticationResult == nil {
			t.Fatalf("no tokens: %+v", out)
		}
		evs := rc.take()
		var mig *seenEvent
		for i := range evs {
			if evs[i].Source == "UserMigration_Authentication" {
				mig = &evs[i]
			}
		}
		if mig == nil || mig.CallerContext["clientId"] != cid || mig.ValidationData["device"] != "kiosk-7" || mig.ClientMetadata["device"] != "kiosk-7" {
			t.Fatalf("migration event %+v", mig)
		}
		u := must(e.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &e.poolID, Username: aws.String("legacy")})).ok(t)
		if u.UserStatus != types.UserStatusTypeConfirmed {
			t.Fatalf("status %s", u.UserStatus)
		}
		// Now an ordinary user: the next sign-in does not ask the legacy store.
		must(initiate("legacy", "Legacy-Passw0rd!")).ok(t)
		for _, ev := range rc.take() {
			if ev.Source == "UserMigration_Authentication" {
				t.Fatal("migration trigger called for an existing user")
			}
		}
	})
}
