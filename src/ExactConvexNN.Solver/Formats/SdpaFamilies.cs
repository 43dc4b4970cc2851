using System.Globalization;
using System.Text;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Solver.Formats;

/// <summary>
/// Generators of SDPA sparse text for the kinds of semidefinite programs in the field's standard library (SDPLIB), in the
/// SDPA convention of <see cref="SdpaReader"/>: min c'x s.t. Σ F_i x_i - F_0 ⪰ 0, dual max &lt;F_0, Y&gt; s.t. &lt;F_i, Y&gt; = c_i.
/// Each is random with a given seed and sized by one parameter k; they reproduce the difficulty of their class (bad scaling,
/// no strictly feasible point on one side, many blocks) rather than any particular library instance. The benchmark and
/// the conformance tests share them.
/// </summary>
public static class SdpaFamilies
{
    /// <summary>The family names <see cref="Generate"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["random", "control", "hinf", "gpp", "truss", "structural", "maxcut", "theta", "qap"];

    /// <summary>
    /// SDPA text of the family <paramref name="family"/> at size <paramref name="k"/> with the random stream <paramref name="rng"/>,
    /// the number m of variables, and the optimum when the construction knows it (NaN otherwise). See the generator of each family.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown family or a size below 2.</exception>
    public static (string Text, int M, double Optimum) Generate(string family, int k, Random rng)
    {
        ArgumentNullException.ThrowIfNull(family); ArgumentNullException.ThrowIfNull(rng);
        if (k < 2) throw new ArgumentException($"size {k} is too small; use k >= 2");
        switch (family)
        {
            case "random": { var (t, o) = Random(rng, k, Math.Max(2, k / 2)); return (t, Math.Max(2, k / 2), o); }
            case "control": { var (t, m) = Control(rng, k, exactTrace: false); return (t, m, double.NaN); }
            case "hinf": { var (t, m) = Control(rng, k, exactTrace: true); return (t, m, double.NaN); }
            case "gpp": { var (t, m) = Bisection(rng, k, 0.2); return (t, m, double.NaN); }
            case "truss": { var (t, m) = Truss(rng, k, 2); return (t, m, double.NaN); }
            case "structural": { var (t, m) = Truss(rng, k, 30); return (t, m, double.NaN); }
            case "maxcut": { var (t, m) = MaxCut(rng, k, 0.3); return (t, m, double.NaN); }
            case "theta": { var (t, m) = Theta(rng, k, 0.2); return (t, m, double.NaN); }
            case "qap": { var (t, m) = Qap(rng, k); return (t, m, double.NaN); }
            default: throw new ArgumentException($"unknown SDP family '{family}'; use one of {string.Join(", ", Names)}");
        }
    }

    /// <summary>Collects an SDPA problem: block sizes, costs and the upper-triangle entries of each F_i.</summary>
    private sealed class Builder(string comment, int m, int[] blocks)
    {
        private readonly StringBuilder _entries = new();
        public readonly double[] C = new double[m];

        /// <summary>Adds F_mat[block](i, j) = F_mat[block](j, i) = v (0-based i, j, block; mat 0 is F_0). Zero values are skipped.</summary>
        public void Add(int mat, int block, int i, int j, double v)
        {
            if (v == 0) return;
            if (i > j) (i, j) = (j, i);
            _entries.Append(CultureInfo.InvariantCulture, $"{mat} {block + 1} {i + 1} {j + 1} {v.ToString("R", CultureInfo.InvariantCulture)}\n");
        }

        /// <summary>Adds the upper triangle of the symmetric matrix <paramref name="f"/> at (offset, offset) of a block.</summary>
        public void AddMatrix(int mat, int block, Matrix<double> f, int offset = 0)
        {
            for (int j = 0; j < f.ColumnCount; j++)
                for (int i = 0; i <= j; i++) Add(mat, block, offset + i, offset + j, f[i, j]);
        }

        public override string ToString()
        {
            var inv = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append('"').AppendLine(comment);
            sb.AppendLine($"{C.Length} = mDIM").AppendLine($"{blocks.Length} = nBLOCK").AppendLine(string.Join(" ", blocks));
            sb.AppendLine(string.Join(" ", C.Select(v => v.ToString("R", inv))));
            sb.Append(_entries);
            return sb.ToString();
        }
    }

    /// <summary>
    /// Control-theory LMI (the bounded-real lemma of SDPLIB's control family), badly scaled: with a stable A = D A₀ D^-1
    /// (D diagonal over three decades), B (n x p), C (p x n), n = k, p = max(1, k/2), minimize t + 10^-2 tr P over
    /// symmetric P and t s.t. [[-(A'P + PA) - C'C, -PB], [-B'P, tI]] ⪰ 0 and P - I ⪰ 0 (blocks of order n + p and n).
    /// With <paramref name="exactTrace"/> (the H-infinity-type variant), tr P = τ₀ is imposed by the pair of diagonal
    /// entries tr P - τ₀ ≥ 0 and τ₀ - tr P ≥ 0, so no strictly feasible x exists (τ₀ = 1.5 tr of a feasible P).
    /// </summary>
    public static (string Text, int M) Control(Random rng, int k, bool exactTrace)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int n = k, p = Math.Max(1, k / 2), nsv = n * (n + 1) / 2, m = nsv + 1;
        var g = Matrix<double>.Build.Dense(n, n, (_, _) => rng.NextDouble() * 2 - 1);
        double abscissa = g.Evd().EigenValues.Max(e => e.Real);
        var a0 = g - (abscissa + 0.5) * Matrix<double>.Build.DenseIdentity(n);
        var dScale = Enumerable.Range(0, n).Select(_ => Math.Pow(10, 3 * rng.NextDouble() - 1.5)).ToArray();
        var a = Matrix<double>.Build.Dense(n, n, (i, j) => dScale[i] * a0[i, j] / dScale[j]);
        var b = Matrix<double>.Build.Dense(n, p, (_, _) => rng.NextDouble() * 2 - 1);
        var c = Matrix<double>.Build.Dense(p, n, (_, _) => rng.NextDouble() * 2 - 1);
        var ctc = c.TransposeThisAndMultiply(c);
        int[] blocks = exactTrace ? [n + p, n, -2] : [n + p, n];
        var bld = new Builder($"{(exactTrace ? "H-infinity-type" : "control")} LMI, n = {n}, p = {p}", m, blocks);
        double tau0 = 0;
        if (exactTrace)
        {
            // A feasible P: the Lyapunov solution of A'P + PA = -(C'C + I) (a Kronecker solve), scaled so that P ⪰ I.
            var id = Matrix<double>.Build.DenseIdentity(n);
            var kron = id.KroneckerProduct(a.Transpose()) + a.Transpose().KroneckerProduct(id);
            var rhs = -(ctc + id);
            var vecP = kron.Solve(Vector<double>.Build.Dense(n * n, t => rhs[t % n, t / n]));
            var p0 = Matrix<double>.Build.Dense(n, n, (i, j) => 0.5 * (vecP[i + n * j] + vecP[j + n * i]));
            double beta = Math.Max(1.0, 1.0 / p0.Evd().EigenValues.Min(e => e.Real));
            tau0 = 1.5 * beta * p0.Trace();
        }
        int var = 0;
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++, var++)
            {
                var e = Matrix<double>.Build.Dense(n, n);
                e[i, j] = 1; e[j, i] = 1;
                // Block 1: [[-(A'E + EA), -EB], [-B'E, 0]]; block 2: E; trace rows: ±tr E.
                var lyap = -(a.TransposeThisAndMultiply(e) + e * a);
                var eb = -(e * b);
                var f1 = Matrix<double>.Build.Dense(n + p, n + p);
                f1.SetSubMatrix(0, 0, lyap); f1.SetSubMatrix(0, n, eb); f1.SetSubMatrix(n, 0, eb.Transpose());
                bld.AddMatrix(var + 1, 0, f1);
                bld.AddMatrix(var + 1, 1, e);
                if (i == j)
                {
                    bld.C[var] = 1e-2;
                    if (exactTrace) { bld.Add(var + 1, 2, 0, 0, 1); bld.Add(var + 1, 2, 1, 1, -1); }
                }
            }
        // t: the lower-right identity of block 1.
        for (int i = 0; i < p; i++) bld.Add(m, 0, n + i, n + i, 1);
        bld.C[m - 1] = 1;
        // F_0: block 1 holds C'C (F(x) = Σ F_i x_i - F_0), block 2 the identity, the trace pair ±τ₀.
        bld.AddMatrix(0, 0, ctc);
        for (int i = 0; i < n; i++) bld.Add(0, 1, i, i, 1);
        if (exactTrace) { bld.Add(0, 2, 0, 0, tau0); bld.Add(0, 2, 1, 1, -tau0); }
        return (bld.ToString(), m);
    }

    /// <summary>
    /// Truss topology design with <paramref name="loads"/> load cases (SDPLIB's truss family; with 30 cases, a many-block
    /// structural problem): b = 2k bars with random directions β_i ∈ R^k, loads f_l ∈ R^k, volume 1. Minimize τ over (τ, t)
    /// s.t. [[τ, f_l'], [f_l, Σ t_i β_i β_i']] ⪰ 0 for every l (blocks of order k + 1), t ≥ 0 and 1 - Σ t_i ≥ 0 (a diagonal block).
    /// </summary>
    public static (string Text, int M) Truss(Random rng, int k, int loads)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int bars = 2 * k, m = 1 + bars;
        var blocks = Enumerable.Repeat(k + 1, loads).Append(-(bars + 1)).ToArray();
        var bld = new Builder($"truss topology, {k} degrees of freedom, {bars} bars, {loads} load cases", m, blocks);
        var beta = Enumerable.Range(0, bars).Select(_ => Enumerable.Range(0, k).Select(_ => rng.NextDouble() * 2 - 1).ToArray()).ToArray();
        bld.C[0] = 1;
        for (int l = 0; l < loads; l++)
        {
            bld.Add(1, l, 0, 0, 1);
            for (int i = 0; i < k; i++) bld.Add(0, l, 0, i + 1, -(rng.NextDouble() * 2 - 1));
            for (int t = 0; t < bars; t++)
                for (int j = 0; j < k; j++)
                    for (int i = 0; i <= j; i++) bld.Add(t + 2, l, i + 1, j + 1, beta[t][i] * beta[t][j]);
        }
        int lp = loads;
        for (int t = 0; t < bars; t++) { bld.Add(t + 2, lp, t, t, 1); bld.Add(t + 2, lp, bars, bars, -1); }
        bld.Add(0, lp, bars, bars, -1);
        return (bld.ToString(), m);
    }

    /// <summary>
    /// Quadratic-assignment relaxation of order k² + 1 on the lifted matrix Y = [[1, x'], [x, X]], x = vec of a k x k
    /// assignment: min &lt;L, Y&gt; with L = [[0, 0], [0, B ⊗ A]] (random flow A and distance B) s.t. Y_00 = 1,
    /// diag X = x, the gangster zeros X_(ij),(ik) = X_(ij),(kj) = 0, and the row and column sums of diag X equal to one
    /// (the last column sum, implied by the others, left out). Every feasible Y is singular (v'Yv = 0 for
    /// v = (-1, e_i ⊗ 1)), so the SDPA dual has no strictly feasible point.
    /// </summary>
    public static (string Text, int M) Qap(Random rng, int k)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int order = k * k + 1;
        int Pos(int i, int j) => 1 + i + k * j;
        var flow = Matrix<double>.Build.Dense(k, k); var dist = Matrix<double>.Build.Dense(k, k);
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) { flow[i, j] = flow[j, i] = rng.Next(0, 6); dist[i, j] = dist[j, i] = rng.Next(1, 10); }
        var cons = new List<List<(int I, int J, double V)>>();
        var rhs = new List<double>();
        cons.Add([(0, 0, 1)]); rhs.Add(1);
        for (int p = 1; p < order; p++) { cons.Add([(p, p, 1), (0, p, -0.5)]); rhs.Add(0); }
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                for (int l = j + 1; l < k; l++)
                {
                    cons.Add([(Pos(i, j), Pos(i, l), 1)]); rhs.Add(0);
                    cons.Add([(Pos(j, i), Pos(l, i), 1)]); rhs.Add(0);
                }
        for (int i = 0; i < k; i++) { cons.Add([.. Enumerable.Range(0, k).Select(j => (Pos(i, j), Pos(i, j), 1.0))]); rhs.Add(1); }
        for (int j = 0; j < k - 1; j++) { cons.Add([.. Enumerable.Range(0, k).Select(i => (Pos(i, j), Pos(i, j), 1.0))]); rhs.Add(1); }
        int m = cons.Count;
        var bld = new Builder($"quadratic assignment relaxation, n = {k}, order {order}", m, [order]);
        for (int t = 0; t < m; t++) { bld.C[t] = rhs[t]; foreach (var (i, j, v) in cons[t]) bld.Add(t + 1, 0, i, j, v); }
        // F_0 = -L (max <F_0, Y> = -min <L, Y>); L_(ij),(kl) = B_jl A_ik.
        for (int j = 0; j < k; j++)
            for (int i = 0; i < k; i++)
                for (int l = 0; l < k; l++)
                    for (int q = 0; q < k; q++)
                        if (Pos(q, l) >= Pos(i, j)) bld.Add(0, 0, Pos(i, j), Pos(q, l), -dist[j, l] * flow[i, q]);
        return (bld.ToString(), m);
    }

    /// <summary>
    /// Max-cut relaxation of G(k, p): min Σ x_i s.t. Diag(x) - L/4 ⪰ 0 (F_i = E_ii, F_0 = L/4), whose value is
    /// max ¼&lt;L, X&gt; s.t. diag X = 1, X ⪰ 0 (SDPLIB's mcp family).
    /// </summary>
    public static (string Text, int M) MaxCut(Random rng, int k, double p)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var lap = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) { lap[i, i] += 1; lap[j, j] += 1; lap[i, j] -= 1; lap[j, i] -= 1; }
        var bld = new Builder($"max-cut relaxation of G({k}, {p.ToString(CultureInfo.InvariantCulture)})", k, [k]);
        Array.Fill(bld.C, 1.0);
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) bld.Add(0, 0, i, j, lap[i, j] / 4);
        for (int i = 0; i < k; i++) bld.Add(i + 1, 0, i, i, 1);
        return (bld.ToString(), k);
    }

    /// <summary>
    /// Graph bisection relaxation of G(k, p) (SDPLIB's gpp kind): min Σ_i x_i s.t. Diag(x) + x_0 J - W ⪰ 0, the dual of
    /// max &lt;W, Y&gt; s.t. diag Y = 1, &lt;J, Y&gt; = 0, Y ⪰ 0; &lt;J, Y&gt; = 0 makes every feasible Y singular (no strictly feasible Y).
    /// </summary>
    public static (string Text, int M) Bisection(Random rng, int k, double p)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var bld = new Builder($"graph bisection relaxation of G({k}, {p.ToString(CultureInfo.InvariantCulture)})", k + 1, [k]);
        for (int i = 0; i < k; i++) bld.C[i] = 1;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) bld.Add(0, 0, i, j, 1);
        for (int i = 0; i < k; i++) bld.Add(i + 1, 0, i, i, 1);
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) bld.Add(k + 1, 0, i, j, 1);
        return (bld.ToString(), k + 1);
    }

    /// <summary>
    /// Lovász theta of G(k, p) (SDPLIB's theta family): min x_1 s.t. x_1 I + Σ_e x_e (E_ij + E_ji) - J ⪰ 0, whose value is
    /// θ(G) = max &lt;J, X&gt; s.t. tr X = 1, X_ij = 0 on the edges, X ⪰ 0.
    /// </summary>
    public static (string Text, int M) Theta(Random rng, int k, double p)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var edges = new List<(int, int)>();
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++)
                if (rng.NextDouble() < p) edges.Add((i, j));
        int m = edges.Count + 1;
        var bld = new Builder($"Lovasz theta of G({k}, {p.ToString(CultureInfo.InvariantCulture)})", m, [k]);
        bld.C[0] = 1;
        for (int j = 0; j < k; j++)
            for (int i = 0; i <= j; i++) bld.Add(0, 0, i, j, 1);
        for (int i = 0; i < k; i++) bld.Add(1, 0, i, i, 1);
        for (int e = 0; e < edges.Count; e++) bld.Add(e + 2, 0, edges[e].Item1, edges[e].Item2, 1);
        return (bld.ToString(), m);
    }

    /// <summary>
    /// A random SDP with a known optimum: one k x k block and a diagonal block of 4, m dense-ish F_i. Complementary
    /// X* = Q diag(d, 0) Q', Y* = Q diag(0, e) Q', random sparse symmetric F_i and x*, then F_0 = Σ F_i x*_i - X* and
    /// c_i = &lt;F_i, Y*&gt;, so the optimum is c'x* (= &lt;F_0, Y*&gt;).
    /// </summary>
    public static (string Text, double Optimum) Random(Random rng, int k, int m)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int lp = 4;
        var q = Matrix<double>.Build.Dense(k, k, (_, _) => rng.NextDouble() - 0.5).QR().Q;
        int rank = Math.Max(1, k / 2);
        var d = Vector<double>.Build.Dense(k, i => i < rank ? 0.5 + rng.NextDouble() : 0.0);
        var e = Vector<double>.Build.Dense(k, i => i < rank ? 0.0 : 0.5 + rng.NextDouble());
        var xStar = q * Matrix<double>.Build.DenseOfDiagonalVector(d) * q.Transpose();
        var yStar = q * Matrix<double>.Build.DenseOfDiagonalVector(e) * q.Transpose();
        // LP block: slack and dual complementary on alternating entries.
        var lpSlack = Enumerable.Range(0, lp).Select(i => i % 2 == 0 ? 0.5 + rng.NextDouble() : 0.0).ToArray();
        var lpDual = Enumerable.Range(0, lp).Select(i => i % 2 == 0 ? 0.0 : 0.5 + rng.NextDouble()).ToArray();
        var x = Enumerable.Range(0, m).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var bld = new Builder("", m, [k, -lp]);
        var f0 = -xStar;
        var f0lp = lpSlack.Select(v => -v).ToArray();
        for (int t = 0; t < m; t++)
        {
            var fm = Matrix<double>.Build.Dense(k, k);
            fm[t % k, t % k] = 1.0;     // keeps the F_i independent
            for (int r = 0; r < 3 * k; r++) { int i = rng.Next(k), j = rng.Next(k); double v = 2 * rng.NextDouble() - 1; fm[i, j] += v; if (i != j) fm[j, i] += v; }
            var flp = new double[lp];
            flp[t % lp] = 2 * rng.NextDouble() - 1;
            f0 += x[t] * fm;
            for (int i = 0; i < lp; i++) f0lp[i] += x[t] * flp[i];
            bld.C[t] = fm.PointwiseMultiply(yStar).Enumerate().Sum();
            for (int i = 0; i < lp; i++) bld.C[t] += flp[i] * lpDual[i];
            bld.AddMatrix(t + 1, 0, fm);
            for (int i = 0; i < lp; i++) bld.Add(t + 1, 1, i, i, flp[i]);
        }
        bld.AddMatrix(0, 0, f0);
        for (int i = 0; i < lp; i++) bld.Add(0, 1, i, i, f0lp[i]);
        double optimum = bld.C.Zip(x, (u, v) => u * v).Sum();
        return (bld.ToString().Replace("\"\n", $"\"random SDP with known optimum {optimum.ToString("R", CultureInfo.InvariantCulture)}\n", StringComparison.Ordinal), optimum);
    }
}
