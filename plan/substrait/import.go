package substrait

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"
	pb "github.com/substrait-io/substrait-go/proto"
	extpb "github.com/substrait-io/substrait-go/proto/extensions"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// Imported is a Substrait plan turned into a dataflow plan.
type Imported struct {
	// Root is the executable logical plan.
	Root plan.Node
	// Hints are the plan-wide hints, nil when there are none.
	Hints *Hints
	// NodeHints are the per-relation hints, keyed by the node each
	// relation became.
	NodeHints map[plan.Node]*Hints
}

type importer struct {
	funcs     map[uint32]funcRef
	types     map[uint32]funcRef
	tables    Resolver
	udfs      UDFResolver
	nodeHints map[plan.Node]*Hints
	// relations counts the relation names scans use, so that a second
	// unaliased scan of a table gets an alias of its own.
	relations map[string]int
}

// Import converts a Substrait plan to a dataflow plan, finding tables
// (and, if tables implements UDFResolver, Go UDFs) through tables.
// Errors wrap ErrInvalid or ErrUnsupported; where a plan constructor or
// the resolver rejected a relation, they wrap its error too (a type error
// wraps plan.ErrPlan).
func Import(p *pb.Plan, tables Resolver) (out *Imported, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %w: %v", ErrInvalid, errImporterPanic, r)
		}
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}()
	if p == nil {
		return nil, fmt.Errorf("%w: nil plan", ErrInvalid)
	}
	m := &importer{
		funcs: map[uint32]funcRef{}, types: map[uint32]funcRef{}, tables: tables,
		nodeHints: map[plan.Node]*Hints{}, relations: map[string]int{},
	}
	m.udfs, _ = tables.(UDFResolver)
	if err := m.declarations(p.GetExtensionUris(), p.GetExtensions()); err != nil {
		return nil, err
	}
	var root *pb.RelRoot
	for _, r := range p.GetRelations() {
		switch k := r.GetRelType().(type) {
		case *pb.PlanRel_Root:
			if root != nil {
				return nil, fmt.Errorf("%w: plan has more than one root relation", ErrUnsupported)
			}
			root = k.Root
		case *pb.PlanRel_Rel:
			if len(p.GetRelations()) == 1 {
				root = &pb.RelRoot{Input: k.Rel}
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: plan has no root relation", ErrInvalid)
	}
	n, err := m.rel(root.GetInput())
	if err != nil {
		return nil, err
	}
	if n, err = rename(n, root.GetNames()); err != nil {
		return nil, err
	}
	out = &Imported{Root: n, NodeHints: m.nodeHints}
	adv := p.GetAdvancedExtensions()
	if err := checkEnhancement(adv, "plan"); err != nil {
		return nil, err
	}
	ext, ok, err := parseExtension(adv.GetOptimization())
	if err != nil {
		return nil, err
	}
	if ok {
		out.Hints = ext.hintsOrNil()
	}
	return out, nil
}

// rename gives the root's columns the names the RelRoot lists.
func rename(n plan.Node, names []string) (plan.Node, error) {
	s := n.Schema()
	if len(names) == 0 || slicesEqual(names, s.Names()) {
		return n, nil
	}
	if len(names) != len(s) {
		return nil, fmt.Errorf("%w: root names %d columns, its relation has %d", ErrInvalid, len(names), len(s))
	}
	exprs := make([]plan.Expr, len(s))
	for i := range s {
		c, err := columnAt(s, i)
		if err != nil {
			return nil, err
		}
		exprs[i] = plan.Alias{Expr: c, Name: names[i]}
	}
	return plan.NewProject(n, exprs)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkEnhancement rejects enhancements (which change a relation's
// meaning and so cannot be skipped) other than the ones dataflow writes.
func checkEnhancement(adv *extpb.AdvancedExtension, where string) error {
	if e := adv.GetEnhancement(); e != nil {
		return fmt.Errorf("%w: %s carries an enhancement (%s) dataflow does not understand", ErrUnsupported, where, e.GetTypeUrl())
	}
	return nil
}

// relExt reads a relation's dataflow extension from its RelCommon.
func relExt(c *pb.RelCommon, where string) (relExtension, error) {
	adv := c.GetAdvancedExtension()
	if err := checkEnhancement(adv, where); err != nil {
		return relExtension{}, err
	}
	ext, _, err := parseExtension(adv.GetOptimization())
	return ext, err
}

func (m *importer) rel(r *pb.Rel) (plan.Node, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: missing relation", ErrInvalid)
	}
	var (
		common *pb.RelCommon
		adv    *extpb.AdvancedExtension
		name   string
	)
	switch k := r.GetRelType().(type) {
	case *pb.Rel_Read:
		common, adv, name = k.Read.GetCommon(), k.Read.GetAdvancedExtension(), "ReadRel"
	case *pb.Rel_Filter:
		common, adv, name = k.Filter.GetCommon(), k.Filter.GetAdvancedExtension(), "FilterRel"
	case *pb.Rel_Project:
		common, adv, name = k.Project.GetCommon(), k.Project.GetAdvancedExtension(), "ProjectRel"
	case *pb.Rel_Aggregate:
		common, adv, name = k.Aggregate.GetCommon(), k.Aggregate.GetAdvancedExtension(), "AggregateRel"
	case *pb.Rel_Join:
		// The join's own advanced extension may hold the mark enhancement.
		common, name = k.Join.GetCommon(), "JoinRel"
	case *pb.Rel_Cross:
		common, adv, name = k.Cross.GetCommon(), k.Cross.GetAdvancedExtension(), "CrossRel"
	case *pb.Rel_Sort:
		common, adv, name = k.Sort.GetCommon(), k.Sort.GetAdvancedExtension(), "SortRel"
	case *pb.Rel_Fetch:
		common, adv, name = k.Fetch.GetCommon(), k.Fetch.GetAdvancedExtension(), "FetchRel"
	case *pb.Rel_Set:
		common, adv, name = k.Set.GetCommon(), k.Set.GetAdvancedExtension(), "SetRel"
	case nil:
		return nil, fmt.Errorf("%w: relation without a kind", ErrInvalid)
	default:
		return nil, fmt.Errorf("%w: relation %s", ErrUnsupported, kindName(k))
	}
	if err := checkEnhancement(adv, name); err != nil {
		return nil, err
	}
	ext, err := relExt(common, name)
	if err != nil {
		return nil, err
	}
	var n plan.Node
	emitted := false
	switch k := r.GetRelType().(type) {
	case *pb.Rel_Read:
		n, err = m.read(k.Read, ext)
	case *pb.Rel_Filter:
		n, err = m.filter(k.Filter)
	case *pb.Rel_Project:
		n, err = m.project(k.Project, common, ext)
		emitted = true
	case *pb.Rel_Aggregate:
		n, err = m.aggregate(k.Aggregate, ext)
	case *pb.Rel_Join:
		n, err = m.join(k.Join)
	case *pb.Rel_Cross:
		n, err = m.cross(k.Cross)
	case *pb.Rel_Sort:
		n, err = m.sort(k.Sort)
	case *pb.Rel_Fetch:
		n, err = m.fetch(k.Fetch)
	case *pb.Rel_Set:
		n, err = m.set(k.Set)
	}
	if err != nil {
		return nil, err
	}
	if !emitted {
		if n, err = emit(n, common); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if h := ext.hintsOrNil(); h != nil {
		m.nodeHints[n] = h
	}
	return n, nil
}

// emitMapping returns a relation's output mapping, nil for direct output.
func emitMapping(c *pb.RelCommon, width int) ([]int, error) {
	e := c.GetEmit()
	if e == nil {
		return nil, nil
	}
	out := make([]int, len(e.GetOutputMapping()))
	for i, f := range e.GetOutputMapping() {
		if f < 0 || int(f) >= width {
			return nil, fmt.Errorf("%w: emit of field %d, but the relation has %d columns", ErrInvalid, f, width)
		}
		out[i] = int(f)
	}
	return out, nil
}

// emit applies an output mapping by projecting columns.
func emit(n plan.Node, c *pb.RelCommon) (plan.Node, error) {
	s := n.Schema()
	mapping, err := emitMapping(c, len(s))
	if err != nil || mapping == nil {
		return n, err
	}
	identity := len(mapping) == len(s)
	for i, f := range mapping {
		identity = identity && f == i
	}
	if identity {
		return n, nil
	}
	exprs := make([]plan.Expr, len(mapping))
	for i, f := range mapping {
		if exprs[i], err = columnAt(s, f); err != nil {
			return nil, err
		}
	}
	return plan.NewProject(n, exprs)
}

// columnAt names column i of s so that it resolves to i and nothing else.
func columnAt(s plan.Schema, i int) (plan.Column, error) {
	if i < 0 || i >= len(s) {
		return plan.Column{}, fmt.Errorf("%w: field reference %d out of range: the input has %d columns", ErrInvalid, i, len(s))
	}
	c := plan.Column{Relation: s[i].Relation, Name: s[i].Name}
	if j, err := s.Resolve(c.Relation, c.Name); err != nil || j != i {
		return plan.Column{}, fmt.Errorf("%w: field %d (%s) cannot be referred to by name: more than one input column is called that", ErrUnsupported, i, s[i].QualifiedName())
	}
	return c, nil
}

func (m *importer) read(r *pb.ReadRel, ext relExtension) (plan.Node, error) {
	base, err := m.schemaOf(r.GetBaseSchema())
	if err != nil {
		return nil, fmt.Errorf("ReadRel: %w", err)
	}
	proj, err := maskColumns(r.GetProjection(), len(base))
	if err != nil {
		return nil, err
	}
	switch t := r.GetReadType().(type) {
	case *pb.ReadRel_NamedTable_:
		return m.namedTable(r, t.NamedTable.GetNames(), base, proj, ext)
	case *pb.ReadRel_VirtualTable_:
		if ext.relations != nil {
			if len(ext.relations) != len(base) {
				return nil, fmt.Errorf("%w: inline table names relations for %d of its %d columns", ErrInvalid, len(ext.relations), len(base))
			}
			for i := range base {
				base[i].Relation = ext.relations[i]
			}
		}
		n, err := m.virtualTable(t.VirtualTable, base)
		if err != nil {
			return nil, err
		}
		if r.GetFilter() != nil {
			pred, err := m.expr(r.GetFilter(), base)
			if err != nil {
				return nil, err
			}
			if n, err = plan.NewFilter(n, pred); err != nil {
				return nil, err
			}
		}
		return projectColumns(n, proj)
	case nil:
		return nil, fmt.Errorf("%w: ReadRel without a read type", ErrInvalid)
	default:
		return nil, fmt.Errorf("%w: ReadRel of %s (only named and virtual tables)", ErrUnsupported, kindName(t))
	}
}

// maskColumns reads a projection mask as column indexes (nil: all).
func maskColumns(mask *pb.Expression_MaskExpression, width int) ([]int, error) {
	if mask == nil {
		return nil, nil
	}
	items := mask.GetSelect().GetStructItems()
	out := make([]int, len(items))
	for i, it := range items {
		if it.GetChild() != nil {
			return nil, fmt.Errorf("%w: projection into nested field %d", ErrUnsupported, it.GetField())
		}
		if it.GetField() < 0 || int(it.GetField()) >= width {
			return nil, fmt.Errorf("%w: projection of field %d, but the table has %d columns", ErrInvalid, it.GetField(), width)
		}
		out[i] = int(it.GetField())
	}
	return out, nil
}

func projectColumns(n plan.Node, cols []int) (plan.Node, error) {
	if cols == nil {
		return n, nil
	}
	exprs := make([]plan.Expr, len(cols))
	for i, c := range cols {
		col, err := columnAt(n.Schema(), c)
		if err != nil {
			return nil, err
		}
		exprs[i] = col
	}
	return plan.NewProject(n, exprs)
}

func (m *importer) namedTable(r *pb.ReadRel, names []string, base plan.Schema, proj []int, ext relExtension) (plan.Node, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: read of a named table without a name", ErrInvalid)
	}
	full := strings.Join(names, ".")
	if m.tables == nil {
		return nil, fmt.Errorf("%w: the plan reads table %q but no resolver was given", ErrInvalid, full)
	}
	src, err := m.tables.Table(names)
	if err != nil {
		return nil, fmt.Errorf("%w: table %q: %w", ErrInvalid, full, err)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: table %q: resolver returned no table", ErrInvalid, full)
	}
	if err := sameColumns(full, base, src.Schema()); err != nil {
		return nil, err
	}
	table, alias := names[len(names)-1], ext.alias
	rel := alias
	if rel == "" {
		rel = table
	}
	key := strings.ToLower(rel)
	m.relations[key]++
	if n := m.relations[key]; n > 1 && !ext.hasAlias {
		// Another scan already uses this name and the producer gave no
		// alias: give this one its own, so that columns of a self-join
		// can be told apart.
		alias = fmt.Sprintf("%s_%d", table, n)
	}
	scan := plan.NewScan(table, alias, src)
	var filters []plan.Expr
	if r.GetFilter() != nil {
		if filters, err = m.conjuncts(r.GetFilter(), scan.Schema()); err != nil {
			return nil, err
		}
	}
	inProjection := proj != nil
	if proj != nil {
		kept := map[int]bool{}
		for _, c := range proj {
			kept[c] = true
		}
		for _, f := range filters {
			for _, c := range plan.Columns(f) {
				i, err := scan.Schema().Resolve(c.Relation, c.Name)
				inProjection = inProjection && err == nil && kept[i]
			}
		}
	}
	if !inProjection {
		// The filter needs columns the projection drops: filter the whole
		// table, then project.
		s := scan
		if len(filters) > 0 {
			if s, err = scan.WithFilters(filters); err != nil {
				return nil, err
			}
		}
		return projectColumns(s, proj)
	}
	s, err := scan.WithProjection(proj)
	if err != nil {
		return nil, err
	}
	if len(filters) > 0 {
		return s.WithFilters(filters)
	}
	return s, nil
}

// sameColumns checks a ReadRel's base schema against the table's.
func sameColumns(table string, base plan.Schema, actual *arrow.Schema) error {
	if len(base) != actual.NumFields() {
		return fmt.Errorf("%w: the plan reads table %q with %d columns, the catalog's has %d", ErrInvalid, table, len(base), actual.NumFields())
	}
	for i, f := range actual.Fields() {
		b := base[i]
		if !strings.EqualFold(b.Name, f.Name) {
			return fmt.Errorf("%w: column %d of table %q is %q in the plan but %q in the catalog", ErrInvalid, i, table, b.Name, f.Name)
		}
		if !compatibleType(b.Type, f.Type) {
			return fmt.Errorf("%w: column %s of table %q is %s in the plan but %s in the catalog", ErrInvalid, f.Name, table, plan.TypeName(b.Type), plan.TypeName(f.Type))
		}
	}
	return nil
}

// compatibleType compares a type read from Substrait with a table's,
// allowing for what Substrait does not record (a timestamp's zone name).
func compatibleType(plan, table arrow.DataType) bool {
	if arrow.TypeEqual(plan, table) {
		return true
	}
	p, ok1 := plan.(*arrow.TimestampType)
	t, ok2 := table.(*arrow.TimestampType)
	return ok1 && ok2 && p.Unit == t.Unit && (p.TimeZone == "") == (t.TimeZone == "")
}

func (m *importer) virtualTable(vt *pb.ReadRel_VirtualTable, schema plan.Schema) (plan.Node, error) {
	rows := make([][]scalar.Scalar, len(vt.GetValues()))
	for r, row := range vt.GetValues() {
		if len(row.GetFields()) != len(schema) {
			return nil, fmt.Errorf("%w: inline table row %d has %d values, its schema %d columns", ErrInvalid, r+1, len(row.GetFields()), len(schema))
		}
		rows[r] = make([]scalar.Scalar, len(schema))
		for c, l := range row.GetFields() {
			v, err := m.literalFromProto(l)
			if err != nil {
				return nil, fmt.Errorf("inline table row %d column %d: %w", r+1, c+1, err)
			}
			rows[r][c] = v
		}
	}
	return plan.NewValues(schema, rows)
}

func (m *importer) filter(f *pb.FilterRel) (plan.Node, error) {
	in, err := m.rel(f.GetInput())
	if err != nil {
		return nil, err
	}
	if f.GetCondition() == nil {
		return nil, fmt.Errorf("%w: FilterRel without a condition", ErrInvalid)
	}
	pred, err := m.expr(f.GetCondition(), in.Schema())
	if err != nil {
		return nil, err
	}
	return plan.NewFilter(in, pred)
}

// named gives an imported expression the output name a relation recorded
// for it: a column that keeps its own name stays a plain column (keeping
// its relation), anything else is aliased.
func named(e plan.Expr, name string) plan.Expr {
	if c, ok := e.(plan.Column); ok && c.Name == name {
		return e
	}
	if _, ok := e.(plan.Column); !ok && plan.OutputName(e) == name {
		return e
	}
	return plan.Alias{Expr: e, Name: name}
}

func (m *importer) project(p *pb.ProjectRel, common *pb.RelCommon, ext relExtension) (plan.Node, error) {
	in, err := m.rel(p.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	exprs := make([]plan.Expr, len(p.GetExpressions()))
	for i, e := range p.GetExpressions() {
		if exprs[i], err = m.expr(e, s); err != nil {
			return nil, err
		}
	}
	// A ProjectRel's output is its input's columns, then its expressions.
	width := len(s) + len(exprs)
	mapping, err := emitMapping(common, width)
	if err != nil {
		return nil, fmt.Errorf("ProjectRel: %w", err)
	}
	if mapping == nil {
		mapping = make([]int, width)
		for i := range mapping {
			mapping[i] = i
		}
	}
	if ext.names != nil && len(ext.names) != len(mapping) {
		return nil, fmt.Errorf("%w: ProjectRel names %d columns but outputs %d", ErrInvalid, len(ext.names), len(mapping))
	}
	out := make([]plan.Expr, len(mapping))
	for i, f := range mapping {
		var e plan.Expr
		if f < len(s) {
			c, err := columnAt(s, f)
			if err != nil {
				return nil, err
			}
			e = c
		} else {
			e = exprs[f-len(s)]
		}
		if ext.names != nil {
			e = named(e, ext.names[i])
		}
		out[i] = e
	}
	return plan.NewProject(in, out)
}

func (m *importer) aggregate(a *pb.AggregateRel, ext relExtension) (plan.Node, error) {
	in, err := m.rel(a.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	if len(a.GetGroupings()) > 1 {
		return nil, fmt.Errorf("%w: AggregateRel with %d grouping sets (only one is supported)", ErrUnsupported, len(a.GetGroupings()))
	}
	var groups []plan.Expr
	allColumns := true
	if len(a.GetGroupings()) == 1 {
		for i, g := range a.GetGroupings()[0].GetGroupingExpressions() {
			e, err := m.expr(g, s)
			if err != nil {
				return nil, err
			}
			groups = append(groups, e)
			f, isRef := directField(g)
			allColumns = allColumns && isRef && f == i
		}
	}
	aggs := make([]plan.Expr, len(a.GetMeasures()))
	for i, ms := range a.GetMeasures() {
		if ms.GetFilter() != nil {
			return nil, fmt.Errorf("%w: aggregate measure with a filter", ErrUnsupported)
		}
		if aggs[i], err = m.aggCall(ms.GetMeasure(), s); err != nil {
			return nil, err
		}
	}
	// Grouping by every column, in order, without measures is DISTINCT.
	if len(aggs) == 0 && len(groups) == len(s) && len(s) > 0 && allColumns && (ext.names == nil || slicesEqual(ext.names, s.Names())) {
		return plan.NewDistinct(in), nil
	}
	if ext.names != nil {
		if len(ext.names) != len(groups)+len(aggs) {
			return nil, fmt.Errorf("%w: AggregateRel names %d columns but outputs %d", ErrInvalid, len(ext.names), len(groups)+len(aggs))
		}
		for i := range groups {
			groups[i] = named(groups[i], ext.names[i])
		}
		for i := range aggs {
			aggs[i] = named(aggs[i], ext.names[len(groups)+i])
		}
	}
	return plan.NewAggregate(in, groups, aggs)
}

// directField returns the column index of a plain field reference.
func directField(e *pb.Expression) (int, bool) {
	sf := e.GetSelection().GetDirectReference().GetStructField()
	if sf == nil || sf.GetChild() != nil {
		return 0, false
	}
	return int(sf.GetField()), true
}

func (m *importer) join(j *pb.JoinRel) (plan.Node, error) {
	left, err := m.rel(j.GetLeft())
	if err != nil {
		return nil, err
	}
	right, err := m.rel(j.GetRight())
	if err != nil {
		return nil, err
	}
	var typ exec.JoinType
	switch j.GetType() {
	case pb.JoinRel_JOIN_TYPE_INNER:
		typ = exec.JoinInner
	case pb.JoinRel_JOIN_TYPE_LEFT:
		typ = exec.JoinLeft
	case pb.JoinRel_JOIN_TYPE_RIGHT:
		typ = exec.JoinRight
	case pb.JoinRel_JOIN_TYPE_OUTER:
		typ = exec.JoinFull
	case pb.JoinRel_JOIN_TYPE_SEMI:
		typ = exec.JoinSemi
	case pb.JoinRel_JOIN_TYPE_ANTI:
		typ = exec.JoinAnti
	case pb.JoinRel_JOIN_TYPE_SINGLE:
		typ = exec.JoinSingle
	default:
		return nil, fmt.Errorf("%w: JoinRel of type %s", ErrUnsupported, j.GetType())
	}
	if enh := j.GetAdvancedExtension().GetEnhancement(); enh != nil {
		ext, ok, err := parseExtension(enh)
		if err != nil {
			return nil, err
		}
		if !ok || ext.join != "mark" || typ != exec.JoinSemi {
			return nil, fmt.Errorf("%w: JoinRel carries an enhancement (%s) dataflow does not understand", ErrUnsupported, enh.GetTypeUrl())
		}
		typ = exec.JoinMark
	}
	both := append(append(plan.Schema{}, left.Schema()...), right.Schema()...)
	var on plan.Expr
	if j.GetExpression() == nil {
		return nil, fmt.Errorf("%w: JoinRel without a join expression", ErrInvalid)
	}
	if on, err = m.expr(j.GetExpression(), both); err != nil {
		return nil, err
	}
	if l, ok := on.(plan.Literal); ok && l.Value != nil && l.Value.IsValid() {
		if b, ok := l.Value.(*scalar.Boolean); ok && b.Value {
			on = nil
		}
	}
	n, err := plan.NewJoin(left, right, typ, on)
	if err != nil {
		return nil, err
	}
	if j.GetPostJoinFilter() != nil {
		pred, err := m.expr(j.GetPostJoinFilter(), n.Schema())
		if err != nil {
			return nil, err
		}
		return plan.NewFilter(n, pred)
	}
	return n, nil
}

func (m *importer) cross(c *pb.CrossRel) (plan.Node, error) {
	left, err := m.rel(c.GetLeft())
	if err != nil {
		return nil, err
	}
	right, err := m.rel(c.GetRight())
	if err != nil {
		return nil, err
	}
	return plan.NewJoin(left, right, exec.JoinInner, nil)
}

func (m *importer) sort(r *pb.SortRel) (plan.Node, error) {
	in, err := m.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	keys := make([]plan.SortKey, len(r.GetSorts()))
	for i, f := range r.GetSorts() {
		e, err := m.expr(f.GetExpr(), in.Schema())
		if err != nil {
			return nil, err
		}
		k := plan.SortKey{Expr: e}
		switch f.GetDirection() {
		case pb.SortField_SORT_DIRECTION_ASC_NULLS_LAST, pb.SortField_SORT_DIRECTION_UNSPECIFIED:
		case pb.SortField_SORT_DIRECTION_ASC_NULLS_FIRST:
			k.NullsFirst = true
		case pb.SortField_SORT_DIRECTION_DESC_NULLS_FIRST:
			k.Desc, k.NullsFirst = true, true
		case pb.SortField_SORT_DIRECTION_DESC_NULLS_LAST:
			k.Desc = true
		default:
			return nil, fmt.Errorf("%w: sort direction %s", ErrUnsupported, f.GetDirection())
		}
		if f.GetComparisonFunctionReference() != 0 {
			return nil, fmt.Errorf("%w: sort by comparison function %d", ErrUnsupported, f.GetComparisonFunctionReference())
		}
		keys[i] = k
	}
	return plan.NewSort(in, keys)
}

func (m *importer) fetch(f *pb.FetchRel) (plan.Node, error) {
	in, err := m.rel(f.GetInput())
	if err != nil {
		return nil, err
	}
	count := f.GetCount()
	if count < 0 {
		count = -1
	}
	return plan.NewLimit(in, f.GetOffset(), count)
}

func (m *importer) set(s *pb.SetRel) (plan.Node, error) {
	ins := make([]plan.Node, len(s.GetInputs()))
	for i, r := range s.GetInputs() {
		n, err := m.rel(r)
		if err != nil {
			return nil, err
		}
		ins[i] = n
	}
	switch s.GetOp() {
	case pb.SetRel_SET_OP_UNION_ALL:
		return plan.NewUnion(ins...)
	case pb.SetRel_SET_OP_UNION_DISTINCT:
		u, err := plan.NewUnion(ins...)
		if err != nil {
			return nil, err
		}
		return plan.NewDistinct(u), nil
	}
	return nil, fmt.Errorf("%w: SetRel operation %s (only UNION ALL and UNION DISTINCT)", ErrUnsupported, s.GetOp())
}
