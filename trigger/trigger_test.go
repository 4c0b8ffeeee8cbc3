package trigger_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
	"github.com/userpool/userpool/webhook"
)

// event is a received event, decoded loosely.
type event struct {
	TriggerSource string `json:"triggerSource"`
	UserName      string `json:"userName"`
	UserPoolID    string `json:"userPoolId"`
	Request       struct {
		UserAttributes map[string]string `json:"userAttributes"`
		ValidationData map[string]string `json:"validationData"`
		Password       string            `json:"password"`
		CodeParameter  string            `json:"codeParameter"`
	} `json:"request"`
}

// reply is a receiver's answer: an HTTP status and a body (raw when a string, else JSON); a
// zero status never answers.
type reply struct {
	status int
	body   any
}

// ok answers the event unchanged but for resp as its response, as a Lambda returns it.
func ok(raw map[string]any, resp any) reply {
	if resp != nil {
		raw["response"] = resp
	}
	return reply{200, raw}
}

func refuse(msg string) reply {
	return reply{400, map[string]string{"errorType": "Error", "errorMessage": msg}}
}

// receiver is a trigger endpoint that verifies every request's signature (as a real one
// would) and answers through handle.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []event
	handle func(ev event, raw map[string]any) reply
}

func newReceiver(t *testing.T, handle func(ev event, raw map[string]any) reply) *receiver {
	rc := &receiver{t: t, handle: handle}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
		rc.t.Errorf("receiver: signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev event
	var raw map[string]any
	if err := json.Unmarshal(body, &ev); err != nil || json.Unmarshal(body, &raw) != nil {
		rc.t.Errorf("receiver: not an event: %s", body)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, ev)
	rc.mu.Unlock()
	rep := rc.handle(ev, raw)
	if rep.status == 0 { // hang: no answer until the caller gives up
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	if s, isRaw := rep.body.(string); isRaw {
		_, _ = io.WriteString(w, s)
		return
	}
	_ = json.NewEncoder(w).Encode(rep.body)
}

func (rc *receiver) events() []event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]event(nil), rc.got...)
}

// env is a user service whose pool calls one receiver for the named triggers.
type env struct {
	st       *storage.Store
	pools    *pool.Service
	users    *user.Service
	triggers *trigger.Service
	pool     *pool.Pool
	worker   *message.Worker
}

