package pool

import (
	"context"
	"time"
)

// Service is the one place where pool rules live: defaults, validation, id generation and the
// in-memory cache of pools and clients. Every surface goes through it.
type Service struct {
	store  Store
	region string
	now    func() time.Time
}

// NewService returns a Service whose pool ids start with region.
func NewService(store Store, region string) *Service {
	return &Service{store: store, region: region, now: time.Now}
}

// CreatePool validates in, fills Cognito's defaults (and Userpool's: case-insensitive
// usernames), generates the id and stores the pool.
func (s *Service) CreatePool(ctx context.Context, in *Pool) (*Pool, error) { panic("unimplemented") }

// GetPool returns a pool by id (errs.ResourceNotFound if absent).
func (s *Service) GetPool(ctx context.Context, id string) (*Pool, error) { panic("unimplemented") }

// UpdatePool replaces the mutable settings of the pool in.Id. Unlike Cognito it may also change
// AliasAttributes and which attributes are required (see Store.UpdatePool).
func (s *Service) UpdatePool(ctx context.Context, in *Pool) (*Pool, error) { panic("unimplemented") }

// DeletePool deletes a pool unless DeletionProtection is ACTIVE.
func (s *Service) DeletePool(ctx context.Context, id string) error { panic("unimplemented") }

// ListPools lists pools; page.Limit must be 1–60.
func (s *Service) ListPools(ctx context.Context, page Page) ([]*Pool, string, error) {
	panic("unimplemented")
}

// AddCustomAttributes adds 1–25 custom attributes (names given without or with "custom:").
func (s *Service) AddCustomAttributes(ctx context.Context, poolID string, attrs []SchemaAttribute) error {
	panic("unimplemented")
}

// CreateClient validates in, fills defaults, generates the client id and, if generateSecret,
// a secret.
func (s *Service) CreateClient(ctx context.Context, in *Client, generateSecret bool) (*Client, error) {
	panic("unimplemented")
}

// GetClient returns an app client of a pool.
func (s *Service) GetClient(ctx context.Context, poolID, clientID string) (*Client, error) {
	panic("unimplemented")
}

// UpdateClient replaces a client's settings (omitted fields reset to defaults, as Cognito);
// the secret is kept.
func (s *Service) UpdateClient(ctx context.Context, in *Client) (*Client, error) {
	panic("unimplemented")
}

// DeleteClient deletes an app client.
func (s *Service) DeleteClient(ctx context.Context, poolID, clientID string) error {
	panic("unimplemented")
}

// ListClients lists a pool's app clients; page.Limit 1–60.
func (s *Service) ListClients(ctx context.Context, poolID string, page Page) ([]*Client, string, error) {
	panic("unimplemented")
}

// CreateGroup validates and stores a group (errs.GroupExists on a duplicate name).
func (s *Service) CreateGroup(ctx context.Context, g *Group) (*Group, error) { panic("unimplemented") }

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, poolID, name string) (*Group, error) {
	panic("unimplemented")
}

// UpdateGroup replaces a group's description, role and precedence.
func (s *Service) UpdateGroup(ctx context.Context, g *Group) (*Group, error) { panic("unimplemented") }

// DeleteGroup deletes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, poolID, name string) error { panic("unimplemented") }

// ListGroups lists a pool's groups; page.Limit 0–60 (0 = 60).
func (s *Service) ListGroups(ctx context.Context, poolID string, page Page) ([]*Group, string, error) {
	panic("unimplemented")
}

// CreateResourceServer validates and stores a resource server.
func (s *Service) CreateResourceServer(ctx context.Context, rs *ResourceServer) (*ResourceServer, error) {
	panic("unimplemented")
}

// GetResourceServer returns a resource server.
func (s *Service) GetResourceServer(ctx context.Context, poolID, identifier string) (*ResourceServer, error) {
	panic("unimplemented")
}

// DeleteResourceServer deletes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	panic("unimplemented")
}

// ListResourceServers lists a pool's resource servers; page.Limit 1–50.
func (s *Service) ListResourceServers(ctx context.Context, poolID string, page Page) ([]*ResourceServer, string, error) {
	panic("unimplemented")
}
