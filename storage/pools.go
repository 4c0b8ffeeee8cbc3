package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

type poolRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	Version   int64
	Config    string    // pool.Pool as JSON
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (poolRow) TableName() string { return "pools" }

func (r *poolRow) toPool() (*pool.Pool, error) {
	var p pool.Pool
	if err := json.Unmarshal([]byte(r.Config), &p); err != nil {
		return nil, fmt.Errorf("decode pool %s: %w", r.ID, err)
	}
	p.Id, p.Name, p.Version = r.ID, r.Name, r.Version
	p.CreationDate, p.LastModifiedDate = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &p, nil
}

func poolNotFound(id string) error {
	return errs.New(errs.ResourceNotFound, "User pool %s does not exist.", id)
}

// requirePool fails with ResourceNotFound unless the pool exists. On PostgreSQL it holds a key
// share lock on the pool row until tx ends, so a concurrent DeletePool (which waits for it, then
// excludes it) cannot leave orphans behind, while updates of the pool do not wait.
func (s *Store) requirePool(tx *gorm.DB, poolID string) error {
	q := tx.Model(&poolRow{}).Select("id").Where("id = ?", poolID)
	if s.driver == DriverPostgres {
		q = q.Clauses(clause.Locking{Strength: "KEY SHARE"})
	}
	var ids []string
	if err := q.Limit(1).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("find pool %s: %w", poolID, err)
	}
	if len(ids) == 0 {
		return poolNotFound(poolID)
	}
	return nil
}

func (s *Store) CreatePool(ctx context.Context, p *pool.Pool) error {
	return s.CreatePoolWithSecrets(ctx, p, nil)
}

func (s *Store) CreatePoolWithSecrets(ctx context.Context, p *pool.Pool, secrets []pool.TriggerSecret) error {
	t := now()
	if p.CreationDate.IsZero() {
		p.CreationDate = t
	}
	if p.LastModifiedDate.IsZero() {
		p.LastModifiedDate = p.CreationDate
	}
	p.CreationDate, p.LastModifiedDate = normTime(p.CreationDate), normTime(p.LastModifiedDate)
	p.Version = 1
	cfg, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pool: %w", err)
	}
	row := poolRow{ID: p.Id, Name: p.Name, Version: p.Version, Config: string(cfg),
		CreatedAt: p.CreationDate, UpdatedAt: p.LastModifiedDate}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			if violates(err, uqPool) {
				return errs.New(errs.InvalidParameter, "A user pool with id %s already exists.", p.Id)
			}
			return fmt.Errorf("create pool: %w", err)
		}
		return s.writeTriggerSecrets(tx, p.Id, secrets)
	})
}

func (s *Store) GetPool(ctx context.Context, id string) (*pool.Pool, error) {
	var rows []poolRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get pool: %w", err)
	}
	if len(rows) == 0 {
		return nil, poolNotFound(id)
	}
	return rows[0].toPool()
}

func (s *Store) UpdatePool(ctx context.Context, p *pool.Pool, change pool.SchemaChange) error {
	cfg, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pool: %w", err)
	}
	t := now()
	var version int64
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&poolRow{}).Where("id = ?", p.Id).Updates(map[string]any{
			"name":       p.Name,
			"config":     string(cfg),
			"version":    gorm.Expr("version + 1"),
			"updated_at": t,
		})
		if res.Error != nil {
			return fmt.Errorf("update pool: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return poolNotFound(p.Id)
		}
		var versions []int64
		if err := tx.Model(&poolRow{}).Where("id = ?", p.Id).Pluck("version", &versions).Error; err != nil {
			return fmt.Errorf("read pool version: %w", err)
		}
		if len(versions) != 1 {
			return poolNotFound(p.Id)
		}
		version = versions[0]
		if err := s.writeTriggerSecrets(tx, p.Id, change.TriggerSecrets); err != nil {
			return err
		}
		return applySchemaChange(tx, p.Id, change)
	})
	if err != nil {
		return err
	}
	p.Version, p.LastModifiedDate = version, t
	return nil
}

