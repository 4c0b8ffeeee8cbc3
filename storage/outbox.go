package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/pool"
)

var _ message.Store = (*Store)(nil)

// messageRow is one outbox entry. The rendered columns hold the code only while the message is
// pending; MarkSent and MarkFailed overwrite them with the redacted copy.
type messageRow struct {
	ID              string `gorm:"primaryKey"`
	PoolID          string
	Channel         string
	Destination     string
	Type            string
	FromAddress     string
	ReplyTo         string
	Subject         string
	TextBody        string
	HTMLBody        string `gorm:"column:html_body"`
	SMSBody         string `gorm:"column:sms_body"`
	RedactedSubject string
	RedactedText    string
	RedactedHTML    string `gorm:"column:redacted_html"`
	RedactedSMS     string `gorm:"column:redacted_sms"`
	Status          string
	Attempts        int
	NextAttemptAt   time.Time
	LastError       string
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	SentAt          *time.Time
}

func (messageRow) TableName() string { return "messages" }

func toMessageRow(m *message.Message) *messageRow {
	r := &messageRow{
		ID: m.ID, PoolID: m.PoolID, Channel: string(m.Channel), Destination: m.Destination, Type: string(m.Type),
		FromAddress: m.From, ReplyTo: m.ReplyTo,
		Subject: m.Content.Subject, TextBody: m.Content.Text, HTMLBody: m.Content.HTML, SMSBody: m.Content.SMS,
		RedactedSubject: m.Redacted.Subject, RedactedText: m.Redacted.Text, RedactedHTML: m.Redacted.HTML, RedactedSMS: m.Redacted.SMS,
		Status: string(m.Status), Attempts: m.Attempts, NextAttemptAt: normTime(m.NextAttemptAt),
		LastError: m.LastError, CreatedAt: normTime(m.CreatedAt),
	}
	if !m.SentAt.IsZero() {
		t := normTime(m.SentAt)
		r.SentAt = &t
	}
	return r
}

func (r *messageRow) toMessage() *message.Message {
	m := &message.Message{
		ID: r.ID, PoolID: r.PoolID, Channel: message.Channel(r.Channel), Destination: r.Destination, Type: message.Type(r.Type),
		From: r.FromAddress, ReplyTo: r.ReplyTo,
		Content:  message.Content{Subject: r.Subject, Text: r.TextBody, HTML: r.HTMLBody, SMS: r.SMSBody},
		Redacted: message.Content{Subject: r.RedactedSubject, Text: r.RedactedText, HTML: r.RedactedHTML, SMS: r.RedactedSMS},
		Status:   message.Status(r.Status), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(),
		LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.SentAt != nil {
		m.SentAt = r.SentAt.UTC()
	}
	return m
}

func messageNotFound(id string) error {
	return errs.New(errs.ResourceNotFound, "Message %s does not exist.", id)
}

// EnqueueMessage writes m, a pending message, to the outbox of its pool.
func (s *Store) EnqueueMessage(ctx context.Context, m *message.Message) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.insertMessages(tx, m)
	})
}

// insertMessages writes pending messages inside tx: a domain store method calls it in the
// transaction of the change that caused them, so the change and its messages commit together.
func (s *Store) insertMessages(tx *gorm.DB, msgs ...*message.Message) error {
	for _, m := range msgs {
		if m.Status != message.Pending || m.ID == "" {
			return fmt.Errorf("enqueue message: %q is not a new pending message", m.ID)
		}
		if err := s.requirePool(tx, m.PoolID); err != nil {
			return err
		}
		if err := tx.Create(toMessageRow(m)).Error; err != nil {
			return fmt.Errorf("enqueue message: %w", err)
		}
	}
	return nil
}

// ClaimMessages takes due pending messages of every pool for a worker. On PostgreSQL, FOR
// UPDATE SKIP LOCKED lets concurrent workers claim disjoint sets without waiting for each other;
// on SQLite the transaction is immediate and so holds the write lock from its start.
func (s *Store) ClaimMessages(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*message.Message, error) {
	var rows []messageRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&messageRow{}).Select("id").
			Where("status = ? AND next_attempt_at <= ?", message.Pending, normTime(now)).
			Order("next_attempt_at, id").Limit(limit)
		if s.driver == DriverPostgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var ids []string
		if err := q.Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&messageRow{}).Where("id IN ?", ids).Update("next_attempt_at", normTime(leaseUntil)).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Order("next_attempt_at, created_at, id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim messages: %w", err)
	}
	out := make([]*message.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].toMessage()
	}
	return out, nil
}

