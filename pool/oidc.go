package pool

import (
	"net"
	"net/url"
	"time"

	"github.com/userpool/userpool/errs"
)

// Signing algorithms a pool may choose, and Cognito's refresh token rotation settings.
const (
	SigningRS256 = "RS256"
	SigningES256 = "ES256"

	RotationEnabled  = "ENABLED"
	RotationDisabled = "DISABLED"

	// MaxRetryGracePeriod is the longest a rotated-out refresh token stays usable (Cognito's).
	MaxRetryGracePeriod = 60
)

// Algorithm returns the pool's signing algorithm, RS256 when unset.
func (p *Pool) Algorithm() string {
	if p.SigningAlgorithm == "" {
		return SigningRS256
	}
	return p.SigningAlgorithm
}

func normalizeSigningAlgorithm(p *Pool) error {
	switch p.SigningAlgorithm {
	case "":
		p.SigningAlgorithm = SigningRS256
	case SigningRS256, SigningES256:
	default:
		return errs.New(errs.InvalidParameter, "SigningAlgorithm must be RS256 or ES256, not %q.", p.SigningAlgorithm)
	}
	return nil
}

// RotatesRefreshTokens reports whether refresh_token grants give the client a new refresh token.
func (c *Client) RotatesRefreshTokens() bool {
	return c.RefreshTokenRotation != nil && c.RefreshTokenRotation.Feature == RotationEnabled
}

// RefreshRetryGrace is how long a rotated-out refresh token stays usable (a retried request).
func (c *Client) RefreshRetryGrace() time.Duration {
	if c.RefreshTokenRotation == nil {
		return 0
	}
	return time.Duration(c.RefreshTokenRotation.RetryGracePeriodSeconds) * time.Second
}

// IsLoopbackRedirect reports whether raw is an http URL on a loopback host (127.0.0.1, [::1],
// localhost): the only redirect URIs whose port may vary, and only for clients that opt in.
func IsLoopbackRedirect(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return nil, false
	}
	h := u.Hostname()
	if h == "localhost" {
		return u, true
	}
	ip := net.ParseIP(h)
	return u, ip != nil && ip.IsLoopback()
}

func normalizeOIDCSettings(c *Client) error {
	if r := c.RefreshTokenRotation; r != nil {
		switch r.Feature {
		case RotationEnabled, RotationDisabled:
		default:
			return errs.New(errs.InvalidParameter, "RefreshTokenRotation.Feature must be ENABLED or DISABLED, not %q.", r.Feature)
		}
		if r.RetryGracePeriodSeconds < 0 || r.RetryGracePeriodSeconds > MaxRetryGracePeriod {
			return errs.New(errs.InvalidParameter, "RefreshTokenRotation.RetryGracePeriodSeconds must be between 0 and %d.", MaxRetryGracePeriod)
		}
		if r.Feature == RotationDisabled && r.RetryGracePeriodSeconds != 0 {
			return errs.New(errs.InvalidParameter, "RefreshTokenRotation.RetryGracePeriodSeconds applies only when Feature is ENABLED.")
		}
	}
	if c.AllowLoopbackRedirectAnyPort {
		loopback := false
		for _, u := range c.CallbackURLs {
			if _, ok := IsLoopbackRedirect(u); ok {
				loopback = true
			}
		}
		if !loopback {
			return errs.New(errs.InvalidParameter, "AllowLoopbackRedirectAnyPort needs at least one http loopback callback URL (http://127.0.0.1/..., http://[::1]/... or http://localhost/...).")
		}
	}
	return nil
}
