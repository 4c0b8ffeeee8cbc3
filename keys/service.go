package keys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/seal"
)

// Defaults for Config's zero values.
const (
	DefaultPrePublication   = time.Hour
	DefaultRotationInterval = 90 * 24 * time.Hour
	DefaultMaxTokenLifetime = 24 * time.Hour // Cognito's longest ID/access token validity
	DefaultCacheTTL         = 30 * time.Second
)

// Config tunes the Service. Zero values take the defaults above.
type Config struct {
	// Algorithm for a pool's first key when the caller does not name one: RS256 by default.
	Algorithm jose.SignatureAlgorithm
	// PrePublication is how long a next key is in the JWKS before it signs. It must be longer
	// than CacheTTL, so that every process publishes the key before any signs with it.
	PrePublication time.Duration
	// RotationInterval is how long a key signs before Maintain schedules the next one.
	// Negative: never rotate on schedule (Rotate still works).
	RotationInterval time.Duration
	// MaxTokenLifetime is the longest lifetime of a token signed by these keys; a retired key
	// stays published that long after it stops signing.
	MaxTokenLifetime time.Duration
	// CacheTTL is how long a process trusts its in-memory copy of a pool's keys. A rotation
	// made by another process becomes visible here within this time.
	CacheTTL time.Duration
	// Now is the clock; time.Now by default (tests inject their own).
	Now func() time.Time
}

func (c *Config) defaults() error {
	if c.Algorithm == "" {
		c.Algorithm = RS256
	}
	if !ValidAlgorithm(c.Algorithm) {
		return fmt.Errorf("keys config: unsupported algorithm %q: use RS256 or ES256", c.Algorithm)
	}
	if c.PrePublication == 0 {
		c.PrePublication = DefaultPrePublication
	}
	if c.RotationInterval == 0 {
		c.RotationInterval = DefaultRotationInterval
	}
	if c.MaxTokenLifetime == 0 {
		c.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.CacheTTL < 0 || c.MaxTokenLifetime < 0 || c.PrePublication < 0:
		return errors.New("keys config: durations must not be negative")
	case c.PrePublication <= c.CacheTTL:
		return fmt.Errorf("keys config: pre-publication period %s must be longer than the cache TTL %s", c.PrePublication, c.CacheTTL)
	case c.RotationInterval > 0 && c.RotationInterval <= c.PrePublication:
		return fmt.Errorf("keys config: rotation interval %s must be longer than the pre-publication period %s", c.RotationInterval, c.PrePublication)
	}
	return nil
}

// Service manages the pools' keys on top of a Store. All state is in the Store; the Service
// only caches it for CacheTTL, so any number of processes on one database sign with the same
// key and publish the same JWKS. Private keys are decrypted once per process, not per request.
type Service struct {
	store  Store
	sealer *seal.Sealer
	cfg    Config

	mu      sync.RWMutex
	pools   map[string]*poolKeys              // by pool id
	signers map[string]map[string]*SigningKey // by pool id, then kid
	loads   singleflight.Group
}

// poolKeys is the cached copy of one pool's keys.
type poolKeys struct {
	loaded time.Time
	keys   []Key             // ordered by Seq
	public []jose.JSONWebKey // public[i] is keys[i]'s public key
}

