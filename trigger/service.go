package trigger

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/webhook"
)

// Status is the outcome of one invocation.
type Status string

const (
	Succeeded Status = "succeeded" // 2xx with a valid answer
	Refused   Status = "refused"   // non-2xx with {"errorMessage": ...}: the trigger said no
	Failed    Status = "failed"    // timeout, network error, 5xx without an error message
	Invalid   Status = "invalid"   // anything else: a malformed or forbidden answer
)

// Invocation is one call of a trigger, as the operator's log shows it. Payload is the event
// sent, with the password of a user migration redacted; codes never appear in events (custom
// messages carry the placeholder, not the code).
type Invocation struct {
	ID         string
	PoolID     string
	Trigger    string // the LambdaConfig key, e.g. "PreSignUp"
	Source     Source
	Status     Status
	HTTPStatus int // 0 when there was no answer
	Duration   time.Duration
	Error      string
	Payload    string
	At         time.Time
}

// Secrets are a trigger's signing secrets: Current, and during a rotation Previous, which
// still signs until PreviousUntil.
type Secrets struct {
	Current       string
	Previous      string
	PreviousUntil time.Time
}

// Store keeps the triggers' secrets (sealed with the master key) and the invocation log.
type Store interface {
	// TriggerSecrets returns the secrets of a pool's trigger, or nil when it has none.
	TriggerSecrets(ctx context.Context, poolID, trigger string) (*Secrets, error)
	// SetTriggerSecret makes secret the trigger's current secret; the replaced one (if any)
	// becomes Previous until previousUntil.
	SetTriggerSecret(ctx context.Context, poolID, trigger, secret string, previousUntil time.Time) error
	// RecordTriggerInvocation appends to the pool's invocation log.
	RecordTriggerInvocation(ctx context.Context, inv *Invocation) error
	// ListTriggerInvocations returns a pool's latest invocations, newest first.
	ListTriggerInvocations(ctx context.Context, poolID string, limit int) ([]*Invocation, error)
}

// Pools finds pools (for outbox deliveries, which name their pool only) and saves them with
// their triggers' secrets (pool.Service).
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
	CreatePoolWithSecrets(ctx context.Context, in *pool.Pool, secrets pool.SecretsFunc) (*pool.Pool, error)
	UpdatePoolWithSecrets(ctx context.Context, in *pool.Pool, secrets pool.SecretsFunc) (*pool.Pool, error)
}

// Config tunes a Service; zero fields take the defaults.
type Config struct {
	// Timeout bounds each call: 5 s, Cognito's (tests shorten it).
	Timeout time.Duration
	// AllowPrivateNetworks lets triggers reach loopback and private addresses
	// (USERPOOL_TRIGGERS_ALLOW_PRIVATE_NETWORKS); off, the server cannot be made to call
	// internal services.
	AllowPrivateNetworks bool
	// RotationGrace is how long a replaced secret still signs: 24 h.
	RotationGrace time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
}

// DefaultTimeout is Cognito's limit for a trigger's answer.
const DefaultTimeout = 5 * time.Second

// Service calls triggers.
type Service struct {
	store  Store
	pools  Pools
	cfg    Config
	client *http.Client
}

// NewService returns a Service.
func NewService(store Store, pools Pools, cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RotationGrace <= 0 {
		cfg.RotationGrace = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{store: store, pools: pools, cfg: cfg, client: newClient(cfg.AllowPrivateNetworks)}
}

// sdkVersion fills callerContext.awsSdkVersion: there is no AWS SDK on this side.
const sdkVersion = "userpool"

// maxAnswer caps what is read of an answer: an event is a few KiB.
const maxAnswer = 1 << 20

// fill completes an event's envelope from the pool.
func fill(h *Header, p *pool.Pool, version string) {
	h.Version = version
	h.UserPoolID = p.Id
	h.Region, _, _ = strings.Cut(p.Id, "_")
	h.CallerContext.AWSSDKVersion = sdkVersion
	if h.CallerContext.ClientID == "" {
		h.CallerContext.ClientID = "CLIENT_ID_NOT_APPLICABLE" // what Cognito sends for admin actions
	}
}

// answer is what a trigger replied.
type answer struct {
	status int
	body   []byte
}

// deliver signs and posts body to the trigger and returns the answer; err is a failure to get
// one (network, timeout, refused address, no secret).
func (s *Service) deliver(ctx context.Context, p *pool.Pool, name, id string, body []byte) (*answer, error) {
	url := p.TriggerURL(name)
	secrets, err := s.store.TriggerSecrets(ctx, p.Id, name)
	if err != nil {
		return nil, fmt.Errorf("load %s secret: %w", name, err)
	}
	if secrets == nil {
		return nil, fmt.Errorf("%s has no signing secret: set one with UpdateUserPool", name)
	}
	now := s.cfg.Now()
	var keys [][]byte
	for _, sec := range []string{secrets.Current, secrets.Previous} {
		if sec == "" || sec == secrets.Previous && !now.Before(secrets.PreviousUntil) {
			continue
		}
		k, err := webhook.ParseSecret(sec)
		if err != nil {
			return nil, fmt.Errorf("%s secret: %w", name, err)
		}
		keys = append(keys, k)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s request: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "userpool-triggers")
	webhook.Sign(req.Header, keys, id, now, body)
	res, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s", s.cfg.Timeout)
		}
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s", s.cfg.Timeout)
		}
		return nil, fmt.Errorf("read answer: %w", err)
	}
	return &answer{status: res.StatusCode, body: b}, nil
}

