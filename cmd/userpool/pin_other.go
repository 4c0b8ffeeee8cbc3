//go:build !linux

package main

import "errors"

// pinProcess is Linux-only: --server-cpus is refused elsewhere.
func pinProcess([]int) (func(), error) { return nil, errors.New("--server-cpus needs Linux") }
