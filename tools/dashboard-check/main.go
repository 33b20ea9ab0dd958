// Command dashboard-check reads Grafana dashboard JSON files into the Grafana Foundation SDK's dashboard type,
// strictly (an unknown or mistyped field is an error, panel options included, through the SDK's plugin
// variants), and runs the SDK's validation. Exit 1 when any file is refused. Issue 11, item 3.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// failure drops an empty cog.BuildErrors: the SDK's generated UnmarshalJSONStrict returns its error list even
// when it is empty (a typed nil slice in a non-nil error), so "no errors" arrives as an error with no text.
func failure(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

func check(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var board dashboard.Dashboard
	if err := failure(board.UnmarshalJSONStrict(raw)); err != nil {
		return fmt.Errorf("does not read as a dashboard: %w", err)
	}
	if err := failure(board.Validate()); err != nil {
		return fmt.Errorf("is not valid: %w", err)
	}
	fmt.Printf("%s: ok (%d panels)\n", path, len(board.Panels))
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dashboard-check DASHBOARD.json...")
		os.Exit(2)
	}
	// Panel and query types (timeseries, stat, prometheus, ...) decode their options through registered variants.
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Printf("%s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
