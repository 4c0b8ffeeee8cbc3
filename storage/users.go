package storage

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

type userRow struct {
	PoolID                     string `gorm:"primaryKey"`
	Sub                        string `gorm:"primaryKey"`
	Username                   string
	UsernameKey                string
	EmailKey                   *string
	PhoneNumberKey             *string
	PreferredUsernameKey       *string
	Status                     string
	Enabled                    bool
	PasswordHash               string
	PasswordHistory            string // []string as JSON
	Attributes                 string // map[string]string as JSON
	TemporaryPasswordExpiresAt *time.Time
	ProfileIncomplete          bool
	MFA                        string `gorm:"column:mfa"` // user.MFASettings as JSON
	// SRPSalt is hex; SRPVerifier is sealed with the master key (see sealSRP). Both empty
	// for a user without a verifier.
	SRPSalt     string `gorm:"column:srp_salt"`
	SRPVerifier string `gorm:"column:srp_verifier"`
	// Copies of attributes that ListUsers searches, so that each has an index.
	Email             *string
	PhoneNumber       *string
	Name              *string
	GivenName         *string
	FamilyName        *string
	PreferredUsername *string
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

// aliasColumns maps a sign-in alias attribute to its unique key column.
var aliasColumns = map[string]string{
	"email":              "email_key",
	"phone_number":       "phone_number_key",
	"preferred_username": "preferred_username_key",
}

// aliasMessages are Cognito's AliasExistsException messages.
var aliasMessages = map[string]string{
	"email":              "An account with the given email already exists.",
	"phone_number":       "An account with the given phone_number already exists.",
	"preferred_username": "An account with the given preferred_username already exists.",
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func toUserRow(u *user.User) (*userRow, error) {
	attrs := u.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrJSON, err := json.Marshal(attrs)
	if err != nil {
		return nil, fmt.Errorf("encode attributes: %w", err)
	}
	history := u.PasswordHistory
	if history == nil {
		history = []string{}
	}
	histJSON, err := json.Marshal(history)
	if err != nil {
		return nil, fmt.Errorf("encode password history: %w", err)
	}
	mfaJSON, err := json.Marshal(u.MFA)
	if err != nil {
		return nil, fmt.Errorf("encode mfa settings: %w", err)
	}
	for attr := range u.AliasKeys {
		if _, ok := aliasColumns[attr]; !ok {
			return nil, errs.New(errs.InvalidParameter, "%s cannot be a sign-in alias.", attr)
		}
	}
	var expires *time.Time
	if u.TemporaryPasswordExpiresAt != nil {
		t := normTime(*u.TemporaryPasswordExpiresAt)
		expires = &t
	}
	return &userRow{
		PoolID: u.PoolID, Sub: u.Sub, Username: u.Username, UsernameKey: u.UsernameKey,
		EmailKey:             nullable(u.AliasKeys["email"]),
		PhoneNumberKey:       nullable(u.AliasKeys["phone_number"]),
		PreferredUsernameKey: nullable(u.AliasKeys["preferred_username"]),
		Status:               string(u.Status), Enabled: u.Enabled,
		PasswordHash: u.PasswordHash, PasswordHistory: string(histJSON), Attributes: string(attrJSON),
		TemporaryPasswordExpiresAt: expires, ProfileIncomplete: u.ProfileIncomplete, MFA: string(mfaJSON),
		Email:             nullable(attrs["email"]),
		PhoneNumber:       nullable(attrs["phone_number"]),
		Name:              nullable(attrs["name"]),
		GivenName:         nullable(attrs["given_name"]),
		FamilyName:        nullable(attrs["family_name"]),
		PreferredUsername: nullable(attrs["preferred_username"]),
		CreatedAt:         normTime(u.CreatedAt), UpdatedAt: normTime(u.UpdatedAt),
	}, nil
}

func (r *userRow) toUser() (*user.User, error) {
	u := &user.User{
		PoolID: r.PoolID, Sub: r.Sub, Username: r.Username, UsernameKey: r.UsernameKey,
		AliasKeys: map[string]string{}, Attributes: map[string]string{},
		Status: user.Status(r.Status), Enabled: r.Enabled, PasswordHash: r.PasswordHash,
		ProfileIncomplete: r.ProfileIncomplete,
		CreatedAt:         r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	for attr, key := range map[string]*string{"email": r.EmailKey, "phone_number": r.PhoneNumberKey, "preferred_username": r.PreferredUsernameKey} {
		if key != nil {
			u.AliasKeys[attr] = *key
		}
	}
	if err := json.Unmarshal([]byte(r.Attributes), &u.Attributes); err != nil {
		return nil, fmt.Errorf("decode attributes of user %s: %w", r.Sub, err)
	}
	if err := json.Unmarshal([]byte(r.PasswordHistory), &u.PasswordHistory); err != nil {
		return nil, fmt.Errorf("decode password history of user %s: %w", r.Sub, err)
	}
	if err := json.Unmarshal([]byte(r.MFA), &u.MFA); err != nil {
		return nil, fmt.Errorf("decode mfa settings of user %s: %w", r.Sub, err)
	}
	if r.TemporaryPasswordExpiresAt != nil {
		t := r.TemporaryPasswordExpiresAt.UTC()
		u.TemporaryPasswordExpiresAt = &t
	}
	return u, nil
}

func (s *Store) toUsers(rows []userRow) ([]*user.User, error) {
	out := make([]*user.User, 0, len(rows))
	for i := range rows {
		u, err := s.toUser(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// srpPurpose binds a sealed SRP verifier to its user, so that it cannot be moved to another.
func srpPurpose(poolID, sub string) string { return "srp-verifier/" + poolID + "/" + sub }

// userRow converts u to its row, sealing its SRP verifier.
func (s *Store) userRow(u *user.User) (*userRow, error) {
	row, err := toUserRow(u)
	if err != nil {
		return nil, err
	}
	if len(u.SRPVerifier) > 0 {
		row.SRPSalt = hex.EncodeToString(u.SRPSalt)
		row.SRPVerifier = s.sealer.Seal(srpPurpose(u.PoolID, u.Sub), u.SRPVerifier)
	}
	return row, nil
}

// toUser converts a row to its user, opening its SRP verifier.
func (s *Store) toUser(r *userRow) (*user.User, error) {
	u, err := r.toUser()
	if err != nil {
		return nil, err
	}
	if r.SRPVerifier != "" {
		if u.SRPSalt, err = hex.DecodeString(r.SRPSalt); err != nil {
			return nil, fmt.Errorf("decode srp salt of user %s: %w", r.Sub, err)
		}
		if u.SRPVerifier, err = s.sealer.Open(srpPurpose(r.PoolID, r.Sub), r.SRPVerifier); err != nil {
			return nil, fmt.Errorf("open srp verifier of user %s: %w", r.Sub, err)
		}
	}
	return u, nil
}

// migrate0008SRP adds the users' SRP salt and sealed verifier.
func migrate0008SRP(tx *gorm.DB) error {
	type users struct {
		SRPSalt     string `gorm:"column:srp_salt;not null;default:''"`
		SRPVerifier string `gorm:"column:srp_verifier;not null;default:''"`
	}
	for _, col := range []string{"SRPSalt", "SRPVerifier"} {
		if err := tx.Migrator().AddColumn(&users{}, col); err != nil {
			return fmt.Errorf("add users.%s: %w", col, err)
		}
	}
	return nil
}

var errUserNotFound = errs.New(errs.UserNotFound, "User does not exist.")

// userConflict maps a unique violation on users to its Cognito error, or returns nil.
func userConflict(err error) error {
	if violates(err, uqUsername) {
		return errs.Wrap(errs.UsernameExists, err, "User account already exists")
	}
	for attr, c := range uqAlias {
		if violates(err, c) {
			return errs.Wrap(errs.AliasExists, err, aliasMessages[attr])
		}
	}
	return nil
}

func (s *Store) CreateUser(ctx context.Context, u *user.User) error {
	return s.CreateUserWith(ctx, u, user.Effects{})
}

// CreateUserWith is CreateUser writing fx (codes, messages) in the same transaction.
func (s *Store) CreateUserWith(ctx context.Context, u *user.User, fx user.Effects) error {
	t := now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = t
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	row, err := s.userRow(u)
	if err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt = row.CreatedAt, row.UpdatedAt
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requirePool(tx, u.PoolID); err != nil {
			return err
		}
		if err := tx.Create(row).Error; err != nil {
			if cerr := userConflict(err); cerr != nil {
				return cerr
			}
			if violates(err, uqUserSub) {
				return fmt.Errorf("create user: sub %s is taken: %w", u.Sub, err)
			}
			return fmt.Errorf("create user: %w", err)
		}
		if err := addActivity(tx, u.PoolID, u.CreatedAt, 1, 0, 0); err != nil {
			return err
		}
		return s.writeEffects(tx, u.PoolID, u.Sub, fx)
	})
}

func (s *Store) GetUser(ctx context.Context, poolID string, by user.Lookup) (*user.User, error) {
	q := s.db.WithContext(ctx).Where("pool_id = ?", poolID)
	switch by.Kind {
	case user.BySub:
		q = q.Where("sub = ?", by.Key)
	case user.ByUsernameKey:
		q = q.Where("username_key = ?", by.Key)
	case user.ByAlias:
		col, ok := aliasColumns[by.Attr]
		if !ok {
			return nil, errs.New(errs.InvalidParameter, "%s cannot be a sign-in alias.", by.Attr)
		}
		q = q.Where(col+" = ?", by.Key)
	default:
		return nil, fmt.Errorf("get user: unknown lookup kind %d", by.Kind)
	}
	var rows []userRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	if len(rows) == 0 {
		return nil, errUserNotFound
	}
	return s.toUser(&rows[0])
}

// UpdateUser writes every field of u, including its keys; UpdatedAt is set to now.
func (s *Store) UpdateUser(ctx context.Context, u *user.User) error {
	return s.UpdateUserWith(ctx, u, user.Effects{})
}

// UpdateUserWith is UpdateUser writing fx (codes, messages) in the same transaction.
func (s *Store) UpdateUserWith(ctx context.Context, u *user.User, fx user.Effects) error {
	row, err := s.userRow(u)
	if err != nil {
		return err
	}
	row.UpdatedAt = now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("pool_id = ? AND sub = ?", u.PoolID, u.Sub).
			Select("username", "username_key", "email_key", "phone_number_key", "preferred_username_key",
				"status", "enabled", "password_hash", "password_history", "attributes",
				"temporary_password_expires_at", "profile_incomplete", "mfa", "srp_salt", "srp_verifier",
				"email", "phone_number", "name", "given_name", "family_name", "preferred_username", "updated_at").
			Updates(row)
		if res.Error != nil {
			if cerr := userConflict(res.Error); cerr != nil {
				return cerr
			}
			return fmt.Errorf("update user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errUserNotFound
		}
		if err := s.writeEffects(tx, u.PoolID, u.Sub, fx); err != nil {
			return err
		}
		if !u.Enabled {
			// A disabled user's sessions end with the change, in the same transaction.
			return revokeUserTokens(tx, u.PoolID, u.Sub, row.UpdatedAt)
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.UpdatedAt = row.UpdatedAt
	return nil
}

func (s *Store) DeleteUser(ctx context.Context, poolID, sub string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&userRow{})
		if res.Error != nil {
			return fmt.Errorf("delete user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errUserNotFound
		}
		if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&memberRow{}).Error; err != nil {
			return fmt.Errorf("delete user's group memberships: %w", err)
		}
		if err := deleteUserCodes(tx, poolID, sub); err != nil {
			return err
		}
		if err := deleteUserMFA(tx, poolID, sub); err != nil {
			return err
		}
		return revokeUserTokens(tx, poolID, sub, now())
	})
}

// --- group membership ---

// exists reports whether a row of model matches. With lock, on PostgreSQL it key-share-locks the row
// until tx ends, so that a membership is never written beside a concurrently deleted user or group.
func (s *Store) exists(tx *gorm.DB, lock bool, model any, query string, args ...any) (bool, error) {
	q := tx.Model(model).Select("pool_id").Where(query, args...)
	if lock && s.driver == DriverPostgres {
		q = q.Clauses(clause.Locking{Strength: "KEY SHARE"})
	}
	var found []string
	if err := q.Limit(1).Pluck("pool_id", &found).Error; err != nil {
		return false, err
	}
	return len(found) > 0, nil
}

// requireUserAndGroup fails with UserNotFound or ResourceNotFound unless both exist.
func (s *Store) requireUserAndGroup(tx *gorm.DB, poolID, sub, group string) error {
	ok, err := s.exists(tx, true, &userRow{}, "pool_id = ? AND sub = ?", poolID, sub)
	if err != nil {
		return fmt.Errorf("find user: %w", err)
	}
	if !ok {
		return errUserNotFound
	}
	ok, err = s.exists(tx, true, &groupRow{}, "pool_id = ? AND name = ?", poolID, group)
	if err != nil {
		return fmt.Errorf("find group: %w", err)
	}
	if !ok {
		return groupNotFound(group)
	}
	return nil
}

// AddUserToGroup adds a membership; adding an existing member again is not an error (as Cognito).
func (s *Store) AddUserToGroup(ctx context.Context, poolID, sub, group string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requireUserAndGroup(tx, poolID, sub, group); err != nil {
			return err
		}
		err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&memberRow{PoolID: poolID, GroupName: group, Sub: sub}).Error
		if err != nil {
			return fmt.Errorf("add user to group: %w", err)
		}
		return nil
	})
}

