// spdx-validate reads an SPDX 2.3 JSON document with the SPDX project's own Go library (tools-golang, from
// Debian's golang-github-spdx-tools-golang-dev) and runs its document validation. Exit 0: valid; 1: not
// valid (the reason is printed); 2: the file cannot be read.
package main

import (
	"fmt"
	"os"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: spdx-validate <document.spdx.json>")
		os.Exit(2)
	}
	file, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Println("cannot open:", err)
		os.Exit(2)
	}
	defer file.Close()
	doc, err := spdxjson.Read(file)
	if err != nil {
		fmt.Println("not an SPDX JSON document:", err)
		os.Exit(1)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		fmt.Printf("spdxVersion is %q, not SPDX-2.3\n", doc.SPDXVersion)
		os.Exit(1)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		fmt.Println("invalid:", err)
		os.Exit(1)
	}
	fmt.Printf("valid %s document %q: %d packages, %d relationships\n", doc.SPDXVersion, doc.DocumentName, len(doc.Packages), len(doc.Relationships))
}