// invoke calls a blocking trigger with ev (whose Header the caller started: source, user
// name, client id) and decodes the answer's "response" into resp, which check then validates.
// It returns Cognito's errors: UserLambdaValidation when the trigger refused,
// UnexpectedLambda when it could not be reached or failed, InvalidLambdaResponse otherwise.
func (s *Service) invoke(ctx context.Context, p *pool.Pool, name string, h *Header, ev, resp any, check func() error) error {
	_, err := s.call(ctx, p, name, h, ev, resp, check)
	return err
}

// call is invoke that also returns the invocation it recorded.
func (s *Service) call(ctx context.Context, p *pool.Pool, name string, h *Header, ev, resp any, check func() error) (*Invocation, error) {
	version := "1"
	if name == pool.TriggerPreTokenGeneration {
		version = "2"
	}
	fill(h, p, version)
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", name, err)
	}
	inv := &Invocation{ID: newID(), PoolID: p.Id, Trigger: name, Source: h.TriggerSource, At: s.cfg.Now().UTC(), Payload: redact(body)}
	start := time.Now()
	err = s.judge(name, inv, func() (*answer, error) { return s.deliver(ctx, p, name, inv.ID, body) }, resp, check)
	inv.Duration = time.Since(start)
	s.record(ctx, inv)
	return inv, err
}

// judge runs call and turns its outcome into inv's status and the action's error.
func (s *Service) judge(name string, inv *Invocation, call func() (*answer, error), resp any, check func() error) error {
	a, err := call()
	if err != nil {
		inv.Status, inv.Error = Failed, err.Error()
		return errs.Wrap(errs.UnexpectedLambda, err, fmt.Sprintf("%s invocation failed: %s.", name, err))
	}
	inv.HTTPStatus = a.status
	if a.status < 200 || a.status > 299 {
		var e struct {
			ErrorMessage *string `json:"errorMessage"`
		}
		if json.Unmarshal(a.body, &e) == nil && e.ErrorMessage != nil {
			inv.Status, inv.Error = Refused, *e.ErrorMessage
			return errs.New(errs.UserLambdaValidation, "%s failed with error %s.", name, *e.ErrorMessage)
		}
		if a.status >= 500 {
			inv.Status, inv.Error = Failed, fmt.Sprintf("HTTP %d", a.status)
			return errs.New(errs.UnexpectedLambda, "%s invocation failed: HTTP %d.", name, a.status)
		}
		inv.Status, inv.Error = Invalid, fmt.Sprintf("HTTP %d without an errorMessage", a.status)
		return errs.New(errs.InvalidLambdaResponse, "Unrecognizable lambda output: %s answered HTTP %d without an errorMessage.", name, a.status)
	}
	if err := decodeResponse(a.body, resp); err != nil {
		inv.Status, inv.Error = Invalid, err.Error()
		return errs.New(errs.InvalidLambdaResponse, "Unrecognizable lambda output: %s.", err)
	}
	if check != nil {
		if err := check(); err != nil {
			inv.Status = Invalid
			if e, ok := errs.As(err); ok {
				inv.Error = e.Message
			} else {
				inv.Error = err.Error()
			}
			return err
		}
	}
	inv.Status = Succeeded
	return nil
}

// decodeResponse reads the "response" member of an answered event into resp.
func decodeResponse(body []byte, resp any) error {
	var ev struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return errors.New("the answer is not a JSON event")
	}
	if len(ev.Response) == 0 || bytes.Equal(ev.Response, []byte("null")) {
		return errors.New(`the answer has no "response" object`)
	}
	if resp == nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(ev.Response, &obj) != nil {
			return errors.New(`"response" is not an object`)
		}
		return nil
	}
	if err := json.Unmarshal(ev.Response, resp); err != nil {
		return fmt.Errorf(`"response" does not have the trigger's shape: %v`, err)
	}
	return nil
}

// record appends inv to the log; a failure to log does not fail the action.
func (s *Service) record(ctx context.Context, inv *Invocation) {
	if len(inv.Error) > 1000 {
		inv.Error = strings.ToValidUTF8(inv.Error[:1000], "")
	}
	log := s.cfg.Logger.With("pool_id", inv.PoolID, "trigger", inv.Trigger, "source", inv.Source, "status", inv.Status,
		"http_status", inv.HTTPStatus, "duration", inv.Duration)
	if inv.Status == Succeeded {
		log.DebugContext(ctx, "trigger invoked")
	} else {
		log.WarnContext(ctx, "trigger did not succeed", "error", inv.Error)
	}
	if err := s.store.RecordTriggerInvocation(context.WithoutCancel(ctx), inv); err != nil {
		log.ErrorContext(ctx, "record trigger invocation", "err", err)
	}
}

// redact hides the password a user migration event carries.
func redact(body []byte) string {
	var ev map[string]any
	if json.Unmarshal(body, &ev) != nil {
		return ""
	}
	if req, ok := ev["request"].(map[string]any); ok {
		if _, ok := req["password"]; ok {
			req["password"] = "******"
			b, _ := json.Marshal(ev)
			return string(b)
		}
	}
	return string(body)
}

// Invocations returns a pool's latest invocations, newest first (at most limit, 1-100).
func (s *Service) Invocations(ctx context.Context, poolID string, limit int) ([]*Invocation, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 100 {
		return nil, errs.New(errs.InvalidParameter, "Limit must be between 1 and 100.")
	}
	if _, err := s.pools.GetPool(ctx, poolID); err != nil {
		return nil, err
	}
	out, err := s.store.ListTriggerInvocations(ctx, poolID, limit)
	if err != nil {
		return nil, fmt.Errorf("list trigger invocations: %w", err)
	}
	return out, nil
}

// newID returns a random 128-bit id; an invocation's id is also the webhook-id of its delivery.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
