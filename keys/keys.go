// Package keys holds each user pool's signing keys: it generates them, seals the private halves
// with the master key, rotates them without breaking relying parties, and publishes the JWKS.
//
// A key's life is given entirely by its timestamps, so every server process on one database
// reaches the same answer from the same rows and its own clock:
//
//	PublishFrom ≤ now < DeleteAfter   the key is in the pool's JWKS
//	ActiveFrom  ≤ now < RetireAt      the key may sign; the one with the highest Seq signs
//
// A rotation inserts the next key with PublishFrom = now and ActiveFrom = now + the
// pre-publication period, and in the same transaction sets the current key's RetireAt to the
// next key's ActiveFrom and its DeleteAfter to that plus the longest token lifetime (plus the
// cache TTL, since a process may keep signing with a cached key that long). So relying parties
// see the next key before it signs, and the retired key stays published until every token it
// signed has expired. No row changes at the moment of the switch: there is nothing to schedule.
package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/seal"
)

// Signature algorithms a pool may sign with. RS256 is the default: it is what Cognito uses and
// what every relying party accepts. ES256 signs about twenty times faster.
const (
	RS256 = jose.RS256
	ES256 = jose.ES256
)

// rsaBits is the RSA modulus size, the common choice that RS256 verifiers expect.
const rsaBits = 2048

// ValidAlgorithm reports whether alg is one a pool can sign with.
func ValidAlgorithm(alg jose.SignatureAlgorithm) bool { return alg == RS256 || alg == ES256 }

// Key is one signing key of a pool, as stored. The private key is sealed with the master key;
// the public key is a JWK (JSON) ready for the JWKS.
type Key struct {
	ID        string // the JWS "kid": random, URL-safe
	PoolID    string
	Seq       int64 // 1 for a pool's first key, +1 for each next one; unique per pool
	Algorithm jose.SignatureAlgorithm
	CreatedAt time.Time
	// PublishFrom: the key is in the JWKS from this time on.
	PublishFrom time.Time
	// ActiveFrom: the key may sign from this time on (until RetireAt).
	ActiveFrom time.Time
	// RetireAt: the key stops signing; zero while no next key is scheduled.
	RetireAt time.Time
	// DeleteAfter: the key leaves the JWKS and may be deleted; zero while it is not retiring.
	DeleteAfter time.Time
	// SealedPrivateKey is the PKCS #8 private key sealed with the master key (see sealPurpose).
	SealedPrivateKey string
	// PublicJWK is the public key as a JSON Web Key with kid, alg and use "sig".
	PublicJWK string
}

// Published reports whether the key belongs in the JWKS at t.
func (k Key) Published(t time.Time) bool {
	return !t.Before(k.PublishFrom) && (k.DeleteAfter.IsZero() || t.Before(k.DeleteAfter))
}

// Active reports whether the key may sign at t.
func (k Key) Active(t time.Time) bool {
	return !t.Before(k.ActiveFrom) && (k.RetireAt.IsZero() || t.Before(k.RetireAt))
}

// Pending reports whether the key is a next key that does not sign yet at t.
func (k Key) Pending(t time.Time) bool { return t.Before(k.ActiveFrom) }

// ErrSeqTaken is what Store.InsertKey returns when the pool already has a key with that Seq:
// another process rotated (or created the first key) at the same moment. Nothing was changed.
var ErrSeqTaken = errors.New("the pool already has a key with this sequence number")

