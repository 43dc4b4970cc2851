using ExactConvexNN.Arrangements;
using ExactConvexNN.Programs;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Verification;

/// <summary>
/// The dual constraint of the three-layer program, bounded from above without trusting a solver. The dual is
/// <code>
///   max  -1/2 ||v - y||^2 + 1/2 ||y||^2   s.t.   rho3(v) = max over units with ||W||_F = ||w|| = 1 of |v'((X W)_+ w)_+| &lt;= beta,
/// </code>
/// and rho3(v) = max over second-layer chambers D_i and signs s of the support value
/// M(s, i) = max { s v'D_i h : h = sum_j D_j X (u_j - v_j), (2D_i - I) h &gt;= 0, u_j, v_j in chamber j's cone, sum ||u_j|| + ||v_j|| &lt;= 1 }.
/// For every lambda &gt;= 0, weak duality gives M(s, i) &lt;= rho2(s D_i v + (2 D_i - I) lambda), where rho2 is the two-layer
/// dual constraint (<see cref="OptimalityVerifier.Rho(double[,], int, IReadOnlyList{Arrangements.Chamber}, ReadOnlySpan{double})"/>, itself an upper bound over every first-layer chamber). lambda
/// comes from solving the support problem (<see cref="ThreeLayerReluProgram.SupportProblem"/>) by the interior-point
/// method; any lambda, even a poor one, gives a valid bound, and lambda = 0 is always tried. Groups are visited in the order
/// of their lambda = 0 bound, and a group whose lambda = 0 bound cannot raise the maximum is not solved.
/// </summary>
public static class ThreeLayerCertificate
{
    /// <summary>An upper bound on rho3(v) over every pattern pair.</summary>
    /// <param name="x">X (n x d, with the bias column if any), or a CNN's stacked patch rows (row r belongs to sample r mod n).</param>
    /// <param name="inner">Every first-layer chamber of X's rows, with facets (exact enumeration).</param>
    /// <param name="outer">Every second-layer chamber over the n samples (of <see cref="DoubleArrangement.OuterBasis"/>).</param>
    /// <param name="v">The candidate (length n).</param>
    /// <param name="cancellation">Stops the bound early (throws <see cref="OperationCanceledException"/>).</param>
    public static double Rho(double[,] x, IReadOnlyList<Chamber> inner, IReadOnlyList<Chamber> outer, double[] v, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(inner); ArgumentNullException.ThrowIfNull(outer); ArgumentNullException.ThrowIfNull(v);
        int n = v.Length;
        var groups = new List<(int Sign, Chamber Outer, double Rho0)>();
        var r = new double[n];
        foreach (var ch in outer)
        {
            if (ch.IsAllZero) continue;
            foreach (int s in new[] { 1, -1 })
            {
                // lambda = 0: r = s D_i v.
                for (int t = 0; t < n; t++) r[t] = ch[t] ? s * v[t] : 0;
                groups.Add((s, ch, OptimalityVerifier.Rho(x, n, inner, r)));
            }
        }
        double best = 0;
        foreach (var (s, ch, rho0) in groups.OrderByDescending(g => g.Rho0))
        {
            cancellation.ThrowIfCancellationRequested();
            if (rho0 <= best) break;
            var (problem, rowOf) = ThreeLayerReluProgram.SupportProblem(x, ch, s, inner, v);
            var solution = ConicSolver.Solve(problem);
            double bound = rho0;
            if (solution.Z.All(double.IsFinite))
            {
                // r = s D_i v + (2 D_i - I) lambda with lambda = max(z, 0) on the outer rows.
                for (int t = 0; t < n; t++)
                {
                    double lambda = rowOf[t] < 0 ? 0 : Math.Max(0, solution.Z[rowOf[t]]);
                    r[t] = (ch[t] ? s * v[t] : 0) + (ch[t] ? lambda : -lambda);
                }
                bound = Math.Min(bound, OptimalityVerifier.Rho(x, n, inner, r));
            }
            best = Math.Max(best, bound);
        }
        return best;
    }
}