func newEnv(t *testing.T, st *storage.Store, rc *receiver, names ...string) *env {
	t.Helper()
	ctx := context.Background()
	pools := pool.NewService(st, "local")
	tr := trigger.NewService(st, pools, trigger.Config{AllowPrivateNetworks: true, Timeout: 2 * time.Second})
	users := user.NewService(st, pools, user.DefaultHasher())
	users.SetMessaging(user.Messaging{CodeKey: []byte("test code key"), PublicURL: "https://id.example.com"})
	users.SetTriggers(tr)
	lc := &pool.LambdaConfig{}
	for _, n := range names {
		switch n {
		case pool.TriggerPreSignUp:
			lc.PreSignUp = rc.srv.URL
		case pool.TriggerCustomMessage:
			lc.CustomMessage = rc.srv.URL
		case pool.TriggerPostConfirmation:
			lc.PostConfirmation = rc.srv.URL
		case pool.TriggerPreAuthentication:
			lc.PreAuthentication = rc.srv.URL
		case pool.TriggerPostAuthentication:
			lc.PostAuthentication = rc.srv.URL
		case pool.TriggerPreTokenGeneration:
			lc.PreTokenGenerationConfig = &pool.PreTokenGenerationConfig{LambdaVersion: "V2_0", LambdaArn: rc.srv.URL}
		case pool.TriggerUserMigration:
			lc.UserMigration = rc.srv.URL
		}
	}
	p, err := pools.CreatePool(ctx, &pool.Pool{Name: "triggers", LambdaConfig: lc,
		AutoVerifiedAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	// One secret for all of them, as an operator with one receiver would set it.
	secret := webhook.NewSecret()
	var set []trigger.SecretInput
	for _, n := range names {
		set = append(set, trigger.SecretInput{Name: n, Value: secret})
	}
	if gen, err := tr.ConfigureSecrets(ctx, p, set); err != nil || len(gen) != 0 {
		t.Fatalf("ConfigureSecrets: %v, %v", gen, err)
	}
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	w := message.NewWorker(st, message.Senders{Trigger: tr, Email: message.DevOutbox{}, SMS: message.DevOutbox{}}, message.WorkerConfig{})
	return &env{st: st, pools: pools, users: users, triggers: tr, pool: p, worker: w}
}

// deliver runs the outbox once.
func (e *env) deliver(t *testing.T) {
	t.Helper()
	if _, err := e.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (e *env) createUser(t *testing.T, username string, attrs ...string) error {
	t.Helper()
	var list []user.Attribute
	for i := 0; i < len(attrs); i += 2 {
		list = append(list, user.Attribute{Name: attrs[i], Value: attrs[i+1]})
	}
	_, _, err := e.users.AdminCreateUser(context.Background(), e.pool.Id, user.AdminCreateUserInput{
		Username: username, Attributes: list, MessageAction: "SUPPRESS"})
	return err
}

func (e *env) exists(t *testing.T, username string) bool {
	t.Helper()
	_, err := e.users.Get(context.Background(), e.pool.Id, username)
	if err != nil && !errs.Is(err, errs.UserNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// confirmedUser creates a CONFIRMED user with a password.
func (e *env) confirmedUser(t *testing.T, username, password string, attrs ...string) {
	t.Helper()
	if err := e.createUser(t, username, attrs...); err != nil {
		t.Fatal(err)
	}
	if err := e.users.AdminSetPassword(context.Background(), e.pool.Id, username, password, true); err != nil {
		t.Fatal(err)
	}
}

func wantError(t *testing.T, err error, code errs.Code, message string) {
	t.Helper()
	e, isDomain := errs.As(err)
	if !isDomain || e.Code != code || message != "" && e.Message != message {
		t.Fatalf("got %v, want %s %q", err, code, message)
	}
}

// The seed's examples, each against a receiver that verifies the signature.
func TestSeedExamples(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()

		t.Run("reject a sign-up whose access code is wrong", func(t *testing.T) {
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				if ev.Request.ValidationData["accessCode"] != "1234" {
					return refuse("Wrong access code.")
				}
				return ok(raw, nil)
			})
			e := newEnv(t, st, rc, pool.TriggerPreSignUp)
			create := func(code string) error {
				_, _, err := e.users.AdminCreateUser(ctx, e.pool.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "SUPPRESS",
					Caller: user.Caller{ValidationData: map[string]string{"accessCode": code}}})
				return err
			}
			wantError(t, create("9999"), errs.UserLambdaValidation, "PreSignUp failed with error Wrong access code..") // Cognito appends a period
			if e.exists(t, "ann") {
				t.Fatal("a refused sign-up left a user behind")
			}
			if err := create("1234"); err != nil {
				t.Fatal(err)
			}
			if got := rc.events(); len(got) != 2 || got[1].TriggerSource != string(trigger.PreSignUpAdminCreateUser) || got[1].UserName != "ann" {
				t.Fatalf("events %+v", got)
			}
		})

		t.Run("allow only one email domain", func(t *testing.T) {
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				if !strings.HasSuffix(ev.Request.UserAttributes["email"], "@example.com") {
					return refuse("Only example.com addresses may sign up.")
				}
				return ok(raw, map[string]any{"autoConfirmUser": false})
			})
			e := newEnv(t, st, rc, pool.TriggerPreSignUp)
			wantError(t, e.createUser(t, "bob", "email", "bob@other.org"), errs.UserLambdaValidation,
				"PreSignUp failed with error Only example.com addresses may sign up..")
			if err := e.createUser(t, "bob", "email", "bob@example.com"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("suffix a random number to a taken nickname", func(t *testing.T) {
			taken := map[string]bool{"neo": true}
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				if n := ev.Request.UserAttributes["nickname"]; taken[n] {
					return refuse("The nickname " + n + " is taken; how about " + n + "4821?")
				}
				return ok(raw, nil)
			})
			e := newEnv(t, st, rc, pool.TriggerPreSignUp)
			wantError(t, e.createUser(t, "carl", "nickname", "neo"), errs.UserLambdaValidation,
				"PreSignUp failed with error The nickname neo is taken; how about neo4821?.")
			if err := e.createUser(t, "carl", "nickname", "neo4821"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("mark a new user in a list after confirmation", func(t *testing.T) {
			var mu sync.Mutex
			list := map[string]string{}
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				mu.Lock()
				list[ev.UserName] = ev.Request.UserAttributes["email"]
				mu.Unlock()
				return ok(raw, nil)
			})
			e := newEnv(t, st, rc, pool.TriggerPostConfirmation)
			now := time.Now().UTC()
			u := &user.User{PoolID: e.pool.Id, Sub: "0c9a6f0e-5d1c-4f39-9a43-2b1f4f3e6a11", Username: "dora", UsernameKey: "dora",
				Attributes: map[string]string{"email": "dora@example.com"}, Status: user.StatusUnconfirmed, Enabled: true,
				CreatedAt: now, UpdatedAt: now}
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := e.users.AdminConfirmSignUp(ctx, e.pool.Id, "dora"); err != nil {
				t.Fatal(err)
			}
			e.deliver(t)
			mu.Lock()
			defer mu.Unlock()
			if list["dora"] != "dora@example.com" {
				t.Fatalf("list %v", list)
			}
			if got := rc.events(); got[0].TriggerSource != string(trigger.PostConfirmationConfirmSignUp) {
				t.Fatalf("source %s", got[0].TriggerSource)
			}
		})

		t.Run("block all sign-ins during a maintenance window", func(t *testing.T) {
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				return refuse("Sign-in is paused for maintenance until 06:00 UTC.")
			})
			e := newEnv(t, st, rc, pool.TriggerPreAuthentication)
			e.confirmedUser(t, "erin", "Passw0rd!Passw0rd")
			_, err := e.users.SignIn(ctx, e.pool.Id, "erin", "Passw0rd!Passw0rd")
			wantError(t, err, errs.UserLambdaValidation, "PreAuthentication failed with error Sign-in is paused for maintenance until 06:00 UTC..")
		})

		t.Run("count sign-ins", func(t *testing.T) {
			var mu sync.Mutex
			count := map[string]int{}
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				mu.Lock()
				count[ev.UserName]++
				mu.Unlock()
				return ok(raw, nil)
			})
			e := newEnv(t, st, rc, pool.TriggerPostAuthentication)
			e.confirmedUser(t, "finn", "Passw0rd!Passw0rd")
			for range 2 {
				res, err := e.users.SignIn(ctx, e.pool.Id, "finn", "Passw0rd!Passw0rd")
				if err != nil {
					t.Fatal(err)
				}
				// The surfaces complete the sign-in once every step passed.
				e.users.CompleteSignIn(ctx, e.pool.Id, res.User.Sub, user.Caller{})
			}
			if _, err := e.users.SignIn(ctx, e.pool.Id, "finn", "wrong"); err == nil {
				t.Fatal("wrong password accepted")
			}
			e.deliver(t)
			mu.Lock()
			defer mu.Unlock()
			if count["finn"] != 2 {
				t.Fatalf("counted %d sign-ins, want 2", count["finn"])
			}
		})

		t.Run("greet a user by name, and on their birthday", func(t *testing.T) {
			today := time.Now().UTC().Format("01-02")
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				a := ev.Request.UserAttributes
				subject, body := "Welcome, "+a["given_name"], "Hello "+a["given_name"]+", your code is "+ev.Request.CodeParameter
				if strings.HasSuffix(a["birthdate"], today) {
					subject, body = "Happy birthday, "+a["given_name"]+"!", "Happy birthday "+a["given_name"]+"! Your code is "+ev.Request.CodeParameter
				}
				return ok(raw, map[string]any{"emailSubject": subject, "emailMessage": body, "smsMessage": nil})
			})
			e := newEnv(t, st, rc, pool.TriggerCustomMessage)
			for _, tt := range []struct{ name, birthdate, want string }{
				{"gina", "1990-01-01", "Hello Gina, your code is "},
				{"hank", "1990-" + today, "Happy birthday Hank! Your code is "},
			} {
				if tt.birthdate == "1990-01-01" && today == "01-01" {
					tt.birthdate = "1990-01-02"
				}
				given := strings.ToUpper(tt.name[:1]) + tt.name[1:]
				if err := e.createUser(t, tt.name, "email", tt.name+"@example.com", "given_name", given, "birthdate", tt.birthdate); err != nil {
					t.Fatal(err)
				}
				u, _ := e.users.Get(ctx, e.pool.Id, tt.name)
				if _, err := e.users.SendCode(ctx, e.pool.Id, u.Sub, user.PurposeVerifyEmail, ""); err != nil {
					t.Fatal(err)
				}
				m := lastMessage(t, st, e.pool.Id)
				if !strings.Contains(m.Content.Text, tt.want) || strings.Contains(m.Content.Text, "{####}") {
					t.Fatalf("%s's message: %q", tt.name, m.Content.Text)
				}
				code := strings.TrimSpace(strings.TrimPrefix(m.Content.Text[strings.Index(m.Content.Text, tt.want):], tt.want))
				if _, err := e.users.VerifyCode(ctx, e.pool.Id, u.Sub, user.PurposeVerifyEmail, code[:6]); err != nil {
					t.Fatalf("the code in the custom message does not verify: %v", err)
				}
			}
			if got := rc.events(); got[0].TriggerSource != string(trigger.CustomMessageVerifyUserAttribute) || got[0].Request.CodeParameter != "{####}" {
				t.Fatalf("event %+v", got[0])
			}
		})

		t.Run("migrate a user from a legacy store on first sign-in", func(t *testing.T) {
			rc := newReceiver(t, func(ev event, raw map[string]any) reply {
				if ev.UserName != "legacy.ivy" || ev.Request.Password != "OldPassw0rd" {
					return refuse("Bad password")
				}
				return ok(raw, map[string]any{"userAttributes": map[string]string{"email": "ivy@example.com", "email_verified": "true"},
					"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"})
			})
			e := newEnv(t, st, rc, pool.TriggerUserMigration)
			_, err := e.users.SignIn(ctx, e.pool.Id, "legacy.ivy", "not-her-password")
			wantError(t, err, errs.UserLambdaValidation, "UserMigration failed with error Bad password.")
			if e.exists(t, "legacy.ivy") {
				t.Fatal("a refused migration left a user behind")
			}
			res, err := e.users.SignIn(ctx, e.pool.Id, "legacy.ivy", "OldPassw0rd") // weaker than the policy: allowed
			if err != nil {
				t.Fatal(err)
			}
			if res.User.Status != user.StatusConfirmed || res.User.Attributes["email"] != "ivy@example.com" {
				t.Fatalf("migrated user %+v", res.User)
			}
			if _, err := e.users.SignIn(ctx, e.pool.Id, "legacy.ivy", "OldPassw0rd"); err != nil {
				t.Fatal(err)
			}
			if n := len(rc.events()); n != 2 {
				t.Fatalf("the trigger was called %d times, want 2 (not for a user who exists)", n)
			}
			invs, err := e.triggers.Invocations(ctx, e.pool.Id, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range invs {
				if strings.Contains(inv.Payload, "OldPassw0rd") || !strings.Contains(inv.Payload, `"password":"******"`) {
					t.Fatalf("logged payload not redacted: %s", inv.Payload)
				}
			}
		})
	})
}

