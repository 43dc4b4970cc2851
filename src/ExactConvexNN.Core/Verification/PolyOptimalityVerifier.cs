using ExactConvexNN.Networks;
using MathNet.Numerics.LinearAlgebra;

namespace ExactConvexNN.Verification;

/// <summary>
/// Certifies how far any polynomial-activation network (FC or CNN, <see cref="NetworkArchitecture"/>) is from the global
/// optimum, without trusting a solver. For any V (n x O), 1/2||F - Y||^2 &gt;= -1/2||V||^2 + &lt;V, Y - F&gt;, and
/// every neuron's term of &lt;V, F&gt; is w_{j,r,o} q_ro(u_j) with
/// <code>
///   q_ro(u) = sum_i v_io avg_{k in P_r} sigma(x_ik'u) = u'B u + 2 g'u + c0,
///   B = a sum_i v_io avg_k x_ik x_ik',  g = b/2 sum_i v_io avg_k x_ik,  c0 = c sum_i v_io,
/// </code>
/// so when rho(V) = max_{r,o} max_{||u||=1} |q_ro(u)| &lt;= beta the penalty beta ||w||_1 dominates and
/// -1/2||V||^2 + &lt;V, Y&gt; is a lower bound. For a candidate V (by default the residual Y - F), t V with
/// t = clamp(&lt;V, Y&gt;/||V||^2, 0, beta/rho) is feasible. The maximum of u'Bu + 2g'u on the unit sphere is bounded from
/// above by mu + g'(mu I - B)^-1 g for every mu &gt; lambda_max(B) (complete the square with ||u|| = 1); the bound is
/// minimized over mu (convex in mu) and is exact at its minimum (the trust-region subproblem).
/// </summary>
public static class PolyOptimalityVerifier
{
    /// <summary>
    /// The best certificate over several dual candidates (null stands for the residual Y - F): every candidate gives a
    /// valid lower bound, so the largest counts. See the other overload for the arguments.
    /// </summary>
    public static Certificate VerifyBest(PolyNetwork network, double[,] x, double[,] y, double beta, IEnumerable<double[,]?> candidates,
        double tolerance = OptimalityVerifier.DefaultTolerance, double absoluteTolerance = OptimalityVerifier.DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var list = candidates.DefaultIfEmpty(null).ToList();
        return Certificate.Best(list.Select(c => Verify(network, x, y, beta, c, tolerance, absoluteTolerance)));
    }

    /// <summary>Certifies <paramref name="network"/> on features X and targets Y (n x O, as from <see cref="PolyNetwork.Targets"/>).</summary>
    /// <param name="network">Any polynomial network.</param>
    /// <param name="x">Features (n x inputs).</param>
    /// <param name="y">Targets (n x outputs).</param>
    /// <param name="beta">Regularization strength (&gt;= 0).</param>
    /// <param name="candidate">A dual candidate V (n x O); null for the network's residual Y - F.</param>
    /// <param name="tolerance">Relative gap for <see cref="Certificate.CertifiedOptimal"/>.</param>
    /// <param name="absoluteTolerance">Gap for <see cref="Certificate.CertifiedOptimal"/> regardless of the objective's size.</param>
    /// <exception cref="ArgumentException">Sizes disagree, beta is negative or a value is not finite.</exception>
    public static Certificate Verify(PolyNetwork network, double[,] x, double[,] y, double beta, double[,]? candidate = null,
        double tolerance = OptimalityVerifier.DefaultTolerance, double absoluteTolerance = OptimalityVerifier.DefaultAbsoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(network); ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(y);
        if (!double.IsFinite(beta) || beta < 0) throw new ArgumentException($"beta must be a finite number >= 0, got {beta}");
        var arch = network.Architecture;
        int n = x.GetLength(0), o = arch.Outputs;
        if (y.GetLength(0) != n || y.GetLength(1) != o) throw new ArgumentException($"{n} samples and {o} outputs but the targets are {y.GetLength(0)} x {y.GetLength(1)}");
        var patches = arch.ExtractPatches(x);
        var f = network.PredictPatches(patches);
        double objective = PolyNetwork.Loss(f, y) + network.Regularizer(beta);
        var v = candidate ?? Residual(y, f);
        if (v.GetLength(0) != n || v.GetLength(1) != o) throw new ArgumentException($"the candidate is {v.GetLength(0)} x {v.GetLength(1)}, expected {n} x {o}");
        double vv = 0, vy = 0;
        for (int i = 0; i < n; i++)
            for (int t = 0; t < o; t++)
            {
                if (!double.IsFinite(v[i, t])) throw new ArgumentException("the dual candidate has a non-finite entry");
                vv += v[i, t] * v[i, t]; vy += v[i, t] * y[i, t];
            }
        double rho = Rho(network.Polynomial, arch, patches, v);
        // Inflate against rounding in the eigenvalues and sums.
        rho *= 1 + 1e-12;
        double scale = vv == 0 ? 0 : Math.Max(0, vy / vv);
        if (rho > 0) scale = Math.Min(scale, beta / rho);
        double bound = -0.5 * scale * scale * vv + scale * vy;
        return Certificate.FromBound(objective, bound, rho, scale, null, tolerance, absoluteTolerance);
    }

