package trigger_test

import (
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
	"github.com/userpool/userpool/webhook"
)

// TestPoolSavedWithSecrets saves pools through the trigger service: the pool and its triggers'
// secrets are written together, and a save that fails (a bad secret, or the pool's own
// constraint) leaves neither the pool change nor any secret.
func TestPoolSavedWithSecrets(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		pools := pool.NewService(st, "local")
		tr := trigger.NewService(st, pools, trigger.Config{})
		users := user.NewService(st, pools, user.DefaultHasher())
		own := webhook.NewSecret()

		// A bad secret: no pool is created.
		_, _, err := tr.CreatePool(ctx, &pool.Pool{Name: "bad", LambdaConfig: &pool.LambdaConfig{PreSignUp: "https://hooks.example.com/a"}},
			[]trigger.SecretInput{{Name: pool.TriggerPreSignUp, Value: "whsec_short"}})
		if !errs.Is(err, errs.InvalidParameter) {
			t.Fatalf("bad secret: %v", err)
		}
		if list, _, err := st.ListPools(ctx, pool.Page{Limit: 10}); err != nil || len(list) != 0 {
			t.Fatalf("pools after a failed create: %d, %v", len(list), err)
		}

		p, generated, err := tr.CreatePool(ctx, &pool.Pool{Name: "p", LambdaConfig: &pool.LambdaConfig{
			PreSignUp: "https://hooks.example.com/a", CustomMessage: "https://hooks.example.com/b"}},
			[]trigger.SecretInput{{Name: pool.TriggerCustomMessage, Value: own}})
		if err != nil {
			t.Fatal(err)
		}
		if len(generated) != 1 || generated[0].Name != pool.TriggerPreSignUp {
			t.Fatalf("generated = %+v, want the PreSignUp secret only", generated)
		}
		wantSecret(t, st, p.Id, pool.TriggerPreSignUp, generated[0].Value)
		wantSecret(t, st, p.Id, pool.TriggerCustomMessage, own)

		// Two users share a verified email: making email an alias fails, and with it the new
		// trigger and its secret.
		for _, name := range []string{"ann", "bob"} {
			if _, _, err := users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS",
				Attributes: []user.Attribute{{Name: "email", Value: "same@example.com"}, {Name: "email_verified", Value: "true"}}}); err != nil {
				t.Fatal(err)
			}
		}
		next := *p
		lc := *p.LambdaConfig
		lc.PreAuthentication = "https://hooks.example.com/c"
		next.LambdaConfig, next.AliasAttributes = &lc, []string{"email"}
		if _, _, err := tr.UpdatePool(ctx, &next, []trigger.SecretInput{{Name: pool.TriggerCustomMessage}}); !errs.Is(err, errs.AliasExists) {
			t.Fatalf("conflicting alias: %v", err)
		}
		got, err := pools.GetPool(ctx, p.Id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != p.Version || got.TriggerURL(pool.TriggerPreAuthentication) != "" {
			t.Fatalf("pool changed by a failed update: v%d, %+v", got.Version, got.LambdaConfig)
		}
		wantSecret(t, st, p.Id, pool.TriggerPreAuthentication, "")
		wantSecret(t, st, p.Id, pool.TriggerCustomMessage, own)

		// Without the conflict it goes through: the new trigger's secret is generated, the
		// rotated one replaced.
		next.AliasAttributes = nil
		updated, generated, err := tr.UpdatePool(ctx, &next, []trigger.SecretInput{{Name: pool.TriggerCustomMessage}})
		if err != nil {
			t.Fatal(err)
		}
		if updated.TriggerURL(pool.TriggerPreAuthentication) == "" || len(generated) != 2 {
			t.Fatalf("updated %+v, generated %+v", updated.LambdaConfig, generated)
		}
		for _, g := range generated {
			wantSecret(t, st, p.Id, g.Name, g.Value)
		}
	})
}

// wantSecret checks a trigger's current secret; "" means it must have none.
func wantSecret(t *testing.T, st *storage.Store, poolID, name, current string) {
	t.Helper()
	got, err := st.TriggerSecrets(context.Background(), poolID, name)
	if err != nil {
		t.Fatal(err)
	}
	if (current == "") != (got == nil) || got != nil && got.Current != current {
		t.Fatalf("%s secrets = %+v, want %q", name, got, current)
	}
}
