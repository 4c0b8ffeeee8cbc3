package pool

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
)

// Service is the one place where pool rules live: defaults, validation and id generation.
// Every surface goes through it. It keeps no cache yet: the management API is not a hot path.
type Service struct {
	store  Store
	region string
	now    func() time.Time
}

// NewService returns a Service whose pool ids start with region.
func NewService(store Store, region string) *Service {
	return &Service{store: store, region: region, now: time.Now}
}

// checkPage validates page.Limit against lo..hi; a zero limit becomes def when def > 0.
func checkPage(page Page, lo, hi, def int) (Page, error) {
	if page.Limit == 0 && def > 0 {
		page.Limit = def
	}
	if page.Limit < lo || page.Limit > hi {
		return page, errs.New(errs.InvalidParameter, "The page size must be between %d and %d.", lo, hi)
	}
	return page, nil
}

// CreatePool validates in, fills Cognito's defaults (and Userpool's: case-insensitive
// usernames, taken from in.UsernameConfiguration as the caller sent it), generates the id and
// stores the pool. A zero PasswordPolicy means none was sent: DefaultPasswordPolicy applies.
func (s *Service) CreatePool(ctx context.Context, in *Pool) (*Pool, error) {
	return s.CreatePoolWithSecrets(ctx, in, nil)
}

// SecretsFunc decides the trigger secrets to write with p, the validated pool about to be
// saved (package trigger provides it).
type SecretsFunc func(ctx context.Context, p *Pool) ([]TriggerSecret, error)

// CreatePoolWithSecrets is CreatePool that also writes the trigger secrets that secrets (nil:
// none) decides, in the pool's transaction.
func (s *Service) CreatePoolWithSecrets(ctx context.Context, in *Pool, secrets SecretsFunc) (*Pool, error) {
	suffix, err := randomString(alnum, 9)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	if suffix == SystemPoolSuffix {
		return nil, errs.New(errs.ConcurrentModification, "The generated pool id is reserved; try again.")
	}
	return s.createPool(ctx, in, s.region+"_"+suffix, secrets)
}

