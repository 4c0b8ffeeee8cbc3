package srp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
)

// Client is the client's half of an exchange, computed as amazon-cognito-identity-js does.
// The server does not need it; tests and tools that sign in over the App API do.
type Client struct {
	poolName string
	a, bigA  *big.Int
}

// NewClient picks a random a (128 bytes) and A = g^a mod N for a pool name (see PoolName).
func NewClient(poolName string) (*Client, error) {
	ab := make([]byte, 128)
	if _, err := rand.Read(ab); err != nil {
		return nil, fmt.Errorf("srp client: %w", err)
	}
	a := new(big.Int).SetBytes(ab)
	return &Client{poolName: poolName, a: a, bigA: new(big.Int).Exp(G, a, N)}, nil
}

// A is the SRP_A auth parameter: plain lowercase hex, as the JS SDK sends it.
func (c *Client) A() string { return c.bigA.Text(16) }

// Sign answers a PASSWORD_VERIFIER challenge: the PASSWORD_CLAIM_SIGNATURE (base64) for the
// challenge's SALT, SRP_B, SECRET_BLOCK and USER_ID_FOR_SRP at the given TIMESTAMP.
func (c *Client) Sign(userID, password, saltHex, bHex, secretBlockB64, timestamp string) (string, error) {
	salt, ok := new(big.Int).SetString(saltHex, 16)
	if !ok {
		return "", errors.New("srp client: malformed SALT")
	}
	bigB, ok := new(big.Int).SetString(bHex, 16)
	if !ok || new(big.Int).Mod(bigB, N).Sign() == 0 {
		return "", errors.New("srp client: illegal SRP_B")
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return "", errors.New("srp client: malformed SECRET_BLOCK")
	}
	u := HashInts(c.bigA, bigB)
	if u.Sign() == 0 {
		return "", errors.New("srp client: u is 0")
	}
	x := X(c.poolName, userID, password, salt.Bytes())
	// S = (B − k·g^x)^(a + u·x) mod N
	base := new(big.Int).Sub(bigB, new(big.Int).Mul(K, new(big.Int).Exp(G, x, N)))
	base.Mod(base, N)
	exp := new(big.Int).Add(c.a, new(big.Int).Mul(u, x))
	key := DeriveKey(new(big.Int).Exp(base, exp, N), u)
	return base64.StdEncoding.EncodeToString(Signature(key, c.poolName, userID, block, timestamp)), nil
}