// Store keeps keys. Every method is scoped to one pool except ListKeyPools.
type Store interface {
	// InsertKey inserts k and, in the same transaction, sets RetireAt and DeleteAfter of the
	// keys in retire (matched by PoolID and ID). The pair (PoolID, Seq) is unique: when it is
	// taken the store returns ErrSeqTaken and changes nothing. This is what makes concurrent
	// rotations and concurrent first keys of a pool end with one key.
	InsertKey(ctx context.Context, k Key, retire []Key) error
	// ListKeys returns the pool's keys ordered by Seq; none is not an error.
	ListKeys(ctx context.Context, poolID string) ([]Key, error)
	// UpdateKeyTimes sets ActiveFrom, RetireAt and DeleteAfter of the given keys of the pool,
	// in one transaction.
	UpdateKeyTimes(ctx context.Context, poolID string, keys []Key) error
	// DeleteKeys removes the given keys of the pool; ids that do not exist are ignored.
	DeleteKeys(ctx context.Context, poolID string, ids []string) error
	// ListKeyPools returns the ids of the pools that have at least one key.
	ListKeyPools(ctx context.Context) ([]string, error)
}

// sealPurpose binds a sealed private key to its pool and kid, so a row copied to another pool
// or key cannot be opened there.
func sealPurpose(poolID, kid string) string { return "signing-key/" + poolID + "/" + kid }

// newKeyID returns a random URL-safe kid.
func newKeyID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// generate makes a new key pair for the pool, seals the private key and fills the Key's
// identity and key material; the caller sets the times.
func generate(sealer *seal.Sealer, poolID string, alg jose.SignatureAlgorithm) (Key, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaBits)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return Key{}, errs.New(errs.InvalidParameter, "unsupported signing algorithm %q: use RS256 or ES256", alg)
	}
	if err != nil {
		return Key{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Key{}, fmt.Errorf("encode %s key: %w", alg, err)
	}
	kid := newKeyID()
	pub, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: string(alg), Use: "sig"})
	if err != nil {
		return Key{}, fmt.Errorf("encode %s public key: %w", alg, err)
	}
	return Key{
		ID:               kid,
		PoolID:           poolID,
		Algorithm:        alg,
		SealedPrivateKey: sealer.Seal(sealPurpose(poolID, kid), der),
		PublicJWK:        string(pub),
	}, nil
}

// SigningKey is a pool's decrypted private key. It satisfies zitadel/oidc's op.SigningKey
// (SignatureAlgorithm, Key, ID) without this package importing op.
type SigningKey struct {
	id     string
	alg    jose.SignatureAlgorithm
	key    crypto.Signer
	signer jose.Signer
}

// ID is the key's kid.
func (k *SigningKey) ID() string { return k.id }

// SignatureAlgorithm is RS256 or ES256.
func (k *SigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }

// Key returns the private key (*rsa.PrivateKey or *ecdsa.PrivateKey).
func (k *SigningKey) Key() any { return k.key }

// Signer returns a JWS signer for this key that sets the "kid" and "typ: JWT" headers. It is
// built once and safe for concurrent use.
func (k *SigningKey) Signer() jose.Signer { return k.signer }

// open decrypts a stored key into a SigningKey.
func open(sealer *seal.Sealer, k Key) (*SigningKey, error) {
	der, err := sealer.Open(sealPurpose(k.PoolID, k.ID), k.SealedPrivateKey)
	if err != nil {
		return nil, fmt.Errorf("open signing key %s of pool %s: %w", k.ID, k.PoolID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s of pool %s: %w", k.ID, k.PoolID, err)
	}
	priv, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("signing key %s of pool %s: unexpected key type %T", k.ID, k.PoolID, parsed)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: k.Algorithm, Key: jose.JSONWebKey{Key: priv, KeyID: k.ID}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("signer for key %s of pool %s: %w", k.ID, k.PoolID, err)
	}
	return &SigningKey{id: k.ID, alg: k.Algorithm, key: priv, signer: signer}, nil
}

// publicKey parses a stored public JWK.
func publicKey(k Key) (jose.JSONWebKey, error) {
	var jwk jose.JSONWebKey
	if err := json.Unmarshal([]byte(k.PublicJWK), &jwk); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("parse public key %s of pool %s: %w", k.ID, k.PoolID, err)
	}
	return jwk, nil
}
