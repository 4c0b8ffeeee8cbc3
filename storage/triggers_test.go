package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_C2FtcGxlIHNlY3JldCBmb3IgdGVzdHMgb25seQ=="
)

// TestPoolWithTriggerSecrets writes pools with their trigger secrets: both land together, and a
// secret that cannot be written (an unknown trigger, an empty secret) leaves neither the pool
// change nor any of the secrets.
func TestPoolWithTriggerSecrets(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		until := time.Now().Add(time.Hour)
		p := &pool.Pool{Id: "local_secrets01", Name: "p"}
		if err := st.CreatePoolWithSecrets(ctx, p, []pool.TriggerSecret{{Trigger: pool.TriggerPreSignUp, Secret: secretA}}); err != nil {
			t.Fatal(err)
		}
		wantSecret(t, st, p.Id, pool.TriggerPreSignUp, secretA, "")

		bad := [][]pool.TriggerSecret{
			{{Trigger: pool.TriggerCustomMessage, Secret: secretB}, {Trigger: pool.TriggerPreAuthentication}},
			{{Trigger: pool.TriggerCustomMessage, Secret: secretB}, {Trigger: "PreSignup", Secret: secretB}},
		}
		for i, secrets := range bad {
			err := st.CreatePoolWithSecrets(ctx, &pool.Pool{Id: "local_secrets02", Name: "q"}, secrets)
			wantErrCode(t, err, errs.InvalidParameter)
			if _, err := st.GetPool(ctx, "local_secrets02"); !errs.Is(err, errs.ResourceNotFound) {
				t.Fatalf("case %d: pool left behind by a failed create: %v", i, err)
			}
			wantSecret(t, st, "local_secrets02", pool.TriggerCustomMessage, "", "")

			changed := *p
			changed.Name = "renamed"
			err = st.UpdatePool(ctx, &changed, pool.SchemaChange{TriggerSecrets: append([]pool.TriggerSecret{
				{Trigger: pool.TriggerPreSignUp, Secret: secretB, PreviousUntil: until}}, secrets...)})
			wantErrCode(t, err, errs.InvalidParameter)
			got, err := st.GetPool(ctx, p.Id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "p" || got.Version != p.Version {
				t.Fatalf("case %d: pool changed by a failed update: %q v%d", i, got.Name, got.Version)
			}
			wantSecret(t, st, p.Id, pool.TriggerPreSignUp, secretA, "")
			wantSecret(t, st, p.Id, pool.TriggerCustomMessage, "", "")
		}

		// A good update rotates: the replaced secret is kept as the previous one.
		changed := *p
		changed.Name = "renamed"
		if err := st.UpdatePool(ctx, &changed, pool.SchemaChange{TriggerSecrets: []pool.TriggerSecret{
			{Trigger: pool.TriggerPreSignUp, Secret: secretB, PreviousUntil: until}}}); err != nil {
			t.Fatal(err)
		}
		wantSecret(t, st, p.Id, pool.TriggerPreSignUp, secretB, secretA)
	})
}

func wantErrCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

// wantSecret checks a trigger's stored secrets; "" current means it must have none.
func wantSecret(t *testing.T, st *storage.Store, poolID, name, current, previous string) {
	t.Helper()
	got, err := st.TriggerSecrets(context.Background(), poolID, name)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case current == "" && got != nil:
		t.Fatalf("%s has a secret, want none", name)
	case current != "" && (got == nil || got.Current != current || got.Previous != previous):
		t.Fatalf("%s secrets = %+v, want current %s previous %q", name, got, current, previous)
	}
}
