package srp

import (
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"
)

// jsClient is a Client with the fixed a = 0x1f1f…1f (128 bytes) used to produce the vectors
// below with amazon-cognito-identity-js 6.3.21's AuthenticationHelper (pool name "abcDEF123",
// user "user-id-1", password "Passw0rd!é", SECRET_BLOCK "c2VjcmV0LWJsb2Nr",
// TIMESTAMP "Tue Mar 5 09:04:07 UTC 2024").
func jsClient(t *testing.T) *Client {
	t.Helper()
	a, _ := new(big.Int).SetString(strings.Repeat("1f", 128), 16)
	return &Client{poolName: "abcDEF123", a: a, bigA: new(big.Int).Exp(G, a, N)}
}

func TestMatchesAmazonCognitoIdentityJS(t *testing.T) {
	if got := K.Text(16); got != "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6" {
		t.Fatalf("k = %s", got)
	}
	c := jsClient(t)
	if !strings.HasPrefix(c.A(), "3714ef8f70efe61f13883ff4e72a7880") || !strings.HasSuffix(c.A(), "cbaba9c") {
		t.Fatalf("A = %s", c.A())
	}
	tests := []struct {
		name, b, salt, want string
	}{
		{"B with high bit, salt with leading zero byte", "8f0a0b", "00ff01", "Bluyv9UasTwdmLdD9QUSI7tY/Hq45Cn0w/ip4+dppH8="},
		{"odd-length B, salt with high bit", "123456789abcdef", "8abc", "bleJbRsJIbEKhhgTuFlKYHiKFNoxeR37l+lxDLzzWrk="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Sign("user-id-1", "Passw0rd!é", tt.salt, tt.b, "c2VjcmV0LWJsb2Nr", "Tue Mar 5 09:04:07 UTC 2024")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("signature %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPadHex(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "00"}, {8, "08"}, {0x7f, "7f"}, {0x80, "0080"}, {0xfff, "0fff"}, {0x8000, "008000"}, {0x123, "0123"},
	}
	for _, tt := range tests {
		if got := PadHex(big.NewInt(tt.in)); got != tt.want {
			t.Errorf("PadHex(%#x) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 3, 5, 9, 4, 7, 0, time.UTC), "Tue Mar 5 09:04:07 UTC 2024"},
		{time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC), "Wed Nov 25 23:00:00 UTC 2026"},
		{time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("x", 3600)), "Wed Dec 31 23:30:00 UTC 2025"},
	}
	for _, tt := range tests {
		got := Timestamp(tt.in)
		if got != tt.want {
			t.Errorf("Timestamp = %q, want %q", got, tt.want)
		}
		back, err := ParseTimestamp(got)
		if err != nil || !back.Equal(tt.in) {
			t.Errorf("ParseTimestamp(%q) = %v, %v", got, back, err)
		}
	}
	if _, err := ParseTimestamp("Tue Mar 05 09:04:07 UTC 2024"); err != nil {
		t.Errorf("zero-padded day refused: %v", err)
	}
	for _, bad := range []string{"", "2024-03-05T09:04:07Z", "Tue Mar 5 09:04:07 GMT 2024", "Tue Mar 5 9:4:7 UTC 2024"} {
		if _, err := ParseTimestamp(bad); err == nil {
			t.Errorf("ParseTimestamp(%q) accepted", bad)
		}
	}
}

func TestPoolName(t *testing.T) {
	for in, want := range map[string]string{"eu-west-1_AbC123": "AbC123", "local_x_y": "x_y", "nounderscore": "nounderscore"} {
		if got := PoolName(in); got != want {
			t.Errorf("PoolName(%q) = %q, want %q", in, got, want)
		}
	}
}

// exchange runs Start with a fresh client and returns both halves.
func exchange(t *testing.T, salt, verifier []byte) (*Client, *Session) {
	t.Helper()
	c, err := NewClient("Pool1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(salt, verifier, c.A())
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestSignIn(t *testing.T) {
	salt, v, err := NewVerifier("Pool1", "sub-1", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if len(salt) != SaltSize {
		t.Fatalf("salt of %d bytes", len(salt))
	}
	ts := Timestamp(time.Now())
	tests := []struct {
		name     string
		password string
		user     string
		pool     string
		block    func(s *Session) string
		ts       string
		restore  bool
		wantErr  error
	}{
		{name: "right password", password: "correct horse", user: "sub-1", pool: "Pool1"},
		{name: "right password after storing the session", password: "correct horse", user: "sub-1", pool: "Pool1", restore: true},
		{name: "wrong password", password: "correct horsE", user: "sub-1", pool: "Pool1", wantErr: ErrBadSignature},
		{name: "other user id", password: "correct horse", user: "sub-2", pool: "Pool1", wantErr: ErrBadSignature},
		{name: "other secret block", password: "correct horse", user: "sub-1", pool: "Pool1",
			block: func(*Session) string { return base64.StdEncoding.EncodeToString(make([]byte, secretBlockSize)) }, wantErr: ErrBadBlock},
		{name: "malformed secret block", password: "correct horse", user: "sub-1", pool: "Pool1",
			block: func(*Session) string { return "%%%" }, wantErr: ErrBadBlock},
		{name: "malformed timestamp", password: "correct horse", user: "sub-1", pool: "Pool1", ts: "yesterday", wantErr: ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := exchange(t, salt, v)
			stamp := ts
			if tt.ts != "" {
				stamp = tt.ts
			}
			sig, err := c.Sign(tt.user, tt.password, s.Salt(), s.B(), s.SecretBlock(), stamp)
			if err != nil {
				t.Fatal(err)
			}
			if tt.restore {
				data, err := s.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				s = new(Session)
				if err := s.UnmarshalBinary(data); err != nil {
					t.Fatal(err)
				}
			}
			block := s.SecretBlock()
			if tt.block != nil {
				block = tt.block(s)
			}
			if err := s.Verify("Pool1", "sub-1", block, stamp, sig); err != tt.wantErr {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("malformed signature", func(t *testing.T) {
		_, s := exchange(t, salt, v)
		if err := s.Verify("Pool1", "sub-1", s.SecretBlock(), ts, "not base64!"); err != ErrBadSignature {
			t.Fatalf("Verify = %v", err)
		}
	})
}

func TestStartRefusesIllegalA(t *testing.T) {
	salt, v, _ := NewVerifier("Pool1", "u", "p")
	tests := map[string]string{
		"empty":    "",
		"zero":     "0",
		"N":        N.Text(16),
		"2N":       new(big.Int).Lsh(N, 1).Text(16),
		"not hex":  "xyz",
		"negative": "-5",
		"too long": strings.Repeat("0", maxAHexLen) + "5",
	}
	for name, a := range tests {
		if _, err := Start(salt, v, a); err != ErrBadA {
			t.Errorf("%s: Start = %v, want ErrBadA", name, err)
		}
	}
	if _, err := Start(salt, v, "000"+G.Text(16)); err != nil {
		t.Errorf("A with leading zeros refused: %v", err)
	}
	if _, err := Start(nil, v, "2"); err == nil {
		t.Error("empty salt accepted")
	}
}

func TestUnmarshalRefusesGarbage(t *testing.T) {
	for _, data := range []string{"", "{", `{"A":"zz","Bs":"1","B":"1","V":"1","Salt":"AQ==","Secret":"AQ=="}`, `{"A":"1","Bs":"1","B":"1","V":"1"}`} {
		if err := new(Session).UnmarshalBinary([]byte(data)); err == nil {
			t.Errorf("UnmarshalBinary(%q) accepted", data)
		}
	}
}

func TestVerifierIsDeterministicPerSalt(t *testing.T) {
	salt, v, _ := NewVerifier("P", "u", "pw")
	if string(Verifier("P", "u", "pw", salt)) != string(v) {
		t.Fatal("Verifier differs from NewVerifier for the same salt")
	}
	salt2, v2, _ := NewVerifier("P", "u", "pw")
	if string(salt) == string(salt2) || string(v) == string(v2) {
		t.Fatal("two NewVerifier calls gave the same salt or verifier")
	}
}
