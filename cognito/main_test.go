package cognito_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gorilla/mux"

	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

const (
	testKeyID  = "AKIATESTTESTTESTTEST"
	testSecret = "testsecret0123456789testsecret0123456789"
	// brokenKeyID makes the key lookup fail as a broken database would.
	brokenKeyID = "AKIABROKENBROKENBROK"
)

// keys is the tests' Credentials: a fixed map of access keys.
type keys map[string]string

func (k keys) SecretFor(_ context.Context, id string) (string, error) {
	if id == brokenKeyID {
		return "", errors.New("database is unreachable")
	}
	if s, ok := k[id]; ok {
		return s, nil
	}
	return "", errs.New(errs.UnrecognizedClient, "unknown access key")
}

// env is a management API on a real store behind a real HTTP server.
type env struct {
	url string
	api *cip.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, storagetest.Open(t))
}

func newEnvOn(t *testing.T, st *storage.Store) *env {
	t.Helper()
	pools := pool.NewService(st, "local")
	return newServer(t).serve(&cognito.Handler{Pools: pools, Users: user.NewService(st, pools, testHasher())})
}

// testServer is a real HTTP server whose URL is known before its handler is built (the
// provider and the App API put it in tokens and links).
type testServer struct {
	*httptest.Server
	URL string // known before Start
}

func newServer(t *testing.T) testServer {
	t.Helper()
	// Unstarted, so that serve sets the handler before the server's goroutines read it; the
	// listener already has its address.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	return testServer{Server: srv, URL: "http://" + srv.Listener.Addr().String()}
}

// serve mounts h (with the tests' access key, a discarding logger and time.Now where h leaves
// them unset) and the routes of more, and returns the management API's env.
func (s testServer) serve(h *cognito.Handler, more ...func(*mux.Router)) *env {
	if h.Credentials == nil {
		h.Credentials = keys{testKeyID: testSecret}
	}
	if h.Logger == nil {
		h.Logger = slog.New(slog.DiscardHandler)
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	r := mux.NewRouter()
	h.Mount(r)
	for _, m := range more {
		m(r)
	}
	s.Config.Handler = r
	s.Start()
	return &env{url: s.URL, api: newClient(s.URL, credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""))}
}

// anon is a client without credentials, as apps call the public actions.
func (e *env) anon() *cip.Client { return newClient(e.url, aws.AnonymousCredentials{}) }

// clock is a settable clock shared by the services and the handler, so that codes, tokens
// and lockouts can be made to expire without waiting.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// newClient returns an SDK client without retries, so every request is sent exactly once.
func newClient(url string, creds aws.CredentialsProvider) *cip.Client {
	return cip.New(cip.Options{
		Region:       "local",
		BaseEndpoint: aws.String(url),
		Credentials:  creds,
		Retryer:      aws.NopRetryer{},
		HTTPClient:   bufferedBodyClient{},
	})
}

// bufferedBodyClient hands net/http a copy of the request body. smithy-go closes the body it
// built as soon as the response arrives, which against a fast local server can race with the
// transport's final read of it and close the connection mid-response
// (aws/aws-sdk-go-v2#2737; the SDK's default retryer hides it by retrying, which these tests
// cannot do: a retried AdminCreateUser would report UsernameExists for its own first attempt).
type bufferedBodyClient struct{}

func (bufferedBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultClient.Do(req)
}

// wantErr fails unless err is (or wraps) the SDK's typed error E.
func wantErr[E error](t *testing.T, err error) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	return target
}

// must pairs a call's result with its error: must(f()).ok(t) fails t on the error.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) ok(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// createPool creates a pool with the given input (PoolName filled in) and returns its id.
func (e *env) createPool(t *testing.T, in *cip.CreateUserPoolInput) string {
	t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolInput{}
	}
	if in.PoolName == nil {
		in.PoolName = aws.String("test pool")
	}
	out := must(e.api.CreateUserPool(t.Context(), in)).ok(t)
	return *out.UserPool.Id
}

// createUser creates a user with attributes given as name, value pairs.
func (e *env) createUser(t *testing.T, poolID, username string, attrs ...string) *types.UserType {
	t.Helper()
	in := &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: &username,
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress}
	for i := 0; i+1 < len(attrs); i += 2 {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	return must(e.api.AdminCreateUser(t.Context(), in)).ok(t).User
}

// rawResponse is a decoded response of a hand-made request.
type rawResponse struct {
	status int
	header http.Header
	body   map[string]any
}

// post sends a hand-made request; sign, when not nil, signs it first.
func (e *env) post(t *testing.T, target, contentType string, body []byte, sign func(*http.Request, []byte)) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
	}
	req.Header.Set("Content-Type", contentType)
	if sign != nil {
		sign(req, body)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := rawResponse{status: resp.StatusCode, header: resp.Header}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out.body); err != nil {
			t.Fatalf("response body %q: %v", b, err)
		}
	}
	return out
}

// signer signs a request with the SDK's v4 signer at time at with the given secret.
func signer(id, secret string, at time.Time) func(*http.Request, []byte) {
	return func(req *http.Request, body []byte) {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "cognito-idp", "eu-west-1", at); err != nil {
			panic(err)
		}
	}
}

// signedJSON sends a signed JSON request with the test key.
func (e *env) signedJSON(t *testing.T, target string, in any) rawResponse {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return e.post(t, target, "application/x-amz-json-1.1", b, signer(testKeyID, testSecret, time.Now()))
}

// wantType checks a hand-made request's error response.
func (r rawResponse) wantType(t *testing.T, code string) {
	t.Helper()
	if r.status != http.StatusBadRequest || r.body["__type"] != code || r.header.Get("X-Amzn-Errortype") != code {
		t.Fatalf("response = %d %v (x-amzn-ErrorType %q), want 400 %s", r.status, r.body, r.header.Get("X-Amzn-Errortype"), code)
	}
}

// testHasher is the production hasher: tests measure nothing, and 50 concurrent creations are
// bounded by its in-flight cap.
func testHasher() *user.Hasher { return user.DefaultHasher() }
