package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/login"
	"github.com/userpool/userpool/login/demo"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/user"
)

// mountHosted mounts the hosted pages (sign-in, sign-up, password reset, logout, branding) and, unless --no-demo, the demo app,
// creating its pool, app and user on first start (the user's password is printed once).
func mountHosted(ctx context.Context, r *mux.Router, cfg *config.Config, store *storage.Store, pools *pool.Service,
	users *user.Service, brands *branding.Service, factors *mfa.Service, authorizer login.Authorizer, e env, log *slog.Logger) error {
	masterKey, err := cfg.LoadMasterKey()
	if err != nil {
		return err
	}
	(&login.Handler{Pools: pools, Users: users, Sessions: &session.Browsers{Store: store}, Authorizer: authorizer,
		MFA: factors, Branding: brands, PublicURL: cfg.PublicURL, CSRFKey: login.DeriveCSRFKey(masterKey), Logger: log}).Mount(r)
	if cfg.NoDemo {
		return nil
	}
	d := &demo.Handler{Pools: pools, Users: users, PublicURL: cfg.PublicURL, Local: r, Logger: log}
	password, err := d.Setup(ctx)
	if err != nil {
		// A public URL the demo cannot register (http on a host other than localhost) must not
		// stop the server.
		log.Warn("demo app not available (turn it off with --no-demo)", "err", err)
		return nil
	}
	d.Mount(r)
	if password != "" {
		fmt.Fprintf(e.stdout, "Created the demo pool %s. Open %s/demo and sign in as %q with the password (shown once):\n  %s\n",
			d.PoolID(), cfg.PublicURL, demo.Username, password)
	}
	log.Info("demo app", "url", cfg.PublicURL+"/demo", "pool", d.PoolID())
	return nil
}
