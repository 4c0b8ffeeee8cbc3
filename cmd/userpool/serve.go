package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// loadConfig parses the server flags of a subcommand; extra registers the subcommand's own
// flags. It returns the positional arguments, which only access-keys accepts.
func loadConfig(name string, args []string, e env, extra func(fs *flag.FlagSet)) (*config.Config, []string, error) {
	fs := flag.NewFlagSet("userpool "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := config.Register(fs, e.getenv)
	if extra != nil {
		extra(fs)
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage: userpool %s [flags]\n\nFlags (each also read from the environment variable shown):\n", name)
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fmt.Fprint(e.stdout, "\nAlso: USERPOOL_MASTER_KEY (base64 of 32 bytes; default: master.key in the data dir),\n"+
				"USERPOOL_ADMIN_ACCESS_KEY_ID and USERPOOL_ADMIN_SECRET_ACCESS_KEY (the first admin access key).\n")
			return nil, nil, err
		}
		return nil, nil, usageError{err.Error()}
	}
	if !strings.HasPrefix(name, "access-keys") && len(pos) > 0 {
		return nil, nil, usagef("%s: unexpected argument %q", name, pos[0])
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return cfg, pos, nil
}

// parseInterspersed parses flags that may come before, between or after positional
// arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// prepareDataDir creates the data dir (mode 0700) and proves it is writable.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir (--data-dir, USERPOOL_DATA_DIR) %s cannot be created: %w", dir, cause(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data dir (--data-dir, USERPOOL_DATA_DIR) %s is not writable: %w", dir, cause(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// openStore prepares the data dir, loads the master key, opens the database and migrates it.
func openStore(ctx context.Context, cfg *config.Config) (*storage.Store, error) {
	if err := prepareDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	key, err := cfg.LoadMasterKey()
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	openCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	store, err := storage.Open(openCtx, cfg.DatabaseURL, sealer)
	if err != nil {
		return nil, fmt.Errorf("database (--database-url, USERPOOL_DATABASE_URL): %w", err)
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		if errors.Is(err, storage.ErrWrongMasterKey) {
			src := "the data dir's " + config.MasterKeyFile
			if cfg.MasterKey != nil {
				src = "USERPOOL_MASTER_KEY"
			}
			return nil, fmt.Errorf("master key (%s): %w", src, err)
		}
		return nil, fmt.Errorf("database (--database-url, USERPOOL_DATABASE_URL): %w", err)
	}
	return store, nil
}

func migrate(args []string, e env) error {
	cfg, _, err := loadConfig("migrate", args, e, nil)
	if err != nil {
		return err
	}
	store, err := openStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(e.stdout, "migrated %s\n", config.DescribeDatabase(cfg.DatabaseURL))
	return nil
}

// serverGCPercent is the server's GOGC unless the environment sets GOGC. Every password check
// allocates argon2id's memory (19 MiB at the default parameters), which at Go's default of
// 100 starts a collection after nearly every sign-in of a server whose live heap is a few tens
// of MiB: 8 % of its CPU under sign-in load against 2 % at 400, for a larger heap (about
// 190 MiB resident instead of 110 MiB on one core under that load).
const serverGCPercent = 400

// cgroupMemoryMax is where cgroup v2 tells a container's memory limit ("max" for none).
var cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// tuneGC sets the collector for the server (the bench's raw loops too, so that both run alike)
// and says what it set: GOGC=serverGCPercent unless GOGC is set and, unless GOMEMLIMIT is set,
// a soft memory limit of 80 % of the container's, so that the larger heap GOGC allows is
// collected before the container is killed for it.
func tuneGC(e env) []any {
	var set []any
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
		set = append(set, "gogc", serverGCPercent)
	}
	if e.getenv("GOMEMLIMIT") == "" {
		if b, err := os.ReadFile(cgroupMemoryMax); err == nil {
			if limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 {
				debug.SetMemoryLimit(limit / 10 * 8)
				set = append(set, "gomemlimit", limit/10*8)
			}
		}
	}
	return set
}

