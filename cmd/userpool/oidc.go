package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/provider"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/token"
)

// maintenanceInterval is how often a server process rotates due signing keys, deletes keys
// past their publication and deletes expired auth requests and tokens. Every process does it;
// the work is idempotent and race-free across processes.
const maintenanceInterval = time.Minute

// newKeys returns the signing key service on the store.
func newKeys(cfg *config.Config, store *storage.Store) (*keys.Service, error) {
	key, err := cfg.LoadMasterKey()
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return keys.New(store, sealer, keys.Config{})
}

// startOIDC builds the OIDC provider and starts the maintenance ticker; stop ends the ticker.
func startOIDC(cfg *config.Config, store *storage.Store, pools *pool.Service, triggers token.TokenTrigger, log *slog.Logger) (prov *provider.Provider, ks *keys.Service, stop func(), err error) {
	ks, err = newKeys(cfg, store)
	if err != nil {
		return nil, nil, nil, err
	}
	master, err := cfg.LoadMasterKey()
	if err != nil {
		return nil, nil, nil, err
	}
	// op's crypto key is derived from the master key, so it is the same in every process.
	cryptoKey := sha256.Sum256(append([]byte("userpool/oidc-op-crypto/"), master...))
	prov, err = provider.New(provider.Config{PublicURL: cfg.PublicURL, CryptoKey: cryptoKey, Triggers: triggers}, pools, store, store, ks)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(maintenanceInterval)
		defer t.Stop()
		for {
			if err := ks.Maintain(ctx); err != nil && ctx.Err() == nil {
				log.Warn("signing key maintenance", "err", err)
			}
			if n, err := store.DeleteExpiredSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
				log.Warn("deleting expired sessions", "err", err)
			} else if n > 0 {
				log.Debug("deleted expired sessions", "rows", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return prov, ks, func() { cancel(); <-done }, nil
}
