// Package cognito serves the Cognito Identity Provider JSON protocol on POST / (X-Amz-Target
// dispatch), with SigV4 verification for the management actions and Cognito's error shape.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/httpx"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// Credentials finds the secret of an enabled admin access key (for SigV4 verification).
type Credentials interface {
	// SecretFor returns the secret of the access key id, or an error when the key is unknown
	// or disabled. An *errs.Error means "no such usable key" (UnrecognizedClientException);
	// any other error is a failure of the lookup itself (InternalErrorException).
	SecretFor(ctx context.Context, accessKeyID string) (string, error)
}

// Handler is the JSON API edge.
type Handler struct {
	Pools       *pool.Service
	Users       *user.Service
	Credentials Credentials
	// Messages is the outbox's message log (the ListMessages extension action).
	Messages MessageLog
	// Keys are the pools' signing keys (the RotateSigningKey extension action, and a first
	// key for every new pool); nil leaves keys to be created on first use.
	Keys SigningKeys
	// MFA serves the MFA actions (mfa.go) and the second-factor challenges; nil refuses them.
	MFA *mfa.Service
	// Auth wires the sign-in actions (auth.go); nil answers them with an internal error.
	Auth *Auth
	// Branding stores the hosted pages' UI customizations (SetUICustomization); nil refuses them.
	Branding *branding.Service
	// PublicURL starts the ImageUrl of GetUICustomization.
	PublicURL string
	// Triggers set the pools' trigger secrets (the TriggerSecrets extension of Create- and
	// UpdateUserPool) and serve TestTrigger and ListTriggerInvocations; nil refuses them.
	Triggers Triggers
	// Audit records every signed (management) call; nil records nothing.
	Audit  *audit.Log
	Logger *slog.Logger
	Now    func() time.Time
}

const (
	targetPrefix = "AWSCognitoIdentityProviderService."
	contentType  = "application/x-amz-json-1.1"
	// maxBody caps a request body; the largest Cognito inputs (a pool with 50 custom
	// attributes and message templates) are a few tens of KiB.
	maxBody = 1 << 20
)

// Mount registers POST / (and the CORS preflight) on r.
func (h *Handler) Mount(r *mux.Router) {
	r.Path("/").Methods(http.MethodPost, http.MethodOptions).Handler(h)
}

// ServeHTTP answers one JSON API call.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusOK)
		return
	}
	id := httpx.RequestIDFrom(r.Context())
	if id == "" {
		id = httpx.NewRequestID()
	}
	w.Header().Set("x-amzn-RequestId", id)
	ctx := httpx.WithRequestID(r.Context(), id)

	out, err := h.serve(ctx, r)
	if err != nil {
		h.writeError(ctx, w, r, err)
		return
	}
	if err := httpx.WriteJSON(w, http.StatusOK, contentType, out); err != nil {
		h.logger().ErrorContext(ctx, "write response", "request_id", id, "err", err)
	}
}

// serve runs the action named by X-Amz-Target; a panic becomes an internal error.
func (h *Handler) serve(ctx context.Context, r *http.Request) (out any, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()

	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	act, known := actions[name]
	if !ok || !known {
		return nil, errs.New(errs.UnknownOperation, "Unknown operation %q", r.Header.Get("X-Amz-Target"))
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.New(errs.SerializationError, "Request body is larger than %d bytes", maxBody)
		}
		return nil, errs.Wrap(errs.SerializationError, err, "Could not read the request body")
	}
	if act.auth == authSigV4 {
		if err := h.verifySigV4(ctx, r, body); err != nil {
			return nil, err
		}
	}
	out, err = act.run(h, ctx, body)
	if act.auth == authSigV4 {
		h.audit(ctx, r, name, body, err)
	}
	return out, err
}

func checkContentType(v string) error {
	mt, _, err := mime.ParseMediaType(v)
	if err == nil && (mt == contentType || mt == "application/json") {
		return nil
	}
	return errs.New(errs.SerializationError, "Content-Type must be %s", contentType)
}

// setCORS lets browser apps (amazon-cognito-identity-js, Amplify) call the API from any origin.
// No cookies are involved, so a wildcard origin is safe.
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "content-type, x-amz-target, x-amz-user-agent, authorization, x-amz-date, x-amz-security-token, cache-control")
	h.Set("Access-Control-Expose-Headers", "x-amzn-errortype, x-amzn-requestid")
	h.Set("Access-Control-Max-Age", "86400")
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
