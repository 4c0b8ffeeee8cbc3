package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/user"
)

// userpool bench drives a running server over HTTP with N concurrent clients and prints, per
// scenario, requests per second and latency percentiles next to the raw limit of this machine
// measured in the same run: JWS signatures per second for the pool's algorithm and argon2id
// hashes per second at the default parameters, both through our own keys, token and user code.

const (
	benchUsername = "bench"
	benchScope    = "bench/read"
	benchCallback = "http://localhost/bench/callback"
)

var benchScenarios = []string{"discovery", "jwks", "client_credentials", "refresh", "password"}

type benchOptions struct {
	clientOptions
	concurrency  int
	duration     time.Duration
	scenario     string
	poolID       string
	clientID     string
	clientSecret string
	algorithm    string
	serverCores  int
	serverCPUs   string
	cpus         []int // parsed --server-cpus
	keep         bool
}

func bench(args []string, e env) error {
	fs := flag.NewFlagSet("userpool bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o benchOptions
	o.register(fs, e.getenv)
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario (and each raw measurement) runs")
	fs.StringVar(&o.scenario, "scenario", "all", "client_credentials, refresh, password, discovery, jwks or all")
	fs.StringVar(&o.poolID, "pool", "", "pool to use (default: create a bench pool through the management API and delete it afterwards)")
	fs.StringVar(&o.clientID, "client", "", "confidential app client with client_credentials (default: create one); with --secret only discovery, jwks and client_credentials run, without admin credentials")
	fs.StringVar(&o.clientSecret, "secret", "", "secret of --client")
	fs.StringVar(&o.algorithm, "algorithm", "RS256", "signing algorithm of the created bench pool: RS256 or ES256")
	fs.IntVar(&o.serverCores, "server-cores", runtime.NumCPU(), "CPU cores the server runs on (e.g. with taskset), for the raw limits the targets compare with")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", "the CPUs the server is pinned to, as taskset -c takes them (e.g. 0 or 0-1): the raw limits are then measured on those very CPUs (Linux)")
	fs.BoolVar(&o.keep, "keep", false, "keep the created bench pool")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.stdout, "Usage: userpool bench [flags]  (load test of a running server)")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError{"bench: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("bench: unexpected argument %q", fs.Arg(0))
	}
	scenarios, err := o.validate()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slog.SetDefault(slog.New(slog.DiscardHandler)) // package keys logs the throwaway key it creates

	b := &benchRun{o: o, e: e, http: benchClient(o.concurrency)}
	if err := b.setUp(ctx, scenarios); err != nil {
		return err
	}
	defer b.tearDown()
	return b.run(ctx, scenarios)
}

func (o *benchOptions) validate() ([]string, error) {
	endpoint, err := url.Parse(o.endpoint)
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") || endpoint.Host == "" {
		return nil, usagef("bench: --endpoint %q must be an http:// or https:// URL", o.endpoint)
	}
	o.endpoint = strings.TrimRight(o.endpoint, "/")
	switch {
	case o.concurrency < 1:
		return nil, usagef("bench: --concurrency must be at least 1")
	case o.duration <= 0:
		return nil, usagef("bench: --duration must be positive")
	case o.serverCores < 1:
		return nil, usagef("bench: --server-cores must be at least 1")
	case o.serverCPUs != "":
		cpus, err := parseCPUList(o.serverCPUs, machineCPUs())
		if err != nil {
			return nil, usagef("bench: --server-cpus: %v", err)
		}
		o.cpus, o.serverCores = cpus, len(cpus)
	case (o.clientID == "") != (o.clientSecret == ""):
		return nil, usagef("bench: --client and --secret go together")
	case o.clientID != "" && o.poolID == "":
		return nil, usagef("bench: --client needs --pool")
	case !keys.ValidAlgorithm(jose.SignatureAlgorithm(o.algorithm)):
		return nil, usagef("bench: --algorithm must be RS256 or ES256, not %q", o.algorithm)
	}
	if o.scenario == "all" {
		if o.clientID != "" {
			return []string{"discovery", "jwks", "client_credentials"}, nil
		}
		return benchScenarios, nil
	}
	if !slices.Contains(benchScenarios, o.scenario) {
		return nil, usagef("bench: unknown --scenario %q (client_credentials, refresh, password, discovery, jwks or all)", o.scenario)
	}
	if o.clientID != "" && (o.scenario == "refresh" || o.scenario == "password") {
		return nil, usagef("bench: --scenario %s needs a user: leave out --client and --secret so that bench sets one up", o.scenario)
	}
	return []string{o.scenario}, nil
}

