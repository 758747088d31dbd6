package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/dsl/parser"
)

// explainPlacement prints the plans and the placement of a query on a
// cluster. For SQL, every statement but the last runs first (so SET
// placement.strategy and CREATE statements take effect) and the last
// must be the query to place.
func explainPlacement(ctx context.Context, eng *dataflow.Engine, script, planFile, clusterFile, dotFile string, w io.Writer) error {
	cluster, err := eng.LoadCluster(clusterFile)
	if err != nil {
		return err
	}
	var rep *dataflow.PlacementReport
	var plans string
	if script != "" {
		stmts, err := parser.ParseScript(script)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return userErr("no SQL statement to place")
		}
		sess := eng.NewSession()
		for _, st := range stmts[:len(stmts)-1] {
			if err := sess.Exec(ctx, parser.Format(st)); err != nil {
				return err
			}
		}
		last := parser.Format(stmts[len(stmts)-1])
		if plans, err = sess.Explain(ctx, last, false); err != nil {
			return err
		}
		if rep, err = sess.ExplainPlacement(last, cluster); err != nil {
			return err
		}
	} else {
		q, err := eng.LoadJSONPlanFile(planFile)
		if err != nil {
			return err
		}
		if plans, err = q.Explain(); err != nil {
			return err
		}
		if rep, err = q.ExplainPlacement(cluster, nil); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(w, "%s\nplacement on %s:\n%s", plans, clusterFile, rep.Text); err != nil {
		return err
	}
	if dotFile != "" {
		if err := os.WriteFile(dotFile, []byte(rep.DOT), 0o644); err != nil {
			return userErr("--dot: %v", err)
		}
	}
	return nil
}
