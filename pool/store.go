package pool

import (
	"context"
	"time"
)

// Store is what the pool package needs from the database. Every call is scoped to a pool.
// Implementations return *errs.Error with ResourceNotFound for missing rows, and the
// Cognito-named conflict codes (GroupExists, InvalidParameter for duplicate ids) for duplicates.
type Store interface {
	CreatePool(ctx context.Context, p *Pool) error
	GetPool(ctx context.Context, id string) (*Pool, error)
	// UpdatePool writes p (matched by Id). When change adds alias attributes, it computes their
	// keys for existing users with change.AliasKey in the same transaction and fails with
	// errs.AliasExists listing the conflicting values if two users share one; when change adds
	// required attributes, users lacking any of them are marked ProfileIncomplete.
	UpdatePool(ctx context.Context, p *Pool, change SchemaChange) error
	// CreatePoolWithSecrets is CreatePool that also writes the triggers' signing secrets in the
	// same transaction: a secret that cannot be written leaves no pool behind.
	CreatePoolWithSecrets(ctx context.Context, p *Pool, secrets []TriggerSecret) error
	// DeletePool removes the pool and everything in it (users, clients, groups, ...).
	DeletePool(ctx context.Context, id string) error
	// ListPools returns pools ordered by id, and the cursor of the next page ("" at the end).
	ListPools(ctx context.Context, page Page) ([]*Pool, string, error)
	CountUsers(ctx context.Context, poolID string) (int64, error)

	CreateClient(ctx context.Context, c *Client) error
	GetClient(ctx context.Context, poolID, clientID string) (*Client, error)
	// FindClient returns the app client with the id in whatever pool it is (ids are unique):
	// how the Cognito API's public actions, identified by ClientId, find their pool.
	FindClient(ctx context.Context, clientID string) (*Client, error)
	UpdateClient(ctx context.Context, c *Client) error
	// SetClientSecret replaces a client's secret (sealed at rest).
	SetClientSecret(ctx context.Context, poolID, clientID, secret string) error
	DeleteClient(ctx context.Context, poolID, clientID string) error
	ListClients(ctx context.Context, poolID string, page Page) ([]*Client, string, error)

	CreateGroup(ctx context.Context, g *Group) error
	GetGroup(ctx context.Context, poolID, name string) (*Group, error)
	UpdateGroup(ctx context.Context, g *Group) error
	DeleteGroup(ctx context.Context, poolID, name string) error
	ListGroups(ctx context.Context, poolID string, page Page) ([]*Group, string, error)

	CreateResourceServer(ctx context.Context, rs *ResourceServer) error
	GetResourceServer(ctx context.Context, poolID, identifier string) (*ResourceServer, error)
	DeleteResourceServer(ctx context.Context, poolID, identifier string) error
	ListResourceServers(ctx context.Context, poolID string, page Page) ([]*ResourceServer, string, error)
}

// SchemaChange tells UpdatePool what changed in the pool's identifiers and requirements, so the
// store can bring existing users in line in the same transaction.
type SchemaChange struct {
	// AddedAliases are attributes (email, phone_number, preferred_username) that became sign-in
	// aliases. AliasKey maps an attribute value to its unique key ("" = the value gives no alias,
	// e.g. an unverified email).
	AddedAliases []string
	AliasKey     func(attr, value string, verified bool) string
	// RemovedAliases are attributes that stopped being aliases: their keys are cleared.
	RemovedAliases []string
	// AddedRequired are attributes that became required.
	AddedRequired []string
	// TriggerSecrets are written in the same transaction, so the pool's triggers never go
	// without the secrets that sign their requests.
	TriggerSecrets []TriggerSecret
}

// TriggerSecret is a trigger's signing secret to write with its pool (package trigger decides
// them; the store seals them). The secret it replaces, if any, keeps signing until PreviousUntil.
type TriggerSecret struct {
	Trigger       string // a LambdaConfig key
	Secret        string
	PreviousUntil time.Time
}

// AliasConflict is one alias value that several existing users share.
type AliasConflict struct {
	Attribute string
	Value     string
	Usernames []string
}

// ConflictsError carries the alias conflicts that stopped an UpdatePool; it is wrapped in an
// errs.Error with code AliasExists.
type ConflictsError struct {
	Conflicts []AliasConflict
}

func (e *ConflictsError) Error() string { return "alias values shared by several users" }
