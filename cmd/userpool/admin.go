package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/admin"
	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// ConsoleCredentialsFile is the file in the data dir that holds the first operator's
// username and temporary password, beside admin-credentials.
const ConsoleCredentialsFile = "admin-console-credentials"

// mountAdmin mounts the admin console at /admin/, creating the system pool, the console's
// app and the first operator on first start (the temporary password is printed once and
// saved in the data dir). A public URL the console cannot register (http on a host other
// than localhost) leaves the console off without stopping the server.
func mountAdmin(ctx context.Context, r *mux.Router, cfg *config.Config, store *storage.Store, pools *pool.Service,
	users *user.Service, signingKeys *keys.Service, brands *branding.Service, triggers *trigger.Service, factors *mfa.Service,
	auditLog *audit.Log, worker *message.Worker, e env, log *slog.Logger) error {
	masterKey, err := cfg.LoadMasterKey()
	if err != nil {
		return err
	}
	h := &admin.Handler{Pools: pools, Users: users, Keys: signingKeys, Messages: store, Tokens: store, Sessions: store,
		Branding: brands, Triggers: triggers, TriggerSecrets: store, MFA: factors,
		Audit: auditLog, Outbox: worker,
		PublicURL: cfg.PublicURL, CSRFKey: admin.DeriveCSRFKey(masterKey), Local: r, Logger: log}
	creds, err := h.Setup(ctx)
	if err != nil {
		log.Warn("admin console not available", "err", err)
		return nil
	}
	h.Mount(r)
	if creds != nil {
		path := filepath.Join(cfg.DataDir, ConsoleCredentialsFile)
		// Printed before the file is written, so that the password is not lost if writing fails.
		fmt.Fprintf(e.stdout, "Created the admin console's first operator (shown once; also saved in %s). Open %s/admin/ and sign in as %q with the temporary password:\n  %s\nYou choose a new password at the first sign-in.\n",
			path, cfg.PublicURL, creds.Username, creds.Password)
		content := fmt.Sprintf("# Userpool admin console, first operator (created on first start). The password is temporary:\n# the first sign-in at %s/admin/ asks for a new one.\nUSERPOOL_CONSOLE_POOL=%s\nUSERPOOL_CONSOLE_USERNAME=%s\nUSERPOOL_CONSOLE_PASSWORD=%s\n",
			cfg.PublicURL, creds.PoolID, creds.Username, creds.Password)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return fmt.Errorf("admin console credentials: %w", err)
		}
	}
	log.Info("admin console", "url", cfg.PublicURL+"/admin/", "system_pool", h.SystemPoolID())
	return nil
}