    private static double[,] Residual(double[,] y, double[,] f)
    {
        var r = new double[y.GetLength(0), y.GetLength(1)];
        for (int i = 0; i < y.GetLength(0); i++)
            for (int t = 0; t < y.GetLength(1); t++) r[i, t] = y[i, t] - f[i, t];
        return r;
    }

    /// <summary>Upper bound on max_{r,o} max_{||u|| = 1} |q_ro(u)| for the candidate v.</summary>
    internal static double Rho(PolynomialActivation act, NetworkArchitecture arch, double[][] patches, double[,] v)
    {
        int p = arch.PatchLength, o = arch.Outputs, n = patches.Length;
        double rho = 0;
        for (int r = 0; r < arch.Regions.Count; r++)
        {
            var region = arch.Regions[r];
            for (int t = 0; t < o; t++)
            {
                // B = a sum_i v_it avg_k x_ik x_ik', g = b/2 sum_i v_it avg_k x_ik, c0 = c sum_i v_it.
                var b = Matrix<double>.Build.Dense(p, p);
                var g = new double[p];
                double c0 = 0;
                for (int i = 0; i < n; i++)
                {
                    double w = v[i, t] / region.Length;
                    c0 += act.C * v[i, t];
                    if (w == 0) continue;
                    foreach (int q in region)
                    {
                        var xk = patches[i].AsSpan(q * p, p);
                        for (int c = 0; c < p; c++)
                        {
                            g[c] += act.B / 2 * w * xk[c];
                            double aw = act.A * w * xk[c];
                            if (aw == 0) continue;
                            for (int e = 0; e < p; e++) b[e, c] += aw * xk[e];
                        }
                    }
                }
                double up = SphereMaximum(b, g) + c0;
                double down = SphereMaximum(-b, g.Select(e => -e).ToArray()) - c0;   // -(min q)
                // -down <= q(u) <= up on the sphere, so |q(u)| <= max(|up|, |down|).
                rho = Math.Max(rho, Math.Max(Math.Abs(up), Math.Abs(down)));
            }
        }
        return rho;
    }

    /// <summary>
    /// An upper bound on max_{||u|| = 1} u'Bu + 2 g'u (B symmetric): min over mu &gt; lambda_max of
    /// h(mu) = mu + sum_i (q_i'g)^2 / (mu - lambda_i), found by bisection on h'(mu) = 1 - sum (q_i'g)^2/(mu - lambda_i)^2
    /// in (lambda_max, lambda_max + ||g||]; every evaluated h is itself a valid bound, and the smallest is returned.
    /// </summary>
    internal static double SphereMaximum(Matrix<double> b, double[] g)
    {
        int p = g.Length;
        var evd = ((b + b.Transpose()) / 2).Evd(Symmetricity.Symmetric);
        var lam = new double[p];
        var gt = new double[p];
        for (int i = 0; i < p; i++)
        {
            lam[i] = evd.EigenValues[i].Real;
            double s = 0;
            for (int c = 0; c < p; c++) s += evd.EigenVectors[c, i] * g[c];
            gt[i] = s * s;
        }
        double lmax = lam.Max(), gnorm = Math.Sqrt(gt.Sum());
        double scale = Math.Max(1.0, Math.Max(Math.Abs(lmax), gnorm));
        // A margin keeps mu - lambda_i positive despite rounding; it loosens the bound by at most ~1e-13 scale.
        double eps = 1e-13 * scale;
        double H(double mu)
        {
            double h = mu;
            for (int i = 0; i < p; i++) if (gt[i] > 0) h += gt[i] / (mu - lam[i]);
            return h;
        }
        double lo = lmax + eps, hi = lmax + Math.Max(gnorm, eps) + eps;
        double best = Math.Min(H(lo), H(hi));
        if (gnorm == 0) return best;
        for (int it = 0; it < 200 && hi - lo > 1e-15 * scale; it++)
        {
            double mid = 0.5 * (lo + hi);
            double d = 1;
            for (int i = 0; i < p; i++) if (gt[i] > 0) d -= gt[i] / ((mid - lam[i]) * (mid - lam[i]));
            best = Math.Min(best, H(mid));
            if (d < 0) lo = mid; else hi = mid;
        }
        return best;
    }
}