// benchClient keeps a connection per client alive and never follows redirects: the scenarios
// read the Location headers themselves.
func benchClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: concurrency * 2, MaxIdleConnsPerHost: concurrency * 2, IdleConnTimeout: time.Minute},
		Timeout:   time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type benchRun struct {
	o    benchOptions
	e    env
	http *http.Client

	created  bool // the pool was created here and is deleted by tearDown
	issuer   string
	alg      jose.SignatureAlgorithm
	m2mID    string // the client_credentials app
	m2mKey   string
	webID    string // the code-flow app of the password and refresh scenarios
	webKey   string
	password string
	refresh  string
}

// setUp creates what the scenarios need through the management API, as the CLI does.
func (b *benchRun) setUp(ctx context.Context, scenarios []string) error {
	o := b.o
	b.m2mID, b.m2mKey = o.clientID, o.clientSecret
	needsUser := slices.Contains(scenarios, "password") || slices.Contains(scenarios, "refresh")
	needsAdmin := o.poolID == "" || needsUser || (o.clientID == "" && slices.Contains(scenarios, "client_credentials"))
	if needsAdmin {
		if err := b.setUpWithAdmin(ctx, needsUser); err != nil {
			b.tearDown()
			return err
		}
	}
	b.issuer = o.endpoint + "/" + b.o.poolID
	var doc struct {
		Issuer string   `json:"issuer"`
		Algs   []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := b.getJSON(ctx, b.issuer+"/.well-known/openid-configuration", &doc); err != nil {
		b.tearDown()
		return fmt.Errorf("bench: discovery of pool %s: %w", b.o.poolID, err)
	}
	if len(doc.Algs) == 0 {
		b.tearDown()
		return errors.New("bench: the discovery document lists no signing algorithm")
	}
	b.alg = jose.SignatureAlgorithm(doc.Algs[0])
	if doc.Issuer != b.issuer {
		// The server's public URL differs from --endpoint: requests go to --endpoint, tokens
		// name the issuer; nothing here depends on the difference.
		fmt.Fprintf(b.e.stderr, "bench: note: the issuer is %s (the server's --public-url)\n", doc.Issuer)
	}
	if needsUser {
		refresh, err := b.codeFlowRefreshToken(ctx)
		if err != nil {
			b.tearDown()
			return fmt.Errorf("bench: sign in through the hosted page for a refresh token: %w", err)
		}
		b.refresh = refresh
	}
	return nil
}

func (b *benchRun) setUpWithAdmin(ctx context.Context, needsUser bool) error {
	if b.o.poolID == "" {
		out, err := b.admin(ctx, "CreateUserPool", map[string]any{
			"PoolName": "bench-" + time.Now().UTC().Format("20060102-150405"), "SigningAlgorithm": b.o.algorithm})
		if err != nil {
			return err
		}
		b.o.poolID, _ = dig(out, "UserPool", "Id").(string)
		if b.o.poolID == "" {
			return errors.New("bench: CreateUserPool returned no pool id")
		}
		b.created = true
	}
	if b.m2mID == "" {
		if _, err := b.admin(ctx, "CreateResourceServer", map[string]any{"UserPoolId": b.o.poolID, "Identifier": "bench", "Name": "bench",
			"Scopes": []map[string]string{{"ScopeName": "read", "ScopeDescription": "bench"}}}); err != nil && !strings.Contains(err.Error(), "Exists") {
			return err
		}
		out, err := b.admin(ctx, "CreateUserPoolClient", map[string]any{"UserPoolId": b.o.poolID, "ClientName": "bench-m2m", "GenerateSecret": true,
			"AllowedOAuthFlows": []string{"client_credentials"}, "AllowedOAuthScopes": []string{benchScope}, "AllowedOAuthFlowsUserPoolClient": true})
		if err != nil {
			return err
		}
		b.m2mID, _ = dig(out, "UserPoolClient", "ClientId").(string)
		b.m2mKey, _ = dig(out, "UserPoolClient", "ClientSecret").(string)
	}
	if !needsUser {
		return nil
	}
	out, err := b.admin(ctx, "CreateUserPoolClient", map[string]any{"UserPoolId": b.o.poolID, "ClientName": "bench-web", "GenerateSecret": true,
		"AllowedOAuthFlows": []string{"code"}, "AllowedOAuthScopes": []string{"openid", "email"}, "AllowedOAuthFlowsUserPoolClient": true,
		"CallbackURLs": []string{benchCallback}, "ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		return err
	}
	b.webID, _ = dig(out, "UserPoolClient", "ClientId").(string)
	b.webKey, _ = dig(out, "UserPoolClient", "ClientSecret").(string)
	b.password = "Bench-" + randomString(12) + "-9a!"
	_, _ = b.admin(ctx, "AdminDeleteUser", map[string]any{"UserPoolId": b.o.poolID, "Username": benchUsername}) // a previous run's, in --pool
	if _, err := b.admin(ctx, "AdminCreateUser", map[string]any{"UserPoolId": b.o.poolID, "Username": benchUsername, "MessageAction": "SUPPRESS"}); err != nil {
		return err
	}
	_, err = b.admin(ctx, "AdminSetUserPassword", map[string]any{"UserPoolId": b.o.poolID, "Username": benchUsername, "Password": b.password, "Permanent": true})
	return err
}

// tearDown deletes the pool bench created, unless --keep.
func (b *benchRun) tearDown() {
	if !b.created || b.o.keep {
		if b.created {
			fmt.Fprintf(b.e.stderr, "bench: kept pool %s\n", b.o.poolID)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := b.admin(ctx, "DeleteUserPool", map[string]any{"UserPoolId": b.o.poolID}); err != nil {
		fmt.Fprintf(b.e.stderr, "bench: delete the bench pool %s: %v\n", b.o.poolID, err)
	}
	b.created = false
}

// admin calls a management action signed with the admin access key.
func (b *benchRun) admin(ctx context.Context, action string, req map[string]any) (map[string]any, error) {
	id, secret, err := credentials(b.e, b.o.dataDir)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", action, err)
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.o.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", action, err)
	}
	httpReq.Header.Set("Content-Type", "application/x-amz-json-1.1")
	httpReq.Header.Set("X-Amz-Target", targetPrefix+action)
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, httpReq, hex.EncodeToString(sum[:]), "cognito-idp", b.o.region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign %s: %w", action, err)
	}
	resp, err := b.http.Do(httpReq)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the management API at --endpoint %s: %v", b.o.endpoint, cause(err))
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s response: %w", action, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: %w", action, apiError(resp, out))
	}
	var m map[string]any
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			return nil, fmt.Errorf("%s: the response is not JSON: %.200s", action, out)
		}
	}
	return m, nil
}