// RemoveUserFromGroup removes a membership; removing a non-member is not an error (as Cognito).
func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.requireUserAndGroup(tx, poolID, sub, group); err != nil {
			return err
		}
		err := tx.Where("pool_id = ? AND group_name = ? AND sub = ?", poolID, group, sub).Delete(&memberRow{}).Error
		if err != nil {
			return fmt.Errorf("remove user from group: %w", err)
		}
		return nil
	})
}

func (s *Store) ListGroupsForUser(ctx context.Context, poolID, sub string, page pool.Page) ([]*pool.Group, string, error) {
	k, err := newKeyset(page, "groups-of-user", "m.group_name")
	if err != nil {
		return nil, "", err
	}
	db := s.db.WithContext(ctx)
	ok, err := s.exists(db, false, &userRow{}, "pool_id = ? AND sub = ?", poolID, sub)
	if err != nil {
		return nil, "", fmt.Errorf("find user: %w", err)
	}
	if !ok {
		return nil, "", errUserNotFound
	}
	q := db.Table("user_groups g").Select("g.*").
		Joins("JOIN group_members m ON m.pool_id = g.pool_id AND m.group_name = g.name").
		Where("m.pool_id = ? AND m.sub = ?", poolID, sub)
	rows, next, err := findPage(q, k, groupName)
	if err != nil {
		return nil, "", fmt.Errorf("list groups for user: %w", err)
	}
	return toGroups(rows), next, nil
}

func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group string, page pool.Page) ([]*user.User, string, error) {
	k, err := newKeyset(page, "users-in-group", "m.sub")
	if err != nil {
		return nil, "", err
	}
	db := s.db.WithContext(ctx)
	ok, err := s.exists(db, false, &groupRow{}, "pool_id = ? AND name = ?", poolID, group)
	if err != nil {
		return nil, "", fmt.Errorf("find group: %w", err)
	}
	if !ok {
		return nil, "", groupNotFound(group)
	}
	q := db.Table("users u").Select("u.*").
		Joins("JOIN group_members m ON m.pool_id = u.pool_id AND m.sub = u.sub").
		Where("m.pool_id = ? AND m.group_name = ?", poolID, group)
	rows, next, err := findPage(q, k, func(r *userRow) string { return r.Sub })
	if err != nil {
		return nil, "", fmt.Errorf("list users in group: %w", err)
	}
	users, err := s.toUsers(rows)
	return users, next, err
}