// createPool validates in, fills the defaults and stores it with the given id.
func (s *Service) createPool(ctx context.Context, in *Pool, id string, secrets SecretsFunc) (*Pool, error) {
	p := *in
	schema, err := buildSchema(in.SchemaAttributes)
	if err != nil {
		return nil, err
	}
	p.SchemaAttributes = schema
	if err := normalizeSettings(&p); err != nil {
		return nil, err
	}
	p.Id = id
	now := s.now().UTC()
	p.CreationDate, p.LastModifiedDate = now, now
	var write []TriggerSecret
	if secrets != nil {
		if write, err = secrets(ctx, &p); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreatePoolWithSecrets(ctx, &p, write); err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return &p, nil
}

// GetPool returns a pool by id (errs.ResourceNotFound if absent).
func (s *Service) GetPool(ctx context.Context, id string) (*Pool, error) {
	p, err := s.store.GetPool(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get pool: %w", err)
	}
	return p, nil
}

// UpdatePool replaces the settings of the pool in.Id. UsernameAttributes and
// UsernameConfiguration cannot change. Unlike Cognito it may also change AliasAttributes and
// which standard attributes are required (see Store.UpdatePool); in.SchemaAttributes nil keeps
// the schema, otherwise each entry must name an existing attribute and may change only the
// Required flag of a standard one (custom attributes are added with AddCustomAttributes).
func (s *Service) UpdatePool(ctx context.Context, in *Pool) (*Pool, error) {
	return s.UpdatePoolWithSecrets(ctx, in, nil)
}

// UpdatePoolWithSecrets is UpdatePool that also writes the trigger secrets that secrets (nil:
// none) decides, in the pool's transaction.
func (s *Service) UpdatePoolWithSecrets(ctx context.Context, in *Pool, secrets SecretsFunc) (*Pool, error) {
	old, err := s.GetPool(ctx, in.Id)
	if err != nil {
		return nil, err
	}
	if !sameSet(in.UsernameAttributes, old.UsernameAttributes) {
		return nil, errs.New(errs.InvalidParameter, "UsernameAttributes cannot be changed after the user pool is created.")
	}
	if in.UsernameConfiguration != old.UsernameConfiguration {
		return nil, errs.New(errs.InvalidParameter, "UsernameConfiguration cannot be changed after the user pool is created.")
	}
	p := *in
	p.SchemaAttributes, err = updateSchema(old.SchemaAttributes, in.SchemaAttributes)
	if err != nil {
		return nil, err
	}
	if err := normalizeSettings(&p); err != nil {
		return nil, err
	}
	change := SchemaChange{AliasKey: p.AliasKey}
	for _, a := range p.AliasAttributes {
		if !old.IsAlias(a) {
			change.AddedAliases = append(change.AddedAliases, a)
		}
	}
	for _, a := range old.AliasAttributes {
		if !p.IsAlias(a) {
			change.RemovedAliases = append(change.RemovedAliases, a)
		}
	}
	for _, a := range p.SchemaAttributes {
		if a.Required && !old.Attribute(a.Name).Required {
			change.AddedRequired = append(change.AddedRequired, a.Name)
		}
	}
	p.CreationDate = old.CreationDate
	p.LastModifiedDate = s.now().UTC()
	p.Version = old.Version
	if secrets != nil {
		if change.TriggerSecrets, err = secrets(ctx, &p); err != nil {
			return nil, err
		}
	}
	if err := s.store.UpdatePool(ctx, &p, change); err != nil {
		return nil, fmt.Errorf("update pool: %w", err)
	}
	return s.GetPool(ctx, p.Id)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

// updateSchema applies the Required flags of in to the stored schema.
func updateSchema(old, in []SchemaAttribute) ([]SchemaAttribute, error) {
	out := slices.Clone(old)
	if in == nil {
		return out, nil
	}
	seen := map[string]bool{}
	for _, a := range in {
		name := a.Name
		if !IsStandardAttribute(name) && !strings.HasPrefix(name, CustomPrefix) {
			name = CustomPrefix + name
		}
		i := slices.IndexFunc(out, func(s SchemaAttribute) bool { return s.Name == name })
		if i < 0 {
			return nil, errs.New(errs.InvalidParameter, "Schema: %s is not an attribute of the user pool; add custom attributes with AddCustomAttributes.", a.Name)
		}
		if seen[name] {
			return nil, errs.New(errs.InvalidParameter, "Schema: attribute %s is given more than once.", name)
		}
		seen[name] = true
		cur := out[i]
		if !IsStandardAttribute(name) {
			a.Name = name
			if a.AttributeDataType == "" {
				a.AttributeDataType = cur.AttributeDataType
			}
			if a.StringAttributeConstraints == nil {
				a.StringAttributeConstraints = cur.StringAttributeConstraints
			}
			if a.NumberAttributeConstraints == nil {
				a.NumberAttributeConstraints = cur.NumberAttributeConstraints
			}
			if !sameAttribute(a, cur) {
				return nil, errs.New(errs.InvalidParameter, "Schema: custom attribute %s cannot be changed.", name)
			}
			continue
		}
		if err := checkStandardOverride(cur, a); err != nil {
			return nil, err
		}
		if name == "sub" && !a.Required {
			return nil, errs.New(errs.InvalidParameter, "Schema: sub is always required.")
		}
		out[i].Required = a.Required
	}
	return out, nil
}

func sameAttribute(a, b SchemaAttribute) bool {
	eqS := (a.StringAttributeConstraints == nil) == (b.StringAttributeConstraints == nil) &&
		(a.StringAttributeConstraints == nil || *a.StringAttributeConstraints == *b.StringAttributeConstraints)
	eqN := (a.NumberAttributeConstraints == nil) == (b.NumberAttributeConstraints == nil) &&
		(a.NumberAttributeConstraints == nil || *a.NumberAttributeConstraints == *b.NumberAttributeConstraints)
	return eqS && eqN && a.AttributeDataType == b.AttributeDataType && a.Mutable == b.Mutable &&
		a.Required == b.Required && a.DeveloperOnlyAttribute == b.DeveloperOnlyAttribute
}

// DeletePool deletes a pool unless DeletionProtection is ACTIVE.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	p, err := s.GetPool(ctx, id)
	if err != nil {
		return err
	}
	if IsSystemPool(id) {
		return errs.New(errs.InvalidParameter, "The user pool %s holds the admin console's operators and cannot be deleted.", id)
	}
	if p.DeletionProtection == DeletionProtectionActive {
		return errs.New(errs.InvalidParameter, "The user pool %s cannot be deleted because deletion protection is activated.", id)
	}
	if err := s.store.DeletePool(ctx, id); err != nil {
		return fmt.Errorf("delete pool: %w", err)
	}
	return nil
}

// ListPools lists pools; page.Limit must be 1–60 (Cognito requires MaxResults).
func (s *Service) ListPools(ctx context.Context, page Page) ([]*Pool, string, error) {
	page, err := checkPage(page, 1, 60, 0)
	if err != nil {
		return nil, "", err
	}
	pools, next, err := s.store.ListPools(ctx, page)
	if err != nil {
		return nil, "", fmt.Errorf("list pools: %w", err)
	}
	// The system pool is reached by its id only (the console's operators page), so that
	// tools listing pools never offer to change or delete it. A page may come back one short.
	return slices.DeleteFunc(pools, func(p *Pool) bool { return IsSystemPool(p.Id) }), next, nil
}

// AddCustomAttributes adds 1–25 custom attributes (names given without or with "custom:").
func (s *Service) AddCustomAttributes(ctx context.Context, poolID string, attrs []SchemaAttribute) error {
	if len(attrs) < 1 || len(attrs) > MaxCustomAttributesPerAdd {
		return errs.New(errs.InvalidParameter, "CustomAttributes must have 1-%d entries.", MaxCustomAttributesPerAdd)
	}
	p, err := s.GetPool(ctx, poolID)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		if IsStandardAttribute(a.Name) {
			return errs.New(errs.InvalidParameter, "Existing attribute already has name %s.", a.Name)
		}
	}
	added, err := validateCustomAttributes(attrs, p.SchemaAttributes)
	if err != nil {
		return err
	}
	p.SchemaAttributes = append(p.SchemaAttributes, added...)
	p.LastModifiedDate = s.now().UTC()
	if err := s.store.UpdatePool(ctx, p, SchemaChange{AliasKey: p.AliasKey}); err != nil {
		return fmt.Errorf("add custom attributes: %w", err)
	}
	return nil
}