func dig(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[p]
	}
	return v
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func (b *benchRun) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// --- the hosted sign-in, as a browser does it

var csrfRE = regexp.MustCompile(`name="csrf_token"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrf_token"`)

// signInClient is one browser: its CSRF cookie and the form token that goes with it.
type signInClient struct {
	cookie *http.Cookie
	token  string
}

// authorizeURL starts a code flow of the web app.
func (b *benchRun) authorizeURL() string {
	q := url.Values{"client_id": {b.webID}, "redirect_uri": {benchCallback}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"bench"}}
	return b.issuer + "/oauth2/authorize?" + q.Encode()
}

// startSignIn opens an authorization request and returns its id.
func (b *benchRun) startSignIn(ctx context.Context) (string, error) {
	loc, err := b.expectRedirect(ctx, http.MethodGet, b.authorizeURL(), nil, nil)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	id := loc.Query().Get("authRequestID")
	if id == "" {
		return "", fmt.Errorf("authorize redirected to %s, not to the login page", loc.Redacted())
	}
	return id, nil
}

// newSignInClient loads the login page once for the CSRF cookie and token.
func (b *benchRun) newSignInClient(ctx context.Context) (*signInClient, error) {
	id, err := b.startSignIn(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.issuer+"/login?authRequestID="+url.QueryEscape(id), nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login page: %s", resp.Status)
	}
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return nil, errors.New("login page: no csrf_token field")
	}
	c := &signInClient{token: string(m[1]) + string(m[2])}
	for _, ck := range resp.Cookies() {
		if ck.Name == "userpool_csrf" {
			c.cookie = ck
		}
	}
	if c.cookie == nil {
		return nil, errors.New("login page: no CSRF cookie")
	}
	return c, nil
}

