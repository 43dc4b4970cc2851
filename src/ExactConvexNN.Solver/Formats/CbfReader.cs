using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Reads the Conic Benchmark Format (CBF, versions 1-3; Friberg 2016) for linear, second-order, rotated
/// second-order, exponential and semidefinite cone programs. Sections: VER, OBJSENSE, PSDVAR, VAR, PSDCON, CON, OBJFCOORD, OBJACOORD,
/// OBJBCOORD, FCOORD, ACOORD, BCOORD, HCOORD, DCOORD. Integer (INT) and power cone sections are refused with a message.
/// </summary>
/// <remarks>
/// CBF states <c>min/max c'x + c0</c> subject to <c>g = A_f x + b_f in K_con</c> and <c>x in K_var</c>.
/// Each cone block of either kind becomes rows of <c>A x + s = b, s in K</c> through a linear map T of the block
/// (<c>s = T g</c>, so <c>A = -T A_f</c>, <c>b = T b_f</c>; for a variable block <c>A = -T</c>, <c>b = 0</c>):
/// <list type="bullet">
/// <item>F: no rows (free). L=: zero cone, T = I. L+: nonnegative cone, T = I. L-: nonnegative cone, T = -I.</item>
/// <item>Q <c>(x1 &gt;= ||x2..||)</c>: second-order cone, T = I.</item>
/// <item>QR <c>(2 x1 x2 &gt;= ||x3..||^2, x1, x2 &gt;= 0)</c>: second-order cone with
/// <c>T = [[1, 1], [1, -1]] / sqrt 2</c> on the first two entries, I on the rest. With <c>t = (x1 + x2)/sqrt 2</c>,
/// <c>u = (x1 - x2)/sqrt 2</c> one has <c>t^2 - u^2 = 2 x1 x2</c>, so <c>t &gt;= ||(u, x3..)||</c> holds exactly when
/// <c>2 x1 x2 &gt;= ||x3..||^2</c> and <c>x1 + x2 &gt;= 0</c>, i.e. (with <c>x1 x2 &gt;= 0</c>) <c>x1, x2 &gt;= 0</c>. T is orthogonal.</item>
/// <item>EXP <c>(x1 &gt;= x2 exp(x3/x2), x1, x2 &gt;= 0)</c>, dimension 3: exponential cone (<see cref="ExponentialConeSpec"/>, whose
/// order is (x, y, z) with y exp(x/y) &lt;= z) with T the reversal (x3, x2, x1).</item>
/// <item>EXP* <c>(x1 &gt;= -x3 exp(x2/x3 - 1), x1 &gt;= 0, x3 &lt;= 0)</c>, dimension 3, the dual cone: reversed to (u, v, w) = (x3, x2, x1) in
/// K_exp* = {u &lt; 0, -u exp(v/u - 1) &lt;= w}, then mapped into K_exp by (u, v, w) → (u - v, -u, w), since x/y = v/u - 1 for
/// x = u - v, y = -u gives y exp(x/y) = -u exp(v/u - 1). So T g = (x3 - x2, -x3, x1); the block's dual values are those of this
/// exponential cone (z_EXP* = T' z).</item>
/// </list>
/// Semidefinite parts (all matrix indices 0-based, entries (k, l) of a symmetric matrix given once, either triangle):
/// <list type="bullet">
/// <item>PSDVAR: each k x k matrix variable X_j becomes k(k+1)/2 extra variables x̄_j = svec(X_j) (see <see cref="Problem.PsdConeSpec"/>),
/// appended after the scalar variables in PSDVAR order, with rows <c>-x̄_j + s = 0</c>, s in a PSD cone. OBJFCOORD and FCOORD entries
/// (j, k, l, v) enter <c>&lt;F, X_j&gt;</c> as coefficient v on x̄_j[(k, l)] for k = l and √2 v for k ≠ l.</item>
/// <item>PSDCON: constraint i is <c>Σ_j x_j H_ij + D_i ⪰ 0</c> (HCOORD i j k l v, DCOORD i k l v); its rows are
/// <c>s = svec(Σ_j x_j H_ij + D_i)</c>, i.e. A = -svec(H_ij) columns and b = svec(D_i).</item>
/// </list>
/// Rows follow the file: constraint blocks, then variable blocks, each in file order, then the PSDCON blocks, then the PSDVAR
/// blocks; adjacent linear blocks of the same kind are merged into one cone. The scalar variables are those of the file, unchanged
/// (the svec variables follow them). A MAX objective is negated
/// (<see cref="ProblemFile.Maximize"/> records it). Repeated coordinates are summed.
/// </remarks>
public static class CbfReader
{
    private static readonly string[] Supported = ["VER", "OBJSENSE", "PSDVAR", "VAR", "PSDCON", "CON", "OBJFCOORD", "OBJACOORD", "OBJBCOORD",
        "FCOORD", "ACOORD", "BCOORD", "HCOORD", "DCOORD"];

