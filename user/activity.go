package user

import (
	"context"
	"log/slog"
	"time"

	"github.com/userpool/userpool/errs"
)

// DayActivity is one day's counts of a pool, for the admin console's charts: users created
// (SignUps, counted by the store in the transaction that creates the user) and password
// sign-ins that succeeded or were refused (counted by SignIn).
type DayActivity struct {
	Day           time.Time // midnight UTC
	SignUps       int64
	SignIns       int64
	FailedSignIns int64
}

// ActivityStore keeps the daily counters.
type ActivityStore interface {
	// RecordSignIn counts one sign-in (ok) or refused sign-in on the UTC day of at.
	RecordSignIn(ctx context.Context, poolID string, at time.Time, ok bool) error
	// ListActivity returns the pool's days from..to (UTC days, inclusive) that have counts.
	ListActivity(ctx context.Context, poolID string, from, to time.Time) ([]DayActivity, error)
}

// countSignIn counts the outcome of a password sign-in: a success, or a refusal of the
// person signing in (wrong password, unknown user, lockout, disabled, unconfirmed...). Other
// errors (an unknown pool, a database failure) are not sign-in attempts the charts show. A
// failure to count is logged and never fails the sign-in.
func (s *Service) countSignIn(ctx context.Context, poolID string, err error) {
	switch {
	case err == nil:
	case errs.Is(err, errs.NotAuthorized), errs.Is(err, errs.UserNotConfirmed), errs.Is(err, errs.PasswordResetRequired):
	default:
		return
	}
	if cerr := s.store.RecordSignIn(ctx, poolID, s.now(), err == nil); cerr != nil {
		slog.WarnContext(ctx, "sign-in not counted", "pool", poolID, "err", cerr)
	}
}

// Activity returns the pool's counts for the last days days up to today (UTC), oldest first,
// one entry per day (zero counts included).
func (s *Service) Activity(ctx context.Context, poolID string, days int) ([]DayActivity, error) {
	if days < 1 || days > 366 {
		return nil, errs.New(errs.InvalidParameter, "days must be between 1 and 366.")
	}
	if _, err := s.pools.GetPool(ctx, poolID); err != nil {
		return nil, err
	}
	to := s.now().UTC().Truncate(24 * time.Hour)
	from := to.AddDate(0, 0, -(days - 1))
	rows, err := s.store.ListActivity(ctx, poolID, from, to)
	if err != nil {
		return nil, err
	}
	byDay := make(map[time.Time]DayActivity, len(rows))
	for _, r := range rows {
		byDay[r.Day.UTC()] = r
	}
	out := make([]DayActivity, days)
	for i := range out {
		d := from.AddDate(0, 0, i)
		out[i] = byDay[d]
		out[i].Day = d
	}
	return out, nil
}