// signIn posts the sign-in form for a new authorization request and returns where the
// browser goes next (the provider's callback).
func (b *benchRun) signIn(ctx context.Context, c *signInClient) (*url.URL, error) {
	id, err := b.startSignIn(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"csrf_token": {c.token}, "authRequestID": {id}, "username": {benchUsername}, "password": {b.password}}
	loc, err := b.expectRedirect(ctx, http.MethodPost, b.issuer+"/login", form, c.cookie)
	if err != nil {
		return nil, fmt.Errorf("sign-in form: %w", err)
	}
	return loc, nil
}

// expectRedirect sends a request that must answer with a redirect, and returns its target.
func (b *benchRun) expectRedirect(ctx context.Context, method, u string, form url.Values, cookie *http.Cookie) (*url.URL, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 3 {
		return nil, fmt.Errorf("%s %s: %s, want a redirect", method, req.URL.Path, resp.Status)
	}
	return resp.Location()
}

// codeFlowRefreshToken signs the bench user in through the hosted page and redeems the code.
func (b *benchRun) codeFlowRefreshToken(ctx context.Context) (string, error) {
	c, err := b.newSignInClient(ctx)
	if err != nil {
		return "", err
	}
	callback, err := b.signIn(ctx, c)
	if err != nil {
		return "", err
	}
	back, err := b.expectRedirect(ctx, http.MethodGet, callback.String(), nil, nil)
	if err != nil {
		return "", fmt.Errorf("callback: %w", err)
	}
	code := back.Query().Get("code")
	if code == "" {
		return "", fmt.Errorf("no code in the redirect (error %q)", back.Query().Get("error"))
	}
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	status, err := b.token(ctx, b.webID, b.webKey, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {benchCallback}}, &out)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK || out.RefreshToken == "" {
		return "", fmt.Errorf("code exchange: status %d, no refresh token", status)
	}
	return out.RefreshToken, nil
}

// token posts to the token endpoint with client_secret_basic; out may be nil.
func (b *benchRun) token(ctx context.Context, id, secret string, form url.Values, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (b *benchRun) get(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return nil
}

// --- the scenarios

// op is one request of a scenario, made by one client; newOp is called once per client.
type op func(ctx context.Context) error

func (b *benchRun) newOp(ctx context.Context, scenario string) (op, error) {
	switch scenario {
	case "discovery":
		u := b.issuer + "/.well-known/openid-configuration"
		return func(ctx context.Context) error { return b.get(ctx, u) }, nil
	case "jwks":
		u := b.issuer + "/.well-known/jwks.json"
		return func(ctx context.Context) error { return b.get(ctx, u) }, nil
	case "client_credentials":
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {benchScope}}
		return b.tokenOp(b.m2mID, b.m2mKey, form), nil
	case "refresh":
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {b.refresh}}
		return b.tokenOp(b.webID, b.webKey, form), nil
	case "password":
		c, err := b.newSignInClient(ctx)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			loc, err := b.signIn(ctx, c)
			if err == nil && !strings.HasSuffix(loc.Path, "/oauth2/authorize/callback") {
				err = fmt.Errorf("signed in but sent to %s, not the callback", loc.Path)
			}
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", scenario)
}

func (b *benchRun) tokenOp(id, secret string, form url.Values) op {
	return func(ctx context.Context) error {
		status, err := b.token(ctx, id, secret, form, nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("token endpoint: status %d", status)
		}
		return err
	}
}

// result of a scenario.
type benchResult struct {
	scenario  string
	n, errors int
	rate      float64
	lat       []time.Duration // sorted
	firstErr  error
}

func (r benchResult) percentile(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
}

// load runs the scenario with --concurrency clients for --duration, after a short warm-up.
func (b *benchRun) load(ctx context.Context, scenario string) (benchResult, error) {
	ops := make([]op, b.o.concurrency)
	for i := range ops {
		o, err := b.newOp(ctx, scenario)
		if err != nil {
			return benchResult{}, fmt.Errorf("bench %s: %w", scenario, err)
		}
		ops[i] = o
	}
	warm := min(time.Second, b.o.duration/5)
	var measuring atomic.Bool
	lats := make([][]time.Duration, len(ops))
	errCount := make([]int, len(ops))
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, o := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Requests started in the window count, also when they end after it: every
			// client makes at least one, however slow the server is.
			made := 0
			for {
				if made > 0 {
					select {
					case <-stop:
						return
					default:
					}
				}
				measured := measuring.Load()
				start := time.Now()
				err := o(ctx)
				d := time.Since(start)
				if !measured {
					continue
				}
				made++
				if err != nil {
					errCount[i]++
					errOnce.Do(func() { firstErr = err })
					continue
				}
				lats[i] = append(lats[i], d)
			}
		}()
	}
	time.Sleep(warm)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(b.o.duration)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	r := benchResult{scenario: scenario, firstErr: firstErr}
	for i := range ops {
		r.lat = append(r.lat, lats[i]...)
		r.errors += errCount[i]
	}
	slices.Sort(r.lat)
	r.n = len(r.lat)
	r.rate = float64(r.n) / elapsed.Seconds()
	return r, nil
}

