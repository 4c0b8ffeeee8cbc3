package user

import (
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestNewHasherMinimums(t *testing.T) {
	tests := []struct {
		m, i uint32
		p    uint8
		ok   bool
	}{
		{19456, 2, 1, true},
		{65536, 3, 4, true},
		{19455, 2, 1, false},
		{19456, 1, 1, false},
		{19456, 2, 0, false},
	}
	for _, tt := range tests {
		_, err := NewHasher(tt.m, tt.i, tt.p)
		if (err == nil) != tt.ok {
			t.Errorf("NewHasher(%d, %d, %d) error = %v, want ok=%v", tt.m, tt.i, tt.p, err, tt.ok)
		}
	}
}

func TestArgon2RoundTrip(t *testing.T) {
	h := DefaultHasher()
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", hash)
	}
	other, _ := h.Hash("correct horse")
	if other == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	ok, rehash, err := h.Verify(hash, "correct horse")
	if err != nil || !ok || rehash {
		t.Fatalf("Verify right password = %v, %v, %v", ok, rehash, err)
	}
	ok, _, err = h.Verify(hash, "correct horsE")
	if err != nil || ok {
		t.Fatalf("Verify wrong password = %v, %v", ok, err)
	}
	// A stronger hasher asks for a rehash of hashes made with weaker parameters.
	strong, err := NewHasher(19456, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err = strong.Verify(hash, "correct horse")
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify with stronger params = %v, %v, %v", ok, rehash, err)
	}
}

func TestLongUnicodePasswordNotTruncated(t *testing.T) {
	h := DefaultHasher()
	base := strings.Repeat("пароль🔑密", 32) // 256 code points, well over 72 bytes
	if n := len([]rune(base)); n != 256 {
		t.Fatalf("password has %d code points", n)
	}
	hash, err := h.Hash(base)
	if err != nil {
		t.Fatal(err)
	}
	changed := string([]rune(base)[:255]) + "x"
	if ok, _, _ := h.Verify(hash, changed); ok {
		t.Fatal("a password differing only in its last character verified: it was truncated")
	}
	if ok, _, _ := h.Verify(hash, base); !ok {
		t.Fatal("the long password does not verify")
	}
}

func TestBcryptAcceptedAndRehashed(t *testing.T) {
	h := DefaultHasher()
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		b, err := bcrypt.GenerateFromPassword([]byte("imported-Pass1"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		hash := prefix + string(b[4:])
		ok, rehash, err := h.Verify(hash, "imported-Pass1")
		if err != nil || !ok || !rehash {
			t.Errorf("%s: Verify = %v, %v, %v; want ok and rehash", prefix, ok, rehash, err)
		}
		ok, _, err = h.Verify(hash, "imported-Pass2")
		if err != nil || ok {
			t.Errorf("%s: wrong password verified (%v, %v)", prefix, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := DefaultHasher()
	for _, hash := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=x,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$a2V5",
		"$2b$10$short",
	} {
		if ok, _, err := h.Verify(hash, "x"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want an error", hash, ok, err)
		}
	}
}

func TestHasherConcurrent(t *testing.T) {
	h := DefaultHasher()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			hash, err := h.Hash("pw")
			if err != nil {
				t.Error(err)
				return
			}
			if ok, _, _ := h.Verify(hash, "pw"); !ok {
				t.Error("concurrent hash does not verify")
			}
		})
	}
	wg.Wait()
}

func BenchmarkHash(b *testing.B) {
	h := DefaultHasher()
	for b.Loop() {
		if _, err := h.Hash("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
