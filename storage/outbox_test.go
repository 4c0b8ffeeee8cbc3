package storage_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
)

var (
	epoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	quiet = slog.New(slog.DiscardHandler)
)

func createPool(t *testing.T, s *storage.Store, id string) {
	t.Helper()
	p := &pool.Pool{Id: id, Name: "pool " + id, MfaConfiguration: "OFF", DeletionProtection: "INACTIVE",
		Policies: pool.Policies{PasswordPolicy: pool.PasswordPolicy{MinimumLength: 8, TemporaryPasswordValidityDays: 7}}}
	if err := s.CreatePool(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func enqueue(t *testing.T, s message.Store, poolID, code string, at time.Time) *message.Message {
	t.Helper()
	m, err := message.New(message.Defaults(), message.Draft{
		PoolID: poolID, Type: message.Verification, Channel: message.Email, Destination: "ann@example.com",
		Values: message.Values{Code: code},
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if got := errs.CodeOf(err); err == nil || got != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestOutboxStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		createPool(t, s, "local_outbox001")
		createPool(t, s, "local_outbox002")

		bad, _ := message.New(message.Defaults(), message.Draft{PoolID: "local_missing00", Type: message.MFA, Channel: message.SMS,
			Destination: "+12065550100", Values: message.Values{Code: "1"}}, epoch)
		wantCode(t, s.EnqueueMessage(ctx, bad), errs.ResourceNotFound)

		m := enqueue(t, s, "local_outbox001", "111111", epoch)
		if got, err := s.ClaimMessages(ctx, epoch.Add(-time.Second), epoch.Add(time.Minute), 10); err != nil || len(got) != 0 {
			t.Fatalf("claim before due = %v, %v", got, err)
		}
		got, err := s.ClaimMessages(ctx, epoch, epoch.Add(time.Minute), 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim = %v, %v", got, err)
		}
		want := *m
		want.NextAttemptAt = epoch.Add(time.Minute)
		if *got[0] != want {
			t.Fatalf("claimed\n %+v\nwant %+v", *got[0], want)
		}
		if got, _ := s.ClaimMessages(ctx, epoch.Add(59*time.Second), epoch.Add(2*time.Minute), 10); len(got) != 0 {
			t.Fatal("a claimed message was claimed again within its lease")
		}

		// Marks are scoped to the pool.
		wantCode(t, s.MarkSent(ctx, "local_outbox002", m.ID, epoch), errs.ResourceNotFound)
		wantCode(t, s.MarkRetry(ctx, "local_outbox002", m.ID, epoch, "x"), errs.ResourceNotFound)
		wantCode(t, s.MarkFailed(ctx, "local_outbox002", m.ID, "x"), errs.ResourceNotFound)
		wantCode(t, s.MarkSent(ctx, "local_outbox001", "nope", epoch), errs.ResourceNotFound)

		if err := s.MarkRetry(ctx, m.PoolID, m.ID, epoch.Add(10*time.Second), "refused"); err != nil {
			t.Fatal(err)
		}
		got, err = s.ClaimMessages(ctx, epoch.Add(10*time.Second), epoch.Add(time.Hour), 10)
		if err != nil || len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "refused" || got[0].Status != message.Pending {
			t.Fatalf("claim after retry = %+v, %v", got, err)
		}
		sentAt := epoch.Add(11 * time.Second)
		if err := s.MarkSent(ctx, m.PoolID, m.ID, sentAt); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.MarkSent(ctx, m.PoolID, m.ID, sentAt), errs.ResourceNotFound) // no longer pending

		failed := enqueue(t, s, "local_outbox001", "222222", epoch.Add(time.Second))
		if err := s.MarkFailed(ctx, failed.PoolID, failed.ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		other := enqueue(t, s, "local_outbox002", "333333", epoch.Add(2*time.Second))

		log, next, err := s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox001"})
		if err != nil || next != "" || len(log) != 2 {
			t.Fatalf("list = %d messages, %q, %v", len(log), next, err)
		}
		if log[0].ID != failed.ID || log[1].ID != m.ID {
			t.Fatalf("list order: %s, %s", log[0].ID, log[1].ID)
		}
		if log[0].Status != message.Failed || log[0].Attempts != 1 || log[0].LastError != "gave up" {
			t.Fatalf("failed message: %+v", log[0])
		}
		if log[1].Status != message.Sent || !log[1].SentAt.Equal(sentAt) || log[1].Attempts != 1 {
			t.Fatalf("sent message: %+v", log[1])
		}
		for _, l := range log {
			// The code is gone; the operator's log shows the redacted copy.
			if l.Content != l.Redacted || strings.Contains(fmt.Sprint(l.Content), "111111") || strings.Contains(fmt.Sprint(l.Content), "222222") ||
				!strings.Contains(l.Content.Text, message.Redaction) {
				t.Fatalf("content after delivery: %+v", l.Content)
			}
		}
		// The other pool's pending message keeps its code until delivered.
		olog, _, err := s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox002"})
		if err != nil || len(olog) != 1 || olog[0].ID != other.ID || !strings.Contains(olog[0].Content.Text, "333333") {
			t.Fatalf("other pool's log = %+v, %v", olog, err)
		}

		// Paging and the status filter.
		page1, next, err := s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox001", Limit: 1})
		if err != nil || len(page1) != 1 || next == "" || page1[0].ID != failed.ID {
			t.Fatalf("page 1 = %+v, %q, %v", page1, next, err)
		}
		page2, next, err := s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox001", Limit: 1, Cursor: next})
		if err != nil || len(page2) != 1 || next != "" || page2[0].ID != m.ID {
			t.Fatalf("page 2 = %+v, %q, %v", page2, next, err)
		}
		sent, _, err := s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox001", Status: message.Sent})
		if err != nil || len(sent) != 1 || sent[0].ID != m.ID {
			t.Fatalf("sent only = %+v, %v", sent, err)
		}
		_, _, err = s.ListMessages(ctx, message.ListQuery{PoolID: "local_outbox001", Cursor: "garbage"})
		wantCode(t, err, errs.InvalidParameter)

		// Deleting a pool deletes its messages.
		if err := s.DeletePool(ctx, "local_outbox002"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimMessages(ctx, epoch.Add(time.Hour), epoch.Add(2*time.Hour), 10); len(got) != 0 {
			t.Fatalf("a deleted pool's message was claimed: %+v", got)
		}
	})
}

// counter is a Sender that counts deliveries per message.
type counter struct {
	mu   sync.Mutex
	sent map[string]int
}

func (c *counter) Send(_ context.Context, m *message.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[m.ID]++
	return nil
}

func (c *counter) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent[id]
}

// A worker stopped after the change committed (before or during delivery) loses nothing: a new
// worker — here on a new connection, as after a restart — delivers the message exactly once.
func TestOutboxCrashSafety(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		first := d.Open(t)
		createPool(t, first, "local_crash0001")
		ctx := context.Background()
		const lease = 2 * time.Minute

		// The process dies right after the commit: no worker ever ran.
		before := enqueue(t, first, "local_crash0001", "444444", epoch)
		// The process dies during delivery: the worker claimed the message, then was killed.
		during := enqueue(t, first, "local_crash0001", "555555", epoch)
		killCtx, kill := context.WithCancel(ctx)
		dying := message.NewWorker(first, message.Senders{Email: senderFunc(func(ctx context.Context, m *message.Message) error {
			if m.ID == during.ID {
				kill()
				return ctx.Err()
			}
			return fmt.Errorf("worker killed before sending %s", m.ID)
		})}, message.WorkerConfig{Logger: quiet, Batch: 1, Lease: lease, Now: func() time.Time { return epoch }})
		// Batch 1 claims the oldest first; make "during" the one it takes.
		if err := first.MarkRetry(ctx, before.PoolID, before.ID, epoch.Add(time.Second), "not yet"); err != nil {
			t.Fatal(err)
		}
		if n, err := dying.RunOnce(killCtx); n != 1 || err != nil {
			t.Fatalf("dying worker: %d, %v", n, err)
		}
		_ = first.Close()

		second := d.Connect(t, d.Key) // the restarted process
		sent := &counter{}
		clk := epoch.Add(time.Second)
		w := message.NewWorker(second, message.Senders{Email: sent}, message.WorkerConfig{Logger: quiet, Lease: lease, Now: func() time.Time { return clk }})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if sent.count(before.ID) != 1 || sent.count(during.ID) != 0 {
			t.Fatalf("after restart: sent %v; the killed worker's claim should hold until its lease ends", sent.sent)
		}
		clk = epoch.Add(lease)
		for range 3 {
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			clk = clk.Add(time.Hour)
		}
		if sent.count(before.ID) != 1 || sent.count(during.ID) != 1 {
			t.Fatalf("sent %v, want each message once", sent.sent)
		}
		log, _, err := second.ListMessages(ctx, message.ListQuery{PoolID: "local_crash0001"})
		if err != nil || len(log) != 2 || log[0].Status != message.Sent || log[1].Status != message.Sent {
			t.Fatalf("log = %+v, %v", log, err)
		}
	})
}