// --- the raw limits

// rawRate runs fn on workers goroutines for d and returns calls per second; with cpus, the
// whole process runs on those CPUs meanwhile.
func rawRate(workers int, cpus []int, d time.Duration, fn func() error) (float64, error) {
	if cpus != nil {
		restore, err := pinProcess(cpus)
		if err != nil {
			return 0, err
		}
		defer restore()
		// This process may be confined to other CPUs, or fewer (taskset), than the server's.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(workers))
	}
	var total atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := fn(); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(total.Load()) / time.Since(start).Seconds(), nil
}

// rawSigner returns a signing key of the algorithm made by package keys, on a throwaway
// SQLite database: the same key type and signer the server uses.
func rawSigner(ctx context.Context, alg jose.SignatureAlgorithm) (*keys.SigningKey, func(), error) {
	dir, err := os.MkdirTemp("", "userpool-bench-")
	if err != nil {
		return nil, nil, fmt.Errorf("raw signing rate: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	sealer, err := seal.New(master)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	store, err := storage.Open(ctx, filepath.Join(dir, "bench.db"), sealer)
	if err == nil {
		err = store.Migrate(ctx)
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("raw signing rate: %w", err)
	}
	cleanup = func() { store.Close(); os.RemoveAll(dir) }
	ks, err := keys.New(store, sealer, keys.Config{Algorithm: alg})
	if err == nil {
		err = ks.EnsureKey(ctx, "local_bench", alg)
	}
	var sk *keys.SigningKey
	if err == nil {
		sk, err = ks.SigningKey(ctx, "local_bench")
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("raw signing rate: %w", err)
	}
	return sk, cleanup, nil
}

// rawMeter measures this machine's limits on as many cores as the server gets (at most the
// cores this process may use, then scaled linearly), while the server is idle.
type rawMeter struct {
	workers int
	cpus    []int // with --server-cpus, the raw loops run on these CPUs
	scale   float64
	d       time.Duration
	signer  *keys.SigningKey
	claims  token.Claims
	hasher  *user.Hasher
	pw      string
}

func (m *rawMeter) rate(fn func() error) (float64, error) {
	r, err := rawRate(m.workers, m.cpus, m.d, fn)
	return r * m.scale, err
}

// limit returns the raw limit a scenario is compared with, and its name; 0 for none.
func (m *rawMeter) limit(scenario string) (float64, string, error) {
	switch scenario {
	case "client_credentials", "refresh":
		r, err := m.rate(func() error { _, err := token.Sign(m.signer, m.claims); return err })
		return r, string(m.signer.SignatureAlgorithm()) + " signatures/s", err
	case "password":
		r, err := m.rate(func() error { _, err := m.hasher.Hash(m.pw); return err })
		return r, "argon2id hashes/s", err
	}
	return 0, "", nil
}

func (b *benchRun) run(ctx context.Context, scenarios []string) error {
	w := b.e.stdout
	tuneGC(b.e) // the raw loops hash and sign under the collector settings the server has
	workers := min(b.o.serverCores, runtime.GOMAXPROCS(0))
	where := fmt.Sprintf("in this process on %d goroutine(s)", workers)
	if b.o.cpus != nil {
		// On the server's own CPUs, while it is idle: the same cores at nearly the same time.
		workers, where = len(b.o.cpus), fmt.Sprintf("on the server's CPU(s) %s (--server-cpus)", b.o.serverCPUs)
	}
	sk, cleanup, err := rawSigner(ctx, b.alg)
	if err != nil {
		return err
	}
	defer cleanup()
	now := time.Now()
	m := &rawMeter{workers: workers, cpus: b.o.cpus, scale: float64(b.o.serverCores) / float64(workers), d: max(time.Second, b.o.duration/4),
		signer: sk, hasher: user.DefaultHasher(), pw: b.password,
		// The claims of a client_credentials access token.
		claims: token.Claims{"iss": b.issuer, "sub": b.m2mID, "client_id": b.m2mID, "token_use": "access", "scope": benchScope,
			"auth_time": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": token.NewJTI(), "version": 2}}

	fmt.Fprintf(w, "userpool bench: %s, pool %s (%s), %d clients, %s per scenario\n", b.o.endpoint, b.o.poolID, b.alg, b.o.concurrency, b.o.duration)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs (%s); this process runs on %d; the server on %d (--server-cores)\n",
		runtime.GOOS, runtime.GOARCH, machineCPUs(), cpuModel(), runtime.GOMAXPROCS(0), b.o.serverCores)
	fmt.Fprintf(w, "raw limit: measured just before and just after the scenario (the mean; the two in brackets), %s for %s each, scaled to %d core(s); argon2id at m=%d KiB, t=%d, p=%d\n\n",
		where, m.d, b.o.serverCores, m.hasher.Memory, m.hasher.Iterations, m.hasher.Parallelism)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\treq/s\tp50\tp90\tp99\tmax\terrors\traw limit\tratio\ttarget\t")
	missed := 0
	for _, s := range scenarios {
		before, rawName, err := m.limit(s)
		if err != nil {
			return fmt.Errorf("bench: raw limit for %s: %w", s, err)
		}
		r, err := b.load(ctx, s)
		if err != nil {
			return err
		}
		// A shared machine's speed drifts: the limit is the mean of a measurement before and
		// one after the scenario, so that neither alone decides the ratio.
		after, _, err := m.limit(s)
		if err != nil {
			return fmt.Errorf("bench: raw limit for %s: %w", s, err)
		}
		raw := (before + after) / 2
		target, met := check(s, r.rate, raw)
		if !met || r.errors > 0 {
			target += " MISSED"
			missed++
		}
		rawCol, ratio := "-", "-"
		if raw > 0 {
			rawCol, ratio = fmt.Sprintf("%.1f %s (%.1f, %.1f)", raw, rawName, before, after), fmt.Sprintf("%.2f", r.rate/raw)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", s, r.n, r.rate, ms(r.percentile(.5)), ms(r.percentile(.9)),
			ms(r.percentile(.99)), ms(r.percentile(1)), r.errors, rawCol, ratio, target)
		if r.firstErr != nil {
			fmt.Fprintf(b.e.stderr, "bench: %s: first error: %v\n", s, r.firstErr)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if missed > 0 {
		fmt.Fprintf(w, "\n%d target(s) missed\n", missed)
	}
	return nil
}

// check compares a scenario's rate with the target for it: discovery and JWKS at
// least 10,000 requests/s, client_credentials at least 0.8 x the raw signing rate, password
// sign-in at least 0.9 x the raw argon2id rate. Refresh signs an access and an ID token, so
// its ceiling is half the signing rate; it has no target.
func check(scenario string, rate, raw float64) (string, bool) {
	switch scenario {
	case "discovery", "jwks":
		return ">= 10000/s", rate >= 10000
	case "client_credentials":
		return ">= 0.8 x raw", rate >= 0.8*raw
	case "password":
		return ">= 0.9 x raw", rate >= 0.9*raw
	}
	return "none (2 signatures per request)", true
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// machineCPUs counts the machine's processors, whatever this process's affinity (taskset).
func machineCPUs() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "processor" {
			n++
		}
	}
	return max(n, runtime.NumCPU())
}

// cpuModel names the processor when /proc/cpuinfo says it.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown model"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown model"
}

// parseCPUList reads a CPU list as taskset -c takes it ("0", "0,2", "0-3") of a machine with n
// CPUs.
func parseCPUList(s string, n int) ([]int, error) {
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := first, error(nil)
		if isRange {
			last, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || first < 0 || last < first {
			return nil, fmt.Errorf("%q is not a CPU list such as 0, 0,2 or 0-3", s)
		}
		for c := first; c <= last; c++ {
			if c >= n {
				return nil, fmt.Errorf("CPU %d: this machine has CPUs 0 to %d", c, n-1)
			}
			if !slices.Contains(cpus, c) {
				cpus = append(cpus, c)
			}
		}
	}
	return cpus, nil
}
