package accesskey

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"

	"github.com/userpool/userpool/errs"
)

// Service creates, lists, disables and deletes admin access keys, and finds the secret of an
// enabled key for SigV4 verification (it implements cognito.Credentials).
type Service struct {
	store Store
}

// NewService returns a Service.
func NewService(store Store) *Service {
	return &Service{store: store}
}

var (
	// AWS access key ids are 16 to 128 word characters; ours are upper case, like AKIA...
	idRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	// Secrets are kept to characters that need no quoting in the admin-credentials file.
	secretRE = regexp.MustCompile(`^[A-Za-z0-9+/=._-]{20,128}$`)
)

const (
	idAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// Create stores a new enabled key. An empty id or secret is generated (AKIA and 16 upper-case
// letters or digits; 40 base64 characters); a given one must be 16-128 upper-case letters or
// digits (id) or 20-128 letters, digits or + / = . _ - (secret).
func (s *Service) Create(ctx context.Context, id, secret string) (*Key, error) {
	if id == "" {
		id = "AKIA" + random(idAlphabet, 16)
	} else if !idRE.MatchString(id) {
		return nil, errs.New(errs.InvalidParameter, "access key id must be 16 to 128 upper-case letters or digits")
	}
	if secret == "" {
		secret = random(secretAlphabet, 40)
	} else if !secretRE.MatchString(secret) {
		return nil, errs.New(errs.InvalidParameter, "secret access key must be 20 to 128 letters, digits or + / = . _ -")
	}
	k := &Key{ID: id, Secret: secret, Enabled: true}
	if err := s.store.CreateAccessKey(ctx, k); err != nil {
		return nil, fmt.Errorf("create access key %s: %w", id, err)
	}
	return k, nil
}

// List returns every key (with secrets: callers show only ids).
func (s *Service) List(ctx context.Context) ([]*Key, error) {
	keys, err := s.store.ListAccessKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	return keys, nil
}

// SetEnabled enables or disables a key; a disabled key signs nothing. An unknown id is
// errs.ResourceNotFound.
func (s *Service) SetEnabled(ctx context.Context, id string, enabled bool) error {
	if err := s.store.SetAccessKeyEnabled(ctx, id, enabled); err != nil {
		return notFound(id, fmt.Errorf("set access key %s enabled=%t: %w", id, enabled, err))
	}
	return nil
}

// Delete removes a key. An unknown id is errs.ResourceNotFound.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := s.store.DeleteAccessKey(ctx, id); err != nil {
		return notFound(id, fmt.Errorf("delete access key %s: %w", id, err))
	}
	return nil
}

// notFound turns the store's UnrecognizedClient (the code SigV4 verification needs) into the
// plain "does not exist" an operator managing keys expects.
func notFound(id string, err error) error {
	if errs.Is(err, errs.UnrecognizedClient) {
		return errs.New(errs.ResourceNotFound, "access key %s does not exist", id)
	}
	return err
}

// SecretFor returns the secret of an enabled key; an unknown or disabled key is
// errs.UnrecognizedClient, the exception AWS returns for an invalid access key id.
func (s *Service) SecretFor(ctx context.Context, id string) (string, error) {
	k, err := s.store.GetAccessKey(ctx, id)
	if err != nil {
		if errs.Is(err, errs.UnrecognizedClient) {
			return "", errs.New(errs.UnrecognizedClient, "The security token included in the request is invalid.")
		}
		return "", fmt.Errorf("get access key: %w", err)
	}
	if !k.Enabled {
		return "", errs.New(errs.UnrecognizedClient, "The security token included in the request is invalid.")
	}
	return k.Secret, nil
}

// Bootstrap makes sure an admin key exists on first start. When the store holds no key it
// creates one from id and secret (generated when both are empty) and returns it with
// created=true; otherwise it changes nothing.
func (s *Service) Bootstrap(ctx context.Context, id, secret string) (k *Key, created bool, err error) {
	n, err := s.store.CountAccessKeys(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("count access keys: %w", err)
	}
	if n > 0 {
		return nil, false, nil
	}
	k, err = s.Create(ctx, id, secret)
	if err != nil {
		// Another process starting at once on the same database may have created the
		// same configured key first.
		if id != "" {
			if existing, gerr := s.store.GetAccessKey(ctx, id); gerr == nil && existing.Secret == secret {
				return nil, false, nil
			}
		}
		var e *errs.Error
		if errors.As(err, &e) && e.Code == errs.InvalidParameter {
			return nil, false, fmt.Errorf("USERPOOL_ADMIN_ACCESS_KEY_ID/USERPOOL_ADMIN_SECRET_ACCESS_KEY: %s", e.Message)
		}
		return nil, false, fmt.Errorf("bootstrap admin access key: %w", err)
	}
	return k, true, nil
}

// random returns n characters drawn uniformly from alphabet (whose length divides 256).
func random(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
