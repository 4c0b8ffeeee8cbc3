// Package provider makes every user pool an OpenID Connect issuer ({PUBLIC_URL}/{poolId}) on top
// of zitadel/oidc's op package. op parses and answers the token and revocation endpoints and
// builds tokens through our op.Storage; the authorization endpoint, its callback, userInfo,
// introspection, discovery and the JWKS are ours, because op leaves out what we need there
// (RFC 9207 iss, an error page for bad clients, exact redirect matching, revocation checks).
//
// What op leaves to the storage, and where it is done here:
//   - codes are single use: ConsumeCode is one conditional UPDATE; a replay revokes every
//     token family the code started (session.Store);
//   - PKCE: only S256, required for public clients, verifiers of 43–128 unreserved characters
//     (authorize.go, token.go);
//   - every lookup is scoped to the pool of the request (the pool comes from the URL, through
//     PoolMiddleware, into every store call);
//   - every error is an *oidc.Error (errors.go), so op never echoes an internal message;
//   - a refresh token on every code exchange for apps that may refresh (offline_access is
//     implied, op's condition), rotated per app with reuse detection (refresh.go);
//   - ID tokens carry the profile and email claims even with an access token
//     (IDTokenUserinfoClaimsAssertion);
//   - CORS only for the origins of the pool's callback URLs (cors.go).
//
// Pools, app clients and a pool's callback origins are cached for Config.CacheTTL (default 5 s):
// a change made through any process is seen by every process within that time. Signing keys are
// cached by package keys (its own TTL, with a reload on an unknown kid).
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/gorilla/mux"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/user"
)

// PoolPath is the route prefix of a pool's endpoints; pool ids look like "local_AbC123xyz".
const PoolPath = "/{pool:[a-z0-9-]+_[0-9A-Za-z]+}"

// Paths under the issuer, as Cognito names them.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathJWKS       = "/.well-known/jwks.json"
	PathAuthorize  = "/oauth2/authorize"
	PathCallback   = "/oauth2/authorize/callback"
	PathToken      = "/oauth2/token"
	PathUserInfo   = "/oauth2/userInfo"
	PathRevoke     = "/oauth2/revoke"
	PathIntrospect = "/oauth2/introspect"
	PathLogout     = "/logout"
	PathLogin      = "/login"
)

// CodeTTL is how long an authorization code may be redeemed.
const CodeTTL = 5 * time.Minute

// DefaultCacheTTL is how long pools and app clients are cached.
const DefaultCacheTTL = 5 * time.Second

// Pools is what the provider needs of package pool.
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
	GetClient(ctx context.Context, poolID, clientID string) (*pool.Client, error)
	ListClients(ctx context.Context, poolID string, page pool.Page) ([]*pool.Client, string, error)
}

// Users reads the signed-in users (user.Store has these methods).
type Users interface {
	GetUser(ctx context.Context, poolID string, by user.Lookup) (*user.User, error)
	ListGroupsForUser(ctx context.Context, poolID, sub string, page pool.Page) ([]*pool.Group, string, error)
}

// Config configures a Provider.
type Config struct {
	// PublicURL is the server's base URL without a trailing slash; a pool's issuer is
	// PublicURL + "/" + pool id.
	PublicURL string
	// CryptoKey keys op's encryption of opaque values; it must not be zero (op would accept a
	// zero key silently). Our codes and tokens do not use it, but op's helpers might.
	CryptoKey [32]byte
	// CacheTTL bounds how stale a cached pool or app client may be (DefaultCacheTTL when 0).
	CacheTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Triggers run the pools' pre token generation triggers (*trigger.Service); nil runs none.
	Triggers token.TokenTrigger
}

// Provider is the OIDC edge. Its zero value is not usable: call New.
type Provider struct {
	cfg      Config
	pools    Pools
	users    Users
	store    session.Store
	keys     *keys.Service
	op       *op.Provider
	verifier *token.Verifier
	tokens   *session.Tokens

	poolCache   *ttlCache[*pool.Pool]
	clientCache *ttlCache[*pool.Client]
	originCache *ttlCache[map[string]bool]
	ensured     sync.Map // pool id + "/" + alg → true once EnsureKey ran in this process
}

