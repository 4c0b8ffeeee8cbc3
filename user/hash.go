package user

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Default argon2id parameters: OWASP's minimum recommendation.
const (
	DefaultMemory      = 19456 // KiB
	DefaultIterations  = 2
	DefaultParallelism = 1

	// Limits on the parameters Verify accepts, so a corrupt or hostile stored hash cannot
	// make one verification take gigabytes or minutes.
	maxMemory     = 1 << 20 // KiB (1 GiB)
	maxIterations = 64

	saltLength = 16
	keyLength  = 32
)

// Hasher hashes passwords with argon2id (PHC strings) and verifies argon2id and bcrypt hashes.
// It caps the hashes in flight near the core count, since each holds Memory KiB.
type Hasher struct {
	Memory      uint32 // KiB; at least 19456 (OWASP)
	Iterations  uint32 // at least 2
	Parallelism uint8

	once sync.Once
	sem  chan struct{}
}

// NewHasher returns a Hasher with the given argon2id parameters, refusing any below OWASP's
// minimum (m=19456 KiB, t=2, p=1).
func NewHasher(memoryKiB, iterations uint32, parallelism uint8) (*Hasher, error) {
	if memoryKiB < DefaultMemory || iterations < DefaultIterations || parallelism < DefaultParallelism {
		return nil, fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d are below the minimum m=%d,t=%d,p=%d",
			memoryKiB, iterations, parallelism, DefaultMemory, DefaultIterations, DefaultParallelism)
	}
	return &Hasher{Memory: memoryKiB, Iterations: iterations, Parallelism: parallelism}, nil
}

// DefaultHasher returns a Hasher with the default parameters.
func DefaultHasher() *Hasher {
	return &Hasher{Memory: DefaultMemory, Iterations: DefaultIterations, Parallelism: DefaultParallelism}
}

// acquire waits for a free hashing slot and returns its release.
func (h *Hasher) acquire() func() {
	h.once.Do(func() { h.sem = make(chan struct{}, runtime.NumCPU()) })
	h.sem <- struct{}{}
	return func() { <-h.sem }
}

var b64 = base64.RawStdEncoding

// Hash returns the argon2id PHC string of password. The whole password is hashed, whatever
// its length: nothing is truncated.
func (h *Hasher) Hash(password string) (string, error) {
	if h.Memory == 0 || h.Iterations == 0 || h.Parallelism == 0 {
		return "", errors.New("hash password: the Hasher has no parameters; use NewHasher or DefaultHasher")
	}
	salt := make([]byte, saltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	release := h.acquire()
	key := argon2.IDKey([]byte(password), salt, h.Iterations, h.Memory, h.Parallelism, keyLength)
	release()
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Iterations, h.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrUnknownHash is returned by Verify for a hash it cannot read.
var ErrUnknownHash = errors.New("unknown password hash format")

// Verify checks password against an argon2id or bcrypt ($2a$, $2b$, $2y$) hash. rehash reports
// that the hash should be replaced by Hash(password) after a successful check: it is bcrypt, or
// argon2id with parameters below the Hasher's.
func (h *Hasher) Verify(hash, password string) (ok, rehash bool, err error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return h.verifyArgon2(hash, password)
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		// bcrypt only reads the first 72 bytes of a password; that is how the imported hash
		// was made, so it is also how it must be checked. The argon2id rehash then covers the
		// whole password.
		release := h.acquire()
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		release()
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, false, nil
		default:
			return false, false, fmt.Errorf("verify bcrypt hash: %w", err)
		}
	}
	return false, false, ErrUnknownHash
}

func (h *Hasher) verifyArgon2(hash, password string) (ok, rehash bool, err error) {
	// $argon2id$v=19$m=19456,t=2,p=1$salt$key
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return false, false, ErrUnknownHash
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, fmt.Errorf("argon2id version %q: %w", parts[2], ErrUnknownHash)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > maxMemory || t > maxIterations {
		return false, false, fmt.Errorf("argon2id parameters %q: %w", parts[3], ErrUnknownHash)
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false, false, fmt.Errorf("argon2id salt or key: %w", ErrUnknownHash)
	}
	release := h.acquire()
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	release()
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, m < h.Memory || t < h.Iterations || p < h.Parallelism, nil
}
