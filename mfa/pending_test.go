package mfa_test

import (
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
)

// The pending secret reads back as generated, so that a page and its QR code show the same one.
func TestPendingSetup(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storagetest.Open(t))
	p := e.pool(t, pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
	u := e.user(t, p.Id, "ann")
	if got, err := e.mfa.Pending(ctx, p.Id, u.Sub); err != nil || got != nil {
		t.Fatalf("pending before any: %v %v", got, err)
	}
	ch := begin(t, e, p.Id, u.Sub, mfa.StepSetup)
	first, err := e.mfa.PendingSetup(ctx, p.Id, ch.Handle)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.mfa.PendingSetup(ctx, p.Id, ch.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *first || first.Secret == "" {
		t.Fatalf("pending %+v, then %+v", first, again)
	}
	if _, err := e.mfa.PendingSetup(ctx, p.Id, "no such handle"); !errs.Is(err, errs.NotAuthorized) {
		t.Fatalf("unknown handle: %v", err)
	}
	if _, err := e.mfa.SetupVerify(ctx, p.Id, ch.Handle, e.totpCode(t, first.Secret, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mfa.PendingSetup(ctx, p.Id, ch.Handle); !errs.Is(err, errs.InvalidParameter) {
		t.Fatalf("after verifying: %v", err)
	}
	if got, err := e.mfa.Pending(ctx, p.Id, u.Sub); err != nil || got != nil {
		t.Fatalf("pending after verifying: %v %v", got, err)
	}
}