// New returns a Provider.
func New(cfg Config, pools Pools, users Users, store session.Store, keySvc *keys.Service) (*Provider, error) {
	if pools == nil || users == nil || store == nil || keySvc == nil {
		return nil, errors.New("provider: pools, users, store and keys are required")
	}
	if cfg.CryptoKey == ([32]byte{}) {
		return nil, errors.New("provider: the crypto key must not be zero")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if err := op.ValidateIssuer(cfg.PublicURL+"/x", true); err != nil {
		return nil, fmt.Errorf("provider: public URL: %w", err)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Provider{cfg: cfg, pools: pools, users: users, store: store, keys: keySvc}
	p.poolCache = newTTLCache[*pool.Pool](cfg.CacheTTL, cfg.Now)
	p.clientCache = newTTLCache[*pool.Client](cfg.CacheTTL, cfg.Now)
	p.originCache = newTTLCache[map[string]bool](cfg.CacheTTL, cfg.Now)
	p.verifier = &token.Verifier{Keys: keySvc, Now: cfg.Now}
	p.tokens = &session.Tokens{Store: store, Now: cfg.Now}
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint(PathAuthorize[1:]), op.NewEndpoint(PathToken[1:]), op.NewEndpoint(PathUserInfo[1:]),
			op.NewEndpoint(PathRevoke[1:]), op.NewEndpoint(PathLogout[1:]), op.NewEndpoint(PathJWKS[1:])),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(PathIntrospect[1:])),
	}
	if strings.HasPrefix(cfg.PublicURL, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	o, err := op.NewProvider(&op.Config{
		CryptoKey:             cfg.CryptoKey,
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
	}, &storage{p: p}, func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string { return op.IssuerFromContext(r.Context()) }, nil
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	p.op = o
	return p, nil
}

func (p *Provider) now() time.Time { return p.cfg.Now().UTC() }

// Issuer returns the issuer of a pool.
func (p *Provider) Issuer(poolID string) string { return p.cfg.PublicURL + "/" + poolID }

// CallbackURL is where the login page sends the browser once the user signed in for the
// authorization request id.
func (p *Provider) CallbackURL(poolID, id string) string {
	return p.Issuer(poolID) + PathCallback + "?id=" + url.QueryEscape(id)
}

// Mount registers every pool's OIDC endpoints on r. The login page, /logout and /demo are
// package login's, mounted behind PoolMiddleware on the same router.
func (p *Provider) Mount(r *mux.Router) {
	routes := []struct {
		path    string
		methods []string
		h       http.HandlerFunc
		cors    bool
	}{
		{PathDiscovery, []string{http.MethodGet, http.MethodHead}, p.discovery, true},
		{PathJWKS, []string{http.MethodGet, http.MethodHead}, p.jwks, true},
		{PathAuthorize, []string{http.MethodGet, http.MethodPost}, p.authorize, false},
		{PathCallback, []string{http.MethodGet}, p.callback, false},
		{PathToken, []string{http.MethodPost}, p.tokenEndpoint, true},
		{PathUserInfo, []string{http.MethodGet, http.MethodPost}, p.userInfo, true},
		{PathRevoke, []string{http.MethodPost}, p.revoke, true},
		{PathIntrospect, []string{http.MethodPost}, p.introspect, true},
	}
	for _, rt := range routes {
		var h http.Handler = rt.h
		methods := rt.methods
		if rt.cors {
			h = p.cors(h)
			methods = append(methods, http.MethodOptions)
		}
		r.Handle(PoolPath+rt.path, p.PoolMiddleware(h)).Methods(methods...)
	}
}

type poolKey struct{}

// PoolMiddleware resolves the {pool} route variable: an unknown pool answers 404, a known one
// is put into the request context (PoolFromContext) together with its issuer.
func (p *Provider) PoolMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := mux.Vars(r)["pool"]
		pl, err := p.pool(r.Context(), id)
		if err != nil {
			if errs.Is(err, errs.ResourceNotFound) {
				http.NotFound(w, r)
				return
			}
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r.WithContext(p.withPool(r.Context(), pl)))
	})
}

func (p *Provider) withPool(ctx context.Context, pl *pool.Pool) context.Context {
	ctx = context.WithValue(ctx, poolKey{}, pl)
	return op.ContextWithIssuer(ctx, p.Issuer(pl.Id))
}

// PoolFromContext returns the pool PoolMiddleware put into ctx, or nil.
func PoolFromContext(ctx context.Context) *pool.Pool {
	pl, _ := ctx.Value(poolKey{}).(*pool.Pool)
	return pl
}

// pool returns a cached pool.
func (p *Provider) pool(ctx context.Context, id string) (*pool.Pool, error) {
	return p.poolCache.get(id, func() (*pool.Pool, error) { return p.pools.GetPool(ctx, id) })
}

// client returns a cached app client of the pool.
func (p *Provider) client(ctx context.Context, poolID, clientID string) (*pool.Client, error) {
	if clientID == "" {
		return nil, errs.New(errs.ResourceNotFound, "client_id is missing")
	}
	return p.clientCache.get(poolID+"/"+clientID, func() (*pool.Client, error) { return p.pools.GetClient(ctx, poolID, clientID) })
}

// signingKey returns the key the pool signs with, making sure a pool's first key has the
// pool's algorithm (keys.SigningKey alone would create one of the default algorithm).
func (p *Provider) signingKey(ctx context.Context, pl *pool.Pool) (*keys.SigningKey, error) {
	alg := pl.Algorithm()
	if _, ok := p.ensured.Load(pl.Id + "/" + alg); !ok {
		if err := p.keys.EnsureKey(ctx, pl.Id, jose.SignatureAlgorithm(alg)); err != nil {
			return nil, err
		}
		p.ensured.Store(pl.Id+"/"+alg, true)
	}
	return p.keys.SigningKey(ctx, pl.Id)
}

// randomToken returns n random bytes, base64url-encoded: codes, refresh tokens, request ids.
func randomToken(n int) string { return session.NewSecret(n) }

// hashSecret is the stored form of a code or refresh token (session.HashSecret).
func hashSecret(s string) string { return session.HashSecret(s) }
