// checker verifies MakerChecker's transparency evidence with Go's own golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, the packages the formats come from: an independent implementation, not ours.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run checker.go note VKEY NOTE_FILE
//	GO111MODULE=off GOPATH=/usr/share/gocode go run checker.go receipt VKEY RECEIPT_FILE
//	GO111MODULE=off GOPATH=/usr/share/gocode go run checker.go consistency VKEY OLD_NOTE_FILE CONSISTENCY_OUTPUT_FILE
//
// It prints one line starting "ok:" and exits 0, or prints why not and exits 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func main() {
	msg, err := run(os.Args[1:])
	if err != nil {
		fmt.Println("rejected:", err)
		os.Exit(1)
	}
	fmt.Println("ok:", msg)
}

func run(args []string) (string, error) {
	if len(args) < 3 {
		return "", errors.New("usage: checker note|receipt|index|consistency VKEY FILE [FILE]")
	}
	verifier, err := note.NewVerifier(args[1])
	if err != nil {
		return "", fmt.Errorf("vkey: %v", err)
	}
	switch args[0] {
	case "note":
		data, err := os.ReadFile(args[2])
		if err != nil {
			return "", err
		}
		c, err := open(data, verifier)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("checkpoint %s size %d root %s", c.origin, c.size, c.root), nil
	case "receipt":
		return receipt(args[2], verifier)
	case "index":
		return index(args[2], verifier)
	case "consistency":
		if len(args) < 4 {
			return "", errors.New("consistency needs OLD_NOTE_FILE and CONSISTENCY_OUTPUT_FILE")
		}
		return consistency(args[2], args[3], verifier)
	}
	return "", fmt.Errorf("unknown check %q", args[0])
}

// open verifies a signed note with note.Open and parses its C2SP tlog-checkpoint body: origin, size, base64 root.
func open(data []byte, verifier note.Verifier) (checkpoint, error) {
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return checkpoint{}, errors.New("checkpoint body has fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := hash(lines[2])
	if err != nil {
		return checkpoint{}, err
	}
	return checkpoint{lines[0], size, root}, nil
}

func hash(b64 string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("not a base64 SHA-256 hash: %q", b64)
	}
	copy(h[:], b)
	return h, nil
}

// receipt checks a makerchecker-receipt/v1 file: its checkpoint with note.Open, its inclusion proof with tlog.CheckRecord.
func receipt(file string, verifier note.Verifier) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var r struct {
		Format         string   `json:"format"`
		Event          string   `json:"event"`
		LeafIndex      int64    `json:"leafIndex"`
		InclusionProof []string `json:"inclusionProof"`
		Checkpoint     string   `json:"checkpoint"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Format != "makerchecker-receipt/v1" {
		return "", fmt.Errorf("not a MakerChecker receipt: %v", err)
	}
	c, err := open([]byte(r.Checkpoint), verifier)
	if err != nil {
		return "", err
	}
	proof := make(tlog.RecordProof, len(r.InclusionProof))
	for i, h := range r.InclusionProof {
		if proof[i], err = hash(h); err != nil {
			return "", err
		}
	}
	if err := tlog.CheckRecord(proof, c.size, c.root, r.LeafIndex, tlog.RecordHash([]byte(r.Event))); err != nil {
		return "", fmt.Errorf("tlog.CheckRecord: %v", err)
	}
	return fmt.Sprintf("record %d is in %s at size %d", r.LeafIndex, c.origin, c.size), nil
}

// consistency checks what 'makerchecker audit consistency' printed: a summary line, the proof (one base64 hash a
// line), an empty line, then the latest signed checkpoint note; with tlog.CheckTree from the old checkpoint.
func consistency(oldFile, outputFile string, verifier note.Verifier) (string, error) {
	oldData, err := os.ReadFile(oldFile)
	if err != nil {
		return "", err
	}
	old, err := open(oldData, verifier)
	if err != nil {
		return "", fmt.Errorf("old checkpoint: %v", err)
	}
	output, err := os.ReadFile(outputFile)
	if err != nil {
		return "", err
	}
	parts := strings.SplitN(string(output), "\n\n", 2)
	if len(parts) != 2 {
		return "", errors.New("the output has no empty line before the new checkpoint")
	}
	lines := strings.Split(parts[0], "\n")[1:] // the first line is the summary
	latest, err := open([]byte(parts[1]), verifier)
	if err != nil {
		return "", fmt.Errorf("new checkpoint: %v", err)
	}
	if latest.origin != old.origin {
		return "", fmt.Errorf("origin %q is not the old checkpoint's %q", latest.origin, old.origin)
	}
	proof := make(tlog.TreeProof, len(lines))
	for i, line := range lines {
		if proof[i], err = hash(line); err != nil {
			return "", err
		}
	}
	if err := tlog.CheckTree(proof, latest.size, latest.root, old.size, old.root); err != nil {
		return "", fmt.Errorf("tlog.CheckTree: %v", err)
	}
	return fmt.Sprintf("size %d extends size %d of %s", latest.size, old.size, old.origin), nil
}

// index checks a makerchecker-partition-index/v1 note (docs/audit-format.md section 10) with note.Open: the format line,
// the origin (the key's name), the count, then one "CHAIN SIZE ROOT" line per chain, names in strictly increasing order.
func index(file string, verifier note.Verifier) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		return "", fmt.Errorf("note.Open: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 4 || lines[0] != "makerchecker-partition-index/v1" || lines[1] != verifier.Name() {
		return "", errors.New("not a partition index of this key's origin")
	}
	count, err := strconv.Atoi(lines[2])
	if err != nil || count != len(lines)-3 {
		return "", fmt.Errorf("count %q is not the number of chain lines", lines[2])
	}
	previous := ""
	for _, line := range lines[3:] {
		f := strings.Split(line, " ")
		if len(f) != 3 || f[0] <= previous {
			return "", fmt.Errorf("chain line %q", line)
		}
		if size, err := strconv.ParseInt(f[1], 10, 64); err != nil || size < 1 {
			return "", fmt.Errorf("chain %s size %q", f[0], f[1])
		}
		if _, err := hash(f[2]); err != nil {
			return "", err
		}
		previous = f[0]
	}
	return fmt.Sprintf("index of %s lists %d chains", lines[1], count), nil
}
