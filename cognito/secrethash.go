package cognito

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// SecretHash is Cognito's SECRET_HASH: base64(HMAC-SHA256(client secret, username ‖ client id)).
func SecretHash(clientSecret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(username))
	m.Write([]byte(clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkSecretHash enforces SECRET_HASH for an app client with a secret: the hash the request
// carries (SecretHash, or SECRET_HASH in AuthParameters/ChallengeResponses) must be the one of
// one of the usernames (what the user typed, or the pool's username for the user), compared in
// constant time. A client without a secret needs none, and an extra one is ignored, as Cognito.
func checkSecretHash(c *pool.Client, given string, usernames ...string) error {
	if c.ClientSecret == "" {
		return nil
	}
	if given != "" {
		for _, u := range usernames {
			if u == "" {
				continue
			}
			want := SecretHash(c.ClientSecret, u, c.ClientId)
			if subtle.ConstantTimeCompare([]byte(want), []byte(given)) == 1 {
				return nil
			}
		}
	}
	if given == "" {
		return errs.New(errs.NotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.ClientId)
	}
	return errs.New(errs.NotAuthorized, "Unable to verify secret hash for client %s", c.ClientId)
}