func (s *Store) DeletePool(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The pool row goes first: on PostgreSQL its row lock waits for, then excludes, writers
		// that hold requirePool's key share lock.
		res := tx.Where("id = ?", id).Delete(&poolRow{})
		if res.Error != nil {
			return fmt.Errorf("delete pool: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return poolNotFound(id)
		}
		for _, table := range []string{"group_members", "user_groups", "users", "clients", "resource_servers", "messages", "signing_keys",
			"auth_requests", "token_families", "refresh_tokens", "codes", "code_sends", "activity_daily", "operator_sessions", "ui_customizations", "challenges",
			"mfa_totp", "mfa_recovery_codes", "mfa_attempts", "trigger_secrets", "trigger_invocations"} {
			if err := tx.Exec("DELETE FROM "+table+" WHERE pool_id = ?", id).Error; err != nil {
				return fmt.Errorf("delete pool %s: %w", table, err)
			}
		}
		return nil
	})
}

func (s *Store) ListPools(ctx context.Context, page pool.Page) ([]*pool.Pool, string, error) {
	k, err := newKeyset(page, "pools", "id")
	if err != nil {
		return nil, "", err
	}
	rows, next, err := findPage(s.db.WithContext(ctx), k, func(r *poolRow) string { return r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list pools: %w", err)
	}
	out := make([]*pool.Pool, 0, len(rows))
	for i := range rows {
		p, err := rows[i].toPool()
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	return out, next, nil
}

func (s *Store) CountUsers(ctx context.Context, poolID string) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&userRow{}).Where("pool_id = ?", poolID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// --- app clients ---

type clientRow struct {
	PoolID       string `gorm:"primaryKey"`
	ClientID     string `gorm:"primaryKey"`
	Name         string
	SecretSealed string
	Config       string    // pool.Client as JSON, without the secret
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (clientRow) TableName() string { return "clients" }

// secretPurpose binds a sealed client secret to its client, so a sealed value copied onto another
// row does not open.
func clientSecretPurpose(poolID, clientID string) string {
	return "client-secret/" + poolID + "/" + clientID
}

func clientConfig(c *pool.Client) (string, error) {
	cp := *c
	cp.ClientSecret = ""
	b, err := json.Marshal(&cp)
	if err != nil {
		return "", fmt.Errorf("encode client: %w", err)
	}
	return string(b), nil
}

func (s *Store) toClient(r *clientRow) (*pool.Client, error) {
	var c pool.Client
	if err := json.Unmarshal([]byte(r.Config), &c); err != nil {
		return nil, fmt.Errorf("decode client %s: %w", r.ClientID, err)
	}
	c.UserPoolId, c.ClientId, c.ClientName = r.PoolID, r.ClientID, r.Name
	c.CreationDate, c.LastModifiedDate = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	c.ClientSecret = ""
	if r.SecretSealed != "" {
		secret, err := s.sealer.Open(clientSecretPurpose(r.PoolID, r.ClientID), r.SecretSealed)
		if err != nil {
			return nil, fmt.Errorf("open secret of client %s: %w", r.ClientID, err)
		}
		c.ClientSecret = string(secret)
	}
	return &c, nil
}

func clientNotFound(clientID string) error {
	return errs.New(errs.ResourceNotFound, "User pool client %s does not exist.", clientID)
}

func (s *Store) CreateClient(ctx context.Context, c *pool.Client) error {
	t := now()
	if c.CreationDate.IsZero() {
		c.CreationDate = t
	}
	if c.LastModifiedDate.IsZero() {
		c.LastModifiedDate = c.CreationDate
	}
	c.CreationDate, c.LastModifiedDate = normTime(c.CreationDate), normTime(c.LastModifiedDate)
	cfg, err := clientConfig(c)
	if err != nil {
		return err
	}
	row := clientRow{PoolID: c.UserPoolId, ClientID: c.ClientId, Name: c.ClientName, Config: cfg,
		CreatedAt: c.CreationDate, UpdatedAt: c.LastModifiedDate}
	if c.ClientSecret != "" {
		row.SecretSealed = s.sealer.Seal(clientSecretPurpose(c.UserPoolId, c.ClientId), []byte(c.ClientSecret))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, c.UserPoolId); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			if violates(err, uqClient) {
				return errs.New(errs.InvalidParameter, "A client with id %s already exists in this user pool.", c.ClientId)
			}
			return fmt.Errorf("create client: %w", err)
		}
		return nil
	})
}

func (s *Store) GetClient(ctx context.Context, poolID, clientID string) (*pool.Client, error) {
	var rows []clientRow
	err := s.db.WithContext(ctx).Where("pool_id = ? AND client_id = ?", poolID, clientID).Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("get client: %w", err)
	}
	if len(rows) == 0 {
		return nil, clientNotFound(clientID)
	}
	return s.toClient(&rows[0])
}

