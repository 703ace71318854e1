// Command tlog-check verifies MakerChecker's signed checkpoints and receipts with Go's own
// golang.org/x/mod/sumdb/note and tlog packages, and nothing of ours: an inspector's independent check.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run eng/tlog-check/main.go VKEY CHECKPOINT [RECEIPT]
//
// VKEY is a file holding the log's verifier key (name+keyid+base64), CHECKPOINT a signed checkpoint note
// (C2SP tlog-checkpoint), RECEIPT a makerchecker-receipt/v1 file. It prints what it verified and exits 0,
// or prints what failed and exits 1 (2 for usage).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type receipt struct {
	Format         string   `json:"format"`
	Event          string   `json:"event"`
	LeafIndex      int64    `json:"leafIndex"`
	InclusionProof []string `json:"inclusionProof"`
	Checkpoint     string   `json:"checkpoint"`
}

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run eng/tlog-check/main.go VKEY CHECKPOINT [RECEIPT]")
		os.Exit(2)
	}
	vkey, err := os.ReadFile(os.Args[1])
	check(err, "reading the verifier key")
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	check(err, "parsing the verifier key")

	msg, err := os.ReadFile(os.Args[2])
	check(err, "reading the checkpoint")
	size, root := openCheckpoint(msg, verifier)
	fmt.Printf("ok: checkpoint of %s, size %d, root %s, signature verified by note.Open under %s\n",
		verifier.Name(), size, root, verifier.Name())

	if len(os.Args) == 4 {
		data, err := os.ReadFile(os.Args[3])
		check(err, "reading the receipt")
		var r receipt
		check(json.Unmarshal(data, &r), "parsing the receipt")
		if r.Format != "makerchecker-receipt/v1" {
			fail("the receipt's format is %q, not makerchecker-receipt/v1", r.Format)
		}
		// The receipt carries its own checkpoint: verify it too, then the inclusion proof to its root.
		rsize, rroot := openCheckpoint([]byte(r.Checkpoint), verifier)
		proof := make(tlog.RecordProof, len(r.InclusionProof))
		for i, h := range r.InclusionProof {
			proof[i], err = tlog.ParseHash(h)
			check(err, "parsing the receipt's inclusion proof")
		}
		leaf := tlog.RecordHash([]byte(r.Event))
		check(tlog.CheckRecord(proof, rsize, rroot, r.LeafIndex, leaf), "checking the receipt's inclusion proof")
		fmt.Printf("ok: receipt event seq %d (leaf %d) is in the log of size %d (tlog.CheckRecord), under a checkpoint signed by %s\n",
			r.LeafIndex+1, r.LeafIndex, rsize, verifier.Name())
	}
}

// openCheckpoint verifies the note's signature and reads its body: origin (the key's name), size, base64 root.
func openCheckpoint(msg []byte, verifier note.Verifier) (int64, tlog.Hash) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	check(err, "verifying the checkpoint note")
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("the checkpoint is not of %s: %q", verifier.Name(), n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	check(err, "reading the checkpoint's size")
	root, err := tlog.ParseHash(lines[2])
	check(err, "reading the checkpoint's root")
	return size, root
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAILED: "+format+"\n", args...)
	os.Exit(1)
}

