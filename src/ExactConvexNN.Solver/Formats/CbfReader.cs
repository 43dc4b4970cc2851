using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Reads the Conic Benchmark Format (CBF, versions 1-3; Friberg 2016) for linear, second-order and rotated
/// second-order cone programs. Sections: VER, OBJSENSE, VAR, CON, OBJACOORD, OBJBCOORD, ACOORD, BCOORD.
/// Integer (INT), semidefinite, exponential and power cone sections are refused with a message.
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
/// </list>
/// Rows follow the file: constraint blocks, then variable blocks, each in file order; adjacent linear blocks
/// of the same kind are merged into one cone. The variables are those of the file, unchanged. A MAX objective is negated
/// (<see cref="ProblemFile.Maximize"/> records it). Repeated coordinates are summed.
/// </remarks>
public static class CbfReader
{
    private static readonly string[] Supported = ["VER", "OBJSENSE", "VAR", "CON", "OBJACOORD", "OBJBCOORD", "ACOORD", "BCOORD"];

    /// <summary>Reads a CBF file; the problem name is the file name without extension.</summary>
    /// <exception cref="InputException">The file is missing or malformed.</exception>
    public static ProblemFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InputException($"file not found: '{path}'; check the path");
        using var reader = new StreamReader(path);
        return Read(reader, Path.GetFileNameWithoutExtension(path), Path.GetFileName(path));
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
                    c = new double[n];
                    break;
                }
                case "CON":
                {
                    RequireVar(cur, n, key);
                    (m, conCones) = ReadConeList(cur, "CON", "constraints");
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
                    aTriplets.Capacity = count;
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
                case "INT":
                    throw cur.Error("integer variables are not supported (INT section); remove the INT section to solve the continuous relaxation");
                case "PSDVAR" or "PSDCON" or "OBJFCOORD" or "FCOORD" or "HCOORD" or "DCOORD":
                    throw cur.Error($"semidefinite section {key} is not supported; only linear, Q and QR cones are");
                case "POWCONES" or "POW*CONES":
                    throw cur.Error($"power cone section {key} is not supported; only linear, Q and QR cones are");
                default:
                    throw cur.Error($"unknown keyword '{head[0]}'; expected one of {string.Join(", ", Supported)}");
            }
        }
        if (!sawVersion) throw new InputException($"{label}: the file is empty; a CBF file starts with 'VER' and '3'");
        if (n < 0) throw new InputException($"{label}: no VAR section; declare the variables with 'VAR', 'n k' and k cone lines");

        var problem = Assemble(n, m, varCones, conCones, c, c0, aTriplets, bf, maximize);
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

    private static int ReadCount(LineCursor cur, string key)
        => cur.Integer(cur.Expect(cur.NextTokens(key), 1, "count")[0], $"{key} entry count");

    private static (int Total, List<(CbfCone, int)> Cones) ReadConeList(LineCursor cur, string key, string what)
    {
        var t = cur.Expect(cur.NextTokens(key), 2, $"number-of-{what} number-of-cones");
        int total = cur.Integer(t[0], $"number of {what}"), count = cur.Integer(t[1], "number of cones");
        var cones = new List<(CbfCone, int)>(count);
        int sum = 0;
        for (int k = 0; k < count; k++)
        {
            var ct = cur.Expect(cur.NextTokens($"{key} (cone {k + 1} of {count})"), 2, "cone dimension");
            var cone = ParseCone(cur, ct[0]);
            int dim = cur.Integer(ct[1], "cone dimension", cone switch { CbfCone.Q => 1, CbfCone.QR => 2, _ => 0 });
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
        "EXP" or "EXP*" or "POW" or "POW*" or "SVPSD" => throw cur.Error($"cone '{token}' is not supported; only F, L+, L-, L=, Q and QR are"),
        _ => throw cur.Error($"unknown cone '{token}'; expected F, L+, L-, L=, Q or QR"),
    };

    /// <summary>Appends a linear cone, merging it into the previous cone when that has the same kind.</summary>
    private static void AddLinear(List<ConeSpec> cones, ConeSpec cone)
    {
        if (cone.Dimension == 0) return;
        if (cones.Count > 0 && cones[^1].GetType() == cone.GetType())
            cones[^1] = cone is ZeroConeSpec ? new ZeroConeSpec(cones[^1].Dimension + cone.Dimension) : new NonnegativeConeSpec(cones[^1].Dimension + cone.Dimension);
        else cones.Add(cone);
    }

    private enum CbfCone { Free, NonNegative, NonPositive, Zero, Q, QR }

    /// <summary>Maps the CBF blocks to rows of A x + s = b (see the class remarks for the maps T).</summary>
    private static ConicProblem Assemble(int n, int m, List<(CbfCone Cone, int Dim)> varCones, List<(CbfCone Cone, int Dim)> conCones,
        double[] c, double c0, List<(int Row, int Col, double Value)> aTriplets, double[] bf, bool maximize)
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
                default: // Free: no rows.
                    input += dim;
                    continue;
            }
            input += dim;
            row += dim;
        }
        int rows = row;
        var a = new List<(int, int, double)>(aTriplets.Count + n);
        var b = new double[rows];
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
        var q = new double[n];
        for (int j = 0; j < n; j++) q[j] = sense * c[j];
        return ConicProblem.Create(null, q, CscMatrix.FromTriplets(rows, n, a), b, cones, sense * c0);
    }
}
