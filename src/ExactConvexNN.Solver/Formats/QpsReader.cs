using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Reads free- and fixed-format MPS with the quadratic extensions of the Maros-Meszaros QP set (QPS): sections NAME,
/// OBJSENSE, OBJNAME, ROWS, COLUMNS, RHS, RANGES, BOUNDS, QUADOBJ / QMATRIX / QSECTION, ENDATA. Fields are split on
/// white space, except in a fixed-format file whose names contain spaces (see <see cref="IsFixedFormat"/>): there they
/// are cut at the fixed columns of the MPS standard. A missing set name in RHS, RANGES or BOUNDS is recognized from
/// the field count.
/// </summary>
/// <remarks>
/// Conventions (those of the MPS standard and the Maros-Meszaros set):
/// <list type="bullet">
/// <item>The objective is <c>c'x + 1/2 x'Qx + c0</c> with c from the first N row; other N rows are ignored.
/// The RHS of the objective row is <c>-c0</c>.</item>
/// <item>QUADOBJ lists the lower triangle (each off-diagonal entry once; either order is accepted, a pair listed
/// twice is refused); QMATRIX and QSECTION list the full symmetric matrix.</item>
/// <item>RANGES R on row with rhs r: L row <c>[r - |R|, r]</c>, G row <c>[r, r + |R|]</c>, E row <c>[r, r + R]</c> if
/// R &gt; 0 and <c>[r + R, r]</c> if R &lt; 0 (R = 0 keeps the equality).</item>
/// <item>Bounds default to <c>[0, inf)</c>; UP, LO, FX, FR, MI, PL set them; an UP bound below zero on a column
/// whose lower bound was not set makes the lower bound -inf (the common MPS rule). BV, LI, UI, SC and
/// integer MARKER lines are refused: integer variables are not supported.</item>
/// </list>
/// In <c>A x + s = b</c>: rows and bounds with equal finite lower and upper become zero cone rows; every other
/// finite lower <c>l &lt;= a'x</c> becomes <c>-a'x + s = -l</c> and upper <c>a'x &lt;= u</c> becomes <c>a'x + s = u</c>
/// with s in the nonnegative cone. Zero cone rows come first (constraints, then bounds), then the nonnegative rows.
/// </remarks>
public static class QpsReader
{
    private static readonly string[] Sections =
        ["NAME", "OBJSENSE", "OBJSENCE", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS", "QUADOBJ", "QMATRIX", "QSECTION", "ENDATA"];
    private static readonly string[] Unsupported = ["SOS", "CSECTION", "QCMATRIX", "INDICATORS", "LAZYCONS", "USERCUTS", "GENCONS", "PWLOBJ"];

    /// <summary>Reads a QPS/MPS file, gzip-compressed or not (see <see cref="InputText"/>).</summary>
    /// <exception cref="InputException">The file is missing or malformed.</exception>
    public static ProblemFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException($"file not found: '{path}'; check the path");
        return InputText.Read(path, reader => Read(reader, Path.GetFileNameWithoutExtension(InputText.WithoutGz(path)), Path.GetFileName(path)));
    }