// FindClient implements pool.Store: app client ids are unique across pools.
func (s *Store) FindClient(ctx context.Context, clientID string) (*pool.Client, error) {
	var rows []clientRow
	if err := s.db.WithContext(ctx).Where("client_id = ?", clientID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	if len(rows) == 0 {
		return nil, clientNotFound(clientID)
	}
	return s.toClient(&rows[0])
}

// UpdateClient writes c's settings; the stored secret is never changed by an update.
func (s *Store) UpdateClient(ctx context.Context, c *pool.Client) error {
	cfg, err := clientConfig(c)
	if err != nil {
		return err
	}
	t := now()
	res := s.db.WithContext(ctx).Model(&clientRow{}).
		Where("pool_id = ? AND client_id = ?", c.UserPoolId, c.ClientId).
		Updates(map[string]any{"name": c.ClientName, "config": cfg, "updated_at": t})
	if res.Error != nil {
		return fmt.Errorf("update client: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return clientNotFound(c.ClientId)
	}
	c.LastModifiedDate = t
	return nil
}

func (s *Store) DeleteClient(ctx context.Context, poolID, clientID string) error {
	res := s.db.WithContext(ctx).Where("pool_id = ? AND client_id = ?", poolID, clientID).Delete(&clientRow{})
	if res.Error != nil {
		return fmt.Errorf("delete client: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return clientNotFound(clientID)
	}
	return nil
}

func (s *Store) ListClients(ctx context.Context, poolID string, page pool.Page) ([]*pool.Client, string, error) {
	k, err := newKeyset(page, "clients", "client_id")
	if err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("pool_id = ?", poolID)
	rows, next, err := findPage(q, k, func(r *clientRow) string { return r.ClientID })
	if err != nil {
		return nil, "", fmt.Errorf("list clients: %w", err)
	}
	out := make([]*pool.Client, 0, len(rows))
	for i := range rows {
		c, err := s.toClient(&rows[i])
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, next, nil
}

// --- groups ---

type groupRow struct {
	PoolID      string `gorm:"primaryKey"`
	Name        string `gorm:"primaryKey"`
	Description string
	RoleArn     string
	Precedence  *int
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (groupRow) TableName() string { return "user_groups" }

func (r *groupRow) toGroup() *pool.Group {
	return &pool.Group{UserPoolId: r.PoolID, GroupName: r.Name, Description: r.Description,
		RoleArn: r.RoleArn, Precedence: r.Precedence,
		CreationDate: r.CreatedAt.UTC(), LastModifiedDate: r.UpdatedAt.UTC()}
}

type memberRow struct {
	PoolID    string `gorm:"primaryKey"`
	GroupName string `gorm:"primaryKey"`
	Sub       string `gorm:"primaryKey"`
}

func (memberRow) TableName() string { return "group_members" }

func groupNotFound(name string) error {
	return errs.New(errs.ResourceNotFound, "Group %s not found.", name)
}

func (s *Store) CreateGroup(ctx context.Context, g *pool.Group) error {
	t := now()
	if g.CreationDate.IsZero() {
		g.CreationDate = t
	}
	if g.LastModifiedDate.IsZero() {
		g.LastModifiedDate = g.CreationDate
	}
	g.CreationDate, g.LastModifiedDate = normTime(g.CreationDate), normTime(g.LastModifiedDate)
	row := groupRow{PoolID: g.UserPoolId, Name: g.GroupName, Description: g.Description, RoleArn: g.RoleArn,
		Precedence: g.Precedence, CreatedAt: g.CreationDate, UpdatedAt: g.LastModifiedDate}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, g.UserPoolId); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			if violates(err, uqGroup) {
				return errs.New(errs.GroupExists, "A group with the name %s already exists.", g.GroupName)
			}
			return fmt.Errorf("create group: %w", err)
		}
		return nil
	})
}

func (s *Store) GetGroup(ctx context.Context, poolID, name string) (*pool.Group, error) {
	var rows []groupRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND name = ?", poolID, name).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get group: %w", err)
	}
	if len(rows) == 0 {
		return nil, groupNotFound(name)
	}
	return rows[0].toGroup(), nil
}

