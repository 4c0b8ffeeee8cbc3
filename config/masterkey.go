package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/userpool/userpool/seal"
)

// MasterKeyFile is the name of the master key file in the data dir.
const MasterKeyFile = "master.key"

// LoadMasterKey returns USERPOOL_MASTER_KEY when it is set; otherwise it reads master.key
// from the data dir, creating it (mode 0600) with a fresh key on first start. The data dir
// must exist.
func (c *Config) LoadMasterKey() ([]byte, error) {
	if c.MasterKey != nil {
		return c.MasterKey, nil
	}
	path := filepath.Join(c.DataDir, MasterKeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createMasterKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	key, err := DecodeMasterKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return key, nil
}

func createMasterKey(path string) ([]byte, error) {
	key := seal.NewKey()
	// Write a temporary file and hard-link it into place: when two processes start at once on
	// one data dir, one link wins and the other reads the winner's complete key.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master.key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write master key file %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create master key file %s: %w", path, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("master key file %s: %w", path, err)
		}
		return DecodeMasterKey(string(data))
	}
	return key, nil
}