    /// <summary>Reads QPS/MPS text; <paramref name="fallbackName"/> is used when there is no NAME line.</summary>
    /// <exception cref="InputException">The text is malformed; the message names the line and the fix.</exception>
    public static ProblemFile Read(TextReader reader, string fallbackName, string label = "QPS")
    {
        ArgumentNullException.ThrowIfNull(reader);
        string text = reader.ReadToEnd();
        bool fixedFormat = IsFixedFormat(text);
        var cur = new LineCursor(new StringReader(text), label, IsComment);
        var model = new Model();
        string section = "";
        bool ended = false;
        while (!ended && cur.MoveNext())
        {
            bool header = !char.IsWhiteSpace(cur.Line[0]);
            var t = fixedFormat && !header && !FreeSections.Contains(section) ? FixedFields(cur.Line) : cur.Tokens();
            string first = t[0].ToUpperInvariant();
            if (header)
            {
                if (Unsupported.Contains(first))
                    throw cur.Error($"section {first} is not supported; only continuous LPs and QPs (ROWS, COLUMNS, RHS, RANGES, BOUNDS, QUADOBJ/QMATRIX) are");
                if (Sections.Contains(first))
                {
                    section = first;
                    switch (first)
                    {
                        case "NAME": if (t.Length > 1) model.Name = t[1]; break;
                        case "OBJSENSE" or "OBJSENCE": if (t.Length > 1) model.SetSense(cur, t[1]); break;
                        case "OBJNAME": if (t.Length > 1) model.ObjectiveName = t[1]; break;
                        case "QSECTION":
                            if (t.Length > 1 && model.ObjectiveRow is { } obj && t[1] != obj)
                                throw cur.Error($"QSECTION for row '{t[1]}' is a quadratic constraint, which is not supported; only the objective may be quadratic");
                            break;
                        case "ENDATA": ended = true; break;
                    }
                    continue;
                }
                if (t.Length == 1) throw cur.Error($"unknown section '{t[0]}'; expected one of {string.Join(", ", Sections)}");
            }
            switch (section)
            {
                case "": throw cur.Error($"data before any section: '{cur.Line.Trim()}'; start the file with NAME and ROWS");
                case "NAME": throw cur.Error($"unexpected data after NAME: '{cur.Line.Trim()}'; put the ROWS section next");
                case "OBJSENSE" or "OBJSENCE": model.SetSense(cur, cur.Expect(t, 1, "MIN|MAX")[0]); break;
                case "OBJNAME": model.ObjectiveName = cur.Expect(t, 1, "row")[0]; break;
                case "ROWS": model.AddRow(cur, cur.Expect(t, 2, "type name")); break;
                case "COLUMNS": model.AddColumnEntries(cur, t); break;
                case "RHS": model.AddRhs(cur, t); break;
                case "RANGES": model.AddRanges(cur, t); break;
                case "BOUNDS": model.AddBound(cur, t); break;
                case "QUADOBJ": model.AddQuadratic(cur, cur.Expect(t, 3, "column column value"), lowerTriangle: true); break;
                case "QMATRIX" or "QSECTION": model.AddQuadratic(cur, cur.Expect(t, 3, "column column value"), lowerTriangle: false); break;
                default: throw cur.Error($"unexpected data in section {section}");
            }
        }
        if (!ended) throw new InputException($"{label}: the file ends (after line {cur.LineNumber}) without ENDATA; the file is truncated, restore the missing lines");
        return model.Build(label, fallbackName);
    }

    /// <summary>Sections whose data lines are split on white space even in fixed format (they hold one word).</summary>
    private static readonly string[] FreeSections = ["", "NAME", "OBJSENSE", "OBJSENCE", "OBJNAME"];

    /// <summary>The fixed-format fields as [start, end) character offsets: columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61.</summary>
    private static readonly (int Start, int End)[] FixedColumns = [(1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61)];

    private static bool IsComment(string line) => line[0] == '*';

