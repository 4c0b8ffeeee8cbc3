package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/userpool/userpool/session"
)

var _ session.Store = (*Store)(nil)

// authRequestKeep is how long an auth request stays after it expired, so that a replayed
// code is still recognised (and revokes what the first redemption issued) instead of being
// just unknown.
const authRequestKeep = 24 * time.Hour

// familyKeep is how long a token family stays after its last refresh token expired: an
// access token issued just before that may live one more day (Cognito's longest validity).
const familyKeep = 24 * time.Hour

// authRequestParams are the immutable parameters of an auth request, stored as JSON.
type authRequestParams struct {
	RedirectURI         string   `json:"redirect_uri"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	ResponseType        string   `json:"response_type"`
	ResponseMode        string   `json:"response_mode,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	MaxAge              *int64   `json:"max_age,omitempty"`
	LoginHint           string   `json:"login_hint,omitempty"`
	UILocales           []string `json:"ui_locales,omitempty"`
	IDTokenHintSub      string   `json:"id_token_hint_sub,omitempty"`
}

type authRequestRow struct {
	PoolID        string `gorm:"primaryKey"`
	ID            string `gorm:"primaryKey"`
	ClientID      string
	Params        string
	Subject       string
	AuthTime      *time.Time
	AMR           string `gorm:"column:amr"`
	Done          bool
	CodeHash      *string
	CodeExpiresAt *time.Time
	CodeUsedAt    *time.Time
	ReplayedAt    *time.Time
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt     time.Time
}

func (authRequestRow) TableName() string { return "auth_requests" }

type familyRow struct {
	PoolID        string `gorm:"primaryKey"`
	ID            string `gorm:"primaryKey"`
	ClientID      string
	Sub           string
	AuthRequestID string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt     time.Time
	RevokedAt     *time.Time
}

func (familyRow) TableName() string { return "token_families" }

