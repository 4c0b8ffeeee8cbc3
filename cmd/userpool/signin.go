package main

import (
	"fmt"

	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
)

// newCognitoAuth wires the Cognito API's sign-in actions: the provider's tokens (same store,
// keys and issuer) and SRP state sealed with the master key.
func newCognitoAuth(cfg *config.Config, store *storage.Store, ks *keys.Service) (*cognito.Auth, error) {
	master, err := cfg.LoadMasterKey()
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(master)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &cognito.Auth{Sessions: store, Challenges: store, Users: store, Keys: ks, Sealer: sealer, PublicURL: cfg.PublicURL,
		FakeSaltKey: httpx.DeriveKey(master, "userpool srp fake salt v1")}, nil
}
