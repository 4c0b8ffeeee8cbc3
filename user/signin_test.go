package user_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }
func incorrectAnswer(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.NotAuthorized || e.Message != "Incorrect username or password." {
		t.Fatalf("want NotAuthorized %q, got %v", "Incorrect username or password.", err)
	}
}

func TestSignInLockout(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		pools := pool.NewService(st, "local")
		users := user.NewService(st, pools, user.DefaultHasher())
		clk := newClock()
		users.SetClock(clk.now)
		p, err := pools.CreatePool(ctx, &pool.Pool{Name: "lockout", AliasAttributes: []string{"email"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email", Value: "ann@example.com"}, {Name: "email_verified", Value: "true"}}}); err != nil {
			t.Fatal(err)
		}
		const pw = "Corr3ct-Horse!"
		if err := users.AdminSetPassword(ctx, p.Id, "ann", pw, true); err != nil {
			t.Fatal(err)
		}

		// Four failures leave the user free to sign in; the success resets the count.
		for range 4 {
			_, err := users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		if _, err := users.SignIn(ctx, p.Id, "ANN@example.com", pw); err != nil {
			t.Fatalf("sign-in by email alias after 4 failures: %v", err)
		}
		for range 4 {
			_, err := users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		if _, err := users.SignIn(ctx, p.Id, "ann", pw); err != nil {
			t.Fatalf("the success did not reset the count: %v", err)
		}

		// Five failures lock for 1 s, then each further failure doubles the lock.
		for range 5 {
			_, err := users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		for _, lock := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
			_, err := users.SignIn(ctx, p.Id, "ann", pw)
			incorrectAnswer(t, err)
			if !errors.Is(err, user.ErrLockedOut) {
				t.Fatalf("the correct password during a %s lock: %v", lock, err)
			}
			clk.advance(lock - time.Millisecond)
			if _, err := users.SignIn(ctx, p.Id, "ann", pw); !errors.Is(err, user.ErrLockedOut) {
				t.Fatalf("still locked just before %s: %v", lock, err)
			}
			clk.advance(time.Millisecond)
			// The lock is over: a wrong password counts again and locks twice as long.
			_, err = users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
			if errors.Is(err, user.ErrLockedOut) {
				t.Fatalf("still locked after %s", lock)
			}
		}
		// The unknown user gets the same answer.
		_, err = users.SignIn(ctx, p.Id, "nobody", pw)
		incorrectAnswer(t, err)
		if !errors.Is(err, user.ErrUnknownUser) {
			t.Fatalf("unknown user: %v", err)
		}

		// The lock is capped at 15 minutes: failures 10-14 lock 32 s to 512 s, the 15th 15 minutes.
		for range 6 {
			clk.advance(10 * time.Minute)
			_, err = users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		clk.advance(user.MaxLockout - time.Second)
		if _, err := users.SignIn(ctx, p.Id, "ann", pw); !errors.Is(err, user.ErrLockedOut) {
			t.Fatalf("lock shorter than the cap: %v", err)
		}
		clk.advance(time.Second)
		if _, err := users.SignIn(ctx, p.Id, "ann", pw); err != nil {
			t.Fatalf("lock longer than the cap: %v", err)
		}

		// 15 minutes without failures forget the count: 4 old + 4 new failures do not lock.
		for range 4 {
			_, err = users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		clk.advance(user.FailureWindow)
		for range 4 {
			_, err = users.SignIn(ctx, p.Id, "ann", "wrong")
			incorrectAnswer(t, err)
		}
		if _, err := users.SignIn(ctx, p.Id, "ann", pw); err != nil {
			t.Fatalf("old failures were counted: %v", err)
		}
	})
}

func TestSignInStates(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	p := e.pool(t, pool.Pool{})
	e.create(t, p.Id, user.AdminCreateUserInput{Username: "temp", TemporaryPassword: "Temp0rary!"})
	res, err := e.users.SignIn(ctx, p.Id, "temp", "Temp0rary!")
	if err != nil || res.Next != user.StepNewPassword {
		t.Fatalf("FORCE_CHANGE_PASSWORD: %+v, %v", res, err)
	}
	if _, err := e.users.Resume(ctx, p.Id, res.User.Sub); !errs.Is(err, errs.NotAuthorized) {
		t.Errorf("resume a FORCE_CHANGE_PASSWORD user: %v", err)
	}

	e.create(t, p.Id, user.AdminCreateUserInput{Username: "off", TemporaryPassword: "Temp0rary!"})
	if err := e.users.AdminSetPassword(ctx, p.Id, "off", "Perm4nent!pw", true); err != nil {
		t.Fatal(err)
	}
	res, err = e.users.SignIn(ctx, p.Id, "off", "Perm4nent!pw")
	if err != nil || res.Next != user.StepDone {
		t.Fatalf("confirmed user: %+v, %v", res, err)
	}
	if _, err := e.users.Resume(ctx, p.Id, res.User.Sub); err != nil {
		t.Errorf("resume: %v", err)
	}
	if err := e.users.SetEnabled(ctx, p.Id, "off", false); err != nil {
		t.Fatal(err)
	}
	_, err = e.users.SignIn(ctx, p.Id, "off", "Perm4nent!pw")
	if e, ok := errs.As(err); !ok || e.Code != errs.NotAuthorized || e.Message != "User is disabled." {
		t.Errorf("disabled: %v", err)
	}
	// A wrong password does not tell that the user is disabled.
	_, err = e.users.SignIn(ctx, p.Id, "off", "wrong")
	incorrectAnswer(t, err)
	if _, err := e.users.Resume(ctx, p.Id, res.User.Sub); !errs.Is(err, errs.NotAuthorized) {
		t.Errorf("resume a disabled user: %v", err)
	}
	if _, err := e.users.Resume(ctx, p.Id, "6f1c2b0e-0000-4000-8000-000000000009"); !errs.Is(err, errs.NotAuthorized) {
		t.Errorf("resume an unknown user: %v", err)
	}
}
