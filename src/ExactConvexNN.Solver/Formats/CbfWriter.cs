using System.Globalization;
using System.Text;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Writes a conic problem with a linear objective as CBF version 3. The variables are free (one F cone) and
/// every cone block of <c>A x + s = b</c> becomes a CBF constraint block <c>-A x + b in K</c> (zero cone as L=,
/// nonnegative as L+, second-order as Q, exponential as EXP with its three rows reversed, CBF's order), so
/// <see cref="CbfReader"/> reads back exactly the same A, b, q and cones.
/// Numbers are written in shortest round-trip form.
/// </summary>
public static class CbfWriter
{
    /// <summary>Writes <paramref name="file"/> in the file's own sense: a maximization is written as OBJSENSE MAX with the objective negated back.</summary>
    /// <exception cref="InputException">The objective has a quadratic term (CBF has none).</exception>
    public static void Write(ProblemFile file, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(file);
        Write(file.Problem, writer, file.Maximize, file.Name);
    }

    /// <summary>Writes a minimization problem.</summary>
    /// <exception cref="InputException">The objective has a quadratic term (CBF has none).</exception>
    public static void Write(ConicProblem problem, TextWriter writer) => Write(problem, writer, false, null);

    /// <summary>The CBF text of <paramref name="problem"/> (minimization).</summary>
    public static string ToText(ConicProblem problem)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        Write(problem, sw);
        return sw.ToString();
    }

    /// <summary>The CBF text of <paramref name="file"/>, in its own sense.</summary>
    public static string ToText(ProblemFile file)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        Write(file, sw);
        return sw.ToString();
    }

    private static void Write(ConicProblem problem, TextWriter w, bool maximize, string? name)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(w);
        var p = problem.P;
        for (int k = 0; k < p.NonZeros; k++)
            if (p.Values[k] != 0)
                throw new InputException("CBF has no quadratic objective but P is nonzero; write the problem as QPS, or move the quadratic into a rotated cone (t >= 1/2 x'Px) first");
        var inv = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("R", inv);
        // A maximization file stores min -f; write max f.
        double sense = maximize ? -1.0 : 1.0;
        int n = problem.Variables, m = problem.Constraints;
        var cones = problem.Cones.Where(k => k.Dimension > 0).ToList();

        var sb = new StringBuilder();
        sb.Append("# CBF written by ExactConvexNN").Append(name is null ? "" : $": {name}").Append('\n');
        sb.Append("VER\n3\n\n");
        sb.Append("OBJSENSE\n").Append(maximize ? "MAX" : "MIN").Append("\n\n");
        sb.Append("VAR\n").Append(n).Append(' ').Append(n > 0 ? 1 : 0).Append('\n');
        if (n > 0) sb.Append("F ").Append(n).Append('\n');
        sb.Append('\n');
        if (m > 0)
        {
            sb.Append("CON\n").Append(m).Append(' ').Append(cones.Count).Append('\n');
            foreach (var k in cones)
                sb.Append(k switch
                {
                    ZeroConeSpec => "L=",
                    NonnegativeConeSpec => "L+",
                    SecondOrderConeSpec => "Q",
                    ExponentialConeSpec => "EXP",
                    _ => throw new InputException($"cone kind '{k.Kind}' has no CBF equivalent"),
                }).Append(' ').Append(k.Dimension).Append('\n');
            sb.Append('\n');
        }
        var q = problem.Q;
        int qnz = q.Count(v => v != 0);
        if (qnz > 0)
        {
            sb.Append("OBJACOORD\n").Append(qnz).Append('\n');
            for (int j = 0; j < n; j++) if (q[j] != 0) sb.Append(j).Append(' ').Append(F(sense * q[j])).Append('\n');
            sb.Append('\n');
        }
        if (problem.ObjectiveConstant != 0) sb.Append("OBJBCOORD\n").Append(F(sense * problem.ObjectiveConstant)).Append("\n\n");
        // CBF constraint g = -A x + b in K is s itself, with each exponential block's rows reversed (CBF row of our row i).
        var cbfRow = new int[m];
        for (int i = 0; i < m; i++) cbfRow[i] = i;
        for (int c = 0, o = 0; c < problem.Cones.Count; o += problem.Cones[c].Dimension, c++)
            if (problem.Cones[c] is ExponentialConeSpec) { cbfRow[o] = o + 2; cbfRow[o + 2] = o; }
        var a = problem.A;
        int anz = 0;
        for (int k = 0; k < a.NonZeros; k++) if (a.Values[k] != 0) anz++;
        if (anz > 0)
        {
            sb.Append("ACOORD\n").Append(anz).Append('\n');
            for (int j = 0; j < n; j++)
                for (int k = a.ColumnPointers[j]; k < a.ColumnPointers[j + 1]; k++)
                    if (a.Values[k] != 0) sb.Append(cbfRow[a.RowIndices[k]]).Append(' ').Append(j).Append(' ').Append(F(-a.Values[k])).Append('\n');
            sb.Append('\n');
        }
        var b = problem.B;
        int bnz = b.Count(v => v != 0);
        if (bnz > 0)
        {
            sb.Append("BCOORD\n").Append(bnz).Append('\n');
            for (int i = 0; i < m; i++) if (b[i] != 0) sb.Append(cbfRow[i]).Append(' ').Append(F(b[i])).Append('\n');
        }
        w.Write(sb.ToString());
    }
}
