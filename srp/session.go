package srp

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
)

// maxAHexLen bounds SRP_A: a value mod N has at most 768 hex digits; leading zeros are allowed
// but not without limit.
const maxAHexLen = 1024

// Session is the server's half of one SRP exchange, from InitiateAuth (Start) to the
// PASSWORD_VERIFIER answer (Verify). Between the two it is kept server-side (MarshalBinary;
// it holds the secret b, so store it sealed).
type Session struct {
	a, b, bigB, v *big.Int
	salt          []byte
	secretBlock   []byte
}

// Start begins an exchange for a user with the given salt and verifier and the client's
// SRP_A (hex). It refuses an A that is not hex or is 0 mod N.
func Start(salt, verifier []byte, srpA string) (*Session, error) {
	a, err := parseA(srpA)
	if err != nil {
		return nil, err
	}
	if len(salt) == 0 || len(verifier) == 0 {
		return nil, fmt.Errorf("srp start: empty salt or verifier")
	}
	v := new(big.Int).SetBytes(verifier)
	s := &Session{a: a, v: v, salt: append([]byte(nil), salt...)}
	for {
		// b is 256 random bytes, so g^b hides v; retry on the negligible chance that B or u is 0.
		bb := make([]byte, 256)
		if _, err := rand.Read(bb); err != nil {
			return nil, fmt.Errorf("srp start: %w", err)
		}
		s.b = new(big.Int).Mod(new(big.Int).SetBytes(bb), N)
		gb := new(big.Int).Exp(G, s.b, N)
		s.bigB = new(big.Int).Mod(new(big.Int).Add(new(big.Int).Mul(K, v), gb), N)
		if s.bigB.Sign() != 0 && HashInts(s.a, s.bigB).Sign() != 0 {
			break
		}
	}
	s.secretBlock = make([]byte, secretBlockSize)
	if _, err := rand.Read(s.secretBlock); err != nil {
		return nil, fmt.Errorf("srp start: %w", err)
	}
	return s, nil
}

func parseA(srpA string) (*big.Int, error) {
	if srpA == "" || len(srpA) > maxAHexLen {
		return nil, ErrBadA
	}
	a, ok := new(big.Int).SetString(srpA, 16)
	if !ok || a.Sign() <= 0 || new(big.Int).Mod(a, N).Sign() == 0 {
		return nil, ErrBadA
	}
	return a, nil
}

// Salt is the SALT challenge parameter (hex).
func (s *Session) Salt() string { return hex.EncodeToString(s.salt) }

// B is the SRP_B challenge parameter (hex).
func (s *Session) B() string { return s.bigB.Text(16) }

// SecretBlock is the SECRET_BLOCK challenge parameter (base64).
func (s *Session) SecretBlock() string { return base64.StdEncoding.EncodeToString(s.secretBlock) }

// Verify checks the client's PASSWORD_VERIFIER answer: the secret block it echoes must be the
// one handed out, and the signature must be the one a client knowing the password computes for
// this timestamp. It does not judge the timestamp's age; the caller's session expiry does.
func (s *Session) Verify(poolName, userID, secretBlockB64, timestamp, signatureB64 string) error {
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil || !hmac.Equal(block, s.secretBlock) {
		return ErrBadBlock
	}
	if _, err := ParseTimestamp(timestamp); err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(signatureB64)
	if err != nil {
		return ErrBadSignature
	}
	u := HashInts(s.a, s.bigB)
	// S = (A · v^u)^b mod N
	base := new(big.Int).Mod(new(big.Int).Mul(s.a, new(big.Int).Exp(s.v, u, N)), N)
	key := DeriveKey(new(big.Int).Exp(base, s.b, N), u)
	if !hmac.Equal(sig, Signature(key, poolName, userID, s.secretBlock, timestamp)) {
		return ErrBadSignature
	}
	return nil
}

// wireSession is the stored form of a Session.
type wireSession struct {
	A, Bs, B, V  string // hex
	Salt, Secret []byte
}

// MarshalBinary encodes the session for server-side storage.
func (s *Session) MarshalBinary() ([]byte, error) {
	return json.Marshal(wireSession{
		A: s.a.Text(16), Bs: s.b.Text(16), B: s.bigB.Text(16), V: s.v.Text(16),
		Salt: s.salt, Secret: s.secretBlock,
	})
}

// UnmarshalBinary restores a session encoded by MarshalBinary.
func (s *Session) UnmarshalBinary(data []byte) error {
	var w wireSession
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("srp session: %w", err)
	}
	ints := make([]*big.Int, 4)
	for i, h := range []string{w.A, w.Bs, w.B, w.V} {
		x, ok := new(big.Int).SetString(h, 16)
		if !ok {
			return fmt.Errorf("srp session: malformed number")
		}
		ints[i] = x
	}
	if len(w.Salt) == 0 || len(w.Secret) == 0 {
		return fmt.Errorf("srp session: missing salt or secret block")
	}
	*s = Session{a: ints[0], b: ints[1], bigB: ints[2], v: ints[3], salt: w.Salt, secretBlock: w.Secret}
	return nil
}