    /// <summary>Reads a CBF file, gzip-compressed or not (see <see cref="InputText"/>); the problem name is the file name without extension (and .gz).</summary>
    /// <exception cref="InputException">The file is missing or malformed.</exception>
    public static ProblemFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException($"file not found: '{path}'; check the path");
        return InputText.Read(path, reader => Read(reader, Path.GetFileNameWithoutExtension(InputText.WithoutGz(path)), Path.GetFileName(path)));
    }

    /// <summary>Reads CBF text. <paramref name="label"/> prefixes error messages (usually the file name).</summary>
    /// <exception cref="InputException">The text is malformed; the message names the line and the fix.</exception>
    public static ProblemFile Read(TextReader reader, string name, string label = "CBF")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var cur = new LineCursor(reader, label, l => l.TrimStart().StartsWith('#'));
        bool maximize = false, sawVersion = false;
        int n = -1, m = 0;
        List<(CbfCone Cone, int Dim)> varCones = [], conCones = [];
        var c = Array.Empty<double>();
        double c0 = 0;
        var aTriplets = new List<(int, int, double)>();
        double[] bf = [];
        var seen = new HashSet<string>();
        // Semidefinite parts: PSDVAR orders and svec offsets (relative to the first svec variable), PSDCON orders,
        // objective entries on svec variables, and the H / D entries of PSD constraints as (constraint, row in its svec, column, value).
        int[] psdVar = [], psdVarOffset = [0], psdCon = [];
        var objF = new List<(int Col, double Value)>();
        var psdConEntries = new List<(int Con, int Row, int Col, double Value)>();
        double sqrt2 = Math.Sqrt(2.0);
        // Before allocating for declared sizes: they must fit 32-bit indices and the available memory.
        void CheckSizes() => SizeLimits.Check(cur, (long)Math.Max(n, 0) + m, psdVar.Concat(psdCon), "the declared VAR, CON, PSDVAR and PSDCON sizes");

        while (cur.MoveNext())
        {
            var head = cur.Tokens();
            var key = head[0].ToUpperInvariant();
            if (head.Length != 1) throw cur.Error($"expected a keyword alone on its line but found '{cur.Line.Trim()}'");
            if (!sawVersion && key != "VER") throw cur.Error($"the file must start with 'VER' and a version number, found '{head[0]}'; add 'VER' and '3' as the first lines");
            if (Supported.Contains(key) && !seen.Add(key)) throw cur.Error($"section {key} appears twice; merge the two sections");
            switch (key)
            {
                case "VER":
                {
                    int v = cur.Integer(cur.Expect(cur.NextTokens("VER"), 1, "version")[0], "CBF version");
                    if (v < 1 || v > 3) throw cur.Error($"CBF version {v} is not supported; this reader handles versions 1 to 3");
                    sawVersion = true;
                    break;
                }
                case "OBJSENSE":
                {
                    var s = cur.Expect(cur.NextTokens("OBJSENSE"), 1, "MIN|MAX")[0].ToUpperInvariant();
                    maximize = s switch
                    {
                        "MIN" => false,
                        "MAX" => true,
                        _ => throw cur.Error($"objective sense '{s}' is not MIN or MAX"),
                    };
                    break;
                }
                case "VAR":
                {
                    (n, varCones) = ReadConeList(cur, "VAR", "variables");
                    CheckSizes();
                    c = new double[n];
                    break;
                }
                case "CON":
                {
                    RequireVar(cur, n, key);
                    (m, conCones) = ReadConeList(cur, "CON", "constraints");
                    CheckSizes();
                    bf = new double[m];
                    break;
                }
                case "OBJACOORD":
                {
                    RequireVar(cur, n, key);
                    int count = ReadCount(cur, key);
                    for (int k = 0; k < count; k++)
                    {
                        var t = cur.Expect(cur.NextTokens($"OBJACOORD (entry {k + 1} of {count})"), 2, "j value");
                        c[cur.Integer(t[0], "variable index", 0, n - 1)] += cur.Number(t[1], "coefficient");
                    }
                    break;
                }
                case "OBJBCOORD":
                    c0 = cur.Number(cur.Expect(cur.NextTokens("OBJBCOORD"), 1, "value")[0], "objective constant");
                    break;
                case "ACOORD":
                {
                    RequireCon(cur, seen, key);
                    int count = ReadCount(cur, key);
                    for (int k = 0; k < count; k++)
                    {
                        var t = cur.Expect(cur.NextTokens($"ACOORD (entry {k + 1} of {count})"), 3, "i j value");
                        aTriplets.Add((cur.Integer(t[0], "constraint index", 0, m - 1), cur.Integer(t[1], "variable index", 0, n - 1),
                            cur.Number(t[2], "coefficient")));
                    }
                    break;
                }
                case "BCOORD":
                {
                    RequireCon(cur, seen, key);
                    int count = ReadCount(cur, key);
                    for (int k = 0; k < count; k++)
                    {
                        var t = cur.Expect(cur.NextTokens($"BCOORD (entry {k + 1} of {count})"), 2, "i value");
                        bf[cur.Integer(t[0], "constraint index", 0, m - 1)] += cur.Number(t[1], "constant");
                    }
                    break;
                }
                case "PSDVAR":
                {
                    psdVar = ReadOrders(cur, key);
                    CheckSizes();
                    psdVarOffset = new int[psdVar.Length + 1];
                    for (int j = 0; j < psdVar.Length; j++) psdVarOffset[j + 1] = psdVarOffset[j] + psdVar[j] * (psdVar[j] + 1) / 2;
                    break;
                }
                case "PSDCON":
                    RequireVar(cur, n, key);
                    psdCon = ReadOrders(cur, key);
                    CheckSizes();
                    break;
                case "OBJFCOORD" or "FCOORD":
                {
                    RequireVar(cur, n, key);
                    if (key == "FCOORD") RequireCon(cur, seen, key);
                    bool obj = key == "OBJFCOORD";
                    int count = ReadCount(cur, key);
                    for (int e = 0; e < count; e++)
                    {
                        var t = cur.Expect(cur.NextTokens($"{key} (entry {e + 1} of {count})"), obj ? 4 : 5, obj ? "j k l value" : "i j k l value");
                        int o = obj ? 0 : 1;
                        int i = obj ? 0 : cur.Integer(t[0], "constraint index", 0, m - 1);
                        int j = cur.Integer(t[o], "PSD variable index", 0, psdVar.Length - 1);
                        int k = cur.Integer(t[o + 1], "matrix row index", 0, psdVar[j] - 1), l = cur.Integer(t[o + 2], "matrix column index", 0, psdVar[j] - 1);
                        double v = cur.Number(t[o + 3], "coefficient") * (k == l ? 1.0 : sqrt2);
                        int col = n + psdVarOffset[j] + Cones.PsdCone.SvecIndex(k, l, psdVar[j]);
                        if (obj) objF.Add((col, v)); else aTriplets.Add((i, col, v));
                    }
                    break;
                }
                case "HCOORD" or "DCOORD":
                {
                    RequireVar(cur, n, key);
                    bool h = key == "HCOORD";
                    int count = ReadCount(cur, key);
                    for (int e = 0; e < count; e++)
                    {
                        var t = cur.Expect(cur.NextTokens($"{key} (entry {e + 1} of {count})"), h ? 5 : 4, h ? "i j k l value" : "i k l value");
                        int i = cur.Integer(t[0], "PSD constraint index", 0, psdCon.Length - 1), o = h ? 2 : 1;
                        int j = h ? cur.Integer(t[1], "variable index", 0, n - 1) : -1;
                        int k = cur.Integer(t[o], "matrix row index", 0, psdCon[i] - 1), l = cur.Integer(t[o + 1], "matrix column index", 0, psdCon[i] - 1);
                        double v = cur.Number(t[o + 2], "coefficient") * (k == l ? 1.0 : sqrt2);
                        psdConEntries.Add((i, Cones.PsdCone.SvecIndex(k, l, psdCon[i]), j, v));
                    }
                    break;
                }
                case "INT":
                    throw cur.Error("integer variables are not supported (INT section); remove the INT section to solve the continuous relaxation");
                case "POWCONES" or "POW*CONES":
                    throw cur.Error($"power cone section {key} is not supported; only linear, Q and QR cones are");
                default:
                    throw cur.Error($"unknown keyword '{head[0]}'; expected one of {string.Join(", ", Supported)}");
            }
        }
        if (!sawVersion) throw new InputException($"{label}: the file is empty; a CBF file starts with 'VER' and '3'");
        if (n < 0) throw new InputException($"{label}: no VAR section; declare the variables with 'VAR', 'n k' and k cone lines");

        var psd = new PsdParts(psdVar, psdVarOffset[^1], psdCon, objF, psdConEntries);
        var problem = Assemble(n, m, varCones, conCones, c, c0, aTriplets, bf, maximize, psd);
        return new ProblemFile(problem, maximize, name, "cbf");
    }

    private static void RequireVar(LineCursor cur, int n, string key)
    {
        if (n < 0) throw cur.Error($"{key} comes before VAR; move the VAR section up (CBF fixes the section order)");
    }

    private static void RequireCon(LineCursor cur, HashSet<string> seen, string key)
    {
        if (!seen.Contains("CON")) throw cur.Error($"{key} comes before CON; declare the constraints with a CON section first");
    }

    /// <summary>A count line, then that many matrix orders (each at least 1), one per line (the count is checked against the lines, not trusted for allocation).</summary>
    private static int[] ReadOrders(LineCursor cur, string key)
    {
        int count = ReadCount(cur, key);
        var orders = new List<int>();
        for (int k = 0; k < count; k++)
            orders.Add(cur.Integer(cur.Expect(cur.NextTokens($"{key} (matrix {k + 1} of {count})"), 1, "order")[0], "matrix order", 1));
        return [.. orders];
    }

    /// <summary>The semidefinite parts of a file (see the class remarks).</summary>
    private sealed record PsdParts(int[] VarOrders, int VarSvecTotal, int[] ConOrders,
        List<(int Col, double Value)> Objective, List<(int Con, int Row, int Col, double Value)> ConEntries);

    private static int ReadCount(LineCursor cur, string key)
        => cur.Integer(cur.Expect(cur.NextTokens(key), 1, "count")[0], $"{key} entry count");

    private static (int Total, List<(CbfCone, int)> Cones) ReadConeList(LineCursor cur, string key, string what)
    {
        var t = cur.Expect(cur.NextTokens(key), 2, $"number-of-{what} number-of-cones");
        int total = cur.Integer(t[0], $"number of {what}"), count = cur.Integer(t[1], "number of cones");
        var cones = new List<(CbfCone, int)>();
        long sum = 0;
        for (int k = 0; k < count; k++)
        {
            var ct = cur.Expect(cur.NextTokens($"{key} (cone {k + 1} of {count})"), 2, "cone dimension");
            var cone = ParseCone(cur, ct[0]);
            int dim = cur.Integer(ct[1], "cone dimension", cone switch { CbfCone.Q => 1, CbfCone.QR => 2, _ => 0 });
            if (cone is CbfCone.Exp or CbfCone.ExpDual && dim != 3)
                throw cur.Error($"an {ct[0].ToUpperInvariant()} cone has dimension 3, found {dim}; write one {ct[0].ToUpperInvariant()} line per 3 entries");
            sum += dim;
            if (sum > total) throw cur.Error($"the cone dimensions exceed the declared {total} {what}; fix the counts in the {key} header or the cone lines");
            cones.Add((cone, dim));
        }
        if (sum != total) throw cur.Error($"the cone dimensions add up to {sum} but {key} declares {total} {what}; fix the counts");
        return (total, cones);
    }

    private static CbfCone ParseCone(LineCursor cur, string token) => token.ToUpperInvariant() switch
    {
        "F" => CbfCone.Free,
        "L+" => CbfCone.NonNegative,
        "L-" => CbfCone.NonPositive,
        "L=" => CbfCone.Zero,
        "Q" => CbfCone.Q,
        "QR" => CbfCone.QR,
        "EXP" => CbfCone.Exp,
        "EXP*" => CbfCone.ExpDual,
        "POW" or "POW*" or "SVPSD" => throw cur.Error($"cone '{token}' is not supported; only F, L+, L-, L=, Q, QR, EXP and EXP* are"),
        _ => throw cur.Error($"unknown cone '{token}'; expected F, L+, L-, L=, Q, QR, EXP or EXP*"),
    };

    /// <summary>Appends a linear cone, merging it into the previous cone when that has the same kind.</summary>
    private static void AddLinear(List<ConeSpec> cones, ConeSpec cone)
    {
        if (cone.Dimension == 0) return;
        if (cones.Count > 0 && cones[^1].GetType() == cone.GetType())
            cones[^1] = cone is ZeroConeSpec ? new ZeroConeSpec(cones[^1].Dimension + cone.Dimension) : new NonnegativeConeSpec(cones[^1].Dimension + cone.Dimension);
        else cones.Add(cone);
    }

    private enum CbfCone { Free, NonNegative, NonPositive, Zero, Q, QR, Exp, ExpDual }

    /// <summary>Maps the CBF blocks to rows of A x + s = b (see the class remarks for the maps T).</summary>
    private static ConicProblem Assemble(int n, int m, List<(CbfCone Cone, int Dim)> varCones, List<(CbfCone Cone, int Dim)> conCones,
        double[] c, double c0, List<(int Row, int Col, double Value)> aTriplets, double[] bf, bool maximize, PsdParts psd)
    {
        // Every cone input g (a CBF constraint row, then a CBF variable) gets up to two (our row, coefficient) targets: s = T g.
        int inputs = m + n;
        var target = new (int Row, double Coef)[inputs, 2];
        var cones = new List<ConeSpec>();
        double h = Math.Sqrt(0.5);
        int input = 0, row = 0;
        foreach (var (cone, dim) in conCones.Concat(varCones))
        {
            for (int k = 0; k < dim; k++) { target[input + k, 0] = (-1, 0); target[input + k, 1] = (-1, 0); }
            switch (cone)
            {
                case CbfCone.Zero:
                    for (int k = 0; k < dim; k++) target[input + k, 0] = (row + k, 1.0);
                    AddLinear(cones, new ZeroConeSpec(dim));
                    break;
                case CbfCone.NonNegative or CbfCone.NonPositive:
                    double sign = cone == CbfCone.NonNegative ? 1.0 : -1.0;
                    for (int k = 0; k < dim; k++) target[input + k, 0] = (row + k, sign);
                    AddLinear(cones, new NonnegativeConeSpec(dim));
                    break;
                case CbfCone.Q:
                    for (int k = 0; k < dim; k++) target[input + k, 0] = (row + k, 1.0);
                    cones.Add(new SecondOrderConeSpec(dim));
                    break;
                case CbfCone.QR:
                    // (t, u) = ((g1 + g2), (g1 - g2)) / sqrt 2: g1 feeds t and u with +h; g2 feeds t with +h and u with -h.
                    target[input, 0] = (row, h); target[input, 1] = (row + 1, h);
                    target[input + 1, 0] = (row, h); target[input + 1, 1] = (row + 1, -h);
                    for (int k = 2; k < dim; k++) target[input + k, 0] = (row + k, 1.0);
                    cones.Add(new SecondOrderConeSpec(dim));
                    break;
                case CbfCone.Exp:
                    // (x, y, z) = (g3, g2, g1).
                    for (int k = 0; k < 3; k++) target[input + k, 0] = (row + 2 - k, 1.0);
                    cones.Add(new ExponentialConeSpec());
                    break;
                case CbfCone.ExpDual:
                    // (x, y, z) = (g3 - g2, -g3, g1): g1 feeds z; g2 feeds x with -1; g3 feeds x with +1 and y with -1.
                    target[input, 0] = (row + 2, 1.0);
                    target[input + 1, 0] = (row, -1.0);
                    target[input + 2, 0] = (row, 1.0); target[input + 2, 1] = (row + 1, -1.0);
                    cones.Add(new ExponentialConeSpec());
                    break;
                default: // Free: no rows.
                    input += dim;
                    continue;
            }
            input += dim;
            row += dim;
        }
        // PSD constraint blocks, then PSD variable blocks.
        var conOffset = new int[psd.ConOrders.Length + 1];
        for (int i = 0; i < psd.ConOrders.Length; i++)
        {
            cones.Add(new PsdConeSpec(psd.ConOrders[i]));
            conOffset[i] = row;
            row += cones[^1].Dimension;
        }
        int psdVarRow = row;
        foreach (int order in psd.VarOrders) cones.Add(new PsdConeSpec(order));
        int rows = row + psd.VarSvecTotal, columns = n + psd.VarSvecTotal;
        var a = new List<(int, int, double)>(aTriplets.Count + n + psd.VarSvecTotal + psd.ConEntries.Count);
        var b = new double[rows];
        // PSD constraints s = svec(Σ x_j H_j + D): A = -svec(H_j), b = svec(D) (entries already carry the √2).
        foreach (var (con, r, col, v) in psd.ConEntries)
            if (col < 0) b[conOffset[con] + r] += v; else a.Add((conOffset[con] + r, col, -v));
        // PSD variables: -x̄ + s = 0.
        for (int t = 0; t < psd.VarSvecTotal; t++) a.Add((psdVarRow + t, n + t, -1.0));
        // Constraint inputs g = A_f x + b_f: A = -T A_f, b = T b_f.
        foreach (var (i, j, v) in aTriplets)
            for (int t = 0; t < 2; t++)
                if (target[i, t].Row >= 0) a.Add((target[i, t].Row, j, -target[i, t].Coef * v));
        for (int i = 0; i < m; i++)
            for (int t = 0; t < 2; t++)
                if (target[i, t].Row >= 0) b[target[i, t].Row] += target[i, t].Coef * bf[i];
        // Variable inputs g = x_j: A = -T, b = 0.
        for (int j = 0; j < n; j++)
            for (int t = 0; t < 2; t++)
                if (target[m + j, t].Row >= 0) a.Add((target[m + j, t].Row, j, -target[m + j, t].Coef));

        double sense = maximize ? -1.0 : 1.0;
        var q = new double[columns];
        for (int j = 0; j < n; j++) q[j] = sense * c[j];
        foreach (var (col, v) in psd.Objective) q[col] += sense * v;
        return ConicProblem.Create(null, q, CscMatrix.FromTriplets(rows, columns, a), b, cones, sense * c0);
    }
}
