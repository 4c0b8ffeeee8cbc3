package storage_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

func TestSessions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Microsecond)
		maxAge := int64(30)
		ar := &session.AuthRequest{ID: "req1", PoolID: "pa", ClientID: "c1", RedirectURI: "https://a/cb", Scopes: []string{"openid"},
			State: "s", Nonce: "n", ResponseType: "code", CodeChallenge: "ch", CodeChallengeMethod: "S256",
			Prompt: []string{"login"}, MaxAge: &maxAge, CreatedAt: now, ExpiresAt: now.Add(3 * time.Minute)}
		if err := s.CreateAuthRequest(ctx, ar); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAuthRequest(ctx, "pa", "req1", now)
		if err != nil || got.RedirectURI != ar.RedirectURI || *got.MaxAge != 30 || got.Prompt[0] != "login" || got.Done {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetAuthRequest(ctx, "pb", "req1", now); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("another pool's request: %v", err)
		}
		if _, err := s.GetAuthRequest(ctx, "pa", "req1", now.Add(4*time.Minute)); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("expired request: %v", err)
		}
		if err := s.SaveCode(ctx, "pa", "req1", "h1", now.Add(5*time.Minute)); !errors.Is(err, session.ErrConflict) {
			t.Errorf("code before sign-in: %v", err)
		}
		if err := s.CompleteAuthRequest(ctx, "pb", "req1", "sub1", now, []string{"pwd"}, now); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("complete in another pool: %v", err)
		}
		if err := s.CompleteAuthRequest(ctx, "pa", "req1", "sub1", now, []string{"pwd"}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteAuthRequest(ctx, "pa", "req1", "sub2", now, nil, now); !errors.Is(err, session.ErrConflict) {
			t.Errorf("second completion: %v", err)
		}
		if err := s.SaveCode(ctx, "pa", "req1", "h1", now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveCode(ctx, "pa", "req1", "h2", now.Add(5*time.Minute)); !errors.Is(err, session.ErrConflict) {
			t.Errorf("second code: %v", err)
		}
		if _, err := s.ConsumeCode(ctx, "pb", "h1", now); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("code at another pool: %v", err)
		}
		if _, err := s.ConsumeCode(ctx, "pa", "h1", now.Add(6*time.Minute)); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("expired code: %v", err)
		}

		// 20 concurrent redemptions: one wins, the others see a replay.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, replays := 0, 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.ConsumeCode(ctx, "pa", "h1", now)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && r.Subject == "sub1":
					wins++
				case errors.Is(err, session.ErrCodeUsed):
					replays++
				default:
					t.Errorf("consume: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || replays != 19 {
			t.Fatalf("%d wins, %d replays", wins, replays)
		}
		// The winner's family, stored after the replays, is born revoked.
		f := &session.Family{ID: "f1", PoolID: "pa", ClientID: "c1", Sub: "sub1", AuthRequestID: "req1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateFamily(ctx, f, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetFamily(ctx, "pa", "f1"); err != nil || got.RevokedAt == nil {
			t.Errorf("family of a replayed code: %+v %v", got, err)
		}

		// Families and refresh tokens: rotation, revocation, user revocation.
		f2 := &session.Family{ID: "f2", PoolID: "pa", ClientID: "c1", Sub: "sub1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		rt := &session.RefreshToken{ID: "r1", PoolID: "pa", FamilyID: "f2", ClientID: "c1", Sub: "sub1", TokenHash: "t1",
			Scopes: []string{"openid"}, AMR: []string{"pwd"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateFamily(ctx, f2, rt); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRefreshToken(ctx, "pb", "t1"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("refresh token at another pool: %v", err)
		}
		next := &session.RefreshToken{ID: "r2", PoolID: "pa", FamilyID: "f2", ClientID: "c1", Sub: "sub1", TokenHash: "t2",
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.RotateRefreshToken(ctx, "pa", "r1", next, now); err != nil {
			t.Fatal(err)
		}
		old, err := s.GetRefreshToken(ctx, "pa", "t1")
		if err != nil || old.RotatedAt == nil || !old.RotatedAt.Equal(now) {
			t.Fatalf("rotated token: %+v %v", old, err)
		}
		if err := s.RevokeFamily(ctx, "pa", "f2", now); err != nil {
			t.Fatal(err)
		}
		if r2, _ := s.GetRefreshToken(ctx, "pa", "t2"); r2.RevokedAt == nil {
			t.Error("revoking the family left its newest token")
		}
		if fam, _ := s.GetFamily(ctx, "pa", "f2"); fam.RevokedAt == nil {
			t.Error("family not revoked")
		}
		third := &session.RefreshToken{ID: "r3", PoolID: "pa", FamilyID: "f2", ClientID: "c1", Sub: "sub1", TokenHash: "t3",
			AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.RotateRefreshToken(ctx, "pa", "r2", third, now); !errors.Is(err, session.ErrConflict) {
			t.Errorf("rotating a revoked token: %v", err)
		}

		n, err := s.DeleteExpiredSessions(ctx, now.Add(49*time.Hour))
		if err != nil || n == 0 {
			t.Errorf("delete expired: %d %v", n, err)
		}
		if _, err := s.GetFamily(ctx, "pa", "f2"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("expired family kept: %v", err)
		}
	})
}

// Disabling or deleting a user, or signing them out everywhere, revokes all their token
// families and ends their SSO browser sessions, in the same transaction; other users keep theirs.
func TestUserChangesRevokeSessions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		p := "local_sessions1"
		createPool(t, s, p)
		now := time.Now().UTC()
		for _, sub := range []string{"u1", "u2", "u3", "u4"} {
			u := &user.User{PoolID: p, Sub: sub, Username: sub, UsernameKey: sub, Status: user.StatusConfirmed, Enabled: true}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			f := &session.Family{ID: "f-" + sub, PoolID: p, ClientID: "c", Sub: sub, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			rt := &session.RefreshToken{ID: "r-" + sub, PoolID: p, FamilyID: f.ID, ClientID: "c", Sub: sub, TokenHash: "h-" + sub,
				AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := s.CreateFamily(ctx, f, rt); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"b1-" + sub, "b2-" + sub} {
				if err := s.CreateBrowserSession(ctx, &session.BrowserSession{IDHash: id, PoolID: p, Sub: sub, AuthTime: now,
					AMR: []string{"pwd"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		u1, err := s.GetUser(ctx, p, user.Lookup{Kind: user.BySub, Key: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		u1.Enabled = false
		if err := s.UpdateUser(ctx, u1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, p, "u2"); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeUserTokens(ctx, p, "u3", now); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"u1", "u2", "u3", "u4"} {
			ended := sub != "u4"
			f, err := s.GetFamily(ctx, p, "f-"+sub)
			if err != nil || (f.RevokedAt != nil) != ended {
				t.Errorf("family of %s: %+v %v", sub, f, err)
			}
			rt, err := s.GetRefreshToken(ctx, p, "h-"+sub)
			if err != nil || (rt.RevokedAt != nil) != ended {
				t.Errorf("refresh token of %s: %+v %v", sub, rt, err)
			}
			for _, id := range []string{"b1-" + sub, "b2-" + sub} {
				bs, err := s.GetBrowserSession(ctx, p, id)
				if err != nil || (bs == nil) != ended {
					t.Errorf("browser session %s of %s: %+v %v", id, sub, bs, err)
				}
			}
		}
	})
}
