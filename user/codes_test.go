package user_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// testClock is a settable clock, safe for concurrent use. Each reading moves it on by a
// millisecond, so that messages written one after the other sort in that order.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// codeEnv is a user service with a test clock on store.
func codeEnv(t *testing.T, st *storage.Store) (*env, *testClock) {
	t.Helper()
	pools := pool.NewService(st, "local")
	c := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	users := user.NewService(st, pools, user.DefaultHasher())
	users.SetClock(c.Now)
	users.SetMessaging(user.Messaging{CodeKey: []byte("test code key"), PublicURL: "https://id.example.com"})
	return &env{store: st, pools: pools, users: users}, c
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// messages returns the pool's outbox, oldest first.
func messages(t *testing.T, st *storage.Store, poolID string) []*message.Message {
	t.Helper()
	msgs, _, err := st.ListMessages(context.Background(), message.ListQuery{PoolID: poolID})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs
}

// lastCode reads the code of the newest message (pending messages still hold it).
func lastCode(t *testing.T, st *storage.Store, poolID string) (string, *message.Message) {
	t.Helper()
	msgs := messages(t, st, poolID)
	if len(msgs) == 0 {
		t.Fatal("no message in the outbox")
	}
	m := msgs[len(msgs)-1]
	body := m.Content.Text + m.Content.SMS
	code := sixDigits.FindString(body)
	if code == "" {
		t.Fatalf("no code in %q", body)
	}
	return code, m
}

func TestCodeRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, clk := codeEnv(t, st)
		p := e.pool(t, pool.Pool{CodeValidity: pool.CodeValidity{ResetPasswordMinutes: 30}})
		u, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "ann@example.com", "phone_number", "+12065550100")})

		// A code arrives by email, is single use, and the message holds it until delivery.
		d, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeSignUp, "")
		if err != nil {
			t.Fatal(err)
		}
		if *d != (user.CodeDelivery{Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}) {
			t.Errorf("delivery %+v", d)
		}
		code, m := lastCode(t, st, p.Id)
		if m.Type != message.Verification || m.Destination != "ann@example.com" || strings.Contains(m.Redacted.Text, code) {
			t.Errorf("message %+v", m)
		}
		if _, err := e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeSignUp, code); err != nil {
			t.Fatalf("right code: %v", err)
		}
		_, err = e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeSignUp, code)
		mustCode(t, err, errs.ExpiredCode) // used

		// A code is bound to its purpose and its user.
		if _, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, message.SMS); err != nil {
			t.Fatal(err)
		}
		code, m = lastCode(t, st, p.Id)
		if m.Channel != message.SMS || m.Type != message.ResetPassword || m.Destination != "+12065550100" {
			t.Errorf("message %+v", m)
		}
		_, err = e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeSignUp, code)
		mustCode(t, err, errs.ExpiredCode)
		other, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "bob@example.com")})
		_, err = e.users.VerifyCode(ctx, p.Id, other.Sub, user.PurposeResetPassword, code)
		mustCode(t, err, errs.ExpiredCode)

		// Expiry follows the pool's validity (30 minutes here), on the injected clock.
		clk.Advance(30 * time.Minute)
		_, err = e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, code)
		mustCode(t, err, errs.ExpiredCode)

		// A new code replaces the old one.
		if _, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, message.Email); err != nil {
			t.Fatal(err)
		}
		first, _ := lastCode(t, st, p.Id)
		if _, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, message.Email); err != nil {
			t.Fatal(err)
		}
		second, _ := lastCode(t, st, p.Id)
		if first != second {
			_, err = e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, first)
			mustCode(t, err, errs.CodeMismatch)
		}
		if _, err := e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeResetPassword, second); err != nil {
			t.Fatalf("replacement code: %v", err)
		}

		// Five wrong tries void the code: even the right one is refused after them.
		if _, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeSignUp, ""); err != nil {
			t.Fatal(err)
		}
		code, _ = lastCode(t, st, p.Id)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := range user.MaxCodeAttempts {
			_, err := e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeSignUp, wrong)
			if !errs.Is(err, errs.CodeMismatch) {
				t.Fatalf("wrong try %d: %v, want CodeMismatch", i+1, err)
			}
		}
		_, err = e.users.VerifyCode(ctx, p.Id, u.Sub, user.PurposeSignUp, code)
		mustCode(t, err, errs.LimitExceeded)

		// Cross-pool isolation: the same sub in another pool has no code.
		p2 := e.pool(t, pool.Pool{})
		_, err = e.users.VerifyCode(ctx, p2.Id, u.Sub, user.PurposeSignUp, code)
		mustCode(t, err, errs.ExpiredCode)
		_, err = e.users.SendCode(ctx, p2.Id, u.Sub, user.PurposeSignUp, "")
		mustCode(t, err, errs.UserNotFound)

		// Bad input changes nothing.
		for _, tt := range []struct {
			purpose user.Purpose
			ch      message.Channel
			code    errs.Code
		}{
			{"invitation", "", errs.InvalidParameter},
			{user.PurposeSignUp, "pigeon", errs.InvalidParameter},
		} {
			_, err := e.users.SendCode(ctx, p.Id, u.Sub, tt.purpose, tt.ch)
			mustCode(t, err, tt.code)
		}
		_, err = e.users.SendCode(ctx, p.Id, other.Sub, user.PurposeVerifyPhone, "")
		mustCode(t, err, errs.InvalidParameter) // bob has no phone
	})
}