// updatePending changes a pending message of the pool; a message that is missing, in another
// pool or no longer pending is ResourceNotFound.
func (s *Store) updatePending(ctx context.Context, poolID, id string, values map[string]any) error {
	res := s.db.WithContext(ctx).Model(&messageRow{}).
		Where("pool_id = ? AND id = ? AND status = ?", poolID, id, message.Pending).Updates(values)
	if res.Error != nil {
		return fmt.Errorf("update message %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return messageNotFound(id)
	}
	return nil
}

// redactedContent overwrites the rendered columns with the redacted ones.
var redactedContent = map[string]any{
	"subject":   gorm.Expr("redacted_subject"),
	"text_body": gorm.Expr("redacted_text"),
	"html_body": gorm.Expr("redacted_html"),
	"sms_body":  gorm.Expr("redacted_sms"),
}

func (s *Store) MarkSent(ctx context.Context, poolID, id string, at time.Time) error {
	values := map[string]any{"status": message.Sent, "sent_at": normTime(at)}
	for k, v := range redactedContent {
		values[k] = v
	}
	return s.updatePending(ctx, poolID, id, values)
}

func (s *Store) MarkRetry(ctx context.Context, poolID, id string, next time.Time, lastError string) error {
	return s.updatePending(ctx, poolID, id, map[string]any{
		"attempts": gorm.Expr("attempts + 1"), "next_attempt_at": normTime(next), "last_error": lastError,
	})
}

func (s *Store) MarkFailed(ctx context.Context, poolID, id string, lastError string) error {
	values := map[string]any{"status": message.Failed, "attempts": gorm.Expr("attempts + 1"), "last_error": lastError}
	for k, v := range redactedContent {
		values[k] = v
	}
	return s.updatePending(ctx, poolID, id, values)
}

// GetMessage returns a message of the pool's outbox.
func (s *Store) GetMessage(ctx context.Context, poolID, id string) (*message.Message, error) {
	var row messageRow
	err := s.db.WithContext(ctx).Where("pool_id = ? AND id = ?", poolID, id).Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, messageNotFound(id)
		}
		return nil, fmt.Errorf("get message %s: %w", id, err)
	}
	return row.toMessage(), nil
}

// RetryMessage makes a failed message of the pool pending again, due at now, with its failed
// attempts cleared; a message that is missing or not failed is ResourceNotFound.
func (s *Store) RetryMessage(ctx context.Context, poolID, id string, now time.Time) error {
	res := s.db.WithContext(ctx).Model(&messageRow{}).
		Where("pool_id = ? AND id = ? AND status = ?", poolID, id, message.Failed).
		Updates(map[string]any{"status": message.Pending, "attempts": 0, "next_attempt_at": normTime(now), "last_error": ""})
	if res.Error != nil {
		return fmt.Errorf("retry message %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return messageNotFound(id)
	}
	return nil
}

// ListMessages pages through a pool's messages, newest first.
func (s *Store) ListMessages(ctx context.Context, q message.ListQuery) ([]*message.Message, string, error) {
	after, err := decodeCursor(q.Cursor, "messages")
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(pool.Page{Limit: q.Limit})
	db := s.db.WithContext(ctx).Where("pool_id = ?", q.PoolID)
	if q.Status != "" {
		db = db.Where("status = ?", q.Status)
	}
	if after.Key != "" {
		at, err := time.Parse(time.RFC3339Nano, after.Value)
		if err != nil {
			return nil, "", errBadToken
		}
		db = db.Where("created_at < ? OR (created_at = ? AND id < ?)", at, at, after.Key)
	}
	var rows []messageRow
	if err := db.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list messages: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = encodeCursor(cursor{Field: "messages", Value: last.CreatedAt.UTC().Format(time.RFC3339Nano), Key: last.ID})
	}
	out := make([]*message.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].toMessage()
	}
	return out, next, nil
}

func migrate0003Messages(tx *gorm.DB) error {
	type messages struct {
		ID              string    `gorm:"primaryKey"`
		PoolID          string    `gorm:"not null"`
		Channel         string    `gorm:"not null"`
		Destination     string    `gorm:"not null"`
		Type            string    `gorm:"not null"`
		FromAddress     string    `gorm:"not null"`
		ReplyTo         string    `gorm:"not null"`
		Subject         string    `gorm:"not null"`
		TextBody        string    `gorm:"not null"`
		HTMLBody        string    `gorm:"column:html_body;not null"`
		SMSBody         string    `gorm:"column:sms_body;not null"`
		RedactedSubject string    `gorm:"not null"`
		RedactedText    string    `gorm:"not null"`
		RedactedHTML    string    `gorm:"column:redacted_html;not null"`
		RedactedSMS     string    `gorm:"column:redacted_sms;not null"`
		Status          string    `gorm:"not null"`
		Attempts        int       `gorm:"not null"`
		NextAttemptAt   time.Time `gorm:"not null"`
		LastError       string    `gorm:"not null"`
		CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
		SentAt          *time.Time
	}
	if err := tx.Table("messages").Migrator().CreateTable(&messages{}); err != nil {
		return fmt.Errorf("create table messages: %w", err)
	}
	if tx.Dialector.Name() == "postgres" {
		// Ids compare bytewise, as on SQLite, for the log's keyset pagination.
		if err := tx.Exec(`ALTER TABLE messages ALTER COLUMN id TYPE text COLLATE "C"`).Error; err != nil {
			return fmt.Errorf("collate messages.id: %w", err)
		}
	}
	for _, stmt := range []string{
		// The workers' claim: due pending messages, oldest first.
		`CREATE INDEX messages_due_idx ON messages (status, next_attempt_at)`,
		// The operator's log, newest first.
		`CREATE INDEX messages_log_idx ON messages (pool_id, created_at, id)`,
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
