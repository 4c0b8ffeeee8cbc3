package token

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
)

// Sign signs the claims with the pool's key as a compact JWS with the "kid", "alg" and
// "typ: JWT" headers.
func Sign(key *keys.SigningKey, c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	jws, err := key.Signer().Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign token with key %s: %w", key.ID(), err)
	}
	return jws.CompactSerialize()
}

// AtHash returns the ID token's "at_hash" for an access token signed with alg: the left half of
// the token's hash, base64url-encoded (OpenID Connect Core 3.1.3.6).
func AtHash(accessToken string, alg jose.SignatureAlgorithm) (string, error) {
	var h crypto.Hash
	switch alg {
	case jose.RS256, jose.ES256, jose.PS256:
		h = crypto.SHA256
	case jose.RS384, jose.ES384, jose.PS384:
		h = crypto.SHA384
	case jose.RS512, jose.ES512, jose.PS512:
		h = crypto.SHA512
	default:
		return "", fmt.Errorf("at_hash: unsupported algorithm %q", alg)
	}
	d := h.New()
	d.Write([]byte(accessToken))
	sum := d.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), nil
}

// KeySet finds a pool's published public keys; *keys.Service is one.
type KeySet interface {
	PublicKey(ctx context.Context, poolID, kid string) (jose.JSONWebKey, bool, error)
}

// Verifier checks tokens this server issued.
type Verifier struct {
	Keys KeySet
	Now  func() time.Time // time.Now when nil
}

// Verify checks a token of the pool: a signature by one of the pool's published keys, the
// issuer, the expiry and the token use (UseAccess or UseID). It returns the claims (numbers as
// float64, as JSON decodes them). Every failure is a NotAuthorizedException whose message says
// only that the token is invalid or expired; a key store failure is returned as is.
// It does not check the audience (aud, client_id) or revocation (jti, origin_jti): those are
// the caller's.
func (v *Verifier) Verify(ctx context.Context, poolID, issuer, raw, use string) (Claims, error) {
	var name string
	switch use {
	case UseAccess:
		name = "Access Token"
	case UseID:
		name = "ID Token"
	default:
		return nil, fmt.Errorf("verify token: unknown token use %q", use)
	}
	invalid := func(reason string) error {
		return errs.Wrap(errs.NotAuthorized, fmt.Errorf("verify token: %s", reason), "Invalid "+name)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{keys.RS256, keys.ES256})
	if err != nil {
		return nil, invalid("malformed: " + err.Error())
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, invalid("no key id")
	}
	h := tok.Headers[0]
	jwk, ok, err := v.Keys.PublicKey(ctx, poolID, h.KeyID)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if !ok {
		return nil, invalid("unknown key " + h.KeyID)
	}
	if jwk.Algorithm != h.Algorithm {
		return nil, invalid("algorithm " + h.Algorithm + " does not match key " + h.KeyID)
	}
	var reg struct {
		Issuer   string           `json:"iss"`
		Expiry   *jwt.NumericDate `json:"exp"`
		IssuedAt *jwt.NumericDate `json:"iat"`
		TokenUse string           `json:"token_use"`
	}
	var c Claims
	if err := tok.Claims(jwk.Key, &reg, &c); err != nil {
		return nil, invalid(err.Error())
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	switch {
	case reg.Issuer != issuer:
		return nil, invalid("issuer " + reg.Issuer)
	case reg.TokenUse != use:
		return nil, invalid("token use " + reg.TokenUse)
	case reg.Expiry == nil || reg.IssuedAt == nil:
		return nil, invalid("no exp or iat")
	case !now.Before(reg.Expiry.Time()):
		return nil, errs.Wrap(errs.NotAuthorized, fmt.Errorf("verify token: expired at %s", reg.Expiry.Time()), name+" has expired")
	}
	return c, nil
}

// String returns a string claim, "" when absent or not a string.
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Scopes returns the "scope" claim split at spaces.
func (c Claims) Scopes() []string { return strings.Fields(c.String("scope")) }

// Time returns a NumericDate claim (exp, iat, auth_time), zero when absent.
func (c Claims) Time(name string) time.Time {
	switch n := c[name].(type) {
	case float64:
		return time.Unix(int64(n), 0)
	case int64:
		return time.Unix(n, 0)
	}
	return time.Time{}
}
