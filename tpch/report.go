package tpch

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as an aligned table with a summary line.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tmode\trows\tmedian ms\tmin ms\tmax ms\tpeak memory\tGo heap peak\tcheck\t")
	for _, q := range r.Queries {
		if q.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\terror\t\n", q.Query, q.Mode)
			continue
		}
		check := q.Check
		if strings.HasPrefix(check, "mismatch") {
			check = "MISMATCH"
		} else if check == "" {
			check = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t\n", q.Query, q.Mode, q.Rows,
			q.MedianMillis, q.MinMillis, q.MaxMillis, formatBytes(q.PeakMemory), formatBytes(q.HeapPeak), check)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, q := range r.Queries {
		switch {
		case q.Error != "":
			fmt.Fprintf(w, "%s: error: %s\n", q.Query, q.Error)
		case strings.HasPrefix(q.Check, "mismatch"):
			fmt.Fprintf(w, "%s: %s\n", q.Query, q.Check)
		}
	}
	ran := len(r.Queries) - r.errors()
	_, err := fmt.Fprintf(w, "%d queries ran (%d failed), geometric mean of medians %.1f ms; %d threads, %d runs after %d warm-ups\n",
		ran, r.Failed, r.GeoMeanMillis, r.Threads, r.Runs, r.Warmup)
	return err
}

func (r *Report) errors() int {
	n := 0
	for _, q := range r.Queries {
		if q.Error != "" {
			n++
		}
	}
	return n
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// SVG layout, in pixels.
const (
	svgWidth     = 760
	svgLabelW    = 56  // query names
	svgValueW    = 110 // the median's text after the longest bar
	svgBarH      = 18
	svgGap       = 6
	svgTop       = 48
	svgBottom    = 36
	svgAxisTicks = 5
)

// WriteSVG draws the report as a horizontal bar chart: one bar per query
// for its median time, a line from its minimum to its maximum, failed
// queries marked. It needs no fonts or scripts beyond what browsers
// have.
func (r *Report) WriteSVG(w io.Writer) error {
	var b strings.Builder
	n := len(r.Queries)
	height := svgTop + n*(svgBarH+svgGap) + svgBottom
	plotW := float64(svgWidth - svgLabelW - svgValueW - 16)
	scale := 0.0
	for _, q := range r.Queries {
		scale = max(scale, q.MaxMillis)
	}
	scale = niceCeil(scale)
	x0 := float64(svgLabelW + 8)
	px := func(ms float64) float64 {
		if scale == 0 {
			return x0
		}
		return x0 + ms/scale*plotW
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	title := fmt.Sprintf("dataflow TPC-H: %s", r.describe())
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", 8, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="36" fill="#555">median of %d runs (bar), min to max (line); geometric mean %.1f ms</text>`+"\n",
		8, r.Runs, r.GeoMeanMillis)
	axisY := svgTop + n*(svgBarH+svgGap)
	for i := 0; i <= svgAxisTicks; i++ {
		v := scale * float64(i) / svgAxisTicks
		x := px(v)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, svgTop-4, x, axisY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x, axisY+14, trimFloat(v))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">milliseconds</text>`+"\n", x0+plotW/2, axisY+30)
	for i, q := range r.Queries {
		y := svgTop + i*(svgBarH+svgGap)
		mid := float64(y) + svgBarH/2
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", svgLabelW, mid, html.EscapeString(q.Query))
		if q.Error != "" {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle" fill="#b00">failed</text>`+"\n", x0+4, mid)
			continue
		}
		fill := "#4878a8"
		if !q.OK() {
			fill = "#c44"
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: median %.1f ms, min %.1f ms, max %.1f ms, %d rows</title></rect>`+"\n",
			x0, y, px(q.MedianMillis)-x0, svgBarH, fill, html.EscapeString(q.Query), q.MedianMillis, q.MinMillis, q.MaxMillis, q.Rows)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#222" stroke-width="1.5"/>`+"\n", px(q.MinMillis), mid, px(q.MaxMillis), mid)
		label := fmt.Sprintf("%.1f ms", q.MedianMillis)
		if !q.OK() {
			label += " (wrong)"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", px(max(q.MedianMillis, q.MaxMillis))+4, mid, label)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// describe names the run's data and settings for titles.
func (r *Report) describe() string {
	var parts []string
	if r.ScaleFactor > 0 {
		parts = append(parts, "SF"+trimFloat(r.ScaleFactor))
	}
	if r.Format != "" {
		parts = append(parts, string(r.Format))
	}
	parts = append(parts, fmt.Sprintf("%d threads", r.Threads))
	return strings.Join(parts, ", ")
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for axis ends.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v {
		p /= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
