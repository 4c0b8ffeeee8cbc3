//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinProcess binds every thread of this process to cpus, and returns what puts each back.
// Threads made meanwhile inherit the binding from their maker, so a second pass catches those
// made during the first. The work measured then runs on cpus whatever goroutine or thread
// carries it (argon2id hashes on goroutines of its own).
func pinProcess(cpus []int) (restore func(), err error) {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	var mine unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		return nil, fmt.Errorf("read this process's CPUs: %w", err)
	}
	restore = func() {
		tids, _ := os.ReadDir("/proc/self/task")
		for _, t := range tids {
			if tid, err := strconv.Atoi(t.Name()); err == nil {
				_ = unix.SchedSetaffinity(tid, &mine)
			}
		}
	}
	for range 2 {
		tids, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return nil, fmt.Errorf("list this process's threads: %w", err)
		}
		for _, t := range tids {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			// A thread may end between the listing and here.
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				restore()
				return nil, fmt.Errorf("run on CPUs %v: %w", cpus, err)
			}
		}
	}
	return restore, nil
}