// customScopes returns the pool's resource-server scopes as "identifier/scope".
func (s *Service) customScopes(ctx context.Context, poolID string) ([]string, error) {
	var out []string
	page := Page{Limit: 50}
	for {
		servers, next, err := s.store.ListResourceServers(ctx, poolID, page)
		if err != nil {
			return nil, fmt.Errorf("list resource servers: %w", err)
		}
		for _, rs := range servers {
			for _, sc := range rs.Scopes {
				out = append(out, rs.Identifier+"/"+sc.ScopeName)
			}
		}
		if next == "" {
			return out, nil
		}
		page.After = next
	}
}

// prepareClient validates in against its pool and fills defaults.
func (s *Service) prepareClient(ctx context.Context, in *Client, hasSecret bool) (*Client, error) {
	p, err := s.GetPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	scopes, err := s.customScopes(ctx, p.Id)
	if err != nil {
		return nil, err
	}
	c := *in
	if err := normalizeClient(&c, p, scopes, hasSecret); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateClient validates in, fills defaults, generates the client id and, if generateSecret,
// a secret. A caller-supplied in.ClientSecret (24-64 word characters) is kept instead.
// Booleans are taken as given: start from ClientDefaults to get Cognito's defaults for them.
func (s *Service) CreateClient(ctx context.Context, in *Client, generateSecret bool) (*Client, error) {
	if generateSecret && in.ClientSecret != "" {
		return nil, errs.New(errs.InvalidParameter, "GenerateSecret and ClientSecret cannot both be given.")
	}
	if in.ClientSecret != "" && !clientSecretRE.MatchString(in.ClientSecret) {
		return nil, errs.New(errs.InvalidParameter, "ClientSecret must be 24-64 letters, digits, '_' or '+'.")
	}
	c, err := s.prepareClient(ctx, in, generateSecret || in.ClientSecret != "")
	if err != nil {
		return nil, err
	}
	if c.ClientId, err = randomString(lowerAlnum, ClientIDLength); err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	if generateSecret {
		if c.ClientSecret, err = randomString(lowerAlnum, ClientSecretLength); err != nil {
			return nil, fmt.Errorf("create client: %w", err)
		}
	}
	now := s.now().UTC()
	c.CreationDate, c.LastModifiedDate = now, now
	if err := s.store.CreateClient(ctx, c); err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// GetClient returns an app client of a pool.
func (s *Service) GetClient(ctx context.Context, poolID, clientID string) (*Client, error) {
	c, err := s.store.GetClient(ctx, poolID, clientID)
	if err != nil {
		return nil, fmt.Errorf("get client: %w", err)
	}
	return c, nil
}

// FindClient returns the app client with the id, in whatever pool it is.
func (s *Service) FindClient(ctx context.Context, clientID string) (*Client, error) {
	c, err := s.store.FindClient(ctx, clientID)
	if err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	return c, nil
}

// UpdateClient replaces a client's settings (omitted fields reset to defaults, as Cognito);
// the id, secret and creation date are kept.
func (s *Service) UpdateClient(ctx context.Context, in *Client) (*Client, error) {
	old, err := s.GetClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	c, err := s.prepareClient(ctx, in, old.ClientSecret != "")
	if err != nil {
		return nil, err
	}
	c.ClientId, c.ClientSecret, c.CreationDate = old.ClientId, old.ClientSecret, old.CreationDate
	c.LastModifiedDate = s.now().UTC()
	if err := s.store.UpdateClient(ctx, c); err != nil {
		return nil, fmt.Errorf("update client: %w", err)
	}
	return c, nil
}

// DeleteClient deletes an app client.
func (s *Service) DeleteClient(ctx context.Context, poolID, clientID string) error {
	if err := s.store.DeleteClient(ctx, poolID, clientID); err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	return nil
}

// ListClients lists a pool's app clients; page.Limit 1–60 (0 = 60).
func (s *Service) ListClients(ctx context.Context, poolID string, page Page) ([]*Client, string, error) {
	page, err := checkPage(page, 1, 60, 60)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	clients, next, err := s.store.ListClients(ctx, poolID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list clients: %w", err)
	}
	return clients, next, nil
}

// CreateGroup validates and stores a group (errs.GroupExists on a duplicate name).
func (s *Service) CreateGroup(ctx context.Context, g *Group) (*Group, error) {
	out := *g
	if err := checkGroup(&out); err != nil {
		return nil, err
	}
	if _, err := s.GetPool(ctx, g.UserPoolId); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out.CreationDate, out.LastModifiedDate = now, now
	if err := s.store.CreateGroup(ctx, &out); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	return &out, nil
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, poolID, name string) (*Group, error) {
	g, err := s.store.GetGroup(ctx, poolID, name)
	if err != nil {
		return nil, fmt.Errorf("get group: %w", err)
	}
	return g, nil
}

// UpdateGroup replaces a group's description, role and precedence.
func (s *Service) UpdateGroup(ctx context.Context, g *Group) (*Group, error) {
	out := *g
	if err := checkGroup(&out); err != nil {
		return nil, err
	}
	old, err := s.GetGroup(ctx, g.UserPoolId, g.GroupName)
	if err != nil {
		return nil, err
	}
	out.CreationDate = old.CreationDate
	out.LastModifiedDate = s.now().UTC()
	if err := s.store.UpdateGroup(ctx, &out); err != nil {
		return nil, fmt.Errorf("update group: %w", err)
	}
	return &out, nil
}

// DeleteGroup deletes a group and its memberships.
func (s *Service) DeleteGroup(ctx context.Context, poolID, name string) error {
	if err := s.store.DeleteGroup(ctx, poolID, name); err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	return nil
}

// ListGroups lists a pool's groups; page.Limit 0–60 (0 = 60).
func (s *Service) ListGroups(ctx context.Context, poolID string, page Page) ([]*Group, string, error) {
	page, err := checkPage(page, 1, 60, 60)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	groups, next, err := s.store.ListGroups(ctx, poolID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	return groups, next, nil
}

// CreateResourceServer validates and stores a resource server.
func (s *Service) CreateResourceServer(ctx context.Context, rs *ResourceServer) (*ResourceServer, error) {
	out := *rs
	if err := checkResourceServer(&out); err != nil {
		return nil, err
	}
	if _, err := s.GetPool(ctx, rs.UserPoolId); err != nil {
		return nil, err
	}
	if err := s.store.CreateResourceServer(ctx, &out); err != nil {
		return nil, fmt.Errorf("create resource server: %w", err)
	}
	return &out, nil
}

// GetResourceServer returns a resource server.
func (s *Service) GetResourceServer(ctx context.Context, poolID, identifier string) (*ResourceServer, error) {
	rs, err := s.store.GetResourceServer(ctx, poolID, identifier)
	if err != nil {
		return nil, fmt.Errorf("get resource server: %w", err)
	}
	return rs, nil
}

// DeleteResourceServer deletes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	if err := s.store.DeleteResourceServer(ctx, poolID, identifier); err != nil {
		return fmt.Errorf("delete resource server: %w", err)
	}
	return nil
}

// ListResourceServers lists a pool's resource servers; page.Limit 1–50 (0 = 50).
func (s *Service) ListResourceServers(ctx context.Context, poolID string, page Page) ([]*ResourceServer, string, error) {
	page, err := checkPage(page, 1, 50, 50)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetPool(ctx, poolID); err != nil {
		return nil, "", err
	}
	servers, next, err := s.store.ListResourceServers(ctx, poolID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list resource servers: %w", err)
	}
	return servers, next, nil
}

// CountUsers returns the number of users in a pool (UserPoolType.EstimatedNumberOfUsers).
func (s *Service) CountUsers(ctx context.Context, poolID string) (int64, error) {
	n, err := s.store.CountUsers(ctx, poolID)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}
