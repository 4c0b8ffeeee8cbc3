package pool_test

import (
	"context"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

func TestSetMfaConfig(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	// CreateUserPool cannot name factors: MFA ON there offers the authenticator app.
	on := createPool(t, s, pool.Pool{Name: "on", MfaConfiguration: pool.MfaOn})
	if on.MfaFactors != (pool.MfaFactors{SoftwareToken: true}) {
		t.Fatalf("factors of a new ON pool: %+v", on.MfaFactors)
	}
	p := createPool(t, s, pool.Pool{Name: "p"})
	if p.MfaFactors.Any() {
		t.Fatalf("factors of an OFF pool: %+v", p.MfaFactors)
	}
	bad := []struct {
		name string
		in   pool.MfaConfig
	}{
		{"bad policy", pool.MfaConfig{MfaConfiguration: "on", Factors: pool.MfaFactors{SMS: true}}},
		{"on without factors", pool.MfaConfig{MfaConfiguration: pool.MfaOn}},
		{"optional without factors", pool.MfaConfig{MfaConfiguration: pool.MfaOptional}},
		{"sms message without code", pool.MfaConfig{MfaConfiguration: pool.MfaOn, Factors: pool.MfaFactors{SMS: true}, SmsAuthenticationMessage: "hello"}},
		{"email message without code", pool.MfaConfig{MfaConfiguration: pool.MfaOn, Factors: pool.MfaFactors{Email: true}, EmailMessage: "hello"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SetMfaConfig(ctx, p.Id, tt.in)
			mustCode(t, err, errs.InvalidParameter)
			got, _ := s.GetPool(ctx, p.Id)
			if got.MfaConfiguration != pool.MfaOff || got.MfaFactors.Any() {
				t.Fatalf("a refused config changed the pool: %s %+v", got.MfaConfiguration, got.MfaFactors)
			}
		})
	}
	got, err := s.SetMfaConfig(ctx, p.Id, pool.MfaConfig{MfaConfiguration: pool.MfaOptional, Factors: pool.MfaFactors{SMS: true, Email: true},
		SmsAuthenticationMessage: "Code: {####}", EmailMessage: "<p>Your code is {####}</p>", EmailSubject: "Sign-in code"})
	if err != nil {
		t.Fatal(err)
	}
	if got.MfaConfiguration != pool.MfaOptional || got.MfaFactors != (pool.MfaFactors{SMS: true, Email: true}) ||
		got.MessageTemplates.MFA.SMS != "Code: {####}" || got.MessageTemplates.MFA.EmailSubject != "Sign-in code" {
		t.Fatalf("pool %s %+v %+v", got.MfaConfiguration, got.MfaFactors, got.MessageTemplates.MFA)
	}
	// OFF needs no factor.
	if got, err = s.SetMfaConfig(ctx, p.Id, pool.MfaConfig{MfaConfiguration: pool.MfaOff}); err != nil || got.MfaConfiguration != pool.MfaOff {
		t.Fatalf("off: %v", err)
	}
	_, err = s.SetMfaConfig(ctx, "local_nosuchpool", pool.MfaConfig{MfaConfiguration: pool.MfaOff})
	mustCode(t, err, errs.ResourceNotFound)
}
