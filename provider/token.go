package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const maxTokenRequestSize = 64 << 10

// tokenEndpoint serves POST /oauth2/token through op, after the checks op does not make.
func (p *Provider) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestSize)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("the request body could not be read"))
		return
	}
	clientID, _, ok := r.BasicAuth()
	if ok {
		clientID, _ = url.QueryUnescape(clientID)
	} else {
		clientID = r.PostForm.Get("client_id")
	}
	r = r.WithContext(withClientID(r.Context(), clientID))
	switch grant := r.PostForm.Get("grant_type"); grant {
	case string(oidc.GrantTypeCode):
		if v := r.PostForm.Get("code_verifier"); v != "" && !verifierRE.MatchString(v) {
			// A bad verifier uses up the code, like a wrong one.
			if code := r.PostForm.Get("code"); code != "" {
				_, _ = p.store.ConsumeCode(r.Context(), PoolFromContext(r.Context()).Id, hashSecret(code), p.now())
			}
			writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidGrant().WithDescription("code_verifier must be 43-128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'"))
			return
		}
		p.exchangeAndTidy(w, r, "")
	case string(oidc.GrantTypeRefreshToken):
		p.exchangeAndTidy(w, r, r.PostForm.Get("refresh_token"))
	case string(oidc.GrantTypeClientCredentials):
		op.Exchange(w, r, p.op)
	case "":
		writeOAuthError(w, http.StatusBadRequest, oidc.ErrInvalidRequest().WithDescription("grant_type is missing"))
	default:
		writeOAuthError(w, http.StatusBadRequest, oidc.ErrUnsupportedGrantType().WithDescription("grant_type must be authorization_code, refresh_token or client_credentials"))
	}
}

// exchangeAndTidy runs op's exchange and tidies a successful response as Cognito answers it:
// no ID token without the openid scope, the offline_access scope op needed to issue a
// refresh token is dropped, and a refresh token that did not rotate (the presented one) is
// not repeated.
func (p *Provider) exchangeAndTidy(w http.ResponseWriter, r *http.Request, presented string) {
	buf := &bufferedResponse{header: http.Header{}}
	d := &idTokenDecision{wanted: true}
	op.Exchange(buf, r.WithContext(context.WithValue(r.Context(), idTokenDecisionKey{}, d)), p.op)
	body := buf.body.Bytes()
	if buf.status == http.StatusOK || buf.status == 0 {
		var resp map[string]any
		if json.Unmarshal(body, &resp) == nil {
			if s, ok := resp["scope"].(string); ok {
				resp["scope"] = dropScope(s, oidc.ScopeOfflineAccess)
			}
			if !d.wanted {
				delete(resp, "id_token")
			}
			if presented != "" && resp["refresh_token"] == presented {
				delete(resp, "refresh_token")
			}
			if b, err := json.Marshal(resp); err == nil {
				body = b
			}
		}
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if buf.status != 0 {
		w.WriteHeader(buf.status)
	}
	_, _ = w.Write(body)
}

// dropScope returns the space-separated scopes without drop.
func dropScope(scopes, drop string) string {
	var out []byte
	for _, s := range bytes.Fields([]byte(scopes)) {
		if string(s) == drop {
			continue
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, s...)
	}
	return string(out)
}

// bufferedResponse holds a response so it can be rewritten before it is sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// writeOAuthError writes an OAuth error response (RFC 6749 section 5.2).
func writeOAuthError(w http.ResponseWriter, status int, e *oidc.Error) {
	if e.ErrorType == oidc.InvalidClient {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
	}
	b, _ := json.Marshal(e) // an *oidc.Error always encodes
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// revoke serves POST /oauth2/revoke (RFC 7009) through op: a refresh token is revoked with its
// whole family (see storage.RevokeToken).
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestSize)
	op.Revoke(w, r, p.op)
}
