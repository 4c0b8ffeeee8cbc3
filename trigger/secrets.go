package trigger

import (
	"context"
	"fmt"
	"slices"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/webhook"
)

// SecretInput names a trigger (a LambdaConfig key) and a secret: "whsec_" + base64, or "" to
// have one generated.
type SecretInput struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// checkSecrets validates secrets to set on p (before p is saved, so that a bad secret changes
// nothing): known triggers that p configures, each once, each secret well-formed.
func checkSecrets(p *pool.Pool, set []SecretInput) error {
	for i, in := range set {
		if !slices.Contains(pool.Triggers, in.Name) {
			return errs.New(errs.InvalidParameter, "TriggerSecrets: %q is not a trigger (one of %v).", in.Name, pool.Triggers)
		}
		if p.TriggerURL(in.Name) == "" {
			return errs.New(errs.InvalidParameter, "TriggerSecrets: LambdaConfig.%s is not set.", in.Name)
		}
		if slices.ContainsFunc(set[:i], func(o SecretInput) bool { return o.Name == in.Name }) {
			return errs.New(errs.InvalidParameter, "TriggerSecrets: %s is given more than once.", in.Name)
		}
		if in.Value != "" {
			if _, err := webhook.ParseSecret(in.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreatePool creates a pool and its triggers' secrets in one transaction (see planSecrets),
// and returns it with the generated secrets, which are shown once and never again.
func (s *Service) CreatePool(ctx context.Context, in *pool.Pool, set []SecretInput) (*pool.Pool, []SecretInput, error) {
	return s.saveWithSecrets(ctx, in, set, s.pools.CreatePoolWithSecrets)
}

// UpdatePool updates a pool and its triggers' secrets in one transaction (see planSecrets), and
// returns it with the generated secrets, which are shown once and never again.
func (s *Service) UpdatePool(ctx context.Context, in *pool.Pool, set []SecretInput) (*pool.Pool, []SecretInput, error) {
	return s.saveWithSecrets(ctx, in, set, s.pools.UpdatePoolWithSecrets)
}

// saveWithSecrets saves in with save, writing the secrets planSecrets plans for set in the
// same transaction, and returns the saved pool and the generated secrets.
func (s *Service) saveWithSecrets(ctx context.Context, in *pool.Pool, set []SecretInput,
	save func(context.Context, *pool.Pool, pool.SecretsFunc) (*pool.Pool, error)) (*pool.Pool, []SecretInput, error) {
	var generated []SecretInput
	p, err := save(ctx, in, func(ctx context.Context, p *pool.Pool) (write []pool.TriggerSecret, err error) {
		write, generated, err = s.planSecrets(ctx, p, set)
		return write, err
	})
	if err != nil {
		return nil, nil, err
	}
	return p, generated, nil
}

// ConfigureSecrets sets secrets of a saved pool's triggers (the console's rotation), as
// planSecrets decides, and returns the generated ones.
func (s *Service) ConfigureSecrets(ctx context.Context, p *pool.Pool, set []SecretInput) ([]SecretInput, error) {
	write, generated, err := s.planSecrets(ctx, p, set)
	if err != nil {
		return nil, err
	}
	for _, w := range write {
		if err := s.store.SetTriggerSecret(ctx, p.Id, w.Trigger, w.Secret, w.PreviousUntil); err != nil {
			return nil, fmt.Errorf("configure %s secret: %w", w.Trigger, err)
		}
	}
	return generated, nil
}

// planSecrets decides the secrets to write with p: each of set becomes its trigger's secret
// (generated when its Value is ""), the replaced secret still signing, beside the new one, for
// the rotation grace period; a configured trigger that has no secret gets a generated one.
//
// It reads the current secrets outside the write's transaction: two saves racing to give a
// trigger its first secret both write one, and the later makes the earlier its previous
// secret, so both secrets shown still sign for the grace period.
func (s *Service) planSecrets(ctx context.Context, p *pool.Pool, set []SecretInput) (write []pool.TriggerSecret, generated []SecretInput, err error) {
	if err := checkSecrets(p, set); err != nil {
		return nil, nil, err
	}
	until := s.cfg.Now().Add(s.cfg.RotationGrace)
	for _, name := range pool.Triggers {
		if p.TriggerURL(name) == "" {
			continue
		}
		i := slices.IndexFunc(set, func(in SecretInput) bool { return in.Name == name })
		if i < 0 {
			cur, err := s.store.TriggerSecrets(ctx, p.Id, name)
			if err != nil {
				return nil, nil, fmt.Errorf("configure %s secret: %w", name, err)
			}
			if cur != nil {
				continue
			}
		}
		secret := ""
		if i >= 0 {
			secret = set[i].Value
		}
		if secret == "" {
			secret = webhook.NewSecret()
			generated = append(generated, SecretInput{Name: name, Value: secret})
		}
		write = append(write, pool.TriggerSecret{Trigger: name, Secret: secret, PreviousUntil: until})
	}
	return write, generated, nil
}

// Test sends a sample event to one of a pool's configured triggers, as the operator's "send a
// test event" does, and returns the invocation (recorded in the log like any other). The
// trigger's answer is judged as a real one; nothing else happens.
func (s *Service) Test(ctx context.Context, poolID, name string) (*Invocation, error) {
	p, err := s.pools.GetPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(pool.Triggers, name) {
		return nil, errs.New(errs.InvalidParameter, "%q is not a trigger (one of %v).", name, pool.Triggers)
	}
	if p.TriggerURL(name) == "" {
		return nil, errs.New(errs.InvalidParameter, "LambdaConfig.%s is not set.", name)
	}
	ev, h := sample(Sources[name][0])
	var resp any // the answer is judged for its shape, as a real one
	switch ev.(type) {
	case *PreSignUpEvent:
		resp = &PreSignUpResponse{}
	case *CustomMessageEvent:
		resp = &CustomMessageResponse{}
	case *PreTokenGenerationEvent:
		resp = &PreTokenGenerationResponse{}
	case *UserMigrationEvent:
		resp = &UserMigrationResponse{}
	}
	// A refusal or failure is the test's result, not an error of the action.
	inv, err := s.call(ctx, p, name, h, ev, resp, nil)
	if inv == nil {
		return nil, err
	}
	return inv, nil
}