// New returns a Service.
func New(store Store, sealer *seal.Sealer, cfg Config) (*Service, error) {
	if store == nil || sealer == nil {
		return nil, errors.New("keys: store and sealer are required")
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Service{
		store:   store,
		sealer:  sealer,
		cfg:     cfg,
		pools:   map[string]*poolKeys{},
		signers: map[string]map[string]*SigningKey{},
	}, nil
}

// JWKSCacheControl is the Cache-Control value for JWKS responses. A relying party that caches
// the JWKS this long still fetches a next key before it signs: the max-age is half of what is
// left of the pre-publication period once every process has seen the key (CacheTTL).
func (s *Service) JWKSCacheControl() string {
	maxAge := (s.cfg.PrePublication - s.cfg.CacheTTL) / 2
	return fmt.Sprintf("public, max-age=%d", int64(maxAge/time.Second))
}

// SigningKey returns the key the pool signs with now. A pool without a usable key gets one
// (of the configured default algorithm), race-free across processes.
func (s *Service) SigningKey(ctx context.Context, poolID string) (*SigningKey, error) {
	pk, err := s.load(ctx, poolID, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	k, ok := current(pk.keys, now)
	if !ok {
		if err := s.EnsureKey(ctx, poolID, ""); err != nil {
			return nil, err
		}
		if pk, err = s.load(ctx, poolID, true); err != nil {
			return nil, err
		}
		now = s.now() // the new key is active from its creation, after the first now
		if k, ok = current(pk.keys, now); !ok {
			return nil, fmt.Errorf("pool %s has no signing key after creating one", poolID)
		}
	}
	return s.signer(poolID, k)
}

// signer returns the decrypted key k, decrypting it on first use.
func (s *Service) signer(poolID string, k Key) (*SigningKey, error) {
	s.mu.RLock()
	sk := s.signers[poolID][k.ID]
	s.mu.RUnlock()
	if sk != nil {
		return sk, nil
	}
	sk, err := open(s.sealer, k)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.signers[poolID] == nil {
		s.signers[poolID] = map[string]*SigningKey{}
	}
	s.signers[poolID][k.ID] = sk
	s.mu.Unlock()
	return sk, nil
}

// PublicKeys returns the pool's JWKS keys: the next key (once published), the signing key and
// the retired keys whose tokens may still be valid. A pool without keys has none.
func (s *Service) PublicKeys(ctx context.Context, poolID string) ([]jose.JSONWebKey, error) {
	pk, err := s.load(ctx, poolID, false)
	if err != nil {
		return nil, err
	}
	return pk.published(s.now()), nil
}

// PublicKey returns the pool's published key with this kid. An unknown kid makes one reload
// from the store (at most once a second per pool), so a key that another process has just
// promoted is found without waiting for the cache TTL.
func (s *Service) PublicKey(ctx context.Context, poolID, kid string) (jose.JSONWebKey, bool, error) {
	pk, err := s.load(ctx, poolID, false)
	if err != nil {
		return jose.JSONWebKey{}, false, err
	}
	now := s.now()
	if jwk, ok := pk.find(kid, now); ok {
		return jwk, true, nil
	}
	if now.Sub(pk.loaded) < time.Second {
		return jose.JSONWebKey{}, false, nil
	}
	if pk, err = s.load(ctx, poolID, true); err != nil {
		return jose.JSONWebKey{}, false, err
	}
	jwk, ok := pk.find(kid, now)
	return jwk, ok, nil
}

// Keys returns the pool's keys as stored, bypassing the cache (for the CLI and admin pages).
func (s *Service) Keys(ctx context.Context, poolID string) ([]Key, error) {
	if poolID == "" {
		return nil, errs.New(errs.InvalidParameter, "pool id is required")
	}
	keys, err := s.store.ListKeys(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("list keys of pool %s: %w", poolID, err)
	}
	return keys, nil
}

// EnsureKey gives the pool a signing key, active immediately, unless it already has one that
// signs or is about to. alg "" means the configured default. Two processes calling it at once
// create one key. Call it when a pool is created so its JWKS is never empty.
func (s *Service) EnsureKey(ctx context.Context, poolID string, alg jose.SignatureAlgorithm) error {
	if poolID == "" {
		return errs.New(errs.InvalidParameter, "pool id is required")
	}
	if alg == "" {
		alg = s.cfg.Algorithm
	}
	if !ValidAlgorithm(alg) {
		return errs.New(errs.InvalidParameter, "unsupported signing algorithm %q: use RS256 or ES256", alg)
	}
	keys, err := s.store.ListKeys(ctx, poolID)
	if err != nil {
		return fmt.Errorf("ensure key of pool %s: %w", poolID, err)
	}
	now := s.now()
	if _, ok := current(keys, now); ok {
		return nil
	}
	if _, ok := pending(keys, now); ok {
		return nil
	}
	k, err := generate(s.sealer, poolID, alg)
	if err != nil {
		return fmt.Errorf("ensure key of pool %s: %w", poolID, err)
	}
	k.Seq = nextSeq(keys)
	k.CreatedAt, k.PublishFrom, k.ActiveFrom = now, now, now
	err = s.store.InsertKey(ctx, k, nil)
	s.forget(poolID)
	if errors.Is(err, ErrSeqTaken) {
		return nil // another process created it at the same moment
	}
	if err != nil {
		return fmt.Errorf("ensure key of pool %s: %w", poolID, err)
	}
	slog.InfoContext(ctx, "signing key created", "pool", poolID, "kid", k.ID, "alg", string(alg))
	return nil
}

// Rotate rotates the pool's key on demand and returns the key that signs next:
//   - with no next key yet, it creates one (alg "" keeps the current key's algorithm): published
//     now, signing after the pre-publication period, when the current key retires;
//   - with a next key already published (a scheduled or earlier rotation), it promotes that key
//     to sign now and retires the current key now. This is the emergency path (a leaked key):
//     relying parties that fetched the JWKS before the next key was published may have to
//     refetch it. alg is ignored then: the next key keeps the algorithm it was made with;
//   - a pool without keys gets its first key, active now.
//
// Retired keys stay in the JWKS for MaxTokenLifetime (+ CacheTTL) after they stop signing.
func (s *Service) Rotate(ctx context.Context, poolID string, alg jose.SignatureAlgorithm) (Key, error) {
	if poolID == "" {
		return Key{}, errs.New(errs.InvalidParameter, "pool id is required")
	}
	if alg != "" && !ValidAlgorithm(alg) {
		return Key{}, errs.New(errs.InvalidParameter, "unsupported signing algorithm %q: use RS256 or ES256", alg)
	}
	defer s.forget(poolID)
	keys, err := s.store.ListKeys(ctx, poolID)
	if err != nil {
		return Key{}, fmt.Errorf("rotate key of pool %s: %w", poolID, err)
	}
	now := s.now()
	cur, hasCur := current(keys, now)
	if next, ok := pending(keys, now); ok {
		next.ActiveFrom = now
		update := []Key{next}
		if hasCur {
			update = append(update, s.retired(cur, now))
		}
		if err := s.store.UpdateKeyTimes(ctx, poolID, update); err != nil {
			return Key{}, fmt.Errorf("rotate key of pool %s: promote %s: %w", poolID, next.ID, err)
		}
		slog.InfoContext(ctx, "signing key promoted", "pool", poolID, "kid", next.ID, "retired", cur.ID)
		return next, nil
	}
	if alg == "" {
		alg = s.cfg.Algorithm
		if hasCur {
			alg = cur.Algorithm
		}
	}
	k, err := generate(s.sealer, poolID, alg)
	if err != nil {
		return Key{}, fmt.Errorf("rotate key of pool %s: %w", poolID, err)
	}
	k.Seq = nextSeq(keys)
	k.CreatedAt, k.PublishFrom, k.ActiveFrom = now, now, now
	var retire []Key
	if hasCur {
		k.ActiveFrom = now.Add(s.cfg.PrePublication)
		retire = []Key{s.retired(cur, k.ActiveFrom)}
	}
	if err := s.store.InsertKey(ctx, k, retire); err != nil {
		if errors.Is(err, ErrSeqTaken) {
			return Key{}, errs.Wrap(errs.ConcurrentModification, err, "the pool's keys were rotated at the same moment; try again")
		}
		return Key{}, fmt.Errorf("rotate key of pool %s: %w", poolID, err)
	}
	slog.InfoContext(ctx, "signing key rotated", "pool", poolID, "kid", k.ID, "alg", string(alg), "active_from", k.ActiveFrom)
	return k, nil
}

// retired returns k set to stop signing at t and to leave the JWKS once every token it may
// have signed has expired. CacheTTL is added because a process may sign with its cached copy
// of k for up to that long after t (only after an on-demand promotion it had not seen yet).
func (s *Service) retired(k Key, t time.Time) Key {
	k.RetireAt = t
	k.DeleteAfter = t.Add(s.cfg.MaxTokenLifetime + s.cfg.CacheTTL)
	return k
}

// Maintain does the scheduled work for every pool: it creates the next key when the current one
// is due for rotation (RotationInterval after it began signing, published PrePublication
// earlier) and deletes keys past DeleteAfter. Promotion needs no work: a next key signs from its
// ActiveFrom on. Every process may call Maintain (on a ticker, say every minute); concurrent
// calls create one next key. Errors of one pool do not stop the others.
func (s *Service) Maintain(ctx context.Context) error {
	pools, err := s.store.ListKeyPools(ctx)
	if err != nil {
		return fmt.Errorf("maintain keys: %w", err)
	}
	var all []error
	for _, poolID := range pools {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.maintainPool(ctx, poolID); err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

func (s *Service) maintainPool(ctx context.Context, poolID string) error {
	keys, err := s.store.ListKeys(ctx, poolID)
	if err != nil {
		return fmt.Errorf("maintain keys of pool %s: %w", poolID, err)
	}
	now := s.now()
	var expired []string
	for _, k := range keys {
		if !k.DeleteAfter.IsZero() && !now.Before(k.DeleteAfter) {
			expired = append(expired, k.ID)
		}
	}
	if len(expired) > 0 {
		if err := s.store.DeleteKeys(ctx, poolID, expired); err != nil {
			return fmt.Errorf("maintain keys of pool %s: delete expired: %w", poolID, err)
		}
		s.forget(poolID)
		slog.InfoContext(ctx, "signing keys deleted", "pool", poolID, "kids", expired)
	}
	if s.cfg.RotationInterval < 0 {
		return nil
	}
	cur, ok := current(keys, now)
	if !ok || !cur.RetireAt.IsZero() {
		return nil // no key yet (SigningKey creates it) or a next key is already scheduled
	}
	if _, ok := pending(keys, now); ok {
		return nil
	}
	activeFrom := cur.ActiveFrom.Add(s.cfg.RotationInterval)
	if now.Before(activeFrom.Add(-s.cfg.PrePublication)) {
		return nil
	}
	if earliest := now.Add(s.cfg.PrePublication); activeFrom.Before(earliest) {
		activeFrom = earliest // overdue (no Maintain ran for a while): still pre-publish fully
	}
	k, err := generate(s.sealer, poolID, cur.Algorithm)
	if err != nil {
		return fmt.Errorf("maintain keys of pool %s: %w", poolID, err)
	}
	k.Seq = nextSeq(keys)
	k.CreatedAt, k.PublishFrom, k.ActiveFrom = now, now, activeFrom
	err = s.store.InsertKey(ctx, k, []Key{s.retired(cur, activeFrom)})
	s.forget(poolID)
	if errors.Is(err, ErrSeqTaken) {
		return nil // another process scheduled it
	}
	if err != nil {
		return fmt.Errorf("maintain keys of pool %s: schedule next key: %w", poolID, err)
	}
	slog.InfoContext(ctx, "signing key scheduled", "pool", poolID, "kid", k.ID, "active_from", activeFrom)
	return nil
}

// load returns the cached keys of the pool, reading them from the store when the copy is
// older than CacheTTL (or when force is set). Concurrent loads of one pool share one read.
func (s *Service) load(ctx context.Context, poolID string, force bool) (*poolKeys, error) {
	if poolID == "" {
		return nil, errs.New(errs.InvalidParameter, "pool id is required")
	}
	now := s.now()
	if !force {
		s.mu.RLock()
		pk := s.pools[poolID]
		s.mu.RUnlock()
		if pk != nil && now.Sub(pk.loaded) < s.cfg.CacheTTL && !now.Before(pk.loaded) {
			return pk, nil
		}
	}
	v, err, _ := s.loads.Do(poolID, func() (any, error) {
		keys, err := s.store.ListKeys(ctx, poolID)
		if err != nil {
			return nil, fmt.Errorf("load keys of pool %s: %w", poolID, err)
		}
		pk := &poolKeys{loaded: now, keys: keys, public: make([]jose.JSONWebKey, len(keys))}
		present := map[string]bool{}
		for i, k := range keys {
			if pk.public[i], err = publicKey(k); err != nil {
				return nil, err
			}
			present[k.ID] = true
		}
		s.mu.Lock()
		s.pools[poolID] = pk
		for kid := range s.signers[poolID] {
			if !present[kid] {
				delete(s.signers[poolID], kid)
			}
		}
		s.mu.Unlock()
		return pk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*poolKeys), nil
}

// forget drops the pool's cached keys after this process changed them.
func (s *Service) forget(poolID string) {
	s.mu.Lock()
	delete(s.pools, poolID)
	s.mu.Unlock()
}

func (pk *poolKeys) published(t time.Time) []jose.JSONWebKey {
	out := make([]jose.JSONWebKey, 0, len(pk.keys))
	for i, k := range pk.keys {
		if k.Published(t) {
			out = append(out, pk.public[i])
		}
	}
	return out
}

func (pk *poolKeys) find(kid string, t time.Time) (jose.JSONWebKey, bool) {
	for i, k := range pk.keys {
		if k.ID == kid && k.Published(t) {
			return pk.public[i], true
		}
	}
	return jose.JSONWebKey{}, false
}

// current returns the key that signs at t: the active key with the highest Seq.
func current(keys []Key, t time.Time) (Key, bool) {
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Active(t) {
			return keys[i], true
		}
	}
	return Key{}, false
}

// pending returns the next key that does not sign yet at t, if there is one.
func pending(keys []Key, t time.Time) (Key, bool) {
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Pending(t) {
			return keys[i], true
		}
	}
	return Key{}, false
}

func nextSeq(keys []Key) int64 {
	var max int64
	for _, k := range keys {
		if k.Seq > max {
			max = k.Seq
		}
	}
	return max + 1
}

// now is the clock in UTC at microsecond precision, what both databases store, so a key's
// times read back equal to what was written.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }
