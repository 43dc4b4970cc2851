using ExactConvexNN.Arrangements;
using ExactConvexNN.Networks;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;
using ExactConvexNN.Solver.Problem;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Verification;

/// <summary>
/// A lower bound on the optimum p* of the vector-output ReLU network problem (and on the SDP relaxation's p_rel &lt;= p*)
/// from any V (n x K), checked without trusting a solver. The dual of the exact program is
/// max &lt;V, Y&gt; - 1/2 ||V||^2 s.t. ||V' D_i X u|| &lt;= beta for every unit u in every chamber cone {F_i u &gt;= 0}. With
/// G_i = X' D_i V, Q_i = G_i G_i' and any N &gt;= 0 (one entry per pair r &lt; s of the chamber's signed rows),
/// <code>
///   max over unit u in the cone of ||G_i'u||^2 = u'Q_i u &lt;= u'(Q_i + sum N_rs (F_r F_s' + F_s F_r')/2) u &lt;= lambda_max(Q_i + C_i(N)),
/// </code>
/// since F_r'u F_s'u &gt;= 0 on the cone. So rho = max_i sqrt(lambda_i) bounds the dual constraint at V, and the best
/// t V with t &lt;= beta / rho gives the bound (<see cref="OptimalityVerifier.ScaledBound"/>). This lambda_max bound is the
/// relaxation's own dual norm, so at the relaxation's optimum it reaches p_rel. N comes from the relaxation's pair-row
/// multipliers (scaled by 2 beta, their role in the dual), is 0 (the spectral bound ||G_i||^2), or, for the chambers
/// that decide rho, from a small SDP min lambda_max(Q_i + C_i(N)) over N &gt;= 0; every choice is verified by an
/// eigenvalue computation of its own, so the solver is only a source of candidates.
/// </summary>
public static class VectorReluCertificate
{
    /// <summary>At most this many per-chamber SDPs for one candidate.</summary>
    public const int MaxChamberSolves = 2000;

    /// <summary>A thin chamber's SDP with every nonzero row (pairs of rows: quadratic) only up to this many rows.</summary>
    public const int MaxRowsForEveryRow = 200;

    /// <summary>
    /// The certificate of a vector-output network: its objective and the best lower bound over the candidates (the
    /// network's residual Y - f(X) is always tried) and every chamber of <paramref name="arrangement"/>.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="x">Features n x d with the bias column appended when the network has one.</param>
    /// <param name="y">Targets n x K.</param>
    /// <param name="xData">Features as the network reads them (without the bias column).</param>
    /// <param name="beta">Regularization strength.</param>
    /// <param name="arrangement">Every chamber of <paramref name="x"/>.</param>
    /// <param name="candidates">Dual candidates V (n x K) to try besides the residual.</param>
    /// <param name="multipliers">Per chamber, a candidate N (one entry per pair of <see cref="ChamberCone.Rows"/>) when known.</param>
    /// <param name="tolerance">Relative gap of the verdict.</param>
    public static Certificate Verify(VectorReluNetwork network, double[,] x, double[,] y, double[,] xData, double beta, Arrangement arrangement,
        IEnumerable<double[,]?> candidates, IReadOnlyDictionary<Chamber, double[]>? multipliers, double tolerance = Certificate.DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(arrangement); ArgumentNullException.ThrowIfNull(candidates);
        var f = network.Outputs(xData);
        double objective = ClassTargets.SquaredLoss(f, y) + network.Regularizer(beta);
        int n = y.GetLength(0), k = y.GetLength(1);
        var residual = new double[n, k];
        for (int i = 0; i < n; i++) for (int t = 0; t < k; t++) residual[i, t] = y[i, t] - f[i, t];
        var certificates = new List<Certificate>();
        foreach (var v in candidates.Append(residual))
        {
            if (v is null || v.GetLength(0) != n || v.GetLength(1) != k || v.Cast<double>().Any(e => !double.IsFinite(e))) continue;
            var (bound, rho, scale) = LowerBound(x, y, beta, arrangement.Chambers, v, multipliers);
            certificates.Add(Certificate.FromBound(objective, bound, rho, scale, arrangement.Chambers.Count, tolerance));
        }
        return Certificate.Best(certificates);
    }