func TestCodeSendThrottle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, clk := codeEnv(t, st)
		p := e.pool(t, pool.Pool{})
		ann, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "shared@example.com")})
		bob, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "shared@example.com")})
		for i := range user.MaxCodeSends {
			if _, err := e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeSignUp, ""); err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
			clk.Advance(time.Minute)
		}
		before := len(messages(t, st, p.Id))
		_, err := e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeSignUp, "")
		mustCode(t, err, errs.LimitExceeded)
		if e, ok := errs.As(err); !ok || e.Message != "Attempt limit exceeded, please try after some time." {
			t.Errorf("message %v", err)
		}
		// Per destination too: bob shares ann's address.
		_, err = e.users.SendCode(ctx, p.Id, bob.Sub, user.PurposeSignUp, "")
		mustCode(t, err, errs.LimitExceeded)
		if after := len(messages(t, st, p.Id)); after != before {
			t.Fatalf("a refused send wrote %d messages", after-before)
		}
		// Another purpose has its own budget, and the window slides.
		if _, err := e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeResetPassword, ""); err != nil {
			t.Fatal(err)
		}
		clk.Advance(user.CodeSendWindow - 5*time.Minute + 30*time.Second) // the first send leaves the window
		if _, err := e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeSignUp, ""); err != nil {
			t.Fatalf("after the first send left the window: %v", err)
		}
		_, err = e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeSignUp, "")
		mustCode(t, err, errs.LimitExceeded)
	})
}

func TestConcurrentSendsRespectThrottle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, _ := codeEnv(t, st)
		p := e.pool(t, pool.Pool{})
		ann, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "ann@example.com")})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 12 {
			wg.Go(func() {
				_, err := e.users.SendCode(ctx, p.Id, ann.Sub, user.PurposeSignUp, "")
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !errs.Is(err, errs.LimitExceeded) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok != user.MaxCodeSends {
			t.Fatalf("%d concurrent sends passed, want %d", ok, user.MaxCodeSends)
		}
	})
}

func TestPendingEmailChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, _ := codeEnv(t, st)
		p := e.pool(t, pool.Pool{AliasAttributes: []string{"email"}, AutoVerifiedAttributes: []string{"email"}})
		if got := p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate; len(got) != 1 || got[0] != "email" {
			t.Fatalf("AttributesRequireVerificationBeforeUpdate defaults to %v, want [email]", got)
		}
		u, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "old@example.com", "email_verified", "true")})
		if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("email", "new@example.com", "name", "Ann")); err != nil {
			t.Fatal(err)
		}
		got, err := e.users.Get(ctx, p.Id, "old@example.com")
		if err != nil || got.Sub != u.Sub || got.Attributes["email"] != "old@example.com" || got.Attributes["email_verified"] != "true" || got.Attributes["name"] != "Ann" {
			t.Fatalf("before confirmation: %+v, %v", got, err)
		}
		_, err = e.users.Get(ctx, p.Id, "new@example.com")
		mustCode(t, err, errs.UserNotFound)
		code, m := lastCode(t, st, p.Id)
		if m.Destination != "new@example.com" || m.Type != message.AttributeVerification {
			t.Fatalf("message %+v", m)
		}
		// A resend goes to the pending value too.
		if d, err := e.users.SendCode(ctx, p.Id, u.Sub, user.PurposeVerifyEmail, ""); err != nil || d.Destination != "n***@e***" {
			t.Fatalf("resend: %+v, %v", d, err)
		}
		code, _ = lastCode(t, st, p.Id)

		err = e.users.VerifyAttribute(ctx, p.Id, u.Sub, "email", "000000")
		if code != "000000" {
			mustCode(t, err, errs.CodeMismatch)
		}
		if err := e.users.VerifyAttribute(ctx, p.Id, u.Sub, "email", code); err != nil {
			t.Fatal(err)
		}
		got, err = e.users.Get(ctx, p.Id, "new@example.com")
		if err != nil || got.Attributes["email"] != "new@example.com" || got.Attributes["email_verified"] != "true" {
			t.Fatalf("after confirmation: %+v, %v", got, err)
		}
		_, err = e.users.Get(ctx, p.Id, "old@example.com")
		mustCode(t, err, errs.UserNotFound)

		// The admin path with email_verified=true applies at once, and sends nothing.
		before := len(messages(t, st, p.Id))
		if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("email", "direct@example.com", "email_verified", "true")); err != nil {
			t.Fatal(err)
		}
		if got, err := e.users.Get(ctx, p.Id, "direct@example.com"); err != nil || got.Sub != u.Sub {
			t.Fatalf("direct change: %+v, %v", got, err)
		}
		if n := len(messages(t, st, p.Id)); n != before {
			t.Fatalf("direct change sent %d messages", n-before)
		}

		// An unverified email is replaced at once and a code goes to the new one.
		bob, _ := e.create(t, p.Id, user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "bob@example.com")})
		if err := e.users.AdminUpdateAttributes(ctx, p.Id, "bob", attrs("email", "bob2@example.com")); err != nil {
			t.Fatal(err)
		}
		got, _ = e.users.Get(ctx, p.Id, "bob")
		if got.Attributes["email"] != "bob2@example.com" || got.Attributes["email_verified"] != "false" {
			t.Fatalf("unverified change: %+v", got.Attributes)
		}
		code, m = lastCode(t, st, p.Id)
		if m.Destination != "bob2@example.com" {
			t.Fatalf("message to %s", m.Destination)
		}
		// A pending value another user took as an alias in the meantime is refused, code unspent.
		if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs("email", "bob2@example.com")); err != nil {
			t.Fatal(err)
		}
		annCode, _ := lastCode(t, st, p.Id)
		if err := e.users.VerifyAttribute(ctx, p.Id, bob.Sub, "email", code); err != nil {
			t.Fatal(err)
		}
		err = e.users.VerifyAttribute(ctx, p.Id, u.Sub, "email", annCode)
		mustCode(t, err, errs.AliasExists)

		err = e.users.VerifyAttribute(ctx, p.Id, u.Sub, "name", "123456")
		mustCode(t, err, errs.InvalidParameter)
	})
}