func lastMessage(t *testing.T, st *storage.Store, poolID string) *message.Message {
	t.Helper()
	msgs, _, err := st.ListMessages(context.Background(), message.ListQuery{PoolID: poolID, Limit: 1})
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no message: %v", err)
	}
	return msgs[0]
}

// PreSignUp_SignUp may auto-confirm and auto-verify: no code is sent, and the user can sign in.
func TestSignUpAutoConfirm(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, func(ev event, raw map[string]any) reply {
		return ok(raw, map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true})
	})
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerPreSignUp)
	c, err := e.pools.CreateClient(ctx, &pool.Client{UserPoolId: e.pool.Id, ClientName: "app"}, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.users.SignUp(ctx, c, user.SignUpInput{Username: "uma", Password: "Passw0rd!Passw0rd",
		Attributes: []user.Attribute{{Name: "email", Value: "uma@example.com"}}, ValidationData: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Confirmed || res.Delivery != nil || res.User.Attributes["email_verified"] != "true" {
		t.Fatalf("sign-up %+v, user %+v", res, res.User)
	}
	if _, err := e.users.SignIn(ctx, e.pool.Id, "uma", "Passw0rd!Passw0rd"); err != nil {
		t.Fatal(err)
	}
	got := rc.events()
	if len(got) != 1 || got[0].TriggerSource != string(trigger.PreSignUpSignUp) || got[0].Request.ValidationData["k"] != "v" {
		t.Fatalf("events %+v", got)
	}
}

// An email the PreSignUp trigger auto-verifies moves to the new user when another user holds
// it as an alias, as in Cognito; another alias taken refuses the sign-up and moves nothing.
func TestSignUpAutoVerifyMovesAlias(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		rc := newReceiver(t, func(ev event, raw map[string]any) reply {
			return ok(raw, map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true})
		})
		e := newEnv(t, st, rc, pool.TriggerPreSignUp)
		p := *e.pool
		p.AliasAttributes = []string{"email", "preferred_username"}
		if _, err := e.pools.UpdatePool(ctx, &p); err != nil {
			t.Fatal(err)
		}
		c, err := e.pools.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: "app"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.createUser(t, "olga", "email", "shared@example.com", "email_verified", "true", "preferred_username", "olga"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			username, nickname string
			want               errs.Code // "" = signed up, holding the email alias
		}{
			{"nick", "olga", errs.AliasExists}, // preferred_username is never moved
			{"nina", "nina", ""},
		} {
			_, err := e.users.SignUp(ctx, c, user.SignUpInput{Username: tc.username, Password: "Passw0rd!Passw0rd",
				Attributes: []user.Attribute{{Name: "email", Value: "shared@example.com"}, {Name: "preferred_username", Value: tc.nickname}}})
			if tc.want != "" {
				if !errs.Is(err, tc.want) || e.exists(t, tc.username) {
					t.Fatalf("%s: %v (created: %v)", tc.username, err, e.exists(t, tc.username))
				}
				if u, err := e.users.Get(ctx, p.Id, "shared@example.com"); err != nil || u.Username != "olga" {
					t.Fatalf("%s: the email alias moved on a refused sign-up: %+v, %v", tc.username, u, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.username, err)
			}
			holder, err := e.users.Get(ctx, p.Id, "shared@example.com")
			if err != nil || holder.Username != tc.username || holder.Attributes["email_verified"] != "true" {
				t.Fatalf("alias holder %+v, %v", holder, err)
			}
			old, err := e.users.Get(ctx, p.Id, "olga")
			if err != nil {
				t.Fatal(err)
			}
			if old.Attributes["email"] != "shared@example.com" || old.Attributes["email_verified"] != "false" || old.AliasKeys["email"] != "" {
				t.Fatalf("previous holder %+v", old)
			}
		}
	})
}
