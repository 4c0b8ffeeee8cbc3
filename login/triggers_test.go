package login_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/webhook"
)

// triggerEvent is what the test receiver reads of an event.
type triggerEvent struct {
	TriggerSource string `json:"triggerSource"`
	UserName      string `json:"userName"`
	CallerContext struct {
		ClientID string `json:"clientId"`
	} `json:"callerContext"`
}

// The hosted pages pass the app to the triggers (callerContext.clientId) and show a trigger's
// refusal in its own words, and a failed trigger as a generic message; nothing is signed in or
// created then.
func TestTriggersOnHostedPages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		secret := webhook.NewSecret()
		var mu sync.Mutex
		var got []triggerEvent
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
				t.Errorf("receiver: %v", err)
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			var ev triggerEvent
			var raw map[string]any
			if json.Unmarshal(body, &ev) != nil || json.Unmarshal(body, &raw) != nil {
				t.Errorf("receiver: not an event: %s", body)
			}
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			switch {
			case ev.TriggerSource == string(trigger.PreAuthentication) && ev.UserName == "cal":
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"errorType":"Error","errorMessage":"Sign-in is paused for maintenance."}`)
			case ev.TriggerSource == string(trigger.PreAuthentication) && ev.UserName == "dan":
				w.WriteHeader(http.StatusBadGateway)
			case ev.TriggerSource == string(trigger.PreSignUpSignUp):
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"errorType":"Error","errorMessage":"An invitation code is required"}`)
			default:
				raw["response"] = map[string]any{}
				_ = json.NewEncoder(w).Encode(raw)
			}
		}))
		t.Cleanup(rc.Close)
		e.users.SetTriggers(trigger.NewService(st, e.pools, trigger.Config{AllowPrivateNetworks: true, Timeout: 10 * time.Second}))
		in := *e.pool
		in.LambdaConfig = &pool.LambdaConfig{PreAuthentication: rc.URL, PreSignUp: rc.URL}
		p, err := e.pools.UpdatePool(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		e.pool = p
		if _, err := trigger.NewService(st, e.pools, trigger.Config{}).ConfigureSecrets(ctx, p, []trigger.SecretInput{
			{Name: pool.TriggerPreAuthentication, Value: secret}, {Name: pool.TriggerPreSignUp, Value: secret}}); err != nil {
			t.Fatal(err)
		}
		e.user("cal", "cal@example.com")
		e.user("dan", "dan@example.com")

		// An accepted sign-in: the trigger saw the app of the request.
		e.signIn(e.browser(), e.appB.ClientId, "ann")
		mu.Lock()
		last := got[len(got)-1]
		mu.Unlock()
		if last.TriggerSource != string(trigger.PreAuthentication) || last.UserName != "ann" || last.CallerContext.ClientID != e.appB.ClientId {
			t.Fatalf("pre authentication event %+v, want client %s", last, e.appB.ClientId)
		}

		for _, tc := range []struct {
			username, want, notWant string
		}{
			{"cal", "Sign-in is paused for maintenance.", "PreAuthentication failed"},
			{"dan", "could not be completed", "HTTP 502"},
		} {
			c := e.browser()
			id := e.request(e.appA.ClientId, nil)
			pg := e.post(c, e.form(c, id, tc.username, password))
			if pg.status != http.StatusForbidden || !strings.Contains(pg.body, tc.want) || strings.Contains(pg.body, tc.notWant) {
				t.Fatalf("%s: %d\n%s", tc.username, pg.status, pg.body)
			}
			if e.auth.sub(id) != "" || e.sessionCookie(c) != "" {
				t.Fatalf("%s: signed in despite the trigger", tc.username)
			}
		}

		// A refused sign-up shows the trigger's message and creates nobody.
		c := e.browser()
		id := e.request(e.appA.ClientId, nil)
		signup := do(t, c, http.MethodGet, e.srv.URL+"/"+e.pool.Id+"/signup?authRequestID="+url.QueryEscape(id), nil)
		if signup.status != http.StatusOK {
			t.Fatalf("sign-up page: %d %s", signup.status, signup.body)
		}
		form := url.Values{"csrf_token": {csrfRE.FindStringSubmatch(signup.body)[1]}, "authRequestID": {id},
			"username": {"eve"}, "email": {"eve@example.com"}, "password": {password}, "password_confirm": {password}}
		pg := do(t, c, http.MethodPost, e.srv.URL+"/"+e.pool.Id+"/signup", form)
		if pg.status != http.StatusForbidden || !strings.Contains(pg.body, "An invitation code is required") || strings.Contains(pg.body, "PreSignUp failed") {
			t.Fatalf("refused sign-up: %d\n%s", pg.status, pg.body)
		}
		if _, err := e.users.Get(ctx, e.pool.Id, "eve"); !errs.Is(err, errs.UserNotFound) {
			t.Fatalf("refused sign-up created the user: %v", err)
		}
	})
}
