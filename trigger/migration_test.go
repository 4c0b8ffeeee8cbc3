package trigger_test

import (
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// A password reset naming an unknown user asks the migration trigger (without a password);
// the user it describes is created RESET_REQUIRED and gets the reset code.
func TestMigrateOnForgotPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		rc := newReceiver(t, func(ev event, raw map[string]any) reply {
			if ev.TriggerSource != string(trigger.UserMigrationForgotPassword) || ev.Request.Password != "" {
				t.Errorf("event %+v", ev)
			}
			if ev.UserName != "legacy.jo" {
				return refuse("Unknown in the legacy store")
			}
			return ok(raw, map[string]any{"userAttributes": map[string]string{"email": "jo@example.com", "email_verified": "true"},
				"finalUserStatus": "CONFIRMED"})
		})
		e := newEnv(t, st, rc, pool.TriggerUserMigration)
		c, err := e.pools.CreateClient(ctx, &pool.Client{UserPoolId: e.pool.Id, ClientName: "app"}, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.users.ForgotPasswordFor(ctx, c, "nobody", map[string]string{"k": "v"})
		wantError(t, err, errs.UserLambdaValidation, "UserMigration failed with error Unknown in the legacy store.")
		if e.exists(t, "nobody") {
			t.Fatal("a refused migration left a user behind")
		}
		d, err := e.users.ForgotPasswordFor(ctx, c, "legacy.jo", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.DeliveryMedium != "EMAIL" {
			t.Fatalf("delivery %+v", d)
		}
		u, err := e.users.Get(ctx, e.pool.Id, "legacy.jo")
		if err != nil {
			t.Fatal(err)
		}
		// Without a password the user cannot be CONFIRMED, whatever the answer says.
		if u.Status != user.StatusResetRequired || u.Attributes["email"] != "jo@example.com" {
			t.Fatalf("migrated user %+v", u)
		}
		if m := lastMessage(t, st, e.pool.Id); m.Type != message.ResetPassword || m.Destination != "jo@example.com" {
			t.Fatalf("message %+v", m)
		}
		_, err = e.users.SignIn(ctx, e.pool.Id, "legacy.jo", "anything")
		wantError(t, err, errs.NotAuthorized, "")
	})
}

// finalUserStatus RESET_REQUIRED (the default) creates the user with their password, and the
// sign-in answers PasswordResetRequired, as Cognito's.
func TestMigrateResetRequired(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, func(ev event, raw map[string]any) reply {
		return ok(raw, map[string]any{"userAttributes": map[string]string{"email": "kim@example.com"}})
	})
	e := newEnv(t, storagetest.Open(t), rc, pool.TriggerUserMigration)
	_, err := e.users.SignIn(ctx, e.pool.Id, "legacy.kim", "OldPassw0rd")
	wantError(t, err, errs.PasswordResetRequired, "")
	u, err := e.users.Get(ctx, e.pool.Id, "legacy.kim")
	if err != nil || u.Status != user.StatusResetRequired {
		t.Fatalf("user %+v, %v", u, err)
	}
}