func serve(args []string, e env) error {
	cfg, _, err := loadConfig("serve", args, e, nil)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gcSet := tuneGC(e) // logged with the start-up line, since a failed start says only its error

	// Listen before opening the database, so that a taken port is reported as --listen.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen (--listen, USERPOOL_LISTEN) %s: %w", cfg.Listen, cause(err))
	}
	defer ln.Close()

	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	keys := accesskey.NewService(store)
	if err := bootstrapAdminKey(ctx, cfg, keys, e, log); err != nil {
		return err
	}
	pools := pool.NewService(store, cfg.Region)
	users := user.NewService(store, pools, user.DefaultHasher())
	triggers := trigger.NewService(store, pools, trigger.Config{AllowPrivateNetworks: cfg.TriggersAllowPrivateNetworks, Logger: log})
	users.SetTriggers(triggers)
	worker, err := startMessaging(cfg, store, users, triggers, log)
	if err != nil {
		return err
	}
	workerCtx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		_ = worker.Run(workerCtx)
	}()
	// Stopped after the server: requests finishing during shutdown may still write messages,
	// and whatever is not delivered stays in the outbox for the next start.
	defer func() {
		stopWorker()
		<-workerDone
	}()

	oidcProvider, signingKeys, stopOIDC, err := startOIDC(cfg, store, pools, triggers, log)
	if err != nil {
		return err
	}
	defer stopOIDC()

	r := mux.NewRouter()
	mountHealth(r, store, log)
	oidcProvider.Mount(r)
	brands := &branding.Service{Store: store, Pools: pools}
	factors := mfa.NewService(store, pools, users)
	auditLog := &audit.Log{Store: store, Logger: log}
	if err := mountHosted(ctx, r, cfg, store, pools, users, brands, factors, oidcProvider, e, log); err != nil {
		return err
	}
	signIn, err := newCognitoAuth(cfg, store, signingKeys)
	if err != nil {
		return err
	}
	signIn.Triggers = triggers // pre token generation
	(&cognito.Handler{Pools: pools, Users: users, Credentials: keys, Messages: store, Keys: signingKeys, Branding: brands,
		PublicURL: cfg.PublicURL, Auth: signIn, Triggers: triggers, MFA: factors,
		Audit: auditLog, Logger: log, Now: time.Now}).Mount(r)
	if err := mountAdmin(ctx, r, cfg, store, pools, users, signingKeys, brands, triggers, factors, auditLog, worker, e, log); err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           httpx.Recover(log)(httpx.SecurityHeaders(r)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	dataDir, _ := filepath.Abs(cfg.DataDir)
	log.Info("userpool started", append([]any{"version", version, "listen", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", config.DescribeDatabase(cfg.DatabaseURL), "data_dir", dataDir, "region", cfg.Region}, gcSet...)...)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// mountHealth registers /healthz (the process is up) and /readyz (the database answers).
func mountHealth(r *mux.Router, db interface{ Ping(context.Context) error }, log *slog.Logger) {
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	}).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "database unreachable")
			return
		}
		fmt.Fprint(w, "ok")
	}).Methods(http.MethodGet, http.MethodHead)
}

// bootstrapAdminKey creates the first admin access key when the database has none: the
// configured pair, or a generated one that is printed once and saved in admin-credentials.
func bootstrapAdminKey(ctx context.Context, cfg *config.Config, keys *accesskey.Service, e env, log *slog.Logger) error {
	k, created, err := keys.Bootstrap(ctx, cfg.AdminAccessKeyID, cfg.AdminSecretAccessKey)
	if err != nil || !created {
		return err
	}
	if cfg.AdminAccessKeyID != "" {
		log.Info("created the first admin access key from USERPOOL_ADMIN_ACCESS_KEY_ID", "access_key_id", k.ID)
		return nil
	}
	path := filepath.Join(cfg.DataDir, accesskey.CredentialsFile)
	// Printed before the file is written, so that the key is not lost if writing fails.
	fmt.Fprintf(e.stdout, "Created the first admin access key (shown once; also saved in %s):\n  %s=%s\n  %s=%s\n",
		path, accesskey.EnvAccessKeyID, k.ID, accesskey.EnvSecretAccessKey, k.Secret)
	if err := accesskey.WriteCredentialsFile(path, k); err != nil {
		return fmt.Errorf("admin credentials: %w", err)
	}
	return nil
}

// cause drops the operation and path that *os.PathError and *net.OpError repeat, since the
// message names the setting and its value already.
func cause(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}
