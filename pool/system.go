package pool

import (
	"context"
	"fmt"
	"strings"

	"github.com/userpool/userpool/errs"
)

// SystemPoolSuffix ends the id of the system pool, "{region}_system000": the pool whose users
// are the admin console's operators. Random pool ids never take it (CreatePool refuses the one
// draw in 62^9 that would). The system pool is left out of ListPools and cannot be deleted.
const SystemPoolSuffix = "system000"

// IsSystemPool reports whether id is a system pool's id.
func IsSystemPool(id string) bool { return strings.HasSuffix(id, "_"+SystemPoolSuffix) }

// SystemPoolID is the id of this server's system pool.
func (s *Service) SystemPoolID() string { return s.region + "_" + SystemPoolSuffix }

// EnsureSystemPool returns the system pool, creating it from in when it does not exist yet
// (created reports that). Two processes starting at once end with one pool.
func (s *Service) EnsureSystemPool(ctx context.Context, in *Pool) (p *Pool, created bool, err error) {
	id := s.SystemPoolID()
	if p, err = s.store.GetPool(ctx, id); err == nil {
		return p, false, nil
	} else if !errs.Is(err, errs.ResourceNotFound) {
		return nil, false, fmt.Errorf("system pool: %w", err)
	}
	p, err = s.createPool(ctx, in, id, nil)
	if err != nil {
		// Another process may have created it meanwhile.
		if existing, gerr := s.store.GetPool(ctx, id); gerr == nil {
			return existing, false, nil
		}
		return nil, false, fmt.Errorf("system pool: %w", err)
	}
	return p, true, nil
}

// RegenerateClientSecret gives a confidential app client a new secret (beyond Cognito, where
// a secret never changes): the old one stops working at once.
func (s *Service) RegenerateClientSecret(ctx context.Context, poolID, clientID string) (*Client, error) {
	c, err := s.GetClient(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret == "" {
		return nil, errs.New(errs.InvalidParameter, "The app client %s is public (it has no secret).", clientID)
	}
	if c.ClientSecret, err = randomString(lowerAlnum, ClientSecretLength); err != nil {
		return nil, fmt.Errorf("regenerate client secret: %w", err)
	}
	if err := s.store.SetClientSecret(ctx, poolID, clientID, c.ClientSecret); err != nil {
		return nil, fmt.Errorf("regenerate client secret: %w", err)
	}
	return c, nil
}