    /// <summary>The lower bound of one candidate V: rho over every chamber, then the best t V within t &lt;= beta / rho.</summary>
    public static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, double[,] y, double beta, IReadOnlyList<Chamber> chambers,
        double[,] v, IReadOnlyDictionary<Chamber, double[]>? multipliers)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y); ArgumentNullException.ThrowIfNull(chambers); ArgumentNullException.ThrowIfNull(v);
        var nonzero = ChamberCone.NonzeroRows(x);
        var live = chambers.Where(c => !c.IsAllZero).ToArray();
        var lambda = new double[live.Length];
        var q = new Matrix<double>[live.Length];
        var rows = new int[live.Length][];
        Parallel.For(0, live.Length, i =>
        {
            // Any rows of (2 D - I) X are nonnegative on the exact cone, so any subset gives a valid bound: the facet rows
            // (also of thin chambers, where a program needs every row; here they only make the bound looser, never wrong).
            rows[i] = live[i].FacetRows ?? nonzero;
            q[i] = Gram(x, live[i], v);
            double spectral = LargestEigenvalue(q[i]);
            lambda[i] = spectral;
            if (multipliers is not null && multipliers.TryGetValue(live[i], out var z) && z.Length == rows[i].Length * (rows[i].Length - 1) / 2
                && ChamberCone.Rows(x, live[i], nonzero).SequenceEqual(rows[i]))
                lambda[i] = Math.Min(spectral, LargestEigenvalue(q[i] + PairMatrix(x, live[i], rows[i], z.Select(e => 2 * beta * Math.Max(e, 0)).ToArray())));
        });
        // Only the largest lambda matters, and only down to (beta / t*)^2 with t* = <V,Y>/||V||^2, the scale without the
        // constraint: the chambers are refined from the largest down while they decide rho.
        double vy = 0, vv = 0;
        int n = y.GetLength(0), k = y.GetLength(1);
        for (int i = 0; i < n; i++) for (int t = 0; t < k; t++) { vy += v[i, t] * y[i, t]; vv += v[i, t] * v[i, t]; }
        double enough = vv > 0 && vy > 0 ? beta * beta * vv * vv / (vy * vy) : double.PositiveInfinity;
        var order = Enumerable.Range(0, live.Length).OrderByDescending(i => lambda[i]).ToArray();
        double settled = 0;
        int solves = 0;
        foreach (int i in order)
        {
            if (lambda[i] <= settled || lambda[i] <= enough || solves >= MaxChamberSolves) break;
            if (rows[i].Length >= 2)
            {
                solves++;
                var nBest = ChamberMultipliers(q[i], x, live[i], rows[i]);
                if (nBest is not null) lambda[i] = Math.Min(lambda[i], LargestEigenvalue(q[i] + PairMatrix(x, live[i], rows[i], nBest)));
            }
            // A thin chamber's facet rows describe, in doubles, a cone a little larger than the exact one; when it still
            // decides rho, every nonzero row (the description its program would use) tightens the bound.
            if (lambda[i] > Math.Max(settled, enough) && rows[i] != nonzero && nonzero.Length <= MaxRowsForEveryRow && ChamberCone.IsThin(x, live[i]))
            {
                solves++;
                var nAll = ChamberMultipliers(q[i], x, live[i], nonzero);
                if (nAll is not null) lambda[i] = Math.Min(lambda[i], LargestEigenvalue(q[i] + PairMatrix(x, live[i], nonzero, nAll)));
            }
            settled = Math.Max(settled, lambda[i]);
        }
        double rho = live.Length == 0 ? 0 : Math.Sqrt(Math.Max(0, lambda.Max()));
        var yFlat = y.Cast<double>().ToArray();
        var vFlat = v.Cast<double>().ToArray();
        return OptimalityVerifier.ScaledBound(yFlat, beta, rho, vFlat);
    }

    /// <summary>Q = G G' with G = X' D V (d x K): the Gram matrix of the chamber's dual constraint.</summary>
    private static Matrix<double> Gram(double[,] x, Chamber chamber, double[,] v)
    {
        int n = x.GetLength(0), d = x.GetLength(1), k = v.GetLength(1);
        var g = Matrix<double>.Build.Dense(d, k);
        for (int i = 0; i < n; i++)
        {
            if (!chamber[i]) continue;
            for (int c = 0; c < d; c++)
            {
                double xc = x[i, c];
                if (xc == 0) continue;
                for (int t = 0; t < k; t++) g[c, t] += xc * v[i, t];
            }
        }
        return g * g.Transpose();
    }

    /// <summary>C(N) = sum_(r &lt; s) N_rs (F_r F_s' + F_s F_r')/2 over the pairs of the chamber's signed rows.</summary>
    private static Matrix<double> PairMatrix(double[,] x, Chamber chamber, int[] rows, double[] n)
    {
        var f = VectorReluSdpProgram.SignedRows(x, chamber, rows);
        int d = x.GetLength(1);
        var c = Matrix<double>.Build.Dense(d, d);
        int p = 0;
        foreach (var (r, s) in VectorReluSdpProgram.Pairs(rows.Length))
        {
            double w = n[p++];
            if (w == 0) continue;
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) c[a, b] += w * (f[r, a] * f[s, b] + f[s, a] * f[r, b]) / 2;
        }
        return c;
    }

    private static double LargestEigenvalue(Matrix<double> m)
    {
        var sym = (m + m.Transpose()) / 2;
        return sym.Evd(Symmetricity.Symmetric).EigenValues.Max(e => e.Real);
    }

    /// <summary>
    /// The N &gt;= 0 of the small SDP min lambda s.t. lambda I - Q - C(N) PSD (clipped at 0; the caller verifies the bound
    /// it gives), or null when the solve fails.
    /// </summary>
    private static double[]? ChamberMultipliers(Matrix<double> q, double[,] x, Chamber chamber, int[] rows)
    {
        int d = q.RowCount, m = rows.Length, pairs = m * (m - 1) / 2, dim = d * (d + 1) / 2;
        var f = VectorReluSdpProgram.SignedRows(x, chamber, rows);
        double scale = Math.Max(1e-300, q.Diagonal().Max());
        // Variables [lambda, N]; rows: -N + s = 0 (s >= 0), then s = svec(lambda I - Q - C(N)) in PSD, i.e.
        // A = [-svec(I), svec(S_rs)], b = -svec(Q), with Q scaled to unit diagonal maximum.
        var t = new List<(int, int, double)>();
        for (int p = 0; p < pairs; p++) t.Add((p, p + 1, -1.0));
        for (int a = 0; a < d; a++) t.Add((pairs + PsdCone.SvecIndex(a, a, d), 0, -1.0));
        int col = 1;
        var rowNorms = new double[m];
        for (int r = 0; r < m; r++) { double s2 = 0; for (int c = 0; c < d; c++) s2 += f[r, c] * f[r, c]; rowNorms[r] = Math.Sqrt(s2); }
        foreach (var (r, s) in VectorReluSdpProgram.Pairs(m))
        {
            double unit = rowNorms[r] * rowNorms[s];
            for (int c = 0; c < d; c++)
                for (int a = c; a < d; a++)
                {
                    double e = (f[r, a] * f[s, c] + f[s, a] * f[r, c]) / 2 / unit;
                    if (a != c) e *= Math.Sqrt(2);
                    if (e != 0) t.Add((pairs + PsdCone.SvecIndex(a, c, d), col, e));
                }
            col++;
        }
        var b = new double[pairs + dim];
        for (int c = 0; c < d; c++)
            for (int a = c; a < d; a++) b[pairs + PsdCone.SvecIndex(a, c, d)] = -q[a, c] / scale * (a == c ? 1 : Math.Sqrt(2));
        var qv = new double[pairs + 1];
        qv[0] = 1;
        var problem = ConicProblem.Create(null, qv, CscMatrix.FromTriplets(pairs + dim, pairs + 1, t), b,
            pairs > 0 ? [new NonnegativeConeSpec(pairs), new PsdConeSpec(d)] : [new PsdConeSpec(d)]);
        var result = ConicSolver.Solve(problem, new SolverSettings());
        if (result.Status is not (SolverStatus.Solved or SolverStatus.AlmostSolved) || result.X.Any(e => !double.IsFinite(e))) return null;
        var n = new double[pairs];
        int p2 = 0;
        foreach (var (r, s) in VectorReluSdpProgram.Pairs(m)) { n[p2] = Math.Max(0, result.X[p2 + 1]) * scale / (rowNorms[r] * rowNorms[s]); p2++; }
        return n;
    }
}