func TestInvitation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		e, _ := codeEnv(t, st)
		p := e.pool(t, pool.Pool{EmailConfiguration: &pool.EmailConfiguration{From: "Example <no-reply@example.com>", ReplyToEmailAddress: "help@example.com"}})

		// SUPPRESS sends nothing.
		e.create(t, p.Id, user.AdminCreateUserInput{Username: "quiet", Attributes: attrs("email", "quiet@example.com"), MessageAction: "SUPPRESS"})
		if n := len(messages(t, st, p.Id)); n != 0 {
			t.Fatalf("SUPPRESS wrote %d messages", n)
		}
		// Email only: the invitation goes by email, with the pool's From and Reply-To.
		_, pw, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", Attributes: attrs("email", "ann@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		msgs := messages(t, st, p.Id)
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m := msgs[0]
		if m.Type != message.Invitation || m.Channel != message.Email || m.Destination != "ann@example.com" ||
			m.From != "Example <no-reply@example.com>" || m.ReplyTo != "help@example.com" ||
			!strings.Contains(m.Content.Text, pw) || !strings.Contains(m.Content.Text, "ann") || strings.Contains(m.Redacted.Text, pw) {
			t.Fatalf("invitation %+v", m)
		}
		// A phone number: SMS by default; both when asked.
		if _, _, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "bob", Attributes: attrs("email", "bob@example.com", "phone_number", "+12065550101")}); err != nil {
			t.Fatal(err)
		}
		if m := messages(t, st, p.Id)[1]; m.Channel != message.SMS || m.Destination != "+12065550101" {
			t.Fatalf("default medium: %+v", m)
		}
		_, _, err = e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "cy",
			Attributes: attrs("email", "cy@example.com", "phone_number", "+12065550102"), DeliveryMediums: []string{"EMAIL", "SMS"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(messages(t, st, p.Id)); n != 4 {
			t.Fatalf("%d messages after EMAIL+SMS, want 4", n)
		}
		// RESEND sends a new temporary password.
		_, pw2, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "RESEND"})
		if err != nil {
			t.Fatal(err)
		}
		if msgs := messages(t, st, p.Id); len(msgs) != 5 || !strings.Contains(msgs[4].Content.Text, pw2) {
			t.Fatalf("resend: %d messages", len(msgs))
		}
		// Bad mediums are refused and create no user.
		for _, tt := range []struct {
			mediums []string
			attrs   []user.Attribute
		}{
			{[]string{"PIGEON"}, attrs("email", "d@example.com")},
			{[]string{"SMS"}, attrs("email", "d@example.com")},
			{[]string{"EMAIL", "EMAIL"}, attrs("email", "d@example.com")},
		} {
			_, _, err := e.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "dee", Attributes: tt.attrs, DeliveryMediums: tt.mediums})
			mustCode(t, err, errs.InvalidParameter)
		}
		_, err = e.users.Get(ctx, p.Id, "dee")
		mustCode(t, err, errs.UserNotFound)
		if n := len(messages(t, st, p.Id)); n != 5 {
			t.Fatalf("refused creations wrote messages: %d", n)
		}
	})
}

// Deleting email or phone_number drops its pending verification code in the same write, so
// that the code cannot bring the deleted value back.
func TestDeleteAttributeDropsPendingCode(t *testing.T) {
	tests := []struct {
		name     string
		attr     string
		old, new string
		self     bool // DeleteUserAttributes (signed-in user) rather than AdminDeleteUserAttributes
	}{
		{"admin, pending email change", "email", "old@example.com", "new@example.com", false},
		{"self, pending email change", "email", "old@example.com", "new@example.com", true},
		{"admin, unverified phone", "phone_number", "", "+15555550100", false},
		{"self, unverified phone", "phone_number", "", "+15555550100", true},
	}
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e, _ := codeEnv(t, st)
				p := e.pool(t, pool.Pool{AutoVerifiedAttributes: []string{"email", "phone_number"}})
				in := user.AdminCreateUserInput{Username: "ann"}
				if tt.old != "" {
					in.Attributes = attrs(tt.attr, tt.old, tt.attr+"_verified", "true")
				}
				u, _ := e.create(t, p.Id, in)
				if err := e.users.AdminUpdateAttributes(ctx, p.Id, "ann", attrs(tt.attr, tt.new)); err != nil {
					t.Fatal(err)
				}
				code, m := lastCode(t, st, p.Id)
				if m.Destination != tt.new {
					t.Fatalf("code went to %s, want %s", m.Destination, tt.new)
				}

				var err error
				if tt.self {
					err = e.users.DeleteAttributes(ctx, client(p, "", tt.attr), u.Sub, []string{tt.attr})
				} else {
					err = e.users.AdminDeleteAttributes(ctx, p.Id, "ann", []string{tt.attr})
				}
				if err != nil {
					t.Fatal(err)
				}
				purpose := user.PurposeVerifyEmail
				if tt.attr == "phone_number" {
					purpose = user.PurposeVerifyPhone
				}
				if c, err := st.GetCode(ctx, p.Id, u.Sub, purpose); err != nil || c != nil {
					t.Fatalf("after the deletion the code is %+v (%v), want none", c, err)
				}
				mustCode(t, e.users.VerifyAttribute(ctx, p.Id, u.Sub, tt.attr, code), errs.ExpiredCode)
				got, err := e.users.GetBySub(ctx, p.Id, u.Sub)
				if err != nil {
					t.Fatal(err)
				}
				if v, ok := got.Attributes[tt.attr]; ok || got.Attributes[tt.attr+"_verified"] != "" {
					t.Fatalf("after verifying the old code the user has %s=%q (%v)", tt.attr, v, got.Attributes)
				}
			})
		}
	})
}