    /// <summary>
    /// True when the text is fixed-format MPS that white-space splitting would misread: every data line (a line that starts
    /// with a blank, outside NAME and OBJSENSE/OBJNAME) keeps its text inside the fixed fields (columns 2-3, 5-12, 15-22,
    /// 25-36, 40-47, 50-61, no tabs), and at least one field holds a space (a name such as <c>DEDO3 1R</c>). Fixed-format
    /// files without spaces in names split the same either way, so they are read as free format.
    /// </summary>
    internal static bool IsFixedFormat(string text)
    {
        bool spaceInName = false;
        string section = "";
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.TrimEnd();
            if (line.IsEmpty || line[0] == '*') continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                int end = line.IndexOfAny(' ', '\t');
                section = (end < 0 ? line : line[..end]).ToString().ToUpperInvariant();
                continue;
            }
            if (FreeSections.Contains(section)) continue;
            if (line.Length > FixedColumns[^1].End || line.Contains('\t')) return false;
            int previousEnd = 0;
            foreach (var (start, end) in FixedColumns)
            {
                // The gap before this field must be blank.
                for (int k = previousEnd; k < Math.Min(start, line.Length); k++)
                    if (line[k] != ' ') return false;
                if (start < line.Length && line[start..Math.Min(end, line.Length)].Trim(' ').Contains(' ')) spaceInName = true;
                previousEnd = end;
            }
        }
        return spaceInName;
    }

    /// <summary>The non-empty fixed-format fields of a data line, trimmed, in column order.</summary>
    private static string[] FixedFields(string line)
    {
        var fields = new List<string>(FixedColumns.Length);
        foreach (var (start, end) in FixedColumns)
        {
            if (start >= line.Length) break;
            var field = line[start..Math.Min(end, line.Length)].Trim();
            if (field.Length > 0) fields.Add(field);
        }
        return [.. fields];
    }

    private sealed class Model
    {
        public string? Name;
        public string? ObjectiveName;
        public bool Maximize;
        private bool _senseSet;
        public string? ObjectiveRow => ObjectiveName ?? _firstNRow;
        private string? _firstNRow;
        private readonly Dictionary<string, int> _rows = [];
        private readonly List<char> _rowType = [];
        private readonly List<double> _rhs = [];
        private readonly List<double> _range = [];
        private readonly Dictionary<string, int> _columns = [];
        private readonly List<double> _c = [];
        private readonly List<double> _lower = [], _upper = [];
        private readonly List<bool> _lowerSet = [];
        private readonly List<(int Row, int Col, double Value)> _a = [];
        private readonly Dictionary<(int, int), (double Value, int Line)> _q = [];
        private readonly Dictionary<string, double> _nRows = [];
        private double _objectiveRhs;
        private string? _rhsSet, _rangeSet, _boundSet;
        private bool _integerMarker;
        private bool? _fullMatrix;

        public void SetSense(LineCursor cur, string token)
        {
            if (_senseSet) throw cur.Error("the objective sense is given twice; keep one OBJSENSE");
            Maximize = token.ToUpperInvariant() switch
            {
                "MIN" or "MINIMIZE" => false,
                "MAX" or "MAXIMIZE" => true,
                _ => throw cur.Error($"objective sense '{token}' is not MIN or MAX"),
            };
            _senseSet = true;
        }

        public void AddRow(LineCursor cur, string[] t)
        {
            string type = t[0].ToUpperInvariant(), name = t[1];
            if (type is not ("N" or "E" or "L" or "G")) throw cur.Error($"row type '{t[0]}' is not N, E, L or G");
            if (_rows.ContainsKey(name) || _nRows.ContainsKey(name)) throw cur.Error($"row '{name}' is declared twice; rename one");
            if (type == "N")
            {
                _nRows[name] = 0;
                _firstNRow ??= name;
                return;
            }
            _rows[name] = _rowType.Count;
            _rowType.Add(type[0]); _rhs.Add(0); _range.Add(double.NaN);
        }

        public void AddColumnEntries(LineCursor cur, string[] t)
        {
            if (t.Length >= 3 && t[1].Trim('\'').Equals("MARKER", StringComparison.OrdinalIgnoreCase))
            {
                var kind = t[^1].Trim('\'').ToUpperInvariant();
                if (kind == "INTORG") _integerMarker = true;
                else if (kind == "INTEND") _integerMarker = false;
                if (_integerMarker) throw cur.Error("integer variables are not supported (MARKER INTORG); remove the markers to solve the continuous relaxation");
                return;
            }
            if (t.Length is not (3 or 5)) throw cur.Error($"expected 'column row value [row value]' but found {t.Length} fields: '{cur.Line.Trim()}'");
            int j = Column(cur, t[0], create: true);
            for (int k = 1; k < t.Length; k += 2)
            {
                double v = cur.Number(t[k + 1], "coefficient");
                string row = t[k];
                if (row == ObjectiveRow) _c[j] += v;
                else if (_rows.TryGetValue(row, out int i)) _a.Add((i, j, v));
                else if (!_nRows.ContainsKey(row)) throw UnknownRow(cur, row);
            }
        }

        public void AddRhs(LineCursor cur, string[] t)
        {
            int start = PairsStart(cur, t, ref _rhsSet, "RHS");
            for (int k = start; k < t.Length; k += 2)
            {
                double v = cur.Number(t[k + 1], "right-hand side");
                if (t[k] == ObjectiveRow) _objectiveRhs = v;
                else if (_rows.TryGetValue(t[k], out int i)) _rhs[i] = v;
                else if (!_nRows.ContainsKey(t[k])) throw UnknownRow(cur, t[k]);
            }
        }

        public void AddRanges(LineCursor cur, string[] t)
        {
            int start = PairsStart(cur, t, ref _rangeSet, "RANGES");
            for (int k = start; k < t.Length; k += 2)
            {
                double v = cur.Number(t[k + 1], "range");
                if (!_rows.TryGetValue(t[k], out int i))
                    throw _nRows.ContainsKey(t[k]) ? cur.Error($"a range on objective/free row '{t[k]}' has no meaning; remove it") : UnknownRow(cur, t[k]);
                _range[i] = v;
            }
        }

        /// <summary>RHS/RANGES lines are [set] (row value)+; the set name is present when the field count is odd.</summary>
        private static int PairsStart(LineCursor cur, string[] t, ref string? set, string section)
        {
            if (t.Length is not (2 or 3 or 4 or 5)) throw cur.Error($"expected '[set] row value [row value]' in {section} but found {t.Length} fields: '{cur.Line.Trim()}'");
            if (t.Length % 2 == 0) return 0;
            set ??= t[0];
            if (set != t[0]) throw cur.Error($"a second {section} set '{t[0]}' (the first was '{set}'); keep one set");
            return 1;
        }

        public void AddBound(LineCursor cur, string[] t)
        {
            string type = t[0].ToUpperInvariant();
            if (type is "BV" or "LI" or "UI" or "SC")
                throw cur.Error($"bound type {type} declares an integer (or semicontinuous) variable, which is not supported; use UP/LO bounds for the continuous relaxation");
            bool hasValue = type is "UP" or "LO" or "FX";
            if (!hasValue && type is not ("FR" or "MI" or "PL")) throw cur.Error($"bound type '{t[0]}' is not UP, LO, FX, FR, MI or PL");
            int expectedWithSet = hasValue ? 4 : 3;
            if (t.Length != expectedWithSet && t.Length != expectedWithSet - 1)
                throw cur.Error($"expected '{type} [set] column{(hasValue ? " value" : "")}' but found {t.Length} fields: '{cur.Line.Trim()}'");
            int at = 1;
            if (t.Length == expectedWithSet)
            {
                _boundSet ??= t[1];
                if (_boundSet != t[1]) throw cur.Error($"a second BOUNDS set '{t[1]}' (the first was '{_boundSet}'); keep one set");
                at = 2;
            }
            int j = Column(cur, t[at], create: false);
            double v = hasValue ? cur.Number(t[at + 1], "bound") : 0;
            switch (type)
            {
                case "UP":
                    _upper[j] = v;
                    if (v < 0 && !_lowerSet[j] && _lower[j] == 0) _lower[j] = double.NegativeInfinity;
                    break;
                case "LO": _lower[j] = v; _lowerSet[j] = true; break;
                case "FX": _lower[j] = v; _upper[j] = v; _lowerSet[j] = true; break;
                case "FR": _lower[j] = double.NegativeInfinity; _upper[j] = double.PositiveInfinity; _lowerSet[j] = true; break;
                case "MI": _lower[j] = double.NegativeInfinity; _lowerSet[j] = true; break;
                case "PL": _upper[j] = double.PositiveInfinity; break;
            }
        }

        public void AddQuadratic(LineCursor cur, string[] t, bool lowerTriangle)
        {
            int i = Column(cur, t[0], create: false), j = Column(cur, t[1], create: false);
            double v = cur.Number(t[2], "quadratic coefficient");
            if (_fullMatrix == lowerTriangle) throw cur.Error("both QUADOBJ and QMATRIX/QSECTION are present; keep one quadratic section");
            _fullMatrix = !lowerTriangle;
            if (lowerTriangle)
            {
                var key = (Math.Min(i, j), Math.Max(i, j));
                if (_q.ContainsKey(key))
                    throw cur.Error($"QUADOBJ lists the pair ({t[0]}, {t[1]}) twice; QUADOBJ gives each off-diagonal entry once (use QMATRIX for the full matrix)");
                _q[key] = (v, cur.LineNumber);
            }
            else
            {
                if (_q.ContainsKey((i, j))) throw cur.Error($"entry ({t[0]}, {t[1]}) is listed twice; list it once");
                _q[(i, j)] = (v, cur.LineNumber);
            }
        }

        private int Column(LineCursor cur, string name, bool create)
        {
            if (_columns.TryGetValue(name, out int j)) return j;
            if (!create) throw cur.Error($"column '{name}' does not appear in COLUMNS; fix the name or add the column");
            j = _c.Count;
            _columns[name] = j;
            _c.Add(0); _lower.Add(0); _upper.Add(double.PositiveInfinity); _lowerSet.Add(false);
            return j;
        }

        private static InputException UnknownRow(LineCursor cur, string row) => cur.Error($"row '{row}' is not declared in ROWS; fix the name or declare the row");

        public ProblemFile Build(string label, string fallbackName)
        {
            if (ObjectiveRow is null && _rows.Count == 0 && _columns.Count == 0)
                throw new InputException($"{label}: no ROWS or COLUMNS; the file is empty or not MPS");
            if (ObjectiveName is not null && !_nRows.ContainsKey(ObjectiveName))
                throw new InputException($"{label}: OBJNAME '{ObjectiveName}' is not an N row; declare it in ROWS with type N");
            int n = _c.Count;
            var zero = new List<(int Row, int Col, double Value)>();
            var nonneg = new List<(int Row, int Col, double Value)>();
            var bZero = new List<double>();
            var bNonneg = new List<double>();
            var rowEntries = new List<(int Col, double Value)>[_rowType.Count];
            for (int i = 0; i < rowEntries.Length; i++) rowEntries[i] = [];
            foreach (var (i, j, v) in _a) rowEntries[i].Add((j, v));

            // lower <= a'x <= upper: equal -> a'x + s = u (s = 0); finite u -> a'x + s = u; finite l -> -a'x + s = -l (s >= 0).
            void AddInterval(List<(int Col, double Value)> entries, double lo, double hi)
            {
                if (lo == hi)
                {
                    foreach (var (j, v) in entries) zero.Add((bZero.Count, j, v));
                    bZero.Add(hi);
                    return;
                }
                if (double.IsFinite(hi))
                {
                    foreach (var (j, v) in entries) nonneg.Add((bNonneg.Count, j, v));
                    bNonneg.Add(hi);
                }
                if (double.IsFinite(lo))
                {
                    foreach (var (j, v) in entries) nonneg.Add((bNonneg.Count, j, -v));
                    bNonneg.Add(-lo);
                }
            }
            for (int i = 0; i < _rowType.Count; i++)
            {
                double r = _rhs[i], range = _range[i];
                bool ranged = !double.IsNaN(range);
                var (lo, hi) = _rowType[i] switch
                {
                    'E' => !ranged || range == 0 ? (r, r) : range > 0 ? (r, r + range) : (r + range, r),
                    'L' => (ranged ? r - Math.Abs(range) : double.NegativeInfinity, r),
                    _ => (r, ranged ? r + Math.Abs(range) : double.PositiveInfinity),
                };
                AddInterval(rowEntries[i], lo, hi);
            }
            for (int j = 0; j < n; j++) AddInterval([(j, 1.0)], _lower[j], _upper[j]);

            int mz = bZero.Count, m = mz + bNonneg.Count;
            var a = new List<(int, int, double)>(zero.Count + nonneg.Count);
            a.AddRange(zero);
            foreach (var (i, j, v) in nonneg) a.Add((mz + i, j, v));
            var b = bZero.Concat(bNonneg).ToArray();
            var cones = new List<ConeSpec>();
            if (mz > 0) cones.Add(new ZeroConeSpec(mz));
            if (m > mz) cones.Add(new NonnegativeConeSpec(m - mz));

            // Maximization: minimize -(c'x + 1/2 x'Qx + c0).
            double sense = Maximize ? -1.0 : 1.0;
            var q = _c.Select(v => sense * v).ToArray();
            // QUADOBJ keys are (min, max) pairs meaning both entries; QMATRIX keys are both (i, j) and (j, i), which must agree.
            var p = new List<(int, int, double)>(_q.Count);
            foreach (var ((i, j), (v, line)) in _q)
            {
                if (_fullMatrix == true && i != j)
                {
                    if (!_q.TryGetValue((j, i), out var partner))
                        throw new InputException($"{label} line {line}: this QMATRIX entry has no symmetric partner; QMATRIX lists both (i, j) and (j, i)");
                    if (partner.Value != v)
                        throw new InputException($"{label} line {line}: QMATRIX is not symmetric ({v} here, {partner.Value} on line {partner.Line}); make the pair equal");
                    if (i > j) continue;
                }
                p.Add((i, j, sense * v));
            }
            try
            {
                var problem = ConicProblem.Create(CscMatrix.FromTriplets(n, n, p), q, CscMatrix.FromTriplets(m, n, a), b, cones, -sense * _objectiveRhs);
                return new ProblemFile(problem, Maximize, Name ?? fallbackName, "qps");
            }
            catch (ArgumentException e) { throw new InputException($"{label}: {e.Message}"); }
        }

    }
}
