using ExactConvexNN.Arrangements;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Verification;

/// <summary>
/// A certificate of (near-)optimality for a two-layer ReLU network: its objective
/// 1/2 ||f(X) - y||^2 + beta/2 sum_j (||u_j||^2 + w_j^2), a lower bound on the global optimum from a dual-feasible
/// point, and the gap between them.
/// </summary>
/// <param name="Objective">The network's objective.</param>
/// <param name="LowerBound">A lower bound on the global optimum over all networks of any width.</param>
/// <param name="Gap">Objective - LowerBound (&gt;= 0 up to rounding).</param>
/// <param name="RelativeGap">Gap / max(|Objective|, tiny).</param>
/// <param name="CertifiedOptimal">RelativeGap is within the relative tolerance, or Gap within the absolute one.</param>
/// <param name="Rho">max over unit g of |v'(Xg)_+| for the candidate v (before scaling).</param>
/// <param name="DualScale">The scale t that made t v dual feasible and best.</param>
/// <param name="Chambers">Number of chambers checked.</param>
public sealed record Certificate(double Objective, double LowerBound, double Gap, double RelativeGap, bool CertifiedOptimal, double Rho, double DualScale, int Chambers);

/// <summary>
/// Certifies how far any two-layer ReLU network is from the global optimum, without trusting a solver. The dual of the
/// convex program is
/// <code>
///   max  -1/2 ||v - y||^2 + 1/2 ||y||^2   s.t.   max_{||g|| &lt;= 1} |v'(Xg)_+| &lt;= beta,
/// </code>
/// and rho(v) = max_{||g||&lt;=1} |v'(Xg)_+| = max over chambers i of the support values of +-X'D_i v on the chamber's
/// closed cone (an exact small projection each, bounded from above by <see cref="ConeSupport"/>). For a candidate v
/// (by default the network's residual y - f(X)), t v with t = clamp(v'y/||v||^2, 0, beta/rho) is dual feasible, so its
/// dual value is a lower bound on the optimum. The bound depends only on the exact chamber enumeration and this
/// formula.
/// </summary>
public static class OptimalityVerifier
{
    /// <summary>The default relative gap under which a network counts as certified optimal.</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>
    /// The default absolute gap under which a network counts as certified optimal whatever its objective: the convex
    /// solver's absolute gap tolerance (1e-8), so that an optimum at or near 0 (targets near 0, or a large beta) can be
    /// certified although the solver only resolves it to that absolute accuracy.
    /// </summary>
    public const double DefaultAbsoluteTolerance = 1e-8;