func (s *Store) UpdateGroup(ctx context.Context, g *pool.Group) error {
	t := now()
	res := s.db.WithContext(ctx).Model(&groupRow{}).
		Where("pool_id = ? AND name = ?", g.UserPoolId, g.GroupName).
		Updates(map[string]any{"description": g.Description, "role_arn": g.RoleArn, "precedence": g.Precedence, "updated_at": t})
	if res.Error != nil {
		return fmt.Errorf("update group: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return groupNotFound(g.GroupName)
	}
	g.LastModifiedDate = t
	return nil
}

func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("pool_id = ? AND name = ?", poolID, name).Delete(&groupRow{})
		if res.Error != nil {
			return fmt.Errorf("delete group: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return groupNotFound(name)
		}
		if err := tx.Where("pool_id = ? AND group_name = ?", poolID, name).Delete(&memberRow{}).Error; err != nil {
			return fmt.Errorf("delete group members: %w", err)
		}
		return nil
	})
}

func (s *Store) ListGroups(ctx context.Context, poolID string, page pool.Page) ([]*pool.Group, string, error) {
	k, err := newKeyset(page, "groups", "name")
	if err != nil {
		return nil, "", err
	}
	rows, next, err := findPage(s.db.WithContext(ctx).Where("pool_id = ?", poolID), k, groupName)
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	return toGroups(rows), next, nil
}

func groupName(r *groupRow) string { return r.Name }

func toGroups(rows []groupRow) []*pool.Group {
	out := make([]*pool.Group, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].toGroup())
	}
	return out
}

// --- resource servers ---

type resourceServerRow struct {
	PoolID     string `gorm:"primaryKey"`
	Identifier string `gorm:"primaryKey"`
	Name       string
	Scopes     string    // []pool.Scope as JSON
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
}

func (resourceServerRow) TableName() string { return "resource_servers" }

func (r *resourceServerRow) toResourceServer() (*pool.ResourceServer, error) {
	rs := &pool.ResourceServer{UserPoolId: r.PoolID, Identifier: r.Identifier, Name: r.Name}
	if err := json.Unmarshal([]byte(r.Scopes), &rs.Scopes); err != nil {
		return nil, fmt.Errorf("decode scopes of resource server %s: %w", r.Identifier, err)
	}
	return rs, nil
}

func resourceServerNotFound(id string) error {
	return errs.New(errs.ResourceNotFound, "Resource server %s does not exist.", id)
}

func (s *Store) CreateResourceServer(ctx context.Context, rs *pool.ResourceServer) error {
	scopes := rs.Scopes
	if scopes == nil {
		scopes = []pool.Scope{}
	}
	b, err := json.Marshal(scopes)
	if err != nil {
		return fmt.Errorf("encode scopes: %w", err)
	}
	row := resourceServerRow{PoolID: rs.UserPoolId, Identifier: rs.Identifier, Name: rs.Name, Scopes: string(b), CreatedAt: now()}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, rs.UserPoolId); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			if violates(err, uqResourceServer) {
				return errs.New(errs.InvalidParameter, "A resource server with identifier %s already exists in this user pool.", rs.Identifier)
			}
			return fmt.Errorf("create resource server: %w", err)
		}
		return nil
	})
}

func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (*pool.ResourceServer, error) {
	var rows []resourceServerRow
	err := s.db.WithContext(ctx).Where("pool_id = ? AND identifier = ?", poolID, identifier).Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("get resource server: %w", err)
	}
	if len(rows) == 0 {
		return nil, resourceServerNotFound(identifier)
	}
	return rows[0].toResourceServer()
}

func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	res := s.db.WithContext(ctx).Where("pool_id = ? AND identifier = ?", poolID, identifier).Delete(&resourceServerRow{})
	if res.Error != nil {
		return fmt.Errorf("delete resource server: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return resourceServerNotFound(identifier)
	}
	return nil
}

func (s *Store) ListResourceServers(ctx context.Context, poolID string, page pool.Page) ([]*pool.ResourceServer, string, error) {
	k, err := newKeyset(page, "resource_servers", "identifier")
	if err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("pool_id = ?", poolID)
	rows, next, err := findPage(q, k, func(r *resourceServerRow) string { return r.Identifier })
	if err != nil {
		return nil, "", fmt.Errorf("list resource servers: %w", err)
	}
	out := make([]*pool.ResourceServer, 0, len(rows))
	for i := range rows {
		rs, err := rows[i].toResourceServer()
		if err != nil {
			return nil, "", err
		}
		out = append(out, rs)
	}
	return out, next, nil
}