type refreshTokenRow struct {
	PoolID    string `gorm:"primaryKey"`
	ID        string `gorm:"primaryKey"`
	FamilyID  string
	ClientID  string
	Sub       string
	TokenHash string
	Scopes    string
	AMR       string    `gorm:"column:amr"`
	AuthTime  time.Time `gorm:"autoCreateTime:false"`
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	RotatedAt *time.Time
	RevokedAt *time.Time
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

// migrate0005Sessions adds auth requests (with their codes), token families and refresh
// tokens. Code and token hashes are unique: a lookup by hash finds one row.
func migrate0005Sessions(tx *gorm.DB) error {
	type authRequests struct {
		PoolID        string `gorm:"primaryKey"`
		ID            string `gorm:"primaryKey"`
		ClientID      string `gorm:"not null"`
		Params        string `gorm:"not null"`
		Subject       string `gorm:"not null"`
		AuthTime      *time.Time
		AMR           string `gorm:"column:amr;not null"`
		Done          bool   `gorm:"not null"`
		CodeHash      *string
		CodeExpiresAt *time.Time
		CodeUsedAt    *time.Time
		ReplayedAt    *time.Time
		CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
		ExpiresAt     time.Time `gorm:"not null"`
	}
	type tokenFamilies struct {
		PoolID        string    `gorm:"primaryKey"`
		ID            string    `gorm:"primaryKey"`
		ClientID      string    `gorm:"not null"`
		Sub           string    `gorm:"not null"`
		AuthRequestID string    `gorm:"not null"`
		CreatedAt     time.Time `gorm:"not null;autoCreateTime:false"`
		ExpiresAt     time.Time `gorm:"not null"`
		RevokedAt     *time.Time
	}
	type refreshTokens struct {
		PoolID    string    `gorm:"primaryKey"`
		ID        string    `gorm:"primaryKey"`
		FamilyID  string    `gorm:"not null"`
		ClientID  string    `gorm:"not null"`
		Sub       string    `gorm:"not null"`
		TokenHash string    `gorm:"not null"`
		Scopes    string    `gorm:"not null"`
		AMR       string    `gorm:"column:amr;not null"`
		AuthTime  time.Time `gorm:"not null;autoCreateTime:false"`
		CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
		ExpiresAt time.Time `gorm:"not null"`
		RotatedAt *time.Time
		RevokedAt *time.Time
	}
	tables := []struct {
		name  string
		model any
	}{
		{"auth_requests", &authRequests{}},
		{"token_families", &tokenFamilies{}},
		{"refresh_tokens", &refreshTokens{}},
	}
	for _, t := range tables {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create table %s: %w", t.name, err)
		}
	}
	for _, stmt := range []string{
		`CREATE UNIQUE INDEX auth_requests_code_hash_uq ON auth_requests (code_hash)`,
		`CREATE INDEX auth_requests_expires_idx ON auth_requests (expires_at)`,
		`CREATE INDEX token_families_sub_idx ON token_families (pool_id, sub)`,
		`CREATE INDEX token_families_auth_request_idx ON token_families (pool_id, auth_request_id)`,
		`CREATE INDEX token_families_expires_idx ON token_families (expires_at)`,
		`CREATE UNIQUE INDEX refresh_tokens_hash_uq ON refresh_tokens (token_hash)`,
		`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (pool_id, family_id)`,
		`CREATE INDEX refresh_tokens_sub_idx ON refresh_tokens (pool_id, sub)`,
		`CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func marshalList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always encodes
	return string(b)
}

func unmarshalList(s, what string) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return v, nil
}

func timePtr(t time.Time) *time.Time {
	t = normTime(t)
	return &t
}

func (r *authRequestRow) toAuthRequest() (*session.AuthRequest, error) {
	var p authRequestParams
	if err := json.Unmarshal([]byte(r.Params), &p); err != nil {
		return nil, fmt.Errorf("decode auth request %s: %w", r.ID, err)
	}
	amr, err := unmarshalList(r.AMR, "auth request amr")
	if err != nil {
		return nil, err
	}
	a := &session.AuthRequest{
		ID: r.ID, PoolID: r.PoolID, ClientID: r.ClientID,
		RedirectURI: p.RedirectURI, Scopes: p.Scopes, State: p.State, Nonce: p.Nonce,
		ResponseType: p.ResponseType, ResponseMode: p.ResponseMode,
		CodeChallenge: p.CodeChallenge, CodeChallengeMethod: p.CodeChallengeMethod,
		Prompt: p.Prompt, MaxAge: p.MaxAge, LoginHint: p.LoginHint, UILocales: p.UILocales, IDTokenHintSub: p.IDTokenHintSub,
		Subject: r.Subject, AMR: amr, Done: r.Done,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
	if r.AuthTime != nil {
		a.AuthTime = r.AuthTime.UTC()
	}
	return a, nil
}

func (s *Store) CreateAuthRequest(ctx context.Context, a *session.AuthRequest) error {
	params, err := json.Marshal(authRequestParams{
		RedirectURI: a.RedirectURI, Scopes: a.Scopes, State: a.State, Nonce: a.Nonce,
		ResponseType: a.ResponseType, ResponseMode: a.ResponseMode,
		CodeChallenge: a.CodeChallenge, CodeChallengeMethod: a.CodeChallengeMethod,
		Prompt: a.Prompt, MaxAge: a.MaxAge, LoginHint: a.LoginHint, UILocales: a.UILocales, IDTokenHintSub: a.IDTokenHintSub,
	})
	if err != nil {
		return fmt.Errorf("encode auth request: %w", err)
	}
	a.CreatedAt, a.ExpiresAt = normTime(a.CreatedAt), normTime(a.ExpiresAt)
	row := authRequestRow{PoolID: a.PoolID, ID: a.ID, ClientID: a.ClientID, Params: string(params),
		Subject: a.Subject, AMR: marshalList(a.AMR), Done: a.Done, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt}
	if !a.AuthTime.IsZero() {
		row.AuthTime = timePtr(a.AuthTime)
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	return nil
}

func (s *Store) GetAuthRequest(ctx context.Context, poolID, id string, now time.Time) (*session.AuthRequest, error) {
	var rows []authRequestRow
	err := s.db.WithContext(ctx).Where("pool_id = ? AND id = ? AND expires_at > ?", poolID, id, normTime(now)).
		Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("get auth request: %w", err)
	}
	if len(rows) == 0 {
		return nil, session.ErrNotFound
	}
	return rows[0].toAuthRequest()
}

func (s *Store) CompleteAuthRequest(ctx context.Context, poolID, id, sub string, authTime time.Time, amr []string, now time.Time) error {
	res := s.db.WithContext(ctx).Model(&authRequestRow{}).
		Where("pool_id = ? AND id = ? AND expires_at > ? AND done = ?", poolID, id, normTime(now), false).
		Updates(map[string]any{"subject": sub, "auth_time": normTime(authTime), "amr": marshalList(amr), "done": true})
	if res.Error != nil {
		return fmt.Errorf("complete auth request: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return s.authRequestState(ctx, poolID, id, now)
	}
	return nil
}

// authRequestState explains why a conditional update of an auth request matched nothing.
func (s *Store) authRequestState(ctx context.Context, poolID, id string, now time.Time) error {
	if _, err := s.GetAuthRequest(ctx, poolID, id, now); err != nil {
		return err
	}
	return session.ErrConflict
}

func (s *Store) SaveCode(ctx context.Context, poolID, id, codeHash string, expiresAt time.Time) error {
	exp := normTime(expiresAt)
	res := s.db.WithContext(ctx).Model(&authRequestRow{}).
		Where("pool_id = ? AND id = ? AND done = ? AND code_hash IS NULL", poolID, id, true).
		Updates(map[string]any{"code_hash": codeHash, "code_expires_at": exp,
			// The row lives on past the code's expiry so that a replay is recognised.
			"expires_at": gorm.Expr("CASE WHEN expires_at > ? THEN expires_at ELSE ? END", exp, exp)})
	if res.Error != nil {
		return fmt.Errorf("save code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return session.ErrConflict
	}
	return nil
}

func (s *Store) ConsumeCode(ctx context.Context, poolID, codeHash string, now time.Time) (*session.AuthRequest, error) {
	t := normTime(now)
	db := s.db.WithContext(ctx)
	// One conditional update: of concurrent redemptions exactly one matches the row while
	// code_used_at is still NULL (PostgreSQL re-checks the condition after the row lock;
	// SQLite runs one writer at a time).
	res := db.Model(&authRequestRow{}).
		Where("pool_id = ? AND code_hash = ? AND code_used_at IS NULL AND code_expires_at > ?", poolID, codeHash, t).
		Update("code_used_at", t)
	if res.Error != nil {
		return nil, fmt.Errorf("consume code: %w", res.Error)
	}
	var rows []authRequestRow
	if err := db.Where("pool_id = ? AND code_hash = ?", poolID, codeHash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("consume code: %w", err)
	}
	if len(rows) == 0 {
		return nil, session.ErrNotFound
	}
	if res.RowsAffected == 1 {
		return rows[0].toAuthRequest()
	}
	if rows[0].CodeUsedAt == nil {
		return nil, session.ErrNotFound // expired unused
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&authRequestRow{}).Where("pool_id = ? AND id = ? AND replayed_at IS NULL", poolID, rows[0].ID).
			Update("replayed_at", t).Error; err != nil {
			return err
		}
		var families []string
		if err := tx.Model(&familyRow{}).Where("pool_id = ? AND auth_request_id = ?", poolID, rows[0].ID).
			Pluck("id", &families).Error; err != nil {
			return err
		}
		return revokeFamilies(tx, poolID, families, t)
	})
	if err != nil {
		return nil, fmt.Errorf("revoke tokens of replayed code: %w", err)
	}
	return nil, session.ErrCodeUsed
}

// revokeFamilies revokes the families and their refresh tokens.
func revokeFamilies(tx *gorm.DB, poolID string, ids []string, t time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Model(&familyRow{}).Where("pool_id = ? AND id IN ? AND revoked_at IS NULL", poolID, ids).
		Update("revoked_at", t).Error; err != nil {
		return fmt.Errorf("revoke families: %w", err)
	}
	if err := tx.Model(&refreshTokenRow{}).Where("pool_id = ? AND family_id IN ? AND revoked_at IS NULL", poolID, ids).
		Update("revoked_at", t).Error; err != nil {
		return fmt.Errorf("revoke refresh tokens: %w", err)
	}
	return nil
}

func toRefreshTokenRow(rt *session.RefreshToken) refreshTokenRow {
	rt.AuthTime, rt.CreatedAt, rt.ExpiresAt = normTime(rt.AuthTime), normTime(rt.CreatedAt), normTime(rt.ExpiresAt)
	return refreshTokenRow{PoolID: rt.PoolID, ID: rt.ID, FamilyID: rt.FamilyID, ClientID: rt.ClientID, Sub: rt.Sub,
		TokenHash: rt.TokenHash, Scopes: marshalList(rt.Scopes), AMR: marshalList(rt.AMR),
		AuthTime: rt.AuthTime, CreatedAt: rt.CreatedAt, ExpiresAt: rt.ExpiresAt}
}

func (r *refreshTokenRow) toRefreshToken() (*session.RefreshToken, error) {
	scopes, err := unmarshalList(r.Scopes, "refresh token scopes")
	if err != nil {
		return nil, err
	}
	amr, err := unmarshalList(r.AMR, "refresh token amr")
	if err != nil {
		return nil, err
	}
	rt := &session.RefreshToken{ID: r.ID, PoolID: r.PoolID, FamilyID: r.FamilyID, ClientID: r.ClientID, Sub: r.Sub,
		TokenHash: r.TokenHash, Scopes: scopes, AMR: amr, AuthTime: r.AuthTime.UTC(),
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.RotatedAt != nil {
		t := r.RotatedAt.UTC()
		rt.RotatedAt = &t
	}
	if r.RevokedAt != nil {
		t := r.RevokedAt.UTC()
		rt.RevokedAt = &t
	}
	return rt, nil
}

func (s *Store) CreateFamily(ctx context.Context, f *session.Family, rt *session.RefreshToken) error {
	f.CreatedAt, f.ExpiresAt = normTime(f.CreatedAt), normTime(f.ExpiresAt)
	row := familyRow{PoolID: f.PoolID, ID: f.ID, ClientID: f.ClientID, Sub: f.Sub, AuthRequestID: f.AuthRequestID,
		CreatedAt: f.CreatedAt, ExpiresAt: f.ExpiresAt}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create token family: %w", err)
		}
		if rt != nil {
			rtRow := toRefreshTokenRow(rt)
			if err := tx.Create(&rtRow).Error; err != nil {
				return fmt.Errorf("create refresh token: %w", err)
			}
		}
		if f.AuthRequestID == "" {
			return nil
		}
		// Checked after the insert: a replay that revoked the request's families before this
		// family existed has set replayed_at, and one that comes later finds the family.
		var replayed []string
		if err := tx.Model(&authRequestRow{}).Where("pool_id = ? AND id = ? AND replayed_at IS NOT NULL", f.PoolID, f.AuthRequestID).
			Pluck("id", &replayed).Error; err != nil {
			return fmt.Errorf("check auth request: %w", err)
		}
		if len(replayed) > 0 {
			// The code was replayed while this redemption was under way: its tokens are
			// issued revoked, like those of a redemption that had finished before.
			f.RevokedAt = timePtr(f.CreatedAt)
			return revokeFamilies(tx, f.PoolID, []string{f.ID}, *f.RevokedAt)
		}
		return nil
	})
}

func (s *Store) GetFamily(ctx context.Context, poolID, id string) (*session.Family, error) {
	var rows []familyRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND id = ?", poolID, id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get token family: %w", err)
	}
	if len(rows) == 0 {
		return nil, session.ErrNotFound
	}
	r := rows[0]
	f := &session.Family{ID: r.ID, PoolID: r.PoolID, ClientID: r.ClientID, Sub: r.Sub, AuthRequestID: r.AuthRequestID,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.RevokedAt != nil {
		t := r.RevokedAt.UTC()
		f.RevokedAt = &t
	}
	return f, nil
}

func (s *Store) GetRefreshToken(ctx context.Context, poolID, tokenHash string) (*session.RefreshToken, error) {
	var rows []refreshTokenRow
	if err := s.db.WithContext(ctx).Where("pool_id = ? AND token_hash = ?", poolID, tokenHash).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get refresh token: %w", err)
	}
	if len(rows) == 0 {
		return nil, session.ErrNotFound
	}
	return rows[0].toRefreshToken()
}

func (s *Store) RotateRefreshToken(ctx context.Context, poolID, oldID string, next *session.RefreshToken, now time.Time) error {
	t := normTime(now)
	row := toRefreshTokenRow(next)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&refreshTokenRow{}).Where("pool_id = ? AND id = ? AND revoked_at IS NULL", poolID, oldID).
			Update("rotated_at", gorm.Expr("COALESCE(rotated_at, ?)", t))
		if res.Error != nil {
			return fmt.Errorf("rotate refresh token: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return session.ErrConflict
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create refresh token: %w", err)
		}
		return nil
	})
}

func (s *Store) RevokeFamily(ctx context.Context, poolID, familyID string, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return revokeFamilies(tx, poolID, []string{familyID}, normTime(now))
	})
}

func (s *Store) RevokeUserTokens(ctx context.Context, poolID, sub string, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return revokeUserTokens(tx, poolID, sub, normTime(now))
	})
}

// revokeUserTokens revokes every family and refresh token of a user and ends their SSO browser
// sessions inside tx; UpdateUser and DeleteUser call it so that disabling or deleting a user
// ends their sessions atomically.
func revokeUserTokens(tx *gorm.DB, poolID, sub string, t time.Time) error {
	if err := tx.Where("pool_id = ? AND sub = ?", poolID, sub).Delete(&browserSessionRow{}).Error; err != nil {
		return fmt.Errorf("end user's browser sessions: %w", err)
	}
	if err := tx.Model(&familyRow{}).Where("pool_id = ? AND sub = ? AND revoked_at IS NULL", poolID, sub).
		Update("revoked_at", t).Error; err != nil {
		return fmt.Errorf("revoke user's token families: %w", err)
	}
	if err := tx.Model(&refreshTokenRow{}).Where("pool_id = ? AND sub = ? AND revoked_at IS NULL", poolID, sub).
		Update("revoked_at", t).Error; err != nil {
		return fmt.Errorf("revoke user's refresh tokens: %w", err)
	}
	return nil
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	t := normTime(now)
	var total int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []struct {
			model  any
			before time.Time
		}{
			{&authRequestRow{}, t.Add(-authRequestKeep)},
			{&refreshTokenRow{}, t},
			// A family outlives its refresh tokens by the longest access token lifetime, so that
			// userInfo can still tell a revoked family from a missing one.
			{&familyRow{}, t.Add(-familyKeep)},
		} {
			res := tx.Where("expires_at < ?", q.before).Delete(q.model)
			if res.Error != nil {
				return res.Error
			}
			total += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return total, nil
}