type senderFunc func(context.Context, *message.Message) error

func (f senderFunc) Send(ctx context.Context, m *message.Message) error { return f(ctx, m) }

// Two server processes (two connection pools) on one database deliver each message once.
func TestOutboxTwoWorkers(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		a := d.Open(t)
		b := d.Connect(t, d.Key)
		createPool(t, a, "local_twowork01")
		const total = 200
		ids := make([]string, total)
		for i := range ids {
			ids[i] = enqueue(t, a, "local_twowork01", fmt.Sprintf("%06d", i), epoch).ID
		}
		sent := &counter{}
		now := func() time.Time { return epoch }
		var wg sync.WaitGroup
		for _, s := range []*storage.Store{a, b, a, b} {
			w := message.NewWorker(s, message.Senders{Email: sent}, message.WorkerConfig{Logger: quiet, Batch: 7, Now: now})
			wg.Go(func() {
				for {
					n, err := w.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			if n := sent.count(id); n != 1 {
				t.Errorf("message %s sent %d times", id, n)
			}
		}
		pending, _, err := a.ListMessages(context.Background(), message.ListQuery{PoolID: "local_twowork01", Status: message.Pending})
		if err != nil || len(pending) != 0 {
			t.Fatalf("pending after delivery: %d, %v", len(pending), err)
		}
	})
}

// A database from the previous release (before the outbox) upgrades in place and keeps its data.
func TestOutboxMigrationFromPreviousVersion(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, d storagetest.Database) {
		ctx := context.Background()
		s := d.Connect(t, d.Key)
		if err := storage.MigrateUpTo(ctx, s, "0001_initial"); err != nil {
			t.Fatal(err)
		}
		createPool(t, s, "local_upgrade01")
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPool(ctx, "local_upgrade01"); err != nil {
			t.Fatalf("pool lost in the upgrade: %v", err)
		}
		m := enqueue(t, s, "local_upgrade01", "666666", epoch)
		if got, err := s.ClaimMessages(ctx, epoch, epoch.Add(time.Minute), 10); err != nil || len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("claim after upgrade = %v, %v", got, err)
		}
	})
}
