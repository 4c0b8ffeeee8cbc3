package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"

	"github.com/userpool/userpool/config"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/user"
)

// codeKeyLabel derives the key of stored code hashes from the master key: every process with
// the master key computes the same key, and the database never holds it.
const codeKeyLabel = "userpool code hash v1"

// startMessaging builds the senders, warns when a channel only reaches the dev outbox, gives
// the user service its code key, and returns the outbox worker (not yet running).
func startMessaging(cfg *config.Config, store *storage.Store, users *user.Service, triggers message.Sender, log *slog.Logger) (*message.Worker, error) {
	senders, err := message.NewSenders(cfg.MessageConfig(), log)
	if err != nil {
		return nil, fmt.Errorf("messaging: %w", err)
	}
	senders.Trigger = triggers // post confirmation and post authentication events
	if !senders.EmailLive {
		log.Warn("email delivery is off: email goes to the dev outbox (logged with its code); set USERPOOL_SMTP_URL and USERPOOL_MAIL_FROM to send it")
	}
	if !senders.SMSLive {
		log.Warn("SMS delivery is off: text messages go to the dev outbox (logged with their code); set USERPOOL_SMS_WEBHOOK_URL and USERPOOL_SMS_WEBHOOK_SECRET to send them")
	}
	masterKey, err := cfg.LoadMasterKey()
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, masterKey)
	mac.Write([]byte(codeKeyLabel))
	worker := message.NewWorker(store, senders, message.WorkerConfig{Logger: log})
	users.SetMessaging(user.Messaging{CodeKey: mac.Sum(nil), PublicURL: cfg.PublicURL, Wake: worker.Wake})
	return worker, nil
}
