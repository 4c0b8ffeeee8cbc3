package accesskey

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// CredentialsFile is the name of the file in the data dir that holds the generated admin key.
const CredentialsFile = "admin-credentials"

// Variable names in the credentials file; the CLI reads the same names from the environment.
const (
	EnvAccessKeyID     = "USERPOOL_ADMIN_ACCESS_KEY_ID"
	EnvSecretAccessKey = "USERPOOL_ADMIN_SECRET_ACCESS_KEY"
)

// WriteCredentialsFile writes k as shell-style lines (mode 0600), so that it can be sourced
// and read back by the CLI.
func WriteCredentialsFile(path string, k *Key) error {
	content := fmt.Sprintf(`# Userpool admin access key, created on first start. Keep it secret.
# For the AWS CLI and SDKs:
#   export AWS_ACCESS_KEY_ID=%[1]s AWS_SECRET_ACCESS_KEY=%[2]s
%[3]s=%[1]s
%[4]s=%[2]s
`, k.ID, k.Secret, EnvAccessKeyID, EnvSecretAccessKey)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Rename so that a reader never sees half a file, and an existing file's mode is replaced.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadCredentialsFile reads the key id and secret from a file written by WriteCredentialsFile
// (comments, blank lines, "export " and quotes are allowed).
func ReadCredentialsFile(path string) (id, secret string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		switch strings.TrimSpace(name) {
		case EnvAccessKeyID:
			id = value
		case EnvSecretAccessKey:
			secret = value
		}
	}
	if id == "" || secret == "" {
		return "", "", fmt.Errorf("%s: missing %s or %s", path, EnvAccessKeyID, EnvSecretAccessKey)
	}
	return id, secret, nil
}
