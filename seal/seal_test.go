package seal

import (
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	s, err := New(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("client-secret", []byte("hunter2"))
	got, err := s.Open("client-secret", sealed)
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open("other-purpose", sealed); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("open with another purpose: %v, want ErrWrongKey", err)
	}
	other, _ := New(NewKey())
	if _, err := other.Open("client-secret", sealed); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("open with another key: %v, want ErrWrongKey", err)
	}
	for _, bad := range []string{"", "!!!", "AAAA"} {
		if _, err := s.Open("client-secret", bad); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("Open(%q): %v, want ErrWrongKey", bad, err)
		}
	}
}

func TestNewRejectsShortKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("New accepted a 16-byte key")
	}
}
