package accesskey_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/userpool/userpool/accesskey"
	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

func TestCreateGeneratesKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, store *storage.Store) {
		ctx := context.Background()
		svc := accesskey.NewService(store)
		k, err := svc.Create(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`).MatchString(k.ID) {
			t.Errorf("generated id %q", k.ID)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`).MatchString(k.Secret) {
			t.Errorf("generated secret %q", k.Secret)
		}
		other, err := svc.Create(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if other.ID == k.ID || other.Secret == k.Secret {
			t.Fatal("two generated keys are equal")
		}
		secret, err := svc.SecretFor(ctx, k.ID)
		if err != nil || secret != k.Secret {
			t.Fatalf("SecretFor = %q, %v", secret, err)
		}
	})
}

func TestCreateRejectsBadKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, store *storage.Store) {
		ctx := context.Background()
		svc := accesskey.NewService(store)
		if _, err := svc.Create(ctx, "AKIAEXISTING00000000", "existing-secret-0123456789"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, id, secret string
			code             errs.Code // "" when any error will do
		}{
			{"short id", "AKIA123", "", errs.InvalidParameter},
			{"lower-case id", "akiaexample000000000", "", errs.InvalidParameter},
			{"id with symbols", "AKIA-EXAMPLE-0000000", "", errs.InvalidParameter},
			{"short secret", "", "tooshort", errs.InvalidParameter},
			{"secret with space", "", "secret with spaces in it 123", errs.InvalidParameter},
			{"secret with quote", "", `secret"0123456789012345`, errs.InvalidParameter},
			{"duplicate id", "AKIAEXISTING00000000", "another-secret-0123456789", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.Create(ctx, tt.id, tt.secret)
				if err == nil {
					t.Fatal("Create succeeded")
				}
				if tt.code != "" && !errs.Is(err, tt.code) {
					t.Fatalf("error %v, want %s", err, tt.code)
				}
			})
		}
		// Nothing but the first key was stored, and it still has its own secret.
		keys, err := svc.List(ctx)
		if err != nil || len(keys) != 1 {
			t.Fatalf("List = %d keys, %v", len(keys), err)
		}
		if s, err := svc.SecretFor(ctx, "AKIAEXISTING00000000"); err != nil || s != "existing-secret-0123456789" {
			t.Fatalf("existing key changed: %q, %v", s, err)
		}
	})
}

func TestEnableDisableDelete(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, store *storage.Store) {
		ctx := context.Background()
		svc := accesskey.NewService(store)
		k, err := svc.Create(ctx, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetEnabled(ctx, k.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SecretFor(ctx, k.ID); !errs.Is(err, errs.UnrecognizedClient) {
			t.Fatalf("disabled key: %v, want UnrecognizedClient", err)
		}
		keys, _ := svc.List(ctx)
		if len(keys) != 1 || keys[0].Enabled {
			t.Fatalf("List after disable: %+v", keys)
		}
		if err := svc.SetEnabled(ctx, k.ID, true); err != nil {
			t.Fatal(err)
		}
		if s, err := svc.SecretFor(ctx, k.ID); err != nil || s != k.Secret {
			t.Fatalf("re-enabled key: %q, %v", s, err)
		}
		if err := svc.Delete(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SecretFor(ctx, k.ID); !errs.Is(err, errs.UnrecognizedClient) {
			t.Fatalf("deleted key: %v, want UnrecognizedClient", err)
		}
		if _, err := svc.SecretFor(ctx, "AKIANEVERSEEN0000000"); !errs.Is(err, errs.UnrecognizedClient) {
			t.Fatalf("unknown key: %v, want UnrecognizedClient", err)
		}
		for name, err := range map[string]error{
			"disable unknown": svc.SetEnabled(ctx, "AKIANEVERSEEN0000000", false),
			"enable unknown":  svc.SetEnabled(ctx, "AKIANEVERSEEN0000000", true),
			"delete unknown":  svc.Delete(ctx, "AKIANEVERSEEN0000000"),
		} {
			if !errs.Is(err, errs.ResourceNotFound) {
				t.Errorf("%s: %v, want ResourceNotFound", name, err)
			}
		}
	})
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	const id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tests := []struct {
		name       string
		id, secret string
		wantErr    bool
	}{
		{name: "configured pair", id: id, secret: secret},
		{name: "generated"},
		{name: "bad configured pair", id: "short", secret: secret, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, store *storage.Store) {
				svc := accesskey.NewService(store)
				k, created, err := svc.Bootstrap(ctx, tt.id, tt.secret)
				if tt.wantErr {
					if err == nil {
						t.Fatal("Bootstrap accepted a bad pair")
					}
					if keys, _ := svc.List(ctx); len(keys) != 0 {
						t.Fatalf("%d keys stored after a rejected bootstrap", len(keys))
					}
					return
				}
				if err != nil || !created || (tt.id != "" && k.ID != tt.id) {
					t.Fatalf("Bootstrap = %+v, %t, %v", k, created, err)
				}
				if s, err := svc.SecretFor(ctx, k.ID); err != nil || s != k.Secret {
					t.Fatalf("SecretFor: %q, %v", s, err)
				}
				// A second start changes nothing.
				if _, created, err := svc.Bootstrap(ctx, "", ""); err != nil || created {
					t.Fatalf("second Bootstrap created=%t, %v", created, err)
				}
				if keys, _ := svc.List(ctx); len(keys) != 1 {
					t.Fatalf("%d keys after two starts", len(keys))
				}
			})
		})
	}
}

func TestCredentialsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), accesskey.CredentialsFile)
	k := &accesskey.Key{ID: "AKIAIOSFODNN7EXAMPLE", Secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	if err := accesskey.WriteCredentialsFile(path, k); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	id, secret, err := accesskey.ReadCredentialsFile(path)
	if err != nil || id != k.ID || secret != k.Secret {
		t.Fatalf("read back %q %q %v", id, secret, err)
	}

	for name, content := range map[string]string{
		"empty":          "",
		"only a comment": "# USERPOOL_ADMIN_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
		"no secret":      "USERPOOL_ADMIN_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
	} {
		bad := filepath.Join(t.TempDir(), "bad")
		os.WriteFile(bad, []byte(content), 0o600)
		if _, _, err := accesskey.ReadCredentialsFile(bad); err == nil {
			t.Errorf("%s: read succeeded", name)
		}
	}
	// Hand-written variants: export and quotes.
	alt := filepath.Join(t.TempDir(), "alt")
	os.WriteFile(alt, []byte("export USERPOOL_ADMIN_ACCESS_KEY_ID=\"AKIAIOSFODNN7EXAMPLE\"\nUSERPOOL_ADMIN_SECRET_ACCESS_KEY='s3cr3t'\n"), 0o600)
	if id, secret, err := accesskey.ReadCredentialsFile(alt); err != nil || id != "AKIAIOSFODNN7EXAMPLE" || secret != "s3cr3t" {
		t.Fatalf("alt: %q %q %v", id, secret, err)
	}
}