    /// <summary>Certifies <paramref name="network"/> on <paramref name="data"/> (features without the bias column, targets required).</summary>
    /// <param name="data">The training data.</param>
    /// <param name="beta">The weight decay.</param>
    /// <param name="network">Any two-layer ReLU network with the data's number of inputs.</param>
    /// <param name="arrangement">The exact chambers of the network's input matrix (with the bias column if the network has one); enumerated when null.</param>
    /// <param name="candidate">A dual candidate v (length n), such as the trainer's multipliers (kept in the network file as
    /// "dual_candidate"); the network's residual y - f(X) is always tried too, and the better bound is kept.</param>
    /// <param name="tolerance">Relative gap for <see cref="Certificate.CertifiedOptimal"/>.</param>
    /// <param name="maxPatterns">Refusal threshold of the enumeration.</param>
    /// <param name="absoluteTolerance">Gap for <see cref="Certificate.CertifiedOptimal"/> regardless of the objective's size.</param>
    /// <exception cref="InputException">Sizes disagree, no targets, a bad beta, sampled chambers, or too many chambers.</exception>
    public static Certificate Verify(Dataset data, double beta, TwoLayerReluNetwork network, Arrangement? arrangement = null,
        double[]? candidate = null, double tolerance = DefaultTolerance, long maxPatterns = ArrangementOptions.DefaultMaxPatterns,
        double absoluteTolerance = DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(network);
        if (data.Y is null) throw new InputException($"the data '{data.Source}' has no target column; verification needs targets");
        if (!double.IsFinite(beta) || beta < 0) throw new InputException($"beta must be a finite number >= 0, got {beta}");
        if (data.Columns != network.Inputs)
            throw new InputException($"the network takes {network.Inputs} inputs but the data has {data.Columns} feature columns; use the data it was trained on (and --bias only if the network has a bias)");
        var x = network.Bias ? data.WithBias().X : data.X;
        arrangement ??= ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = maxPatterns, IndependentCount = false });
        if (arrangement.Sampled) throw new InputException("verification needs every chamber; sampled chambers give no certificate");
        if (arrangement.Rows != data.Rows || arrangement.Columns != x.GetLength(1))
            throw new InputException("the arrangement was enumerated for other data");
        var y = data.Y;
        double objective = network.Objective(data.X, y, beta);
        var f = network.Predict(data.X);
        var residual = new double[y.Length];
        for (int i = 0; i < residual.Length; i++) residual[i] = y[i] - f[i];
        var (bound, rho, scale) = LowerBound(x, y, beta, arrangement.Chambers, residual);
        if (candidate is not null)
        {
            if (candidate.Length != data.Rows) throw new InputException($"the dual candidate has {candidate.Length} entries, expected {data.Rows}");
            var other = LowerBound(x, y, beta, arrangement.Chambers, candidate);
            if (other.LowerBound > bound) (bound, rho, scale) = other;
        }
        double gap = objective - bound;
        double rel = gap / Math.Max(Math.Abs(objective), 1e-300);
        return new Certificate(objective, bound, gap, rel, rel <= tolerance || gap <= absoluteTolerance, rho, scale, arrangement.Chambers.Count);
    }

    /// <summary>
    /// The dual lower bound from candidate v: rho(v) over all chambers, t = clamp(v'y/||v||^2, 0, beta/rho), and
    /// -1/2 ||t v - y||^2 + 1/2 ||y||^2. rho is inflated by a relative 1e-12 against rounding.
    /// </summary>
    public static (double LowerBound, double Rho, double Scale) LowerBound(double[,] x, double[] y, double beta, IReadOnlyList<Chamber> chambers, ReadOnlySpan<double> v)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        double rho = 0;
        var c = new double[d];
        var nonzeroRows = ChamberCone.NonzeroRows(x);
        var rows = new List<double[]>();
        foreach (var ch in chambers)
        {
            if (ch.FacetRows is null) throw new InputException("verification needs the chambers' facets; enumerate exactly instead of sampling");
            // c = X'D_i v.
            Array.Clear(c);
            for (int j = 0; j < n; j++)
                if (ch[j] && v[j] != 0) for (int k = 0; k < d; k++) c[k] += x[j, k] * v[j];
            // The chamber's closed cone: (2D - I)_jj x_j'g >= 0 over its facet rows, or over every row for a thin
            // chamber, whose near-dependent facets hold more in doubles than the exact cone (each row is valid for it).
            rows.Clear();
            foreach (int j in ChamberCone.Rows(x, ch, nonzeroRows))
            {
                var r = new double[d];
                double sgn = ch[j] ? 1 : -1;
                for (int k = 0; k < d; k++) r[k] = sgn * x[j, k];
                rows.Add(r);
            }
            rho = Math.Max(rho, ConeSupport.UpperBound(rows, c));
            for (int k = 0; k < d; k++) c[k] = -c[k];
            rho = Math.Max(rho, ConeSupport.UpperBound(rows, c));
        }
        rho *= 1 + 1e-12;
        double vy = 0, vv = 0;
        for (int i = 0; i < n; i++) { vy += v[i] * y[i]; vv += v[i] * v[i]; }
        double t = vv == 0 ? 0 : Math.Max(0, vy / vv);
        if (rho > 0) t = Math.Min(t, beta / rho);
        double value = 0, yy = 0;
        for (int i = 0; i < n; i++) { double r = t * v[i] - y[i]; value += r * r; yy += y[i] * y[i]; }
        return (-value / 2 + yy / 2, rho, t);
    }
}
