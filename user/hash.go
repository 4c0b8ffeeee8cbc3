package user

// Hasher hashes passwords with argon2id (PHC strings) and verifies argon2id and bcrypt hashes.
// It caps the hashes in flight near the core count, since each holds Memory KiB.
type Hasher struct {
	Memory      uint32 // KiB; at least 19456 (OWASP)
	Iterations  uint32 // at least 2
	Parallelism uint8
}
