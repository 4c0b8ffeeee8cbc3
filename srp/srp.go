// Package srp implements the server side of Cognito's SRP-6a sign-in (USER_SRP_AUTH) exactly
// as amazon-cognito-identity-js and the AWS SDKs compute it: RFC 3526's 3072-bit group with
// g = 2, SHA-256, Java-BigInteger-style hex padding of every hashed integer, the HKDF
// "Caldera Derived Key" step and the PASSWORD_CLAIM_SIGNATURE over the pool name, the user's
// SRP id, the secret block and a timestamp.
//
// The server never needs the password: it keeps a salt and a verifier v = g^x per user
// (NewVerifier, at every password set) and proves the client knows x.
package srp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// nHex is the 3072-bit MODP prime of RFC 3526 (section 4), as amazon-cognito-identity-js has it.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	// N is the group's prime and G its generator.
	N, _ = new(big.Int).SetString(nHex, 16)
	G    = big.NewInt(2)
	// K is the SRP-6a multiplier H(pad(N) ‖ pad(g)).
	K = HashInts(N, G)
)

const (
	// SaltSize is the length of a new salt in bytes (Cognito's salts are 16 bytes too).
	SaltSize = 16
	// secretBlockSize is the length of the random SECRET_BLOCK the server hands out.
	secretBlockSize = 64
	// hkdfInfo is the HKDF info string of Cognito's key derivation.
	hkdfInfo = "Caldera Derived Key"
)

// Errors of a sign-in attempt. The edge maps all of them to "Incorrect username or password."
var (
	ErrBadA         = errors.New("srp: illegal SRP_A")
	ErrBadSignature = errors.New("srp: password claim signature mismatch")
	ErrBadBlock     = errors.New("srp: secret block mismatch")
	ErrBadTimestamp = errors.New("srp: malformed TIMESTAMP")
)

// PoolName is the pool name the SRP math uses: the part of the pool ID after the "_", as
// amazon-cognito-identity-js derives it (CognitoUserPool.getUserPoolName).
func PoolName(poolID string) string {
	if i := strings.IndexByte(poolID, '_'); i >= 0 {
		return poolID[i+1:]
	}
	return poolID
}

// PadHex is the JS SDK's padHex for a non-negative integer: lowercase hex of even length with
// a "00" prefix when the first nibble has its high bit set (Java BigInteger.toByteArray).
func PadHex(x *big.Int) string {
	h := x.Text(16)
	if len(h)%2 == 1 {
		h = "0" + h
	}
	if strings.IndexByte("89abcdef", h[0]) >= 0 {
		h = "00" + h
	}
	return h
}

// padBytes is the byte string PadHex describes.
func padBytes(x *big.Int) []byte {
	b, _ := hex.DecodeString(PadHex(x))
	return b
}

// HashInts is H(pad(a) ‖ pad(b) ‖ …) as an integer: how k and u are derived.
func HashInts(xs ...*big.Int) *big.Int {
	h := sha256.New()
	for _, x := range xs {
		h.Write(padBytes(x))
	}
	return new(big.Int).SetBytes(h.Sum(nil))
}

// X is the private value x = H(pad(salt) ‖ H(poolName ‖ userID ‖ ":" ‖ password)).
// The salt is taken as the integer its bytes spell, as the client parses SALT.
func X(poolName, userID, password string, salt []byte) *big.Int {
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	h := sha256.New()
	h.Write(padBytes(new(big.Int).SetBytes(salt)))
	h.Write(inner[:])
	return new(big.Int).SetBytes(h.Sum(nil))
}

// NewVerifier makes a fresh random salt and the verifier g^x mod N for a password. Both are
// big-endian bytes; the verifier allows an offline guess of the password, so callers store it
// sealed.
func NewVerifier(poolName, userID, password string) (salt, verifier []byte, err error) {
	salt = make([]byte, SaltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, fmt.Errorf("srp salt: %w", err)
	}
	return salt, Verifier(poolName, userID, password, salt), nil
}

// Verifier computes g^x mod N for a given salt.
func Verifier(poolName, userID, password string, salt []byte) []byte {
	return new(big.Int).Exp(G, X(poolName, userID, password, salt), N).Bytes()
}

// DeriveKey is Cognito's HKDF-SHA256 step: PRK = HMAC(pad(u), pad(S)), key = the first 16
// bytes of HMAC(PRK, "Caldera Derived Key" ‖ 0x01).
func DeriveKey(s, u *big.Int) []byte {
	ext := hmac.New(sha256.New, padBytes(u))
	ext.Write(padBytes(s))
	prk := ext.Sum(nil)
	exp := hmac.New(sha256.New, prk)
	exp.Write([]byte(hkdfInfo))
	exp.Write([]byte{1})
	return exp.Sum(nil)[:16]
}

// Signature is the PASSWORD_CLAIM_SIGNATURE (raw bytes) for a derived key.
func Signature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// Timestamp formats t as the clients do: "Mon Jan 2 15:04:05 UTC 2006" in UTC, the day of the
// month not zero padded.
func Timestamp(t time.Time) string {
	return t.UTC().Format("Mon Jan 2 15:04:05 UTC 2006")
}

// ParseTimestamp reads a TIMESTAMP. It also takes a zero-padded day, which some SDKs send.
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{"Mon Jan 2 15:04:05 UTC 2006", "Mon Jan 02 15:04:05 UTC 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrBadTimestamp
}
